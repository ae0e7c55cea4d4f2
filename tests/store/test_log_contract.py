"""The decision-log contract, run against the in-memory fake, SQLite and the real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from garde.errors import NotFound, StoreError
from garde.model import Action, Actor, Decision, Image, Request, Stage
from garde.store import Database, InMemoryDecisionLog, SqlDecisionLog


def _decision(i: int, action: Action = Action.ALLOW) -> tuple[Decision, Request]:
    req = Request(prompt=f"make the sky bluer {i}", actor=Actor(user_id=f"u{i % 3}", country="FR"),
                  images=(Image(data=f"img{i}".encode(), name=f"{i}.png"),))
    d = Decision(action=action, stage=Stage.REQUEST, request_id=req.request_id, actor=req.actor,
                 policy_digest="d" * 64, image_sha256=(req.images[0].sha256,))
    return d, req


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def log(request: pytest.FixtureRequest) -> Iterator[object]:
    if request.param == "memory":
        yield InMemoryDecisionLog()
        return
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    db = Database(url)
    yield SqlDecisionLog(db)
    db.dispose()


def test_append_get_verify(log: SqlDecisionLog) -> None:
    ids = []
    for i in range(5):
        d, req = _decision(i, Action.BLOCK if i % 2 else Action.ALLOW)
        e = log.append(d, req, [("input", req.images[0].sha256, None, None)])
        assert e.seq == i + 1
        ids.append(d.decision_id)
    assert log.count() == 5
    got = log.get(ids[3])
    assert got.record["action"] == "block" and got.record["decision_id"] == ids[3]
    assert [e.decision_id for e in log.entries()] == ids
    assert log.verify().ok


def test_records_hold_digests_not_prompts_or_bytes(log: SqlDecisionLog) -> None:
    d, req = _decision(1)
    rec = log.append(d, req).record
    assert "prompt" not in rec["request"] and len(rec["request"]["prompt_sha256"]) == 64
    assert "img1" not in str(rec)


def test_prompts_are_stored_only_when_enabled(log: SqlDecisionLog, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GARDE_STORE_PROMPTS", "1")
    d, req = _decision(2)
    assert log.append(d, req).record["request"]["prompt"] == req.prompt


def test_unknown_id_is_not_found(log: SqlDecisionLog) -> None:
    with pytest.raises(NotFound, match="'nope'"):
        log.get("nope")


def test_empty_log_verifies(log: SqlDecisionLog) -> None:
    r = log.verify()
    assert r.ok and r.count == 0


# ------------------------------------------------------------- tampering (SQL stores)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_log(request: pytest.FixtureRequest) -> Iterator[SqlDecisionLog]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    db = Database(url)
    log = SqlDecisionLog(db)
    for i in range(6):
        d, req = _decision(i)
        log.append(d, req)
    yield log
    db.dispose()


def _exec(log: SqlDecisionLog, sql: str) -> None:
    with log.db.begin() as c:
        c.execute(text(sql))


def test_edited_record_is_caught_and_named(sql_log: SqlDecisionLog) -> None:
    _exec(sql_log, "UPDATE decisions SET record = replace(record, '\"allow\"', '\"block\"') WHERE seq = 3")
    r = sql_log.verify()
    assert not r.ok and r.first_bad_seq == 3 and "edited" in r.reason


def test_edited_column_is_caught(sql_log: SqlDecisionLog) -> None:
    _exec(sql_log, "UPDATE decisions SET action = 'block' WHERE seq = 4")
    r = sql_log.verify()
    assert not r.ok and r.first_bad_seq == 4 and "column 'action'" in r.reason


def test_deleted_record_is_caught(sql_log: SqlDecisionLog) -> None:
    _exec(sql_log, "DELETE FROM decisions WHERE seq = 2")
    r = sql_log.verify()
    assert not r.ok and r.first_bad_seq == 3


def test_deleted_tail_is_caught(sql_log: SqlDecisionLog) -> None:
    _exec(sql_log, "DELETE FROM decisions WHERE seq = 6")
    r = sql_log.verify()
    assert not r.ok and "newest records were deleted" in r.reason


def test_reordered_records_are_caught(sql_log: SqlDecisionLog) -> None:
    _exec(sql_log, "UPDATE decisions SET seq = 100 WHERE seq = 2")
    _exec(sql_log, "UPDATE decisions SET seq = 2 WHERE seq = 3")
    _exec(sql_log, "UPDATE decisions SET seq = 3 WHERE seq = 100")
    r = sql_log.verify()
    assert not r.ok and r.first_bad_seq == 2


def test_dead_database_is_a_store_error(tmp_path: object) -> None:
    with pytest.raises(StoreError, match="unavailable"):
        Database("postgresql+psycopg://nobody@127.0.0.1:1/none")


@pytest.mark.postgres
def test_concurrent_appends_keep_one_chain(pg_url: str) -> None:
    import threading

    db = Database(pg_url)
    log = SqlDecisionLog(db)

    def worker(k: int) -> None:
        own = SqlDecisionLog(Database(pg_url, migrate=False))
        for i in range(10):
            d, req = _decision(k * 100 + i)
            own.append(d, req)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    r = log.verify()
    assert r.ok and r.count == 40
    db.dispose()


def test_group_commit_under_concurrency_keeps_one_chain(log: SqlDecisionLog) -> None:
    """Threads sharing one log: batched commits, every caller gets its own committed entry."""
    import threading

    seen: list[int] = []
    lock = threading.Lock()

    def worker(k: int) -> None:
        for i in range(15):
            d, req = _decision(k * 1000 + i)
            e = log.append(d, req)
            assert log.get(d.decision_id).seq == e.seq
            with lock:
                seen.append(e.seq)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == list(range(1, 91))
    assert log.verify().ok and log.count() == 90
