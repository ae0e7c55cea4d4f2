"""Fixtures for the enforcement tests: a store per backend (memory, SQLite, real PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from garde.store import Database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Iterator[Database]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    d = Database(url)
    yield d
    d.dispose()
