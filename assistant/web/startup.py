"""Start-up of the served app: the assistant on its index, warmed up by one question.

What a start costs, measured at 100k chunks on this 2-core machine: importing gradio 3.3 s, our
modules with torch 2.6 s, loading the models, the index and its cached chunk table and BM25
5 s, building and launching the UI 0.8 s. Loading the assistant on a thread while gradio
imports was tried: with sentence-transformers out of the question path (ingest/embed/bert.py) the
remaining imports and loads mostly hold the interpreter lock, and side by side they took longer
(14.2-14.9 s to a launched UI) than one after the other (11.4-13.0 s).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from ingest.core.settings import Settings

if TYPE_CHECKING:
    from assistant.service import Assistant

__all__ = ["WARM_UP_QUESTION", "load"]

WARM_UP_QUESTION = "How do we start a heat action plan?"


def load(settings: Settings) -> Assistant:
    """The assistant on an existing index (built from the corpus folder when empty), with one
    question answered so the first user's answer does not pay for lazy first-use work."""
    from assistant.service import Assistant
    from ingest.core.progress import progress_for

    assistant = Assistant(settings)
    progress = progress_for(sys.stderr)
    if assistant.store.count() == 0:
        print(f"index is empty: building it from {settings.corpus_dir}", flush=True)
    try:
        report = assistant.ensure_index(progress=progress)
    finally:
        progress.close()
    if report is not None:
        print(f"index built from {settings.corpus_dir}: {report.summary()}", flush=True)
    assistant.ask(WARM_UP_QUESTION)
    return assistant
