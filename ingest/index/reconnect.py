"""Following another process' writes to an embedded store: a fresh chromadb client.

chromadb (1.5.9) keeps an embedded collection's vector index in memory per client and does not
follow writes of another process on the same path: its k-NN misses their vectors, a `get` of
their ids fails ("Error finding id"), and a collection that was empty when opened fails every
query ("Error creating hnsw segment reader: Nothing found on disk") until a new client loads
the files. Reads while the other process writes do not fail (thousands of queries during
writes, none failed), they only see the state the client loaded. So a process that lets a
worker write (ingest/pipeline/worker.py) reconnects once the worker is done; a Chroma server needs
nothing (tests/test_ingest_worker.py).
"""

from __future__ import annotations

from typing import Any

from ingest.core.settings import Settings
from ingest.index.generations import live_generation

__all__ = ["Reconnecting"]


class Reconnecting:
    """What `Store` gains: `reconnect`. Kept apart because store.py is at its size limit."""

    _client: Any
    name: str
    follow: bool
    generation: int
    spec: Any

    def _attach(self, generation: int, spec: Any) -> None:  # Store's
        raise NotImplementedError

    def reconnect(self, settings: Settings) -> None:
        """Open the embedded store afresh, at the generation it follows."""
        if settings.chroma_url:
            return
        from ingest.index.store import connect

        # chromadb hands out one shared client per path: drop it from its registry so that
        # connect() loads the files again (questions in flight keep the old one).
        type(self._client)._identifier_to_system.pop(str(settings.chroma_path), None)
        type(self._client)._identifier_to_refcount.pop(str(settings.chroma_path), None)
        self._client = connect(settings)
        self._attach(live_generation(self._client, self.name) if self.follow
                     else self.generation, self.spec)
