"""prefetched(): same items, same errors, bounded read-ahead, the source closed on early stop."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fours_adapters.dms.prefetch import prefetched


@given(st.lists(st.integers()), st.integers(min_value=1, max_value=4))
def test_yields_the_same_items_in_order(items: list[int], depth: int) -> None:
    assert list(prefetched(iter(items), depth)) == items


def test_a_producer_error_surfaces_where_it_happened() -> None:
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("row 3 is broken")

    consumer = prefetched(source())
    assert [next(consumer), next(consumer)] == [1, 2]
    with pytest.raises(ValueError, match="row 3 is broken"):
        next(consumer)


def test_reads_at_most_depth_ahead_and_closes_the_source_on_early_stop() -> None:
    produced: list[int] = []
    closed = threading.Event()
    waiting = threading.Event()

    def source() -> Iterator[int]:
        try:
            for n in range(1000):
                produced.append(n)
                yield n
        finally:
            closed.set()

    consumer = prefetched(source(), depth=2)
    assert next(consumer) == 0
    waiting.wait(0.3)
    # one item handed out, two queued, one in the producer's hand waiting for a slot
    assert len(produced) <= 4
    consumer.close()
    assert closed.wait(2)
    assert len(produced) <= 5


def test_depth_must_be_positive() -> None:
    with pytest.raises(ValueError, match="depth"):
        list(prefetched(iter([1]), 0))
