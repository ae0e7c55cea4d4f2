"""The committed OpenAPI document is current; the CLI creates keys (shown once) and console accounts."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from garde.service.openapi import openapi_document
from garde.service.security import KeyStore, UserStore
from garde.store import Database

DOC = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_committed_openapi_is_current() -> None:
    assert DOC.exists(), "run: python -m garde.service.openapi docs/openapi.json"
    assert json.loads(DOC.read_text()) == json.loads(json.dumps(openapi_document())), (
        "docs/openapi.json is stale: run python -m garde.service.openapi docs/openapi.json")


def test_openapi_documents_the_error_shape_and_bearer_auth() -> None:
    doc = openapi_document()
    post = doc["paths"]["/v1/requests/check"]["post"]
    assert set(post["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    assert post["responses"]["401"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    assert post["security"] == [{"HTTPBearer": []}]


@pytest.fixture
def cli_env(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("GARDE_DB_URL", sqlite_url)
    return Database(sqlite_url)


def test_keys_cli(cli_env: Database, capsys: pytest.CaptureFixture[str]) -> None:
    from garde.cli import main

    assert main(["keys", "create", "--name", "acme", "--scope", "check", "--scope", "moderate"]) == 0
    out = capsys.readouterr()
    key = out.out.strip()
    assert key.startswith("garde_") and len(key.splitlines()) == 1 and key not in out.err
    stored = KeyStore(cli_env).authenticate(key)
    assert stored.scopes == {"check", "moderate"} and stored.name == "acme"
    assert main(["keys", "list"]) == 0
    listed = capsys.readouterr().out
    assert stored.key_id in listed and key.split("_", 2)[2] not in listed
    assert main(["keys", "revoke", stored.key_id]) == 0
    assert KeyStore(cli_env).list()[0].revoked
    assert main(["keys", "create", "--name", "x", "--scope", "root"]) == 2
    assert "'root'" in capsys.readouterr().err


def test_users_cli(cli_env: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from garde.cli import main

    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert main(["users", "create", "--name", "lea", "--role", "admin", "--lang", "fr", "--password-stdin"]) == 0
    u = UserStore(cli_env).authenticate("lea", "a long enough password")
    assert u is not None and u.role == "admin" and u.lang == "fr"
    assert main(["users", "list"]) == 0
    assert "lea" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert main(["users", "create", "--name", "x", "--role", "boss", "--password-stdin"]) == 2
    assert "'boss'" in capsys.readouterr().err


def test_serve_is_registered(capsys: pytest.CaptureFixture[str]) -> None:
    from garde.cli import main

    assert main(["serve", "--help"]) == 0
    assert "--workers" in capsys.readouterr().out
