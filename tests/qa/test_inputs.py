"""Hostile or broken input: lone surrogates and invalid UTF-8 from a broken client or terminal,
and conversations too long to pass — a clean answer or a clear InvalidInputError, never a
traceback."""

from __future__ import annotations

import pytest

from ingest.errors import InvalidInputError
from qa.conversation import clean_text, latest_messages
from qa.engine import QAEngine
from qa.settings import load_settings

S400 = "How much did Türkiye pay for the S-400 systems?"


def test_clean_text_replaces_lone_surrogates_and_keeps_pairs_and_accents() -> None:
    assert clean_text("Türkiye \udcff pays") == "Türkiye \ufffd pays"
    assert clean_text("\ud800 alone") == "\ufffd alone"
    assert clean_text("smile \ud83d\ude00") == "smile 😀"  # a pair joins into one character
    assert clean_text("tab\tand\x00nul\x07") == "tab\tandnul"  # control characters go
    clean_text("x").encode("utf-8")


def test_a_question_with_a_lone_surrogate_is_answered(engine: QAEngine) -> None:
    # what Python makes of invalid UTF-8 on a command line (surrogateescape)
    broken = S400.replace("?", " \udcc3?")
    answer = engine.ask(broken)
    assert not answer.abstained and "$2.5 billion" in answer.text
    assert answer.question.encode("utf-8")  # the answer is valid text throughout
    assert answer.to_dict()["question"].encode("utf-8")


def test_a_question_that_is_only_broken_bytes_is_a_clear_error(engine: QAEngine) -> None:
    with pytest.raises(InvalidInputError, match="question"):
        engine.ask("\udcff\udcfe")


def test_history_with_lone_surrogates_is_cleaned(engine: QAEngine) -> None:
    history = [
        {"role": "user", "content": "What did Türkiye buy from Russia in 2017?\udcff"},
        {"role": "assistant", "content": "S-400 systems \ud800"},
    ]
    answer = engine.ask("How much did they cost?", history=history)
    assert "$2.5 billion" in answer.text and answer.query.encode("utf-8")


def test_history_beyond_its_bound_is_a_clear_error(engine: QAEngine) -> None:
    limit = engine.settings.max_history_messages
    history = [{"role": "user", "content": "Where did Putin and Erdogan meet?"}] * (limit + 1)
    with pytest.raises(InvalidInputError, match=f"at most {limit} messages"):
        engine.ask(S400, history=history)
    big = [{"role": "user", "content": "word " * (engine.settings.max_history_chars // 4)}]
    with pytest.raises(InvalidInputError, match="characters"):
        engine.ask(S400, history=big)
    # the latest messages within the bound are fine
    assert not engine.ask(S400, history=history[:limit]).abstained


def test_a_long_chat_passes_only_its_latest_turns() -> None:
    settings = load_settings(max_history_messages=4, max_history_chars=100)
    history = [{"role": "user", "content": f"question {i}"} for i in range(10)]
    assert latest_messages(history, settings) == history[-4:]
    wordy = [{"role": "user", "content": "x" * 60} for _ in range(3)]
    assert latest_messages(wordy, settings) == wordy[-1:]
