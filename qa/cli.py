"""The core commands: ingest | ask | chat | stats (`python -m qa`). User errors are one line.

The full `article-qa` command (these, plus eval and serve) is assembled one layer up, in
`app.cli`, so that nothing here imports the layers above the qa core.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ingest.errors import ArticleQAError
from qa.conversation import latest_messages

if TYPE_CHECKING:
    from qa.engine import QAEngine
    from qa.types import Answer


COMMANDS = ("ingest", "ask", "chat", "stats")


def parser(prog: str = "article-qa") -> tuple[argparse.ArgumentParser, Any]:
    """The parser with its global options, and its sub-parsers to add commands to."""
    top = argparse.ArgumentParser(
        prog=prog,
        description="Ask questions of news articles; every answer is cited to exact sentences.",
    )
    top.add_argument(
        "--store", help="store folder (default: ARTICLE_QA_STORE_PATH or the user data folder)"
    )
    add_llm_options(top)
    return top, top.add_subparsers(dest="command", required=True, metavar="COMMAND")


def add_llm_options(parser: argparse.ArgumentParser) -> None:
    """The answer mode and the LLM (default: the ARTICLE_QA_* settings; the API key is read
    from ARTICLE_QA_LLM_API_KEY only, never from the command line)."""
    group = parser.add_argument_group("answer mode")
    group.add_argument(
        "--mode",
        choices=["extractive", "llm"],
        help="extractive: quote the articles (default); llm: an LLM writes, every sentence is "
        "verified against the articles",
    )
    group.add_argument("--llm-provider", choices=["openai-like", "ollama", "openai"])
    group.add_argument("--llm-base-url", help="e.g. http://127.0.0.1:8080/v1 (llama.cpp)")
    group.add_argument("--llm-model", help="the model name the server knows")
    group.add_argument("--llm-timeout", type=float, help="seconds to wait for the LLM")


def llm_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """Settings overrides from the answer-mode options that were given."""
    given = {
        "answer_mode": getattr(args, "mode", None),
        "llm_provider": getattr(args, "llm_provider", None),
        "llm_base_url": getattr(args, "llm_base_url", None),
        "llm_model": getattr(args, "llm_model", None),
        "llm_timeout_s": getattr(args, "llm_timeout", None),
    }
    return {key: value for key, value in given.items() if value is not None}


def add_commands(sub: Any) -> None:
    """The core commands: ingest, ask, chat, stats."""
    ingest = sub.add_parser("ingest", help="add files or folders of articles to the store")
    ingest.add_argument("paths", nargs="+", metavar="PATH")
    ingest.add_argument(
        "--prune", action="store_true", help="also remove articles whose files are gone"
    )

    ask = sub.add_parser("ask", help="answer one question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the structured answer as JSON")
    ask.add_argument("--as-of", help="only use articles published by this date (YYYY-MM-DD)")
    ask.add_argument("--top-k", type=int, help="passages to retrieve")

    sub.add_parser("chat", help="a conversation in the terminal (follow-ups included)")
    sub.add_parser("stats", help="what the store holds")


def format_answer(answer: Answer) -> str:
    lines = [answer.text]
    if answer.mode == "llm":
        lines.append(f"(written by {answer.model}; every sentence verified against the articles)")
    if answer.notice:
        lines.append(f"(note: {answer.notice})")
    if answer.citations:
        lines.append("")
        lines.append("Sources:")
        for c in answer.citations:
            where = ", ".join(x for x in (c.source, c.published) if x)
            lines.append(f"  [{c.number}] {c.title}" + (f" ({where})" if where else ""))
            where = f"chars {c.start}-{c.end}" if c.field == "text" else f"article {c.field}"
            lines.append(f"      \u201c{c.quote}\u201d  ({where})")
    if answer.unanswered:
        lines.append("")
        lines.append("Not answered by the articles: " + " ".join(answer.unanswered))
    if answer.removed:
        lines.append("")
        lines.append("Removed (not supported by the articles):")
        lines += [f"  - \u201c{r.text}\u201d ({r.reason})" for r in answer.removed]
    if answer.abstained and answer.related:
        lines.append("")
        lines.append("Related reading (not an answer):")
        firsts = {p.article_id: p for p in reversed(answer.related)}
        for p in list(reversed(firsts.values()))[:3]:
            where = ", ".join(x for x in (p.source, p.published) if x)
            lines.append(f"  - {p.title}" + (f" ({where})" if where else ""))
    return "\n".join(lines)


def _open(args: argparse.Namespace, top_k: int | None = None) -> QAEngine:
    from qa.engine import QAEngine

    overrides = {"top_k": top_k} if top_k is not None else {}
    return QAEngine.open(store=args.store, **overrides, **llm_overrides(args))


class UnverifiedStream:
    """Shows an LLM's text on stderr as it arrives, marked unverified; the verified answer is
    printed after it (to stdout)."""

    def __init__(self) -> None:
        self.started = False

    def __call__(self, token: str) -> None:
        if not self.started:
            print("[writing, not yet verified] ", end="", file=sys.stderr)
            self.started = True
        print(token, end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.started:
            print("\n[verified answer below]\n", file=sys.stderr, flush=True)
        self.started = False


def _ready(engine: QAEngine) -> None:
    report = engine.ensure_corpus()
    if report is not None:
        print(
            f"(empty store: ingested the bundled sample corpus: {len(report.added)} articles)",
            file=sys.stderr,
        )


def _chat(engine: QAEngine) -> None:
    history: list[dict[str, str]] = []
    print("Ask about the articles (empty line or Ctrl-D to quit, /clear to start over).")
    while True:
        try:
            question = input("you> ").strip()
        except EOFError:
            print()
            return
        if not question:
            return
        if question == "/clear":
            history.clear()
            continue
        stream = UnverifiedStream()
        try:
            history = latest_messages(history, engine.settings)
            answer = engine.ask(question, history=history, on_token=stream)
        except ArticleQAError as exc:
            print(f"error: {exc}")
            continue
        finally:
            stream.close()
        print(format_answer(answer))
        print()
        history += [
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer.text},
        ]


def run(args: argparse.Namespace) -> int:
    """Run one of the core commands, parsed by a parser that `add_commands` filled."""
    engine = _open(args, getattr(args, "top_k", None))
    if args.command == "ingest":
        report = engine.ingest(args.paths, prune=args.prune, progress=sys.stderr.isatty())
        print(report.summary())
    elif args.command == "ask":
        engine.check_question(args.question)
        _ready(engine)
        stream = None if args.json else UnverifiedStream()
        try:
            answer = engine.ask(args.question, as_of=args.as_of, on_token=stream)
        finally:
            if stream is not None:
                stream.close()
        if args.json:
            print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        else:
            print(format_answer(answer))
    elif args.command == "chat":
        _ready(engine)
        _chat(engine)
    elif args.command == "stats":
        for key, value in engine.stats().items():
            print(f"{key}: {value}")
    return 0


def guarded(prog: str, command: Callable[[], int]) -> int:
    """Run a command; a user error is one line on stderr and exit code 2, never a traceback."""
    try:
        return command()
    except ArticleQAError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130


def main(argv: Sequence[str] | None = None) -> int:
    top, sub = parser("python -m qa")
    add_commands(sub)
    args = top.parse_args(argv)
    return guarded("article-qa", lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
