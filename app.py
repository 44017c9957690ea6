"""The chat UI (Gradio): `python app.py` or `article-qa serve`. Binds to 127.0.0.1 by default."""

from __future__ import annotations

import argparse
import html
import os

import gradio as gr

from ingest.errors import ArticleQAError
from qa.engine import QAEngine
from qa.types import Answer


def _render(answer: Answer) -> str:
    if answer.abstained:
        text = "**The articles do not answer this.**"
        if answer.related:
            text += "\n\nRelated reading (not an answer):\n" + "\n".join(
                f"- {html.escape(p.title)}" for p in answer.related[:3]
            )
        return text
    lines = [html.escape(answer.text), "", "**Sources**"]
    for c in answer.citations:
        where = ", ".join(html.escape(x) for x in (c.source, c.published) if x)
        lines.append(f"[{c.number}] *{html.escape(c.title)}* {f'({where})' if where else ''}")
    return "\n".join(lines)


def build(engine: QAEngine) -> gr.Blocks:
    def respond(message: str, history: list[dict]) -> str:
        try:
            turns = [{"role": m["role"], "content": m["content"]} for m in history]
            return _render(engine.ask(message, history=turns))
        except ArticleQAError as exc:
            raise gr.Error(str(exc)) from None

    return gr.ChatInterface(
        respond,
        title="article-qa",
        description="Ask about the news articles.",
        examples=[
            "How much did Türkiye pay for the S-400 systems?",
            "When is Putin expected to visit Turkey?",
        ],
    )


def launch(host: str = "127.0.0.1", port: int = 7860, store: str | None = None) -> None:
    engine = QAEngine.open(store=store)
    engine.ensure_corpus()
    build(engine).launch(server_name=host, server_port=port)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="article-qa chat UI")
    parser.add_argument("--host", default=os.environ.get("ARTICLE_QA_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("ARTICLE_QA_PORT", "7860")))
    parser.add_argument("--store", default=None)
    args = parser.parse_args()
    launch(args.host, args.port, args.store)
