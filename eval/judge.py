"""An LLM judge of citation support, used in addition to the offline checker when an LLM server
is configured (ARTICLE_QA_LLM_BASE_URL, ARTICLE_QA_LLM_MODEL)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.llm import ChatClient

PROMPT = (
    "You check whether a claim is fully supported by the evidence passages. Use only the "
    "evidence, not what you know. A claim is supported when every fact in it (numbers, names, "
    "dates, who did what) is stated or directly implied by the evidence.\n\n"
    "Evidence:\n{evidence}\n\nClaim: {claim}\n\n"
    "Answer with exactly one word: SUPPORTED or UNSUPPORTED."
)
_VERDICT = re.compile(r"\b(UNSUPPORTED|NOT SUPPORTED|SUPPORTED)\b", re.I)


class LLMJudge:
    def __init__(self, client: ChatClient) -> None:
        self.client = client

    def supports(self, claim: str, evidence: Sequence[str]) -> bool | None:
        """True/False, or None when the reply holds no verdict."""
        passages = "\n".join(f"[{i}] {text}" for i, text in enumerate(evidence, start=1))
        reply = self.client.chat(
            [{"role": "user", "content": PROMPT.format(evidence=passages, claim=claim)}],
            max_tokens=8,
        )
        match = _VERDICT.search(reply)
        if match is None:
            return None
        return match.group(1).upper() == "SUPPORTED"
