"""Cases on what goes in: symlinks, an unreadable folder, invalid text, a wrong model name, a
deleted chroma.sqlite3, keyword stuffing, and leftovers (exports, uploads, history)."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ingest.embedder import resolve_model_path
from ingest.errors import InvalidInputError, ModelMismatchError, StoreError
from qa.engine import QAEngine
from qa.types import Answer
from vectorstore.store import ArticleStore

from .common import (
    CORPUS,
    KREMLIN_FILE,
    S400,
    VISIT_FILE,
    CheckFailed,
    Context,
    Skip,
    bounded,
    citation_problems,
    expect,
    one_line,
)

# ---- case 1: symlinks ------------------------------------------------------------------------

OUTSIDE_ARTICLE = """Harbour ferry strike ends after nine days

The ferry workers' strike in the harbour town ended on Monday after nine days, the union said.
Boats will sail again from Tuesday morning, and the timetable returns to normal within the week,
according to the operator, which agreed to a new pay scale for the crews.
"""


def case_symlinks(ctx: Context) -> tuple[bool, str]:
    top = ctx.fresh("symlinks")
    folder, outside = top / "articles", top / "outside"
    (folder / "sub").mkdir(parents=True)
    outside.mkdir()
    shutil.copy(CORPUS / KREMLIN_FILE, folder / "a.txt")
    shutil.copy(CORPUS / VISIT_FILE, folder / "sub" / "b.txt")
    (outside / "c.txt").write_text(OUTSIDE_ARTICLE, encoding="utf-8")
    (folder / "sub" / "loop").symlink_to("..")  # back to the folder itself
    (folder / "inside").symlink_to("sub")  # a link that stays inside: followed once
    (folder / "out.txt").symlink_to(outside / "c.txt")  # a file link leaving the folder
    (folder / "out-dir").symlink_to(outside)  # a folder link leaving it
    engine = ctx.engine(top / "store")
    report = bounded(lambda: engine.ingest([folder]), 180, "ingest of a folder with a link loop")
    titles = sorted(r.title for r in engine.articles())
    skipped = " ".join(f"{s.origin} {s.reason}" for s in report.skipped)
    problems = []
    if any(t.startswith("Harbour ferry") for t in titles):
        problems.append("the article behind a link leaving the folder was ingested")
    if len(titles) != 2 + any(t.startswith("Harbour ferry") for t in titles):
        problems.append(f"expected the 2 articles of the folder, stored {titles}")
    reported = {
        "the loop sub/loop": "loop" in skipped,
        "out.txt": "out.txt" in skipped or str(outside / "c.txt") in skipped,
        "out-dir": "out-dir" in skipped or str(outside) in skipped,
    }
    missing = [name for name, seen in reported.items() if not seen]
    if missing:
        problems.append(f"not reported as skipped: {', '.join(missing)} (skipped: {skipped!r})")
    expect(not problems, "; ".join(problems))
    return True, (
        "a folder with a link loop, a link inside, file and folder links leaving it: ingest "
        f"ends ({report.seconds:.1f} s), the 2 articles inside are stored once, nothing from "
        "outside; the loop and both leaving links are reported as skipped"
    )


# ---- case 2: an unreadable sub-folder ---------------------------------------------------------

WITHOUT_DAC = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]


def _permissions_bite(ctx: Context, locked: Path) -> None:
    """Skip unless a process started through WITHOUT_DAC is refused a chmod 000 folder."""
    if shutil.which("setpriv") is None:
        raise Skip("setpriv (util-linux) is not installed: cannot drop root's read-anything rights")
    if os.geteuid() != 0:
        raise Skip("needs root to drop capabilities (and to chmod the folder back)")
    probe = [*WITHOUT_DAC, sys.executable, "-c", f"import os; os.listdir({str(locked)!r})"]
    result = ctx.run(probe, timeout=60)
    if result.returncode == 0 or b"PermissionError" not in result.stderr:
        raise Skip(f"permissions do not bite even without CAP_DAC_*: {one_line(result.stderr)}")


def case_unreadable_folder(ctx: Context) -> tuple[bool, str]:
    top = ctx.fresh("unreadable")
    folder, store = top / "articles", top / "store"
    locked = folder / "locked"
    locked.mkdir(parents=True)
    shutil.copy(CORPUS / KREMLIN_FILE, folder / "a.txt")
    shutil.copy(CORPUS / VISIT_FILE, locked / "b.txt")
    expect(len(ctx.engine(store).ingest([folder]).added) == 2, "first ingest did not add 2")
    before = {r.id for r in ctx.engine(store).articles()}
    locked.chmod(0)
    try:
        _permissions_bite(ctx, locked)
        command = [*WITHOUT_DAC, sys.executable, "-m", "qa", "--store", store, "ingest"]
        result = ctx.run([*command, "--prune", folder], timeout=300)
    finally:
        locked.chmod(0o755)
    out, err = result.stdout.decode(errors="replace"), result.stderr.decode(errors="replace")
    expect("Traceback" not in err, f"traceback: {one_line(err[-400:])}")
    expect(result.returncode in (0, 2), f"exit code {result.returncode}: {one_line(err)}")
    after = {r.id for r in ctx.engine(store).articles()}
    skipped = [line for line in (out + err).splitlines() if "locked" in line]
    problems = []
    if not before <= after:
        problems.append(
            f"ingest --prune removed {len(before - after)} article(s) whose folder it could "
            "not read"
        )
    if not skipped:
        problems.append("the unreadable folder is not reported")
    expect(not problems, f"{'; '.join(problems)} (exit {result.returncode}; it printed: "
           f"{one_line(out + err)})")  # fmt: skip
    return True, (
        "a chmod 000 sub-folder, ingest --prune run without root's CAP_DAC_*: it is reported "
        f"({one_line(skipped[0], 120)}) and its article is kept (exit {result.returncode})"
    )


# ---- case 3: lone surrogates and invalid UTF-8 --------------------------------------------------


def _api_calls(engine: QAEngine) -> dict[str, Callable[[], Any]]:
    broken_history = [
        {"role": "user", "content": "What did T\udcfcrkiye buy from Russia in 2017\udcff?"},
        {"role": "assistant", "content": "Four S-400 systems \ud83d."},
    ]
    parts = [{"role": "user", "content": [{"type": "text", "text": "S-400 \udc80 deal"}]}]
    return {
        "a lone low surrogate": lambda: engine.ask("How much did T\udcfcrkiye pay for the S-400s?"),
        "a lone high surrogate": lambda: engine.ask("\ud800How much did Türkiye pay?"),
        "nothing but surrogates": lambda: engine.ask("\udcff\udcfe"),
        "surrogates in history": lambda: engine.ask("How much did they cost?", broken_history),
        "surrogates in content parts": lambda: engine.ask("And the price?", parts),
        "retrieve": lambda: engine.retrieve("S-400 \udcff price"),
        "bytes": lambda: engine.ask(b"S-400 \xff price"),
    }


def _api_outcome(engine: QAEngine, name: str, call: Callable[[], Any]) -> str:
    try:
        result = call()
    except InvalidInputError:
        return "InvalidInputError"
    except Exception as exc:  # noqa: BLE001 - any other exception fails the case
        raise CheckFailed(f"{name}: {type(exc).__name__}: {one_line(exc)}") from exc
    if isinstance(result, Answer):
        json.dumps(result.to_dict(), ensure_ascii=False).encode("utf-8")  # valid Unicode
        problems = citation_problems(engine, result)
        expect(not problems, f"{name}: invalid citations {problems}")
        return "abstained" if result.abstained else "answered"
    for passage in result:
        passage.text.encode("utf-8")
    return "passages"


def _cli_outcome(ctx: Context, store: Path, question: bytes) -> str:
    result = ctx.run([sys.executable, "-m", "qa", "--store", store, "ask", question], timeout=300)
    err = result.stderr.decode("utf-8", errors="replace")
    expect(b"Traceback" not in result.stderr, f"ask {question!r}: traceback {one_line(err)}")
    expect(
        result.returncode == 0 or (result.returncode == 2 and len(err.strip().splitlines()) == 1),
        f"ask {question!r}: exit {result.returncode}, stderr {one_line(err)}",
    )
    result.stdout.decode("utf-8")  # what it printed is valid UTF-8
    return "answered" if result.returncode == 0 else f"one-line error ({one_line(err, 70)})"


def case_invalid_text(ctx: Context) -> tuple[bool, str]:
    store = ctx.bundled()
    engine = ctx.engine(store)
    seen = {name: _api_outcome(engine, name, call) for name, call in _api_calls(engine).items()}
    cli = [
        _cli_outcome(
            ctx,
            store,
            "How much did T\u00fcrkiye pay for the S-400 systems? ".encode() + b"\xff\xfe",
        ),
        _cli_outcome(ctx, store, b"\xff\xfe\xc3"),
    ]
    api = ", ".join(f"{name}: {outcome}" for name, outcome in seen.items())
    return True, (
        f"Python API ({api}); `python -m qa ask` with invalid UTF-8 in argv: {cli[0]}, only "
        f"invalid bytes: {cli[1]}; never a traceback, every citation exact"
    )


# ---- case 6: a wrong embedding model name -----------------------------------------------------


def case_model_name(ctx: Context) -> tuple[bool, str]:
    path = ctx.fresh("model") / "store"
    wrong = QAEngine.open(store=path, embedding_model="no-such/model-xyz")
    started = time.monotonic()
    try:
        wrong.ingest([CORPUS])
    except InvalidInputError as exc:
        message = one_line(exc, 90)
    else:
        raise CheckFailed("ingest with a model that does not exist succeeded")
    took = time.monotonic() - started
    expect(wrong.stats()["articles"] == 0, "the wrong model stored articles")
    right = ctx.engine(path)
    expect(len(right.ingest([CORPUS]).added) == 2, "the right model could not ingest afterwards")
    aliases = [
        "all-MiniLM-L6-v2",
        "sentence-transformers/all-MiniLM-L6-v2",
        resolve_model_path("all-MiniLM-L6-v2"),
    ]
    for alias in aliases:
        store = ArticleStore.open_local(path, right.settings.collection, alias)
        records = store.snapshot().records
        expect(len(records) == 2, f"alias {alias!r} sees {len(records)} articles")
    try:
        ArticleStore.open_local(path, right.settings.collection, "some/other-model")
    except ModelMismatchError:
        pass
    else:
        raise CheckFailed("another model opened a store built with all-MiniLM-L6-v2")
    return True, (
        f"a wrong model name fails in {took:.1f} s offline ({message!r}) and stamps nothing; "
        "the right model ingests afterwards; its 3 aliases (short, hub id, packaged path) open "
        "the same store; another model is a ModelMismatchError"
    )


# ---- case 7: a deleted chroma.sqlite3 -----------------------------------------------------------


def case_missing_database(ctx: Context) -> tuple[bool, str]:
    store = ctx.fresh("missing-db") / "store"
    shutil.copytree(ctx.bundled(), store)
    (store / "chroma.sqlite3").unlink()
    before = sorted(p.name for p in store.iterdir())
    try:
        QAEngine.open(store=store)
    except StoreError as exc:
        message = one_line(exc)
    else:
        raise CheckFailed("a store folder without chroma.sqlite3 opened as a store")
    expect("chroma.sqlite3" in message, f"the error does not name what is missing: {message}")
    result = ctx.run([sys.executable, "-m", "qa", "--store", store, "ask", S400], timeout=300)
    err = result.stderr.decode(errors="replace")
    expect(
        result.returncode == 2 and "Traceback" not in err, f"ask: exit {result.returncode}, {err}"
    )
    expect("chroma.sqlite3" in err, f"`ask` does not name what is missing: {one_line(err)}")
    after = sorted(p.name for p in store.iterdir())
    expect(after == before, f"the folder changed: {before} -> {after} (reseeded?)")
    return True, (
        "chroma.sqlite3 deleted from a store: QAEngine.open is a StoreError naming it "
        f"('…{message[message.find('but not its database') :][:110]}'), `python -m qa ask` exits 2 "
        "with one line, nothing is created or seeded"
    )


# ---- case 8: keyword stuffing -----------------------------------------------------------------

ECHO = "How much did Türkiye pay for the S-400 systems? Türkiye pay S-400 systems much."
STUFFED = (
    "Türkiye S-400 systems pay\n\n"
    + " ".join([ECHO] * 40)
    + "\n\n"
    + " ".join(["Türkiye S-400 systems pay much pay Türkiye."] * 30)
)


def case_stuffing(ctx: Context) -> tuple[bool, str]:
    top = ctx.fresh("stuffing")
    shutil.copytree(CORPUS, top / "corpus")
    (top / "corpus" / "stuffed.txt").write_text(STUFFED, encoding="utf-8")
    engine = ctx.engine(top / "store")
    expect(len(engine.ingest([top / "corpus"]).added) == 3, "the 3 articles were not ingested")
    answer = engine.ask(S400)
    expect(not answer.abstained, f"abstained: {one_line(answer.text)}")
    expect("$2.5 billion" in answer.text, f"wrong answer: {one_line(answer.text)}")
    stuffed = [c.number for c in answer.citations if c.title == "Türkiye S-400 systems pay"]
    expect(not stuffed, f"cites the stuffed article: {stuffed}")
    expect(not citation_problems(engine, answer), "invalid citations")
    return True, (
        "an article repeating the question's words 200 times beside the bundled corpus: "
        f"{S400!r} is still answered $2.5 billion, citing the Anadolu article only"
    )


# ---- case 9: leftovers and growth ---------------------------------------------------------------


def _exports(ctx: Context, engine: QAEngine) -> str:
    from qa.ui.export import ExportFolder
    from qa.ui.service import ChatService

    service = ChatService(engine)
    turn = service.ask(S400, [], service.default_options())
    parent = ctx.fresh("exports")
    exports = ExportFolder(keep=3, parent=parent)
    paths = [exports.write([turn] * (i + 1)) for i in range(10)]
    folders = sorted(parent.glob("aqa-export-*"))
    expect(len(folders) == 1, f"10 exports made {len(folders)} aqa-export-* folders")
    kept = sorted(folders[0].iterdir())
    expect(kept == sorted(paths[-3:]), f"10 exports (keep=3) left {len(kept)} files")
    exports.cleanup()
    left = sorted(parent.glob("aqa-export-*"))
    expect(not left, f"cleanup() left {left}")
    return "10 exports: 1 aqa-export-* folder with the latest 3 files, none after cleanup()"


def _uploads(ctx: Context) -> str:
    from qa.ui.service import ChatService

    top = ctx.fresh("uploads")
    uploads = top / "uploads"
    service = ChatService(ctx.engine(top / "store"), uploads)
    short, good, binary = top / "short.txt", top / "good.txt", top / "blob.txt"
    short.write_text("Too short.", encoding="utf-8")
    good.write_text(OUTSIDE_ARTICLE, encoding="utf-8")
    binary.write_bytes(bytes(range(256)) * 8)
    files = [("short.txt", str(short)), ("blob.txt", str(binary))]
    report, _ = service.ingest_uploads(files, 100_000, 5)
    expect(not report.added and len(report.skipped) == 2, f"refused uploads: {report.summary()}")
    stray = [p for p in uploads.rglob("*") if p.is_file()] if uploads.exists() else []
    expect(not stray, f"refused uploads left files: {stray}")
    report, _ = service.ingest_uploads([("good.txt", str(good)), *files], 100_000, 5)
    kept = sorted(p.name for p in uploads.rglob("*") if p.is_file())
    expect(len(report.added) == 1 and kept == ["01-good.txt"], f"kept {kept}")
    empty = [p for p in uploads.rglob("*") if p.is_dir() and not any(p.iterdir())]
    expect(not empty, f"empty upload folders left: {empty}")
    return "uploads refused (too short, binary) leave no file; of 3, only the ingested one stays"


def _history_limits(engine: QAEngine) -> str:
    from qa.ui.service import ChatService

    limit = engine.settings.max_history_messages
    message = {"role": "user", "content": "What did Türkiye buy?"}
    errors = []
    for history in ([message] * (limit + 1), [{"role": "user", "content": "word " * 20_000}]):
        try:
            engine.ask(S400, history=history)
        except InvalidInputError as exc:
            errors.append(one_line(exc, 70))
        else:
            raise CheckFailed(f"a history of {len(history)} messages was accepted")
    service = ChatService(engine)
    turns = [service.ask(S400, [], service.default_options())] * 40
    turn = service.ask("Who sold them?", turns, service.default_options())  # no error
    outcome = "abstains" if turn.answer.abstained else "answers"
    return (
        f"history of {limit + 1} messages / 100,000 chars: InvalidInputError ({errors[0]!r}; "
        f"{errors[1]!r}); the chat service passes only the latest turns of an 80-message chat "
        f"({outcome}, no error)"
    )


def case_leftovers(ctx: Context) -> tuple[bool, str]:
    engine = ctx.engine(ctx.bundled())
    checks = [_exports(ctx, engine), _uploads(ctx), _history_limits(engine)]
    return True, "; ".join(checks)
