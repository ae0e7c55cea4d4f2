"""Database access: SQLite by default, PostgreSQL via ``GARDE_DB_URL``; migrations with Alembic."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError

from garde.errors import StoreError

__all__ = ["Database", "default_url"]


def default_url() -> str:
    """``$GARDE_DB_URL``, else a SQLite file in ``$GARDE_HOME`` (default ``~/.local/share/garde``)."""
    url = os.environ.get("GARDE_DB_URL")
    if url:
        return url
    home = Path(os.environ.get("GARDE_HOME", Path.home() / ".local" / "share" / "garde"))
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{home / 'garde.db'}"


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
        kwargs: dict[str, Any] = {"pool_pre_ping": True}
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
        if migrate:
            self.migrate()

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
    def begin(self) -> Iterator[Connection]:
        """A transaction; database errors become StoreError naming the database."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except OperationalError as e:
            raise StoreError(f"database {_redact(self.url)!r} is unavailable: "
                             f"{str(e.orig).strip().splitlines()[0] if e.orig else e}") from None
        except SQLAlchemyError as e:
            if isinstance(e, StoreError):
                raise
            raise StoreError(f"database {_redact(self.url)!r} error: {str(e).splitlines()[0]}") from None

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
