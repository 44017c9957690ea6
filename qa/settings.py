"""One settings object, read from the environment (ARTICLE_QA_*), built in one place and passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingest.errors import InvalidInputError

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "data" / "articles"


def default_store_path() -> Path:
    return Path(user_data_dir("article-qa", appauthor=False)) / "store"


class Settings(BaseSettings):
    """Every knob of article-qa. Environment variables override defaults, e.g. ARTICLE_QA_TOP_K=8."""

    # populate_by_name: the aliased fields below are still set by name (ui_port=8080)
    model_config = SettingsConfigDict(
        env_prefix="ARTICLE_QA_", extra="forbid", populate_by_name=True
    )

    store_path: Path = Field(default_factory=default_store_path)
    chroma_host: str | None = (
        None  # set to use a Chroma server (chroma run) instead of a local store
    )
    chroma_port: int = 8000
    chroma_timeout_s: float = 30.0  # a Chroma server request gives up after this long
    # a Chroma server store: the writer lease that serialises commits of several writers
    writer_lease_s: float = 30.0  # a dead writer's lease expires after this long unrenewed
    writer_claim_s: float = 0.5  # a claim's read and write must take less (Fischer's bound)
    writer_wait_s: float = 300.0  # a writer waits this long for the lease, then gives up
    share_lexical_index: bool = True  # the BM25 index is stored in the server per revision
    commit_batch_chunks: int = 1024  # a server store: chunks embedded per commit under the lease
    store_wait_s: float = 120.0  # first use of an empty store: wait this long for a writer
    collection: str = "articles"
    embedding_model: str = DEFAULT_MODEL
    # torch (sentence-transformers), onnx (ONNX Runtime, the same vectors as torch) or onnx-int8
    # (int8 weights: the fastest; other vectors); auto: the kind that wrote the store, onnx-int8
    # for a new one (see ingest/embedder.py)
    embedding_backend: Literal["auto", "torch", "onnx", "onnx-int8"] = "auto"
    onnx_cache_path: Path | None = None  # exported ONNX models; default: the user cache folder
    device: str = "cpu"
    embed_batch_size: int = 32
    chunk_tokens: int = (
        254  # word pieces per chunk, title prefix included (the model window is 256)
    )
    chunk_overlap_tokens: int = 48  # at most this many word pieces of whole sentences repeat
    top_k: int = 5
    candidates: int = 40  # passages each retriever proposes before fusion
    max_passages_per_article: int = 1  # retrieve(): passages of one article among the top_k
    answer_passages_per_article: int = 3  # the answerer reads up to this many of one article
    recency_weight: float = 1.0  # with as_of: weight of the recency prior in the fusion
    recency_half_life_days: float = 14.0
    max_answer_sentences: int = 3
    max_question_chars: int = 1000
    max_history_messages: int = 50  # a conversation passed to ask: at most this many messages
    max_history_chars: int = 50_000  # ... and this many characters in all
    max_file_bytes: int = 50 * 1024 * 1024
    near_duplicate_threshold: float = 0.8  # estimated Jaccard similarity of 5-word shingles
    bundled_corpus: Path = BUNDLED_CORPUS
    # an OpenAI-compatible LLM server (e.g. http://127.0.0.1:8080/v1): the eval suite's judge
    # answers: "extractive" (quoted sentences, no LLM) or "llm" (an LLM writes, every sentence
    # is verified against article spans; needs llm_model, and llm_base_url unless OpenAI's API)
    answer_mode: Literal["extractive", "llm"] = "extractive"
    llm_provider: Literal["openai-like", "ollama", "openai"] = "openai-like"
    llm_base_url: str | None = None  # an OpenAI-compatible /v1 URL, or Ollama's URL
    llm_model: str | None = None
    llm_api_key: SecretStr | None = Field(default=None, repr=False)  # from the environment
    llm_timeout_s: float = Field(
        60.0, validation_alias=AliasChoices("ARTICLE_QA_LLM_TIMEOUT_S", "ARTICLE_QA_LLM_TIMEOUT")
    )
    llm_max_tokens: int = 256  # the longest answer the LLM may write
    llm_passages: int = 5  # numbered passages the LLM is shown (short prompts are fast)
    llm_keep_unsupported: bool = False  # keep unsupported sentences, marked, instead of removing
    # chat UI (app.py): address, optional login, upload limits, where uploaded files are kept;
    # the address also reads the older ARTICLE_QA_HOST / ARTICLE_QA_PORT
    ui_host: str = Field(
        "127.0.0.1", validation_alias=AliasChoices("ARTICLE_QA_UI_HOST", "ARTICLE_QA_HOST")
    )
    ui_port: int = Field(
        7860, validation_alias=AliasChoices("ARTICLE_QA_UI_PORT", "ARTICLE_QA_PORT")
    )
    ui_username: str | None = None  # with ui_password: the UI asks for this login
    ui_password: str | None = None
    ui_max_upload_bytes: int = 10 * 1024 * 1024  # per uploaded file
    ui_max_upload_files: int = 20  # per upload
    ui_upload_path: Path | None = None  # default: "<store_path>-uploads" next to the store

    @field_validator(
        "chroma_port",
        "embed_batch_size",
        "top_k",
        "candidates",
        "max_answer_sentences",
        "max_question_chars",
        "max_history_messages",
        "max_history_chars",
        "max_file_bytes",
        "ui_max_upload_bytes",
        "ui_max_upload_files",
        "chroma_timeout_s",
        "writer_lease_s",
        "writer_claim_s",
        "writer_wait_s",
        "commit_batch_chunks",
        "store_wait_s",
        "llm_timeout_s",
        "llm_max_tokens",
        "llm_passages",
    )
    @classmethod
    def _positive(cls, value: int, info) -> int:  # noqa: ANN001
        if value <= 0:
            raise ValueError(f"{info.field_name} must be > 0, got {value}")
        return value

    @field_validator("ui_port")
    @classmethod
    def _port(cls, value: int) -> int:
        if not 1 <= value <= 65535:
            raise ValueError(f"ui_port must be a port number from 1 to 65535, got {value}")
        return value

    @field_validator("recency_weight", "recency_half_life_days")
    @classmethod
    def _non_negative(cls, value: float, info) -> float:  # noqa: ANN001
        if value < 0 or (info.field_name == "recency_half_life_days" and value == 0):
            raise ValueError(f"{info.field_name} must be > 0, got {value}")
        return value

    @field_validator("near_duplicate_threshold")
    @classmethod
    def _fraction(cls, value: float) -> float:
        if not 0.0 < value <= 1.0:
            raise ValueError(f"near_duplicate_threshold must be in (0, 1], got {value}")
        return value

    @model_validator(mode="after")
    def _llm(self) -> Settings:
        if self.answer_mode != "llm":
            return self
        if not self.llm_model:
            raise ValueError("answer_mode llm needs llm_model (ARTICLE_QA_LLM_MODEL)")
        if self.llm_provider != "openai" and not self.llm_base_url:
            raise ValueError(
                f"answer_mode llm with provider {self.llm_provider} needs llm_base_url "
                "(ARTICLE_QA_LLM_BASE_URL)"
            )
        if self.llm_base_url and not self.llm_base_url.startswith(("http://", "https://")):
            raise ValueError(f"llm_base_url must be an http(s) URL, got {self.llm_base_url!r}")
        return self

    @model_validator(mode="after")
    def _lease(self) -> Settings:
        if self.writer_lease_s < 4 * self.writer_claim_s:
            raise ValueError(
                f"writer_lease_s ({self.writer_lease_s:g}) must be at least 4 × writer_claim_s "
                f"({self.writer_claim_s:g})"
            )
        return self

    @model_validator(mode="after")
    def _chunking(self) -> Settings:
        if not 32 <= self.chunk_tokens <= 254:
            raise ValueError(f"chunk_tokens must be between 32 and 254, got {self.chunk_tokens}")
        if not 0 <= self.chunk_overlap_tokens < self.chunk_tokens // 2:
            raise ValueError(
                "chunk_overlap_tokens must be >= 0 and below half of chunk_tokens, "
                f"got {self.chunk_overlap_tokens}"
            )
        return self


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment plus explicit overrides; bad values are a clear error."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise InvalidInputError(f"invalid settings: {problems}") from None
