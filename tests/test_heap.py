"""The read side's tables are built without full collections and frozen afterwards."""

from __future__ import annotations

import gc

import pytest

from assistant.retrieval.long_lived import long_lived


def test_long_lived_objects_are_frozen_and_the_collector_comes_back() -> None:
    assert gc.isenabled()
    before = gc.get_freeze_count()
    with long_lived():
        assert not gc.isenabled()
        with long_lived():  # nested: only the outermost freezes and re-enables
            table = [[n] for n in range(10_000)]
        assert not gc.isenabled() and gc.get_freeze_count() == before
    assert gc.isenabled()
    assert gc.get_freeze_count() >= before + len(table)
    collected = {id(obj) for generation in range(3) for obj in gc.get_objects(generation)}
    assert all(gc.is_tracked(row) and id(row) not in collected for row in table)


def test_an_error_while_loading_leaves_the_collector_on() -> None:
    with pytest.raises(RuntimeError), long_lived():
        raise RuntimeError("the store went away")
    assert gc.isenabled()
