"""The review console over HTTP (no browser): login, CSRF, roles, blurred images, reveals, minors, French."""

from __future__ import annotations

import html
import re
from typing import Any

from fastapi.testclient import TestClient
from svc_helpers import PASSWORD, b64, png_bytes

from garde.service.security import (
    AuditTrail,
    SessionSigner,
    UserStore,
    hash_password,
    verify_password,
)
from garde.store import Database

ACTOR = {"id": "u7", "country": "ZZ", "tier": "free"}


def login(c: TestClient, name: str, password: str = PASSWORD) -> Any:
    page = c.get("/console/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token
    return c.post("/console/login", data={"login_token": token.group(1), "username": name, "password": password},
                  follow_redirects=False)


def csrf_of(html: str) -> str:
    m = re.search(r'data-csrf="([^"]+)"', html)
    assert m
    return m.group(1)


def review_case(c: TestClient, auth: dict[str, str], prompt: str = "put her in a bikini") -> dict[str, Any]:
    d: dict[str, Any] = c.post("/v1/requests/check", headers=auth,
                               json={"prompt": prompt, "images": [b64(png_bytes())], "actor": ACTOR}).json()
    return d


def test_passwords_and_sessions() -> None:
    h = hash_password("s3cret-pass")
    assert h.startswith("scrypt$") and verify_password("s3cret-pass", h) and not verify_password("nope", h)
    s = SessionSigner(b"k" * 32)
    cookie, sess = s.issue("mia")
    assert s.read(cookie) == sess
    payload, sig = cookie.split(".")
    # a signature with its first character changed (its 6 bits always count; the last two characters of an
    # unpadded base64 HMAC hold 10 significant bits, so replacing them with "AA" left it valid once in 1,024 runs)
    forged = ("B" if sig[0] == "A" else "A") + sig[1:]
    assert s.read(payload + "." + forged) is None
    assert SessionSigner(b"x" * 32).read(cookie) is None
    assert s.read("garbage") is None


def test_login_required_and_wrong_password(app_client: TestClient, moderator: str, db: Database) -> None:
    r = app_client.get("/console/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/login"
    r = login(app_client, moderator, "wrong password")
    assert r.headers["location"] == "/console/login?failed=1"
    assert [e["kind"] for e in AuditTrail(db).events()] == ["login_failed"]
    # no login token: refused (CSRF on the login form)
    r = app_client.post("/console/login", data={"username": moderator, "password": PASSWORD})
    assert r.status_code == 403


def test_queue_case_reveal_and_act(app_client: TestClient, auth: dict[str, str], moderator: str,
                                   db: Database) -> None:
    d = review_case(app_client, auth)
    assert login(app_client, moderator).status_code == 303
    queue = app_client.get("/console/")
    assert d["case_id"] in queue.text and "Review queue" in queue.text
    page = app_client.get(f"/console/cases/{d['case_id']}")
    assert page.status_code == 200
    assert "floor.real_person.sexual_request" in page.text and "sexual_intent" in page.text
    assert 'class="blurred"' in page.text and page.headers["content-security-policy"].startswith("default-src")
    sha = d["image_sha256"][0]
    prev = app_client.get(f"/console/cases/{d['case_id']}/images/{sha}/preview")
    assert prev.status_code == 200 and prev.headers["content-type"] == "image/png"
    assert prev.content != png_bytes()
    url = f"/console/cases/{d['case_id']}/images/{sha}/reveal"
    assert app_client.post(url).status_code == 403  # no CSRF token
    r = app_client.post(url, headers={"X-CSRF-Token": csrf_of(page.text)})
    assert r.status_code == 200 and r.content == png_bytes()
    reveals = AuditTrail(db).events(kind="reveal")
    assert reveals[0]["who"] == moderator and reveals[0]["detail"]["sha256"] == sha
    # acting needs the CSRF token too
    assert app_client.post(f"/console/cases/{d['case_id']}/act", data={"action": "confirm"}).status_code == 403
    r = app_client.post(f"/console/cases/{d['case_id']}/act",
                        data={"action": "confirm", "csrf_token": csrf_of(page.text), "note": "ok"},
                        follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("done=confirm")
    after = app_client.get(r.headers["location"])
    assert 'data-state="actioned"' in after.text and moderator in after.text
    r = app_client.post(f"/console/cases/{d['case_id']}/act",
                        data={"action": "overturn", "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert "error=" in r.headers["location"]  # not allowed from actioned


def test_minor_images_never_stored_nor_shown(app_client: TestClient, auth: dict[str, str], moderator: str,
                                             db: Database) -> None:
    d = review_case(app_client, auth, "a child in a bikini")
    assert d["action"] == "block_and_report" and d["case_id"]
    with db.engine.connect() as conn:
        from sqlalchemy import text

        assert conn.execute(text("SELECT count(*) FROM service_review_images")).scalar_one() == 0
    login(app_client, moderator)
    page = app_client.get(f"/console/cases/{d['case_id']}")
    assert "apparent minor" in page.text and "<img" not in page.text
    sha = d["image_sha256"][0]
    assert sha[:16] in page.text
    assert app_client.get(f"/console/cases/{d['case_id']}/images/{sha}/preview").status_code == 404
    r = app_client.post(f"/console/cases/{d['case_id']}/images/{sha}/reveal",
                        headers={"X-CSRF-Token": csrf_of(page.text)})
    assert r.status_code == 404


def test_viewer_cannot_act_or_reveal(app_client: TestClient, auth: dict[str, str], db: Database) -> None:
    UserStore(db).create("vic", "viewer", PASSWORD)
    d = review_case(app_client, auth)
    login(app_client, "vic")
    page = app_client.get(f"/console/cases/{d['case_id']}")
    assert "btn-confirm" not in page.text and 'class="reveal"' not in page.text
    r = app_client.post(f"/console/cases/{d['case_id']}/act",
                        data={"action": "confirm", "csrf_token": csrf_of(page.text)})
    assert r.status_code == 403
    sha = d["image_sha256"][0]
    r = app_client.post(f"/console/cases/{d['case_id']}/images/{sha}/reveal",
                        headers={"X-CSRF-Token": csrf_of(page.text)})
    assert r.status_code == 403


def test_disabled_user_is_logged_out(app_client: TestClient, moderator: str, db: Database) -> None:
    login(app_client, moderator)
    assert app_client.get("/console/").status_code == 200
    UserStore(db).disable(moderator)
    assert app_client.get("/console/", follow_redirects=False).status_code == 303


def test_french(app_client: TestClient, auth: dict[str, str], moderator: str) -> None:
    d = review_case(app_client, auth)
    login(app_client, moderator)
    q = app_client.get("/console/?lang=fr")
    assert "File de modération" in q.text and 'lang="fr"' in q.text
    page = app_client.get(f"/console/cases/{d['case_id']}")  # the cookie keeps French
    assert "Confirmer" in page.text and "Afficher l'image" in html.unescape(page.text)
    en = app_client.get("/console/login", headers={"Accept-Language": "en-GB"}, cookies={"garde_lang": ""})
    assert "Sign in" in en.text


def test_logout(app_client: TestClient, moderator: str) -> None:
    login(app_client, moderator)
    page = app_client.get("/console/")
    r = app_client.post("/console/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert app_client.get("/console/", follow_redirects=False).status_code == 303


def test_login_is_rate_limited(app_client: TestClient, moderator: str) -> None:
    codes = [login(app_client, moderator, "bad password!").status_code for _ in range(11)]
    assert codes[:10] == [303] * 10 and codes[10] == 429
