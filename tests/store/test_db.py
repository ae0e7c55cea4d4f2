"""garde.store.Database against a real PostgreSQL: pooled connections that died are replaced.

A connection idle in the pool is pinged before use (a server restart while the service was
quiet costs no request); one in steady use is not pinged, so a restart under load fails the
requests in flight (closed: StoreError), and the pool recovers by itself.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

import garde.store.db as dbmod
from garde.errors import StoreError
from garde.store import Database

pytestmark = pytest.mark.postgres


def _kill_connections(url: str) -> int:
    """Terminate every server process of this database but ours (what a restart does to the pool)."""
    name = url.rsplit("/", 1)[1]
    admin = create_engine(url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/postgres",
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        n = c.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                           "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name}).scalar_one()
    admin.dispose()
    return int(n)


def test_an_idle_dead_connection_is_replaced_before_use(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    db = Database(pg_url)
    try:
        db.ping()
        assert _kill_connections(pg_url) >= 1
        monkeypatch.setattr(dbmod, "IDLE_PING_SECONDS", 0.0)  # every pooled connection counts as idle
        db.ping()  # pinged on checkout, found dead, replaced: no error
        with db.begin() as c:
            assert c.execute(text("SELECT 41 + 1")).scalar_one() == 42
    finally:
        db.dispose()


def test_a_busy_dead_connection_fails_closed_then_the_pool_recovers(pg_url: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    db = Database(pg_url)
    try:
        db.ping()
        monkeypatch.setattr(dbmod, "IDLE_PING_SECONDS", 3600.0)  # in steady use: no ping
        assert _kill_connections(pg_url) >= 1
        with pytest.raises(StoreError, match="unavailable|error"):
            db.ping()
        db.ping()  # the disconnect emptied the pool: a new connection
    finally:
        db.dispose()


def test_the_driver_path_fails_closed_on_a_dead_connection_then_recovers(pg_url: str,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The decision log's psycopg fast path: same contract as the SQLAlchemy one."""
    from garde.model import Action, Actor, Decision, Stage
    from garde.store import SqlDecisionLog

    def decision(i: int) -> Decision:
        return Decision(action=Action.ALLOW, stage=Stage.REQUEST, request_id=f"req-{i}",
                        actor=Actor(user_id="u1", country="FR"), policy_id="garde:test", policy_digest="d" * 64)

    db = Database(pg_url)
    try:
        log = SqlDecisionLog(db)
        before = log.count()
        log.append(decision(1))
        monkeypatch.setattr(dbmod, "IDLE_PING_SECONDS", 3600.0)
        assert _kill_connections(pg_url) >= 1
        with pytest.raises(StoreError, match="unavailable"):
            log.append(decision(2))
        log.append(decision(3))  # the dead connection was discarded: a new one
        assert log.count() == before + 2
        assert log.verify().ok
        with pytest.raises(StoreError, match="error: .*syntax"), db.driver() as conn:
            conn.execute("SELEC 1")
    finally:
        db.dispose()
