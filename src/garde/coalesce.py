"""Opportunistic micro-batching: concurrent callers of a batch function share one call.

A model that streams its weights once per call (the sentence encoder does) is several times
faster per item on a batch than on one item. Under load a service worker has several requests
in flight at once, each with one prompt; :class:`Coalescer` lets them share a call::

    encode = Coalescer(encoder.encode, max_items=64)
    vectors = encode(["one prompt"])        # from any thread

No timer and no added latency: a caller that finds the function idle runs it at once on its
own items (plus whatever is already queued); callers that arrive while it runs queue up, and
when it returns the first of them runs the next call on everything queued meanwhile. So one
caller alone sees the plain call, and under load the batches grow with the queue.

The function must map a list of items to a sequence of results of the same length, in order.
If it raises, every caller whose items were in that call gets the exception.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

__all__ = ["Coalescer"]

T = TypeVar("T")
R = TypeVar("R")


class _Job(Generic[T, R]):
    __slots__ = ("error", "event", "items", "lead", "results")

    def __init__(self, items: list[T]) -> None:
        self.items = items
        self.event = threading.Event()
        self.lead = False  # set when this job's thread must run the next call
        self.results: list[R] | None = None
        self.error: BaseException | None = None


class Coalescer(Generic[T, R]):
    """Merge concurrent calls of ``fn(items) -> results`` into fewer, larger calls."""

    def __init__(self, fn: Callable[[list[T]], Sequence[R]], *, max_items: int = 64) -> None:
        if max_items < 1:
            raise ValueError(f"max_items must be at least 1, got {max_items}")
        self._fn = fn
        self._max = max_items
        self._lock = threading.Lock()
        self._queue: list[_Job[T, R]] = []
        self._busy = False
        self.calls = 0  # how many calls of fn (for tests and metrics)
        self.items = 0  # how many items they carried

    def __call__(self, items: Sequence[T]) -> list[R]:
        job: _Job[T, R] = _Job(list(items))
        if not job.items:
            return []
        with self._lock:
            self._queue.append(job)
            job.lead = not self._busy
            self._busy = True
        if not job.lead:
            job.event.wait()  # until another caller's call has served this job, or handed it the lead
        if job.lead:
            self._run_once()  # the queue's head is this job, so the call serves it
        if job.error is not None:
            raise job.error
        assert job.results is not None
        return job.results

    def _run_once(self) -> None:
        """Run one call on the head of the queue, then hand the lead to the next waiting job."""
        with self._lock:
            batch: list[_Job[T, R]] = []
            n = 0
            while self._queue and (not batch or n + len(self._queue[0].items) <= self._max):
                j = self._queue.pop(0)
                batch.append(j)
                n += len(j.items)
        flat = [x for j in batch for x in j.items]
        try:
            out = list(self._fn(flat))
            if len(out) != len(flat):
                raise RuntimeError(f"batch function returned {len(out)} results for {len(flat)} items")
        except BaseException as e:  # every caller of this batch sees the failure
            for j in batch:
                j.error = e
        else:
            i = 0
            for j in batch:
                j.results = out[i:i + len(j.items)]
                i += len(j.items)
        with self._lock:
            self.calls += 1
            self.items += len(flat)
            nxt = self._queue[0] if self._queue else None
            if nxt is None:
                self._busy = False
            for j in batch:
                j.lead = False
            if nxt is not None:
                nxt.lead = True
        for j in batch:
            j.event.set()
        if nxt is not None:
            nxt.event.set()
