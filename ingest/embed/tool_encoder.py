"""The third encoder: the one that embeds the tools' own descriptions (and, for them, each
question) for the tools' multilingual signal, while passages keep the two shipped encoders.

multilingual-e5-small ranks the built-in benchmark's tools better than USE-m v3 on both
languages (dense alone: 0.636 against 0.571; German 0.620 against 0.534), but embeds passages
at a tenth of MiniLM's rate, too slow for documents. Tools are a few hundred records, embedded
once and cached by their text (assistant/retrieval/vector_cache.py), so only they and each
question pay for it.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Literal

from ingest.core.errors import ConfigError
from ingest.embed.protocol import Encoder

__all__ = ["E5_SMALL", "DISABLED", "make_tool_encoder"]

E5_SMALL = "multilingual-e5-small"
DISABLED = "none"

_made: dict[str, Encoder] = {}
_lock = threading.Lock()


def make_tool_encoder(name: str, cache_dir: Path | None = None,
                      engine: Literal["torch", "numpy"] = "torch") -> Encoder | None:
    """The encoder TOOLBOX_TOOL_ENCODER names, one per process; None for `none` (the tools'
    multilingual signal then comes from the multilingual encoder, as before).

    The one place that builds it. `cache_dir`: where the model's decoded weights are kept
    between starts (e5_weights.py); `engine`: numpy for a one-shot process, which then never
    imports torch (ingest/embed/e5.py)."""
    key = name.strip().lower()
    if key == DISABLED:
        return None
    if key != E5_SMALL:
        raise ConfigError(f"TOOLBOX_TOOL_ENCODER must be {E5_SMALL} or {DISABLED}, got {name!r}")
    with _lock:
        if key not in _made:
            from ingest.embed.e5 import E5Encoder

            _made[key] = E5Encoder(cache_dir, engine=engine)
        return _made[key]
