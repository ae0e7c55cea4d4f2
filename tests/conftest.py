"""Shared fixtures: where the shared test photos are, temporary databases."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path | None:
    """The labelled photos in ../shared/data (or $GARDE_SHARED_DATA); None when absent."""
    env = os.environ.get("GARDE_SHARED_DATA")
    for cand in ([Path(env)] if env else []) + [ROOT.parent / "shared" / "data", Path("/work/shared/data")]:
        if (cand / "people-scenes").is_dir():
            return cand
    return None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    d = shared_data_dir()
    if d is None:
        pytest.skip("the shared photos (../shared/data or $GARDE_SHARED_DATA) are not on this machine")
    return d


PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _pg_admin_url() -> str:
    url = os.environ.get("GARDE_TEST_PG_URL", PG_DEFAULT)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database on the server named by $GARDE_TEST_PG_URL, dropped afterwards."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    admin_url = _pg_admin_url()
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as c:
            c.execute(text("SELECT 1"))
    except (OperationalError, ModuleNotFoundError) as e:
        pytest.skip(f"no PostgreSQL server at {admin_url.split('@')[-1]} ({type(e).__name__}); "
                    f"set GARDE_TEST_PG_URL to run these tests")
    name = f"garde_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    base = admin_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:

        with admin.connect() as c:
            c.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'garde.db'}"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own GARDE_HOME (and so its own default SQLite file)."""
    monkeypatch.setenv("GARDE_HOME", str(tmp_path / "home"))
    for var in ("GARDE_DB_URL", "GARDE_POLICY_DIR", "GARDE_POLICY_BASE", "GARDE_JURISDICTIONS",
                "GARDE_STORE_PROMPTS"):
        monkeypatch.delenv(var, raising=False)
