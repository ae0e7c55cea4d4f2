"""The coalescer: concurrent callers share calls, each gets exactly its own results."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from garde.coalesce import Coalescer


class Recorder:
    def __init__(self, delay: float = 0.0, fail_on: int | None = None) -> None:
        self.batches: list[list[int]] = []
        self.delay = delay
        self.fail_on = fail_on
        self.running = 0
        self.max_running = 0
        self._lock = threading.Lock()

    def __call__(self, items: list[int]) -> list[int]:
        with self._lock:
            self.running += 1
            self.max_running = max(self.max_running, self.running)
            self.batches.append(list(items))
        try:
            time.sleep(self.delay)
            if self.fail_on is not None and self.fail_on in items:
                raise ValueError(f"bad item {self.fail_on}")
            return [x * 10 for x in items]
        finally:
            with self._lock:
                self.running -= 1


def test_one_caller_alone_is_a_plain_call() -> None:
    rec = Recorder()
    c = Coalescer(rec)
    assert c([1, 2, 3]) == [10, 20, 30]
    assert c([]) == []
    assert rec.batches == [[1, 2, 3]] and c.calls == 1 and c.items == 3


@settings(max_examples=20, deadline=None)
@given(st.lists(st.lists(st.integers(0, 1000), min_size=1, max_size=5), min_size=1, max_size=24),
       st.integers(1, 8))
def test_concurrent_callers_get_their_own_results_in_order(jobs: list[list[int]], max_items: int) -> None:
    rec = Recorder(delay=0.002)
    c = Coalescer(rec, max_items=max_items)
    with ThreadPoolExecutor(8) as ex:
        got = list(ex.map(c, jobs))
    assert got == [[x * 10 for x in j] for j in jobs]
    assert rec.max_running == 1  # never two calls at once
    assert sorted(x for b in rec.batches for x in b) == sorted(x for j in jobs for x in j)
    # a batch holds whole jobs and stays within max_items unless one job alone is larger
    for b in rec.batches:
        assert len(b) <= max(max_items, 5)


def test_callers_that_arrive_during_a_call_share_the_next_one() -> None:
    rec = Recorder(delay=0.05)
    c = Coalescer(rec, max_items=64)
    start = threading.Barrier(9)

    def call(i: int) -> list[int]:
        start.wait()
        if i:
            time.sleep(0.01)  # arrive while the first call runs
        return c([i])

    with ThreadPoolExecutor(9) as ex:
        got = list(ex.map(call, range(9)))
    assert got == [[i * 10] for i in range(9)]
    assert c.calls == 2 and rec.batches[0] == [0] and sorted(rec.batches[1]) == list(range(1, 9))


def test_a_failure_reaches_every_caller_of_that_call_and_no_other() -> None:
    rec = Recorder(delay=0.05, fail_on=3)
    c = Coalescer(rec)
    start = threading.Barrier(5)

    def call(i: int) -> object:
        start.wait()
        if i:
            time.sleep(0.01)
        try:
            return c([i])
        except ValueError as e:
            return str(e)

    with ThreadPoolExecutor(5) as ex:
        got = list(ex.map(call, range(5)))
    assert got[0] == [0]  # the first call did not contain the bad item
    assert got[1:] == ["bad item 3"] * 4  # the four that shared the failing call all see it
    assert c([7]) == [70]  # and the coalescer still works afterwards


def test_a_wrong_length_result_is_an_error() -> None:
    c: Coalescer[int, int] = Coalescer(lambda items: items[:-1])
    with pytest.raises(RuntimeError, match="returned 1 results for 2 items"):
        c([1, 2])


def test_max_items_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_items must be at least 1, got 0"):
        Coalescer(lambda items: items, max_items=0)


def _wait_for(cond: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.001)


def test_an_announced_caller_is_waited_for_and_shares_the_call() -> None:
    rec = Recorder()
    c: Coalescer[int, int] = Coalescer(rec, linger=30.0)
    ticket = c.expect()
    out: dict[str, list[int]] = {}
    lead = threading.Thread(target=lambda: out.__setitem__("a", c([1])))
    lead.start()
    _wait_for(lambda: c._busy and len(c._queue) == 1)  # the leader is lingering for the ticket
    time.sleep(0.05)
    assert rec.batches == []
    late = threading.Thread(target=lambda: out.__setitem__("b", c([2, 3], ticket=ticket)))
    late.start()
    lead.join(10)
    late.join(10)
    assert rec.batches == [[1, 2, 3]] and out == {"a": [10], "b": [20, 30]}
    assert not ticket.open and c._expected == 0 and c.lingered > 0


def test_a_withdrawn_ticket_ends_the_wait() -> None:
    rec = Recorder()
    c: Coalescer[int, int] = Coalescer(rec, linger=30.0)
    ticket = c.expect()
    lead = threading.Thread(target=c, args=([1],))
    lead.start()
    _wait_for(lambda: c._busy and len(c._queue) == 1)
    ticket.cancel()
    ticket.cancel()  # idempotent
    lead.join(10)
    assert not lead.is_alive() and rec.batches == [[1]] and c._expected == 0


def test_the_wait_is_bounded_and_needs_an_announcement() -> None:
    rec = Recorder()
    c: Coalescer[int, int] = Coalescer(rec, linger=0.05)
    forgotten = c.expect()  # never used, never cancelled: the leader gives up after `linger`
    assert c([1]) == [10]
    assert forgotten.open and c._expected == 1
    forgotten.cancel()
    idle: Coalescer[int, int] = Coalescer(Recorder(), linger=60.0)
    t = threading.Thread(target=idle, args=([1],))  # nobody announced: no wait at all
    t.start()
    t.join(10)
    assert not t.is_alive() and idle.lingered < 10


def test_a_ticket_is_used_up_by_an_empty_call_and_belongs_to_its_coalescer() -> None:
    c: Coalescer[int, int] = Coalescer(Recorder())
    other: Coalescer[int, int] = Coalescer(Recorder())
    t = c.expect()
    assert c([], ticket=t) == [] and not t.open and c._expected == 0
    foreign = other.expect()
    assert c([1], ticket=foreign) == [10]
    assert foreign.open and other._expected == 1  # only its own coalescer closes it
    foreign.cancel()
    assert other._expected == 0
    with pytest.raises(ValueError, match="linger must be at least 0 seconds, got -1"):
        Coalescer(Recorder(), linger=-1)
