"""Fixtures for the HTTP service: an app on a temporary SQLite database with deterministic fake analysers."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))

from svc_helpers import PASSWORD, make_guard

from garde.guard import Guard
from garde.service import ServiceSettings, create_app
from garde.service.security import KeyStore, UserStore
from garde.store import Database


@pytest.fixture
def db(sqlite_url: str) -> Iterator[Database]:
    d = Database(sqlite_url)
    yield d
    d.dispose()


@pytest.fixture
def settings() -> ServiceSettings:
    return ServiceSettings(max_images=2, max_image_bytes=200_000, max_pixels=1_000_000, max_side=2000,
                           max_body_bytes=600_000, max_prompt_chars=2000, default_rate=1000, default_burst=1000)


@pytest.fixture
def guard(db: Database) -> Guard:
    return make_guard(db)


@pytest.fixture
def app_client(db: Database, guard: Guard, settings: ServiceSettings) -> Iterator[TestClient]:
    app = create_app(guard=guard, db=db, settings=settings)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def keys(db: Database) -> dict[str, str]:
    ks = KeyStore(db)
    return {s: ks.create(f"test-{s}", s)[1] for s in ("check", "moderate", "admin")}


@pytest.fixture
def auth(keys: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {keys['check']}"}


@pytest.fixture
def mod_auth(keys: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {keys['moderate']}"}


@pytest.fixture
def moderator(db: Database) -> str:
    UserStore(db).create("mia", "moderator", PASSWORD)
    return "mia"


@pytest.fixture
def artifacts() -> Path:
    p = Path(__file__).resolve().parents[2] / "test-artifacts"
    p.mkdir(exist_ok=True)
    return p

