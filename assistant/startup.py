"""Start-up of the served app: the assistant loads on a thread while the UI's imports run.

Most of a start is imports: gradio about 3.5 s, sentence-transformers with torch, transformers
and scikit-learn about 6.5 s, on this 2-core machine. Run one after the other they are most of
the 15 s budget to the first answer; side by side they take about 8 s (much of an import is
reading and mapping files, not holding the interpreter lock). So the entry point starts
`load_in_background` before it imports gradio, builds the UI meanwhile, and waits for the
assistant only when the UI needs it. This module imports nothing heavy itself.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING

from ingest.settings import Settings

if TYPE_CHECKING:
    from assistant.service import Assistant

log = logging.getLogger("toolbox.startup")

WARM_UP_QUESTION = "How do we start a heat action plan?"


def load(settings: Settings) -> Assistant:
    """The assistant on an existing index (built from the corpus folder when empty), with one
    question answered so the first user's answer does not pay for lazy first-use work."""
    from assistant.service import Assistant
    from ingest.progress import TqdmProgress

    assistant = Assistant(settings)
    report = assistant.ensure_index(progress=TqdmProgress())
    if report is not None:
        print(f"index built from {settings.corpus_dir}: {report.summary()}", flush=True)
    assistant.ask(WARM_UP_QUESTION)
    return assistant


def load_in_background(settings: Settings) -> Future[Assistant]:
    """Start `load` on a daemon thread; its result or error comes out of the future."""
    future: Future[Assistant] = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(load(settings))
        except BaseException as err:  # handed to whoever waits for the assistant
            future.set_exception(err)

    threading.Thread(target=run, name="toolbox-load", daemon=True).start()
    return future
