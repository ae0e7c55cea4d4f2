"""Database access: SQLite by default, PostgreSQL via ``GARDE_DB_URL``; migrations with Alembic."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import (
    ArgumentError,
    DisconnectionError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)

from garde.errors import StoreError

__all__ = ["Database", "default_url", "pg_insert"]

#: A pooled PostgreSQL connection idle longer than this is pinged before use.
IDLE_PING_SECONDS = 2.0


def default_url() -> str:
    """``$GARDE_DB_URL``, else a SQLite file in ``$GARDE_HOME`` (default ``~/.local/share/garde``)."""
    url = os.environ.get("GARDE_DB_URL")
    if url:
        return url
    home = Path(os.environ.get("GARDE_HOME", Path.home() / ".local" / "share" / "garde"))
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{home / 'garde.db'}"


def pg_insert(table: str, columns: Iterable[str]) -> str:
    """``INSERT INTO table (a, b) VALUES (%(a)s, %(b)s)``: psycopg's named placeholders, for the
    hot paths that go through :meth:`Database.driver`."""
    cols = list(columns)
    return f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(f'%({c})s' for c in cols)})"


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


class Database:
    """One engine per process; schema kept at the newest migration on open."""

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        self.url = url or default_url()
        if self.url.startswith("postgresql://"):
            self.url = "postgresql+psycopg://" + self.url[len("postgresql://"):]
        self.is_sqlite = self.url.startswith("sqlite")
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        else:
            kwargs["connect_args"] = {"connect_timeout": 5}
        try:
            self.engine: Engine = create_engine(self.url, **kwargs)
        except (ArgumentError, NoSuchModuleError) as e:
            raise StoreError(f"bad database URL {_redact(self.url)!r}: {e}") from None
        if self.is_sqlite:
            self._sqlite_setup(self.engine)
        else:
            self._ping_when_idle(self.engine)
        self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        if migrate:
            self.migrate()

    @staticmethod
    def _ping_when_idle(engine: Engine) -> None:
        """``pool_pre_ping`` for connections that sat idle in the pool (a server restarted meanwhile,
        a proxy dropped them): they are pinged on checkout and replaced if dead.

        A connection in steady use is not pinged: the ping was a round trip on every transaction
        (2.5 per text check, 0.3 ms of worker and server CPU). If the server restarts while they
        are in use, the next statement on each fails, the request fails closed (503), SQLAlchemy
        sees a disconnect and empties the pool, and the following requests reconnect.
        """

        @event.listens_for(engine, "checkin")
        def _checkin(_dbapi_conn: Any, rec: Any) -> None:
            rec.info["garde_idle_since"] = time.monotonic()

        @event.listens_for(engine, "checkout")
        def _checkout(dbapi_conn: Any, rec: Any, _proxy: Any) -> None:
            since = rec.info.get("garde_idle_since")
            if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
                return
            try:
                engine.dialect.do_ping(dbapi_conn)
            except Exception as e:  # the pool replaces the connection and checks out again
                raise DisconnectionError(f"pooled connection is dead: {type(e).__name__}") from e

    @staticmethod
    def _sqlite_setup(engine: Engine) -> None:
        # Writers take the lock at BEGIN (IMMEDIATE) so two processes appending to
        # the hash chain serialise instead of failing half-way; WAL lets readers in.
        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn: Any, _rec: Any) -> None:
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Database errors become StoreError naming the database (its password redacted)."""
        try:
            yield
        except OperationalError as e:
            raise self._error(True, str(e.orig).strip().splitlines()[0] if e.orig else str(e)) from None
        except SQLAlchemyError as e:
            if isinstance(e, StoreError):
                raise
            raise self._error(False, str(e).splitlines()[0]) from None

    def _error(self, unavailable: bool, why: str) -> StoreError:
        return StoreError(f"database {_redact(self.url)!r} {'is unavailable' if unavailable else 'error'}: {why}")

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A transaction; database errors become StoreError naming the database."""
        with self._errors(), self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for one read-only statement, without a transaction on PostgreSQL.

        Each transaction costs two more round trips (BEGIN, COMMIT); a lone SELECT does not need
        one. Several statements that must see one snapshot belong in :meth:`begin`. On SQLite
        this is :meth:`begin`.
        """
        if self.is_sqlite:
            with self.begin() as conn:
                yield conn
            return
        with self._errors(), self._autocommit.connect() as conn:
            yield conn

    @contextmanager
    def driver(self, *, autocommit: bool = False) -> Iterator[Any]:
        """The pooled connection's driver object (psycopg or sqlite3) for a hot path.

        Each statement through SQLAlchemy costs ~0.1-0.2 ms of CPU on top of the driver's, which
        is most of a check's database time. The caller owns the transaction (commit it; whatever is
        left open is rolled back when the connection returns to the pool). Driver errors become
        StoreError as in :meth:`begin`, and a connection the server dropped is discarded from the
        pool, so the next checkout reconnects. ``autocommit``: each statement commits by itself
        (on PostgreSQL a lone read then costs one round trip, not three; SQLite connections are
        always in autocommit mode here, see ``_sqlite_setup``).
        """
        dialect = self.engine.dialect
        with self._errors():
            conn = self.engine.connect()
        try:
            raw: Any = conn.connection.driver_connection
            switch = autocommit and not self.is_sqlite
            if switch:
                raw.autocommit = True
            try:
                yield raw
            except dialect.loaded_dbapi.Error as e:
                why = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
                gone = dialect.is_disconnect(e, conn.connection.dbapi_connection, None)
                if gone:
                    conn.invalidate()
                raise self._error(gone, why) from None
            finally:
                if switch and not conn.invalidated:
                    try:
                        raw.autocommit = False
                    except Exception:  # a connection that cannot be reset is not reused
                        conn.invalidate()
        finally:
            with contextlib.suppress(SQLAlchemyError):
                conn.close()

    def ping(self) -> None:
        with self.begin() as conn:
            conn.execute(text("SELECT 1"))

    def migrate(self) -> None:
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(resources.files("garde.store") / "migrations"))
        with self.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")

    def dispose(self) -> None:
        self.engine.dispose()
