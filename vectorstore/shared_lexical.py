"""The BM25 index of a server store, shared through the server: built once per revision.

Without it every client of a Chroma server rebuilds the index from every chunk when it first
reads a revision (seconds per thousand articles: fetching the chunks, tokenising, indexing).
Here the first client to build a revision's index (the writer that committed it, see
`ArticleStore.publish_lexical`, or else the first reader) stores it in the collection
`<name>-lexical`, and other clients download it. The index is derived data keyed by revision, so
any client may publish it and a reader never trusts anything else: the parts of one upload
carry its own token, the manifest (id = the revision) is written last and names the token, the
part count and a SHA-256 of the bytes; a missing part or a wrong digest means "not shared", and
the reader builds the index itself. Records carry the blob in metadata strings (documents would
be put in Chroma's full-text index) and a one-dimensional placeholder vector.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import tarfile
import tempfile
import uuid
import zlib
from pathlib import Path
from typing import Any

from vectorstore.lexical import FORMAT, LexicalIndex, manifests

PART_CHARS = 4_000_000  # base64 characters per record


class SharedLexical:
    def __init__(self, client: Any, name: str) -> None:
        self.client = client
        self.name = name
        self._collection = client.get_or_create_collection(name, embedding_function=None)

    def fetch(self, revision: str, folder: Path) -> LexicalIndex | None:
        """The shared index of `revision`, unpacked into `folder` (the local cache), or None."""
        try:
            got = self._collection.get(ids=[_key(revision)], include=["metadatas"])
            if not got["ids"]:
                return None
            manifest = got["metadatas"][0]
            ids = [f"{_key(revision)}:{manifest['token']}:{i}" for i in range(manifest["parts"])]
            parts = self._collection.get(ids=ids, include=["metadatas"])
            by_id = dict(zip(parts["ids"], parts["metadatas"], strict=True))
            if set(by_id) != set(ids):
                return None
            blob = base64.b64decode("".join(str(by_id[i]["data"]) for i in ids))
            if hashlib.sha256(blob).hexdigest() != manifest["sha256"]:
                return None
            _unpack(zlib.decompress(blob), folder)
        except Exception:  # noqa: BLE001 - derived data: the caller builds it instead
            return None
        return LexicalIndex.load(folder, revision)

    def publish(self, index: LexicalIndex, current: str) -> None:
        """Store `index` for others; then drop the indexes of other revisions when the store is
        still at `current` == index.revision. Failures are ignored (readers build it)."""
        with contextlib.suppress(Exception):
            blob = zlib.compress(_pack(index), 1)
            text = base64.b64encode(blob).decode("ascii")
            token = uuid.uuid4().hex[:12]
            key = _key(index.revision)
            pieces = [text[i : i + PART_CHARS] for i in range(0, len(text), PART_CHARS)] or [""]
            for i, piece in enumerate(pieces):
                self._collection.upsert(
                    ids=[f"{key}:{token}:{i}"],
                    embeddings=[[0.0]],
                    metadatas=[{"revision": key, "data": piece}],
                )
            manifest = {
                "revision": key,
                "token": token,
                "parts": len(pieces),
                "sha256": hashlib.sha256(blob).hexdigest(),
            }
            self._collection.upsert(ids=[key], embeddings=[[0.0]], metadatas=[manifest])
            if current == index.revision:
                self._collection.delete(where={"revision": {"$ne": key}})


def _key(revision: str) -> str:
    return f"{FORMAT}:{revision}"


def _pack(index: LexicalIndex) -> bytes:
    with tempfile.TemporaryDirectory(prefix="lexical-pack-") as tmp:
        folder = Path(tmp) / "index"
        index.save(folder)
        out = io.BytesIO()
        with tarfile.open(fileobj=out, mode="w") as tar:
            tar.add(folder, arcname=".")
        return out.getvalue()


def _unpack(data: bytes, folder: Path) -> None:
    """Extract into a fresh folder beside `folder`, then swap it in (never half-written)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=".lexical-get-") as tmp:
        target = Path(tmp) / "index"
        with tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
            tar.extractall(target, filter="data")
        index = LexicalIndex.load(target, _revision_of(target))
        if index is None:
            raise ValueError("the shared index does not load")
        index.save(folder)


def _revision_of(folder: Path) -> str:
    (manifest,) = manifests(folder)  # a packed index holds one revision
    return str(json.loads(manifest.read_text())["revision"])
