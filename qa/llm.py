"""A minimal client for an OpenAI-compatible chat-completions server (llama.cpp, vLLM, Ollama,
OpenAI). Only what article-qa needs: one chat call, with clear errors."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from ingest.errors import ArticleQAError, InvalidInputError
from qa.settings import Settings


class LLMError(ArticleQAError):
    """The LLM server could not be reached or gave an unusable reply."""


@dataclass(frozen=True)
class ChatClient:
    base_url: str  # e.g. http://127.0.0.1:8080/v1
    model: str
    api_key: str | None = None
    timeout_s: float = 60.0

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise InvalidInputError(f"llm_base_url must be an http(s) URL, got {self.base_url!r}")
        if not self.model:
            raise InvalidInputError("llm_model is empty")
        if self.timeout_s <= 0:
            raise InvalidInputError(f"llm_timeout_s must be > 0, got {self.timeout_s}")

    @classmethod
    def from_settings(cls, settings: Settings) -> ChatClient | None:
        """The configured client, or None when no LLM server is set."""
        if not settings.llm_base_url:
            return None
        if not settings.llm_model:
            raise InvalidInputError("ARTICLE_QA_LLM_MODEL must be set with ARTICLE_QA_LLM_BASE_URL")
        return cls(
            settings.llm_base_url, settings.llm_model, settings.llm_api_key, settings.llm_timeout_s
        )

    def chat(self, messages: list[dict[str, str]], max_tokens: int = 256) -> str:
        body = json.dumps(
            {"model": self.model, "messages": messages, "temperature": 0, "max_tokens": max_tokens}
        ).encode()
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        url = self.base_url.rstrip("/") + "/chat/completions"
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                reply = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            detail = exc.read(300).decode("utf-8", "replace")
            raise LLMError(f"LLM server at {url} answered {exc.code}: {detail}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise LLMError(f"cannot reach the LLM server at {url}: {reason}") from None
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise LLMError(f"LLM server at {url} sent a reply that is not JSON") from None
        try:
            content = reply["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise LLMError(f"LLM server at {url} sent no choices[0].message.content") from None
        if not isinstance(content, str):
            raise LLMError(f"LLM server at {url} sent a non-text message")
        return content
