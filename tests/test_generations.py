"""Which generation is live, asked of a real `chroma run` that stops answering for a moment.

After a reindex the live generation is 1 and generation 0 is dropped. If a pointer read that
times out were taken as "no pointer, generation 0", a reader following the pointer would attach
to generation 0 once the server answers again, create it empty and serve nothing. Here the
read fails instead, and the reader stays on generation 1.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from assistant.service import Assistant
from ingest.core.errors import StoreUnavailable
from ingest.core.settings import Settings
from ingest.index.generations import collection_names, drop_generation, set_live
from ingest.index.store import Store, connect

from .chroma_server import ChromaServer
from .helpers import make_kb

TIMEOUT = 2.0


@pytest.fixture
def server(own_chroma_server):  # a server of this test's own (conftest.py)
    return own_chroma_server


def test_a_pointer_read_that_times_out_never_attaches_an_empty_generation(
        server: ChromaServer, tmp_path: Path, embedder) -> None:
    settings = Settings.from_env(environ={}, data_dir=tmp_path / "data", chroma_url=server.url,
                                 collection="gen", chroma_timeout=TIMEOUT)
    kb = make_kb(tmp_path)
    first = Assistant(settings, embedder=embedder)
    assert not first.ingest([kb]).failed
    client, spec = first.store._client, first.store.spec
    second = Store(client, settings.collection, spec, generation=1)
    assert not Assistant(settings, embedder=embedder, store=second).ingest([kb]).failed
    set_live(client, settings.collection, 1)  # what reindex does once generation 1 is full
    drop_generation(client, settings.collection, 0)

    reader = Store(connect(settings), settings.collection, spec)
    assert reader.generation == 1
    chunks = reader.count()
    assert chunks > 0

    outcome: list[object] = []

    def check_revision() -> None:
        try:
            outcome.append(reader.revision())
        except Exception as err:
            outcome.append(err)

    server.freeze()
    thread = threading.Thread(target=check_revision, daemon=True)
    thread.start()
    time.sleep(TIMEOUT * 1.5)  # the pointer read has timed out; the server answers again
    server.thaw()
    thread.join(TIMEOUT * 5)
    assert outcome and isinstance(outcome[0], StoreUnavailable), outcome
    assert reader.generation == 1
    assert reader.count() == chunks
    names = {getattr(c, "name", c) for c in connect(settings).list_collections()}
    assert collection_names(settings.collection, 0)[0] not in names
    assert reader.revision() > 0  # the blip is over: the same reader answers again
