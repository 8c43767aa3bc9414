"""How Chroma's HNSW index is searched: wide enough to be exact and the same on every load."""

from __future__ import annotations

import logging
import time
from typing import Any

from ingest.core.errors import StoreUnavailable

__all__ = ["SEARCH_EF", "HNSW", "search_wide"]

log = logging.getLogger(__name__)

# HNSW candidates per search (chromadb's ef_search). Its default, 100, equals the k we ask for,
# and so approximate that the same index loaded twice answered 74 of the 185 benchmark
# questions with differently ranked chunks (the graph is not rebuilt identically on load). At
# 500 the shipped index's k-NN is exact (checked against brute force) and the same every load.
# At 100k, of the 100 nearest that ef_search 1000 finds, ef 100 found 85%, 300 95%, 600 99%;
# a search takes 4-6 ms at 300-600 instead of 2-3 ms.
SEARCH_EF = 500
HNSW = {"space": "cosine", "ef_search": SEARCH_EF}


# Chroma's SQLite can answer "database is locked" without waiting when two connections to one
# folder (two stores, an ingest worker) race to write: SQLite's busy wait does not cover a read
# turning into a write after another connection's commit. It happened once in CI under load
# (tests/test_store.py's second open kept ef_search 100); a lock held for seconds was waited
# out already, so only the race is retried here, a few times, before searches stay approximate.
LOCK_WAITS = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6)


def search_wide(collection: Any) -> None:
    """Raise an index's ef_search to SEARCH_EF when it was built with less (it persists). A
    failure only costs search precision, so it is logged, not raised."""
    for wait in (*LOCK_WAITS, None):
        try:
            hnsw = (collection.configuration_json or {}).get("hnsw") or {}
            if hnsw.get("ef_search", 0) < SEARCH_EF:
                collection.modify(configuration={"hnsw": {"ef_search": SEARCH_EF}})
            return
        except StoreUnavailable:
            raise
        except Exception as err:  # chromadb's own errors; an older index format
            if wait is not None and "database is locked" in str(err):
                time.sleep(wait)
                continue
            log.warning("could not raise the search width of %s to %d (%s); searches stay "
                        "approximate", collection.name, SEARCH_EF, err)
            return
