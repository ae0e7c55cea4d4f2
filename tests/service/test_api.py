"""The JSON API: checks, the one error shape, auth, limits, fail-closed behaviour, metrics, logs."""

from __future__ import annotations

import logging
import struct
import zlib
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from svc_helpers import KeywordFake, b64, make_guard, png_bytes

from garde.analyzers import FakeAnalyzer
from garde.errors import StoreError
from garde.service import ServiceSettings, create_app
from garde.service.security import KeyStore
from garde.store import Database

ACTOR = {"id": "u1", "country": "ZZ", "tier": "premium"}


def assert_error(r: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) >= {"error"} and set(body["error"]) == {"code", "message", "status"}, body
    assert body["error"]["status"] == status and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    return dict(body["error"])


def check(c: TestClient, auth: dict[str, str], prompt: str, images: list[bytes] = (), **kw: Any) -> Any:  # type: ignore[assignment]
    return c.post("/v1/requests/check", headers=auth,
                  json={"prompt": prompt, "images": [b64(i) for i in images], "actor": ACTOR, **kw})


# -- checks ---------------------------------------------------------------------------------


def test_text_only_allow(app_client: TestClient, auth: dict[str, str]) -> None:
    r = check(app_client, auth, "make the sky bluer")
    assert r.status_code == 200
    d = r.json()
    assert d["action"] == "allow" and d["allowed"] is True and d["stage"] == "request"
    assert d["actor"] == ACTOR and len(d["policy_digest"]) == 64 and d["case_id"] is None
    assert r.headers["x-request-id"]


def test_sexualising_edit_of_photo_goes_to_review_and_opens_a_case(app_client: TestClient, auth: dict[str, str],
                                                                   mod_auth: dict[str, str]) -> None:
    r = check(app_client, auth, "put her in a bikini", [png_bytes()])
    d = r.json()
    assert d["action"] == "review" and not d["allowed"] and "floor.real_person.sexual_request" in d["rules"]
    assert d["reasons"] and d["case_id"]
    case = app_client.get(f"/v1/cases/{d['case_id']}", headers=mod_auth).json()
    assert case["decision_id"] == d["decision_id"] and case["state"] == "open"
    listed = app_client.get("/v1/cases", headers=mod_auth, params={"state": "open"}).json()["cases"]
    assert [c["id"] for c in listed] == [d["case_id"]]
    acted = app_client.post(f"/v1/cases/{d['case_id']}/actions", headers=mod_auth,
                            json={"action": "confirm", "note": "seen"}).json()
    assert acted["state"] == "actioned" and acted["history"][-1]["by"] == "key:test-moderate"
    again = app_client.post(f"/v1/cases/{d['case_id']}/actions", headers=mod_auth, json={"action": "overturn"})
    assert "not allowed" in assert_error(again, 400, "bad_input")["message"]


def test_minor_is_block_and_report(app_client: TestClient, auth: dict[str, str]) -> None:
    d = check(app_client, auth, "a child in a bikini").json()
    assert d["action"] == "block_and_report" and not d["allowed"]


def test_multipart_request(app_client: TestClient, auth: dict[str, str]) -> None:
    r = app_client.post("/v1/requests/check", headers=auth,
                        data={"prompt": "put her in a bikini", "actor_id": "u1", "actor_country": "ZZ",
                              "history": ["hello", "now this"]},
                        files=[("images", ("a.png", png_bytes(), "image/png"))])
    assert r.status_code == 200, r.text
    assert r.json()["action"] == "review" and len(r.json()["image_sha256"]) == 1


def test_analyser_failure_fails_closed(db: Database, settings: ServiceSettings, keys: dict[str, str]) -> None:
    g = make_guard(db, FakeAnalyzer(name="vision", fail=RuntimeError("down")))
    with TestClient(create_app(guard=g, db=db, settings=settings)) as c:
        auth = {"Authorization": f"Bearer {keys['check']}"}
        for prompt, imgs in (("make the sky bluer", [png_bytes()]), ("make the sky bluer", [])):
            d = check(c, auth, prompt, imgs).json()
            assert d["allowed"] is False and d["action"] in ("block", "block_and_report")
            assert [e["analyzer"] for e in d["analyzer_errors"]] == ["vision"]
        metrics = c.get("/metrics").text
        assert 'garde_analyzer_errors_total{analyzer="vision",kind="exception"} 2.0' in metrics


def test_analyser_timeout_fails_closed(db: Database, settings: ServiceSettings, keys: dict[str, str]) -> None:
    g = make_guard(db, FakeAnalyzer(name="slow", delay=1.0), timeout=0.2)
    with TestClient(create_app(guard=g, db=db, settings=settings)) as c:
        d = check(c, {"Authorization": f"Bearer {keys['check']}"}, "hello").json()
        assert d["allowed"] is False and d["analyzer_errors"][0]["kind"] == "timeout"


def test_database_failure_fails_closed(app_client: TestClient, auth: dict[str, str], db: Database) -> None:
    assert check(app_client, auth, "hello").json()["allowed"] is True  # the key is now cached
    with db.engine.begin() as conn:
        conn.execute(text("ALTER TABLE decisions RENAME TO decisions_away"))
    d = check(app_client, auth, "hello").json()
    assert d["allowed"] is False and d["action"] == "block"
    assert "garde.store_unavailable" in d["rules"] and d["analyzer_errors"][-1]["analyzer"] == "store"
    r = app_client.post("/v1/outputs/check", headers=auth, json={
        "request_decision_id": d["decision_id"], "output": b64(png_bytes()),
        "request": {"prompt": "hello", "actor": ACTOR}})
    assert_error(r, 503, "store_unavailable")
    with db.engine.begin() as conn:
        conn.execute(text("ALTER TABLE decisions_away RENAME TO decisions"))
    assert check(app_client, auth, "hello").json()["allowed"] is True  # recovers by itself


def test_readyz_reports_database_and_missing_models(db: Database, settings: ServiceSettings,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from garde.guard import Guard, _Missing
    from garde.policy import Policy
    from garde.store import SqlDecisionLog

    g = Guard(analyzers=[KeywordFake(), _Missing(name="vision", why="no model", images_only=True)],
              policy=Policy(base="floor"), log=SqlDecisionLog(db))
    with TestClient(create_app(guard=g, db=db, settings=settings)) as c:
        assert c.get("/healthz").json() == {"status": "ok"}
        r = c.get("/readyz")
        body = r.json()
        assert r.status_code == 503 and body["error"]["code"] == "not_ready" and body["ready"] is False
        assert body["checks"]["database"] == "ok" and body["checks"]["analyzers"]["vision"].startswith("missing")

        def down() -> None:
            raise StoreError("database 'x' is unavailable: connection refused")

        monkeypatch.setattr(db, "ping", down)
        assert c.get("/readyz").json()["checks"]["database"].startswith("unavailable")


def test_readyz_waits_for_the_warm_up_and_reports_its_failure(db: Database, settings: ServiceSettings) -> None:
    import threading

    from garde.guard import Guard
    from garde.policy import Policy
    from garde.store import SqlDecisionLog

    release = threading.Event()

    class Slow(KeywordFake):
        def warm_up(self) -> None:
            release.wait(10)

    class Broken(FakeAnalyzer):
        def warm_up(self) -> None:
            raise OSError("weights file truncated")

    g = Guard(analyzers=[Slow(), Broken(name="vision")], policy=Policy(base="floor"), log=SqlDecisionLog(db))
    app = create_app(guard=g, db=db, settings=settings)
    with TestClient(app) as c:
        body = c.get("/readyz").json()
        assert body["ready"] is False and body["checks"]["analyzers"]["keywords"] == "warming up"
        release.set()
        app.state.garde.extra["warmup"].join(10)
        r = c.get("/readyz")
        assert r.status_code == 503 and r.json()["checks"]["analyzers"] == {
            "keywords": "ok", "vision": "warm-up failed: OSError"}
    off = create_app(guard=Guard(analyzers=[Slow()], policy=Policy(base="floor"), log=SqlDecisionLog(db)), db=db,
                     settings=ServiceSettings(warm_up=False))
    assert off.state.garde.extra["warmup"].status == {}


def test_readyz_ok(app_client: TestClient) -> None:
    r = app_client.get("/readyz")
    assert r.status_code == 200 and r.json()["ready"] is True


# -- outputs ---------------------------------------------------------------------------------


def _out(c: TestClient, auth: dict[str, str], d: dict[str, Any], prompt: str, images: list[bytes],
         output: bytes, actor: dict[str, str] = ACTOR) -> Any:
    return c.post("/v1/outputs/check", headers=auth, json={
        "request_decision_id": d["decision_id"], "output": b64(output),
        "request": {"prompt": prompt, "images": [b64(i) for i in images], "actor": actor}})


def test_output_check_flow(app_client: TestClient, auth: dict[str, str]) -> None:
    orig = png_bytes()
    d = check(app_client, auth, "strip the background", [orig]).json()
    assert d["allowed"]
    out = _out(app_client, auth, d, "strip the background", [orig], png_bytes(color=(9, 9, 9)))
    o = out.json()
    assert out.status_code == 200 and o["stage"] == "output" and o["parent_decision_id"] == d["decision_id"]
    assert o["action"] == "review" and not o["allowed"]  # the fake reports an exposure increase
    d2 = check(app_client, auth, "make it brighter", [orig]).json()
    o2 = _out(app_client, auth, d2, "make it brighter", [orig], png_bytes(color=(1, 1, 1))).json()
    assert o2["action"] == "allow" and o2["request_id"] == d2["request_id"]


def test_output_check_multipart(app_client: TestClient, auth: dict[str, str]) -> None:
    orig = png_bytes()
    d = check(app_client, auth, "make it brighter", [orig]).json()
    r = app_client.post("/v1/outputs/check", headers=auth,
                        data={"request_decision_id": d["decision_id"], "prompt": "make it brighter",
                              "actor_id": "u1", "actor_country": "ZZ", "actor_tier": "premium"},
                        files=[("images", ("a.png", orig, "image/png")),
                               ("output", ("o.png", png_bytes(), "image/png"))])
    assert r.status_code == 200, r.text
    assert r.json()["stage"] == "output"


def test_output_of_refused_request_is_blocked(app_client: TestClient, auth: dict[str, str]) -> None:
    orig = png_bytes()
    d = check(app_client, auth, "put her in a bikini", [orig]).json()
    o = _out(app_client, auth, d, "put her in a bikini", [orig], png_bytes()).json()
    assert o["action"] == "block" and "garde.request_not_allowed" in o["rules"]


def test_output_check_refuses_a_different_request(app_client: TestClient, auth: dict[str, str]) -> None:
    orig = png_bytes()
    d = check(app_client, auth, "make it brighter", [orig]).json()
    assert_error(_out(app_client, auth, d, "make it brighter", [png_bytes(color=(0, 0, 0))], png_bytes()), 409,
                 "request_mismatch")
    assert_error(_out(app_client, auth, d, "something else", [orig], png_bytes()), 409, "request_mismatch")
    assert_error(_out(app_client, auth, d, "make it brighter", [orig], png_bytes(), {**ACTOR, "id": "u2"}), 409)
    assert_error(_out(app_client, auth, {"decision_id": "nope"}, "x", [], png_bytes()), 404, "not_found")
    o = _out(app_client, auth, d, "make it brighter", [orig], png_bytes()).json()
    assert_error(_out(app_client, auth, o, "make it brighter", [orig], png_bytes()), 400, "bad_input")


# -- auth ------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nope", "Basic abc", "Bearer garde_abc_def",
                                    "Bearer garde_" + "x" * 300])
def test_unauthorized(app_client: TestClient, keys: dict[str, str], header: str | None) -> None:
    h = {"Authorization": header} if header else {}
    r = app_client.post("/v1/requests/check", headers=h, json={"prompt": "x", "actor": ACTOR})
    assert_error(r, 401, "unauthorized")
    assert r.headers["www-authenticate"].startswith("Bearer")


def test_wrong_secret_of_a_real_key_id(app_client: TestClient, keys: dict[str, str]) -> None:
    real = keys["check"]
    forged = real.split("_", 2)[0] + "_" + real.split("_", 2)[1] + "_" + "A" * 43
    r = app_client.post("/v1/requests/check", headers={"Authorization": f"Bearer {forged}"},
                        json={"prompt": "x", "actor": ACTOR})
    assert_error(r, 401)


def test_scopes(app_client: TestClient, keys: dict[str, str]) -> None:
    check_only = {"Authorization": f"Bearer {keys['check']}"}
    assert_error(app_client.get("/v1/cases", headers=check_only), 403, "forbidden")
    assert app_client.get("/v1/cases", headers={"Authorization": f"Bearer {keys['admin']}"}).status_code == 200
    assert check(app_client, {"Authorization": f"Bearer {keys['admin']}"}, "hi").status_code == 200


def test_revoked_key(db: Database, settings: ServiceSettings) -> None:
    from dataclasses import replace

    ks = KeyStore(db)
    key, secret = ks.create("gone", "check")
    app = create_app(guard=make_guard(db), db=db, settings=replace(settings, key_cache_seconds=0))
    with TestClient(app) as c:
        h = {"Authorization": f"Bearer {secret}"}
        assert check(c, h, "hi").status_code == 200
        ks.revoke(key.key_id)
        assert_error(check(c, h, "hi"), 401)


def test_keys_are_stored_hashed(db: Database) -> None:
    key, secret = KeyStore(db).create("k", ["check", "moderate"], rate=5, burst=10)
    with db.engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text("SELECT * FROM service_api_keys"))]
    assert rows and all(secret.split("_", 2)[2] not in str(r) for r in rows)
    assert key.scopes == {"check", "moderate"} and secret.startswith(f"garde_{key.key_id}_")


def test_rate_limit(db: Database, settings: ServiceSettings) -> None:
    _, secret = KeyStore(db).create("slow", "check", rate=0.5, burst=2)
    with TestClient(create_app(guard=make_guard(db), db=db, settings=settings)) as c:
        h = {"Authorization": f"Bearer {secret}"}
        assert [check(c, h, "hi").status_code for _ in range(2)] == [200, 200]
        r = check(c, h, "hi")
        assert_error(r, 429, "rate_limited")
        assert int(r.headers["retry-after"]) >= 1


# -- limits and bad input --------------------------------------------------------------------


def _bomb_png(w: int, h: int) -> bytes:
    """A tiny PNG whose header declares a huge canvas (never decoded by the service)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b""))


def test_limits_before_decoding(app_client: TestClient, auth: dict[str, str]) -> None:
    assert_error(check(app_client, auth, "x", [_bomb_png(50_000, 50_000)]), 413, "payload_too_large")
    assert_error(check(app_client, auth, "x", [_bomb_png(1500, 1500)]), 413, "payload_too_large")
    r = app_client.post("/v1/requests/check", headers=auth,
                        json={"prompt": "x", "images": [b64(png_bytes())] * 3, "actor": ACTOR})
    assert_error(r, 413, "payload_too_large")
    r = app_client.post("/v1/requests/check", headers=auth,
                        json={"prompt": "x", "images": [b64(png_bytes())] * 9, "actor": ACTOR})
    assert_error(r, 422, "invalid_request")
    big = app_client.post("/v1/requests/check", headers={**auth, "Content-Type": "application/json"},
                          content=b"{" + b" " * 700_000 + b"}")
    assert_error(big, 413, "payload_too_large")
    assert_error(check(app_client, auth, "x" * 2001), 413)


def test_streamed_body_over_the_limit(app_client: TestClient, auth: dict[str, str]) -> None:
    def gen() -> Any:
        for _ in range(100):
            yield b" " * 10_000

    r = app_client.post("/v1/requests/check", headers={**auth, "Content-Type": "application/json"}, content=gen())
    assert_error(r, 413, "payload_too_large")


@pytest.mark.parametrize(("body", "status", "code", "quote"), [
    ({"prompt": "x", "images": ["not base64!"], "actor": ACTOR}, 400, "bad_image", "images[0]"),
    ({"prompt": "x", "images": [b64(b"GIF89a not really")], "actor": ACTOR}, 400, "bad_image", "images[0]"),
    ({"prompt": "x", "actor": {**ACTOR, "country": "XQ"}}, 400, "unknown_jurisdiction", "XQ"),
    ({"prompt": "x", "actor": {**ACTOR, "country": "nope!"}}, 400, "bad_input", "nope!"),
    ({"prompt": 3, "actor": ACTOR}, 422, "invalid_request", "prompt"),
    ({"prompt": "x", "actor": ACTOR, "extra": 1}, 422, "invalid_request", "extra"),
    ([1, 2], 422, "invalid_request", ""),
])
def test_bad_input_quotes_the_value(app_client: TestClient, auth: dict[str, str], body: Any, status: int,
                                    code: str, quote: str) -> None:
    err = assert_error(app_client.post("/v1/requests/check", headers=auth, json=body), status, code)
    assert quote in err["message"]


def test_wrong_content_type_and_bad_json(app_client: TestClient, auth: dict[str, str]) -> None:
    assert_error(app_client.post("/v1/requests/check", headers={**auth, "Content-Type": "text/plain"},
                                 content=b"hi"), 415, "unsupported_media_type")
    assert_error(app_client.post("/v1/requests/check", headers={**auth, "Content-Type": "application/json"},
                                 content=b"{nope"), 400, "bad_input")
    assert_error(app_client.post("/v1/requests/check", headers={**auth, "Content-Type": "application/json"},
                                 content=b""), 400, "bad_input")


def test_http_errors_share_the_shape(app_client: TestClient, mod_auth: dict[str, str]) -> None:
    assert_error(app_client.get("/nope"), 404, "not_found")
    assert_error(app_client.get("/v1/requests/check"), 405, "method_not_allowed")
    assert_error(app_client.get("/v1/decisions/nope", headers=mod_auth), 404, "not_found")
    assert_error(app_client.get("/v1/cases/nope", headers=mod_auth), 404, "not_found")
    assert_error(app_client.get("/v1/cases", headers=mod_auth, params={"limit": 0}), 422, "invalid_request")
    assert_error(app_client.get("/v1/cases", headers=mod_auth, params={"state": "weird"}), 400, "bad_input")


# -- metrics, logs, decisions ------------------------------------------------------------------


def test_metrics(app_client: TestClient, auth: dict[str, str]) -> None:
    check(app_client, auth, "hello")
    check(app_client, auth, "put her in a bikini", [png_bytes()])
    m = app_client.get("/metrics").text
    assert 'garde_decisions_total{action="allow",stage="request"} 1.0' in m
    assert 'garde_decisions_total{action="review",stage="request"} 1.0' in m
    assert 'garde_analyzer_seconds_count{analyzer="keywords",stage="request"} 2.0' in m
    assert "garde_http_request_seconds_bucket" in m


def test_no_prompt_or_image_bytes_in_logs(app_client: TestClient, auth: dict[str, str],
                                          caplog: pytest.LogCaptureFixture) -> None:
    secret_prompt = "put her in a bikini zebra-quokka-7781"
    image = png_bytes(color=(7, 7, 7))
    with caplog.at_level(logging.DEBUG):
        check(app_client, auth, secret_prompt, [image])
        check(app_client, auth, "boom " + secret_prompt)
    text_logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "zebra-quokka" not in text_logged and b64(image)[:40] not in text_logged


def test_decision_record_is_readable_by_moderators(app_client: TestClient, auth: dict[str, str],
                                                   mod_auth: dict[str, str]) -> None:
    d = check(app_client, auth, "hello zebra").json()
    assert_error(app_client.get(f"/v1/decisions/{d['decision_id']}", headers=auth), 403)
    rec = app_client.get(f"/v1/decisions/{d['decision_id']}", headers=mod_auth).json()
    assert rec["record"]["action"] == "allow" and "zebra" not in str(rec)  # prompts are not stored by default
