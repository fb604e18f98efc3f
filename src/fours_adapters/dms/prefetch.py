"""Read ahead of the consumer: parse the next batch while the database applies this one.

Arrow's CSV reader and compute kernels, and a driver waiting on PostgreSQL, release the
GIL, so a producer thread that reads and validates batch *n + 1* while the main thread
applies batch *n* turns the two costs into (nearly) the larger of them. At most
``depth`` items wait in the queue, so memory stays bounded by ``depth + 2`` batches.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class _Done:
    """End of the producer's items."""


class _Failed(Generic[T]):
    def __init__(self, error: BaseException) -> None:
        self.error = error


def prefetched(items: Iterator[T], depth: int = 2) -> Generator[T, None, None]:
    """Yield ``items`` in order, produced ahead by a worker thread.

    An exception in the producer is re-raised here, at the item where it happened. When
    the consumer stops early (an exception, ``close()``), the worker stops after the item
    it is producing and closes ``items`` — so a file the producer opened is closed.
    """
    if depth < 1:
        raise ValueError("depth must be at least 1")
    slots: queue.Queue[T | _Done | _Failed[T]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: T | _Done | _Failed[T]) -> bool:
        while not stop.is_set():
            try:
                slots.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_Done())
        except BaseException as error:  # noqa: BLE001 — re-raised in the consumer
            put(_Failed(error))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=produce, name="fours-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = slots.get()
            if isinstance(item, _Done):
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        worker.join()
