"""Tests for ingest.readers.decode_text: exact UTF-8/UTF-16, legacy encodings, refused bytes."""

from __future__ import annotations

import pytest

from ingest.readers import decode_text

LONG = (
    "The city council voted on Tuesday to approve a network of protected bike lanes across "
    "the downtown area, ending months of debate."
)


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        # short Western European texts: charset-normalizer alone reads these as cp1250 or
        # UTF-16-BE ("Seńor Muńoz", "naďve", "䍡曩"); cp1252 must win the tie
        ("Café", "cp1252"),
        ("Price: 5 €", "cp1252"),
        ("“Yes,” she said – it’s done…", "cp1252"),
        ("Señor Muñoz dijo", "latin-1"),
        ("Zürich résumé naïve", "cp1252"),
        ("Die Größe der Straße über München wurde geändert.", "latin-1"),
        (f"Le président a déclaré à Paris que la réforme était nécessaire.\n\n{LONG}", "cp1252"),
        # other legacy encodings: the old cp1252-or-nothing guess misread or refused these
        ("Türkiye'nin başkenti Ankara'da Cumhurbaşkanı Erdoğan ile görüşme yapıldı.", "cp1254"),
        ("Кремль опроверг сообщения СМИ о встрече президентов в Москве.", "cp1251"),
        ("Кремль опроверг сообщения СМИ о встрече президентов в Москве.", "koi8-r"),
        (
            "Prezydent Polski powiedział, że współpraca z Łodzią i Gdańskiem "
            "jest ważna dla żołnierzy.",
            "cp1250",
        ),
        ("Ο πρωθυπουργός της Ελλάδας δήλωσε ότι η οικονομία βελτιώνεται σταθερά.", "cp1253"),
        ("Łódź i Gdańsk", "cp1250"),
    ],
)
def test_legacy_encodings_decode(text: str, encoding: str) -> None:
    assert decode_text(text.encode(encoding)) == (text, None)


@pytest.mark.parametrize(
    "data",
    [
        "日本語の記事です。東京で会議が開かれた。".encode("shift_jis"),
        "中国外交部发言人表示，双方将继续加强合作。".encode("gbk"),
        # charset-normalizer limited to single-byte encodings reads this as KOI8-R mojibake
        "한국 정부는 오늘 새로운 정책을 발표했습니다.".encode("euc-kr"),
        bytes(range(128, 256)) * 4,
        ("Café “quoted” " + LONG).encode() + b" it\x92s",  # UTF-8 with a stray cp1252 byte
    ],
)
def test_undecodable_bytes_are_refused(data: bytes) -> None:
    assert decode_text(data) == (None, "not valid UTF-8 text")


def test_unicode_with_bom_is_exact() -> None:
    text = "Çağrı “quoted” — Кремль 日本"
    assert decode_text(b"\xef\xbb\xbf" + text.encode()) == (text, None)
    assert decode_text(text.encode("utf-16")) == (text, None)  # with BOM
    assert decode_text(b"\xfe\xff" + text.encode("utf-16-be")) == (text, None)
    assert decode_text(text.encode()) == (text, None)


def test_control_bytes_are_binary() -> None:
    # charset-normalizer calls these bytes UTF-8; they are not a text file
    assert decode_text(bytes(range(1, 32)) * 20) == (None, "binary file, not text")
    assert decode_text(b"Title\x00\x00body") == (None, "binary file, not text")
