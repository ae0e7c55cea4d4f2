"""The review console in a real browser: Playwright driving Debian's chromium against uvicorn on loopback.

The only image shown is a synthetic drawing (svc_helpers.png_bytes): no photo of a person.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from svc_helpers import PASSWORD, b64, make_guard, png_bytes

from garde.service import ServiceSettings, create_app
from garde.service.security import AuditTrail, KeyStore, UserStore
from garde.store import Database

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium"),
]


@contextlib.contextmanager
def chromium_page() -> Iterator[Any]:
    """A page of Debian's chromium (headless, no sandbox, no background networking), closed after."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900}, locale="en-GB")
            page.set_default_timeout(15_000)
            yield page
        finally:
            browser.close()


def log_in(page: Any, user: str = "mia") -> None:
    """Fill and submit the console's login form on the current page."""
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-submit")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[dict[str, Any]]:
    import uvicorn

    db = Database(f"sqlite:///{tmp_path / 'console.db'}")
    app = create_app(guard=make_guard(db), db=db, settings=ServiceSettings())
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    UserStore(db).create("mia", "moderator", PASSWORD)
    _, key = KeyStore(db).create("browser-test", "check")
    try:
        yield {"url": f"http://127.0.0.1:{port}", "db": db, "key": key}
    finally:
        srv.should_exit = True
        th.join(timeout=10)
        db.dispose()


def _case(server: dict[str, Any], prompt: str, image: bytes, actor: str) -> dict[str, Any]:
    import httpx

    r = httpx.post(server["url"] + "/v1/requests/check", headers={"Authorization": f"Bearer {server['key']}"},
                   json={"prompt": prompt, "images": [b64(image)], "actor": {"id": actor, "country": "ZZ"}},
                   timeout=30)
    r.raise_for_status()
    d: dict[str, Any] = r.json()
    assert d["case_id"], d
    return d


def test_moderator_reviews_a_case_in_chromium(server: dict[str, Any], artifacts: Path) -> None:
    from playwright.sync_api import expect

    drawing = png_bytes(480, 360, color=(90, 160, 210))
    d = _case(server, "put her in a bikini", drawing, "user-1042")
    _case(server, "put her in a bikini please", png_bytes(320, 240, color=(200, 90, 60)), "user-77")
    _case(server, "a child in a bikini", png_bytes(200, 200), "user-9")  # minor: hashes only
    base = server["url"]
    with chromium_page() as page:
        page.goto(base + "/console/")
        expect(page).to_have_url(base + "/console/login")
        log_in(page)
        expect(page.locator("h1")).to_contain_text("Review queue")
        expect(page.locator("tr.case-row")).to_have_count(3)
        page.screenshot(path=str(artifacts / "console-queue.png"), full_page=True)
        page.keyboard.press("j")  # keyboard navigation selects the first row
        expect(page.locator("tr.case-row.selected")).to_have_count(1)
        page.click(f"a[href='/console/cases/{d['case_id']}']")
        expect(page.locator("#case-state")).to_have_attribute("data-state", "open")
        expect(page.locator("img.blurred")).to_have_count(1)
        page.screenshot(path=str(artifacts / "console-case-blurred.png"), full_page=True)
        page.click("button.reveal")
        expect(page.locator("img.revealed")).to_have_count(1)
        expect(page.locator("img.blurred")).to_have_count(0)
        page.screenshot(path=str(artifacts / "console-case-revealed.png"), full_page=True)
        page.keyboard.press("c")  # the confirm shortcut
        expect(page.locator("#case-state")).to_have_attribute("data-state", "actioned")
        expect(page.locator(".flash.ok")).to_contain_text("Confirm")
        page.screenshot(path=str(artifacts / "console-case-confirmed.png"), full_page=True)
        # French, and the queue no longer lists the confirmed case
        page.goto(base + "/console/?lang=fr")
        expect(page.locator("h1")).to_contain_text("File de modération")
        expect(page.locator("tr.case-row")).to_have_count(2)
        page.screenshot(path=str(artifacts / "console-queue-fr.png"), full_page=True)

    reveals = AuditTrail(server["db"]).events(kind="reveal")
    assert [(e["who"], e["detail"]["sha256"]) for e in reveals] == [("mia", d["image_sha256"][0])]
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    if os.environ.get("GARDE_UPDATE_DOCS") == "1":  # refresh the README's screenshot on request only
        shutil.copyfile(artifacts / "console-case-blurred.png", DOCS_IMG / "console.png")
