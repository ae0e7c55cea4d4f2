"""A confirmed notice puts the output's hashes into the real victim bank (garde.hashing), same database."""

from __future__ import annotations

import pytest

from garde.analyzers import FakeAnalyzer
from garde.enforce.enforcer import Enforcer
from garde.guard import Guard
from garde.hashing.banks import BankStore
from garde.model import Actor, Image, Request, Stage
from garde.policy import Policy
from garde.store import Database, SqlDecisionLog


@pytest.mark.parametrize("which", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_confirmed_notice_banks_the_output_hash(which: str, request: pytest.FixtureRequest) -> None:
    db = Database(request.getfixturevalue("sqlite_url" if which == "sqlite" else "pg_url"))
    policy = Policy()
    guard = Guard(analyzers=[FakeAnalyzer(name="text", stages=frozenset({Stage.REQUEST}))], policy=policy,
                  log=SqlDecisionLog(db))
    enf = Enforcer.from_database(db, policy=policy)
    enf.attach(guard)
    req = Request(prompt="make the sky bluer", actor=Actor(user_id="u9", country="US"),
                  images=(Image(data=b"original"),))
    d = guard.check_request(req)
    out = Image(data=b"generated output bytes")
    guard.check_output(req, out, d)
    case = enf.submit_notice(reporter="the person depicted", sha256=out.sha256)
    assert case.due_at is not None and abs((case.due_at - case.created_at).total_seconds() - 48 * 3600) < 1
    case = enf.act(case.id, action="confirm", by="mod-1")
    assert case.subject["victim_bank"]["status"] == "banked"
    entries = BankStore(db).entries("victims")
    assert [e.hash for e in entries] == [out.sha256]
    assert entries[0].reviewed and BankStore(db).bank("victims").kind == "victim_submitted"
    guard.close()
    db.dispose()
