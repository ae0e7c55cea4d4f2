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

A caller can also say early that a call is coming (:meth:`Coalescer.expect`), before the work
that prepares its items, and pass the ticket to its call: a caller about to run the function
then lingers, at most ``linger`` seconds, while announced callers have yet to queue, and serves
them in the same call. Under load that is what makes batches: requests in flight are rarely at
the same step at the same instant (without tickets the service benchmark's calls carried 1.1 to
1.3 items each)::

    ticket = encode.expect()            # as the request arrives
    ...                                 # its other work (database, parsing) overlaps the others'
    vectors = encode(texts, ticket=ticket)
    ticket.cancel()                     # if it never calls (idempotent; a call uses it up)

The wait is bounded, and only happens while an announced caller has not queued yet, so a lone
caller never waits.

The function must map a list of items to a sequence of results of the same length, in order.
If it raises, every caller whose items were in that call gets the exception.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

__all__ = ["Coalescer", "Ticket"]

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


class Ticket:
    """An announced call (:meth:`Coalescer.expect`): used up by the call, or by :meth:`cancel`."""

    __slots__ = ("_owner", "open")

    def __init__(self, owner: Coalescer[Any, Any]) -> None:
        self._owner = owner
        self.open = True

    def cancel(self) -> None:
        """Withdraw the announcement if the call has not happened (a no-op after it)."""
        with self._owner._lock:
            self._owner._use(self)
            self._owner._joined.notify_all()


class Coalescer(Generic[T, R]):
    """Merge concurrent calls of ``fn(items) -> results`` into fewer, larger calls."""

    def __init__(self, fn: Callable[[list[T]], Sequence[R]], *, max_items: int = 64, linger: float = 0.004) -> None:
        if max_items < 1:
            raise ValueError(f"max_items must be at least 1, got {max_items}")
        if linger < 0:
            raise ValueError(f"linger must be at least 0 seconds, got {linger}")
        self._fn = fn
        self._max = max_items
        self.linger = linger
        self._lock = threading.Lock()
        self._joined = threading.Condition(self._lock)  # notified when a job queues or a ticket is withdrawn
        self._queue: list[_Job[T, R]] = []
        self._busy = False
        self._expected = 0  # open tickets
        self.calls = 0  # how many calls of fn (for tests and metrics)
        self.items = 0  # how many items they carried
        self.lingered = 0.0  # seconds spent waiting for announced callers

    def expect(self) -> Ticket:
        """Announce a call to come; pass the ticket to it, or cancel it."""
        with self._lock:
            self._expected += 1
        return Ticket(self)

    def _use(self, ticket: Ticket) -> None:
        """Close ``ticket`` (the lock is held)."""
        if ticket.open and ticket._owner is self:
            ticket.open = False
            self._expected -= 1

    def __call__(self, items: Sequence[T], *, ticket: Ticket | None = None) -> list[R]:
        job: _Job[T, R] = _Job(list(items))
        if not job.items:
            if ticket is not None:
                ticket.cancel()
            return []
        with self._lock:
            if ticket is not None:
                self._use(ticket)
            self._queue.append(job)
            job.lead = not self._busy
            self._busy = True
            self._joined.notify_all()
        if not job.lead:
            job.event.wait()  # until another caller's call has served this job, or handed it the lead
        if job.lead:
            self._gather()
            self._run_once()  # the queue's head is this job, so the call serves it
        if job.error is not None:
            raise job.error
        assert job.results is not None
        return job.results

    def _gather(self) -> None:
        """Linger, at most ``linger`` seconds, while announced callers have yet to queue and there is room."""
        t0 = time.monotonic()
        deadline = t0 + self.linger
        with self._lock:
            while self._expected > 0 and sum(len(j.items) for j in self._queue) < self._max:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._joined.wait(left)
            self.lingered += time.monotonic() - t0

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
