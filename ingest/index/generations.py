"""Index generations: each embedding of the knowledge base lives in its own pair of collections,
and a pointer record says which generation is live.

`reindex` fills generation N+1 while N keeps serving, then moves the pointer and drops N.
Generation 0 uses the plain names (`toolbox`, `toolbox-manifest`, `toolbox-multilingual`), so an
index built before generations existed is simply generation 0. The pointer is the metadata of
`<name>-pointer`.
"""

from __future__ import annotations

from typing import Any

from ingest.core.errors import StoreUnavailable

__all__ = ["collection_names", "multilingual_name", "pointer_name", "live_generation", "set_live",
           "drop_generation", "drop_all"]


def collection_names(name: str, generation: int) -> tuple[str, str]:
    """(chunks, manifest) collection names of one generation."""
    base = name if generation == 0 else f"{name}-g{generation}"
    return base, f"{base}-manifest"


def multilingual_name(name: str, generation: int) -> str:
    """The collection of one generation's multilingual vectors (when the index has them)."""
    return f"{collection_names(name, generation)[0]}-multilingual"


def pointer_name(name: str) -> str:
    return f"{name}-pointer"


def live_generation(client: Any, name: str) -> int:
    """The generation readers use: 0 until a reindex first moves the pointer.

    The pointer is got or created, so that no error has to be read as "no pointer yet": a
    pointer read that fails (a Chroma server that did not answer in time) raises, where taking
    it as generation 0 would attach a reader to a generation a reindex dropped, create it
    empty and serve nothing (tests/test_generations.py)."""
    pointer = client.get_or_create_collection(pointer_name(name), embedding_function=None)
    return int((pointer.metadata or {}).get("live", 0))


def set_live(client: Any, name: str, generation: int) -> None:
    """Point readers at `generation`: one metadata write, so they see the old or the new one."""
    pointer = client.get_or_create_collection(pointer_name(name), embedding_function=None)
    pointer.modify(metadata={"live": generation})


def drop_generation(client: Any, name: str, generation: int) -> None:
    for collection in (*collection_names(name, generation), multilingual_name(name, generation)):
        try:
            client.delete_collection(collection)
        except StoreUnavailable:
            raise  # not "already gone": the caller must know the drop did not happen
        except Exception:  # already gone
            continue


def drop_all(client: Any, name: str) -> None:
    """Delete every generation of the index and its pointer (`ingest --rebuild`)."""
    prefix = f"{name}-g"
    for collection in client.list_collections():
        title = getattr(collection, "name", collection)
        generation = title[len(prefix):].split("-")[0] if title.startswith(prefix) else ""
        if generation.isdigit():
            drop_generation(client, name, int(generation))
    drop_generation(client, name, 0)
    try:
        client.delete_collection(pointer_name(name))
    except StoreUnavailable:
        raise
    except Exception:  # never reindexed, so never had a pointer
        pass
