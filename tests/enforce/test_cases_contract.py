"""The case-store contract, run against the in-memory fake, SQLite and the real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from garde.enforce import STATES, TRANSITIONS, CaseStore, InMemoryCaseStore, removal_deadline
from garde.enforce.cases import CaseStoreProtocol, next_state
from garde.errors import InputError, NotFound
from garde.policy import Policy
from garde.store import Database


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> Iterator[CaseStoreProtocol]:
    if request.param == "memory":
        yield InMemoryCaseStore()
        return
    db = Database(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))
    yield CaseStore(db)
    db.dispose()


def test_open_get_roundtrip(store: CaseStoreProtocol) -> None:
    due = datetime.now(UTC) + timedelta(hours=48)
    c = store.open(kind="notice", reason="victim notice", country="us", actor_id="u1", decision_id="d1",
                   due_at=due, subject={"sha256": "ab" * 32, "url": "https://x.example/p/1"})
    assert c.state == "open" and c.country == "US" and c.kind == "notice"
    got = store.get(c.id)
    assert got == c
    assert got.due_at is not None and abs((got.due_at - due).total_seconds()) < 1
    assert got.due_at.tzinfo is not None and got.created_at.tzinfo is not None
    assert [e.action for e in got.history] == ["open"] and got.history[0].by == "garde"
    assert got.subject["url"] == "https://x.example/p/1"


def test_state_machine_and_history(store: CaseStoreProtocol) -> None:
    c = store.open(kind="review", reason="r", country="FR")
    c = store.act(c.id, action="start_review", by="mod1")
    assert c.state == "in_review"
    c = store.act(c.id, action="comment", by="mod1", note="looking")
    assert c.state == "in_review"
    c = store.act(c.id, action="confirm", by="mod1", note="confirmed")
    assert c.state == "actioned" and c.decided_by_human is True
    c = store.act(c.id, action="close", by="mod2")
    c = store.act(c.id, action="reopen", by="mod2")
    assert c.state == "open"
    assert [(e.action, e.from_state, e.to_state) for e in c.history] == [
        ("open", None, "open"), ("start_review", "open", "in_review"), ("comment", "in_review", "in_review"),
        ("confirm", "in_review", "actioned"), ("close", "actioned", "closed"), ("reopen", "closed", "open")]
    assert [e.seq for e in c.history] == list(range(1, 7))
    assert c.first_action is not None and c.first_action.action == "confirm"


def test_bad_transitions_are_refused_and_quoted(store: CaseStoreProtocol) -> None:
    c = store.open(kind="review", reason="r", country="FR")
    with pytest.raises(InputError, match="'close'.*'open'"):
        store.act(c.id, action="close", by="mod")
    with pytest.raises(InputError, match="'explode'"):
        store.act(c.id, action="explode", by="mod")
    with pytest.raises(InputError, match="''"):
        store.act(c.id, action="confirm", by="")
    assert store.get(c.id).state == "open" and len(store.get(c.id).history) == 1


def test_errors_quote_bad_values(store: CaseStoreProtocol) -> None:
    with pytest.raises(NotFound, match="'nope'"):
        store.get("nope")
    with pytest.raises(NotFound, match="'nope'"):
        store.act("nope", action="confirm", by="m")
    with pytest.raises(InputError, match="'bogus'"):
        store.open(kind="bogus", reason="r", country="FR")
    with pytest.raises(InputError, match="'France'"):
        store.open(kind="review", reason="r", country="France")
    with pytest.raises(InputError, match="'weird'"):
        store.list(state="weird")
    with pytest.raises(InputError, match="0"):
        store.list(limit=0)


def test_assign_and_annotate(store: CaseStoreProtocol) -> None:
    c = store.open(kind="hash_match", reason="r", country="GB", subject={"a": 1})
    c = store.assign(c.id, "alice", by="lead")
    assert c.assignee == "alice" and c.state == "open" and c.history[-1].action == "assign"
    c = store.annotate(c.id, by="alice", note="banked", subject={"b": 2})
    assert c.subject == {"a": 1, "b": 2}


def test_list_filters_and_due_order(store: CaseStoreProtocol) -> None:
    t0 = datetime.now(UTC)
    late = store.open(kind="notice", reason="n", country="US", due_at=t0 + timedelta(hours=48))
    soon = store.open(kind="notice", reason="n", country="IN", due_at=t0 + timedelta(hours=2))
    nodue = store.open(kind="review", reason="r", country="FR")
    done = store.open(kind="takedown", reason="t", country="US", due_at=t0 + timedelta(hours=1))
    store.act(done.id, action="confirm", by="m")
    assert [c.id for c in store.list(due_only=True)] == [soon.id, late.id]
    assert {c.id for c in store.list()} == {late.id, soon.id, nodue.id, done.id}
    assert [c.id for c in store.list(state="actioned")] == [done.id]
    assert [c.id for c in store.list(kind="review")] == [nodue.id]
    assert len(store.list(limit=2)) == 2
    assert store.for_decision("none") == []
    assert {c.id for c in store.created_between(t0 - timedelta(minutes=1), t0 + timedelta(minutes=5))} == {
        late.id, soon.id, nodue.id, done.id}
    assert not soon.overdue() and soon.overdue(t0 + timedelta(hours=3))


def test_every_state_is_reachable() -> None:
    reached = {"open"} | {to for m in TRANSITIONS.values() for to in m.values()}
    assert reached == set(STATES)
    assert next_state("closed", "comment") == "closed"


def test_removal_deadline_from_packs() -> None:
    policy = Policy()
    assert removal_deadline(policy, "US", None) == 48
    assert removal_deadline(policy, "IN", None) == 2
    assert removal_deadline(policy, "GB", None) == 48
    assert removal_deadline(policy, "US", ["floor.real_person.nudity"]) == 48
    assert removal_deadline(policy, "US", ["floor.real_person.sexual_request"]) is None
    assert removal_deadline(policy, "JP", None) is None
    with pytest.raises(InputError, match="'United States'"):
        removal_deadline(policy, "United States", None)
