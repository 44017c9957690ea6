"""A client for an OpenAI-compatible chat-completions server (llama.cpp, vLLM, Ollama, OpenAI), on
the official `openai` SDK (the `llm` extra). Only what article-qa needs: one chat call, with clear
errors; the api key is never shown (not in errors, not in the client's repr)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ingest.errors import ArticleQAError, InvalidInputError
from qa.settings import Settings

if TYPE_CHECKING:
    import openai

INSTALL_HINT = "pip install 'article-qa[llm]'"


class LLMError(ArticleQAError):
    """The LLM server could not be reached or gave an unusable reply."""


def _sdk() -> Any:
    """The `openai` module, imported only when an LLM is configured."""
    try:
        import openai
    except ImportError:
        raise LLMError(
            f"an LLM server is configured but the openai package is missing: {INSTALL_HINT}"
        ) from None
    return openai


@dataclass(frozen=True)
class ChatClient:
    base_url: str  # e.g. http://127.0.0.1:8080/v1
    model: str
    api_key: str | None = field(default=None, repr=False)
    timeout_s: float = 60.0
    _client: openai.OpenAI = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise InvalidInputError(f"llm_base_url must be an http(s) URL, got {self.base_url!r}")
        if not self.model:
            raise InvalidInputError("llm_model is empty")
        if self.timeout_s <= 0:
            raise InvalidInputError(f"llm_timeout_s must be > 0, got {self.timeout_s}")
        client = _sdk().OpenAI(
            base_url=self.base_url,
            api_key=self.api_key or "unused",  # without a key no Authorization header is sent
            timeout=self.timeout_s,
            max_retries=0,
        )
        object.__setattr__(self, "_client", client)

    @classmethod
    def from_settings(cls, settings: Settings) -> ChatClient | None:
        """The configured client, or None when no LLM server is set."""
        if not settings.llm_base_url:
            return None
        if not settings.llm_model:
            raise InvalidInputError("ARTICLE_QA_LLM_MODEL must be set with ARTICLE_QA_LLM_BASE_URL")
        return cls(
            settings.llm_base_url,
            settings.llm_model,
            settings.llm_api_key.get_secret_value() if settings.llm_api_key else None,
            settings.llm_timeout_s,
        )

    @property
    def url(self) -> str:
        return self.base_url.rstrip("/") + "/chat/completions"

    def chat(self, messages: list[dict[str, str]], max_tokens: int = 256) -> str:
        """The reply's text; LLMError when the server is unreachable, slow, or answers badly."""
        openai = _sdk()
        headers = {} if self.api_key else {"Authorization": openai.Omit()}
        try:
            reply = self._client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                temperature=0,
                max_tokens=max_tokens,
                extra_headers=headers,
            )
        except openai.APITimeoutError:
            raise LLMError(
                f"the LLM server at {self.url} did not answer within {self.timeout_s:g} s"
            ) from None
        except openai.APIConnectionError as exc:
            reason = self._redact(str(exc.__cause__ or exc))
            raise LLMError(f"cannot reach the LLM server at {self.url}: {reason}") from None
        except openai.APIStatusError as exc:
            detail = self._redact(exc.response.text[:300])
            raise LLMError(
                f"LLM server at {self.url} answered {exc.status_code}: {detail}"
            ) from None
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise LLMError(f"LLM server at {self.url} sent a reply that is not JSON") from None
        except openai.OpenAIError as exc:
            name = type(exc).__name__
            raise LLMError(f"LLM request to {self.url} failed ({name})") from None
        return self._content(reply)

    def _content(self, reply: Any) -> str:
        try:
            content = reply.choices[0].message.content
        except (AttributeError, IndexError, KeyError, TypeError):
            content = None
        if content is None:
            raise LLMError(f"LLM server at {self.url} sent no choices[0].message.content")
        if not isinstance(content, str):
            raise LLMError(f"LLM server at {self.url} sent a non-text message")
        return content

    def _redact(self, text: str) -> str:
        """Server text with the api key blanked, should a server echo it."""
        return text.replace(self.api_key, "***") if self.api_key else text
