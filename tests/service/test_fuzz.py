"""Schemathesis against the OpenAPI document: no 5xx, and every error in the one shape. Bounded."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed")
from hypothesis import HealthCheck, settings  # noqa: E402
from svc_helpers import make_guard  # noqa: E402

from garde.service import ServiceSettings, create_app  # noqa: E402
from garde.service.security import KeyStore  # noqa: E402
from garde.store import Database  # noqa: E402

_TMP = tempfile.mkdtemp(prefix="garde-fuzz-")
_DB = Database(f"sqlite:///{Path(_TMP) / 'fuzz.db'}")
_APP = create_app(guard=make_guard(_DB), db=_DB,
                  settings=ServiceSettings(default_rate=10_000, default_burst=10_000, max_body_bytes=2_000_000))
_STATE: dict[str, str] = {"key": KeyStore(_DB).create("fuzz", "admin")[1]}
schema = schemathesis.openapi.from_asgi("/openapi.json", _APP)


def _check_error_shape(response: Any) -> None:
    if response.status_code < 400:
        return
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), body
    err = body["error"]
    assert {"code", "message", "status"} <= set(err), body
    assert err["status"] == response.status_code and isinstance(err["code"], str) and err["message"], body


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_fuzz(case: Any) -> None:
    from schemathesis.checks import not_a_server_error

    for auth in (True, False):
        headers = {"Authorization": f"Bearer {_STATE['key']}"} if auth else {}
        response = case.call(headers=headers)
        assert response.status_code < 500 or (case.path == "/readyz" and response.status_code == 503), (
            f"{case.method} {case.path} -> {response.status_code}: {response.text[:300]}")
        _check_error_shape(response)
        _ = not_a_server_error
