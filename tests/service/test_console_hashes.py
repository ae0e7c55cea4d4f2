"""The console's hash-bank quarantine page: listing, confirm (with the retroactive takedown), reject, roles, CSRF."""

from __future__ import annotations

import hashlib
import html
from typing import Any

import pytest
from fastapi.testclient import TestClient
from svc_helpers import PASSWORD, b64, png_bytes
from test_browser import CHROMIUM, chromium_page, log_in, server  # noqa: F401  (server: the uvicorn fixture)
from test_console import ACTOR, csrf_of, login

from garde.errors import InputError, NotFound
from garde.hashing.banks import BankStore, NewHash
from garde.service.security import AuditTrail, UserStore
from garde.store import Database

PDQ = "f" * 16 + "0" * 48


def quarantine(db: Database, hashes: list[NewHash], bank: str = "thirdparty",
               kind: str = "known_abuse") -> list[str]:
    """Bank ``hashes`` unreviewed in a bank that quarantines every batch; returns the entry ids."""
    store = BankStore(db)
    try:
        store.bank(bank)
    except NotFound:
        store.create_bank(bank, kind, quarantine_over=0)
    res = store.add(bank, hashes, submitted_by="hotline-feed", source="import:list.csv")
    assert res.quarantined
    return [e.id for e in res.added]


def released_output(c: TestClient, auth: dict[str, str], output: bytes) -> str:
    """Check a request and release ``output`` for it; returns the output decision's id."""
    d = c.post("/v1/requests/check", headers=auth, json={"prompt": "a lighthouse at dusk", "actor": ACTOR}).json()
    assert d["allowed"], d
    r = c.post("/v1/outputs/check", headers=auth, json={
        "request_decision_id": d["decision_id"], "output": b64(output),
        "request": {"prompt": "a lighthouse at dusk", "actor": ACTOR}})
    assert r.status_code == 200, r.text
    return str(r.json()["decision_id"])


def act(c: TestClient, entry_id: str, action: str, csrf: str | None, **extra: str) -> Any:
    data = {"action": action, **extra}
    if csrf is not None:
        data["csrf_token"] = csrf
    return c.post(f"/console/hashes/entries/{entry_id}/act", data=data, follow_redirects=False)


def test_page_lists_quarantined_entries(app_client: TestClient, moderator: str, db: Database) -> None:
    [eid] = quarantine(db, [NewHash(hash_type="pdq", hash=PDQ, quality=90, tags=("ncii", "batch-7"))])
    BankStore(db).create_bank("protected-art", "protected")
    login(app_client, moderator)
    queue = app_client.get("/console/")
    assert 'href="/console/hashes"' in queue.text  # the navigation links the page
    page = app_client.get("/console/hashes")
    assert page.status_code == 200 and page.headers["content-security-policy"].startswith("default-src")
    text = html.unescape(page.text)
    assert "Hash quarantine" in text and f'data-entry="{eid}"' in text
    assert f"pdq {PDQ[:16]}…" in text and PDQ not in text  # the hash is truncated
    assert "import:list.csv" in text and "hotline-feed" in text and "ncii, batch-7" in text
    assert "thirdparty" in text and "protected-art" in text and "<img" not in text
    assert 'class="hash-confirm"' in text  # a moderator may act
    # filtered by bank: the other bank has nothing in quarantine
    other = app_client.get("/console/hashes?bank=protected-art")
    assert eid not in other.text and "Nothing in quarantine." in other.text
    # an unknown bank is a clear 404 page
    missing = app_client.get("/console/hashes?bank=nope")
    assert missing.status_code == 404 and "no hash bank" in html.unescape(missing.text)


def test_confirm_activates_takes_down_and_is_audited(app_client: TestClient, auth: dict[str, str],
                                                     moderator: str, db: Database) -> None:
    output = png_bytes(color=(10, 200, 90))
    decision_id = released_output(app_client, auth, output)
    [eid] = quarantine(db, [NewHash(hash_type="sha256", hash=hashlib.sha256(output).hexdigest())])
    login(app_client, moderator)
    page = app_client.get("/console/hashes")
    r = act(app_client, eid, "confirm", csrf_of(page.text), note="checked against the source")
    assert r.status_code == 303
    assert r.headers["location"] == f"/console/hashes?done=confirm&entry={eid}&takedowns=1"
    after = app_client.get(r.headers["location"])
    assert "entry confirmed" in after.text and f'data-entry="{eid}"' not in after.text
    e = BankStore(db).entry(eid)
    assert e.state == "active" and e.reviewed and e.reviewed_by == moderator
    [ev] = AuditTrail(db).events(kind="hash_confirm")
    assert ev["who"] == moderator and ev["subject"] == eid
    assert ev["detail"]["bank"] == "thirdparty" and ev["detail"]["note"] == "checked against the source"
    [case_id] = ev["detail"]["takedown_cases"]
    # the retroactive takedown ran, as with `garde hashes confirm`: a takedown case for the released output
    case = app_client.get(f"/console/cases/{case_id}")
    assert case.status_code == 200 and "takedown" in case.text and decision_id in case.text
    # confirming again: the entry is no longer quarantined, said on the page
    r = act(app_client, eid, "confirm", csrf_of(page.text))
    assert r.status_code == 303 and "error=" in r.headers["location"]
    assert "not quarantined" in html.unescape(app_client.get(r.headers["location"]).text)
    assert len(AuditTrail(db).events(kind="hash_confirm")) == 1


def test_reject_deletes_and_is_audited(app_client: TestClient, moderator: str, db: Database) -> None:
    ids = quarantine(db, [NewHash(hash_type="pdq", hash=PDQ), NewHash(hash_type="md5", hash="a" * 32)])
    login(app_client, moderator)
    csrf = csrf_of(app_client.get("/console/hashes").text)
    r = act(app_client, ids[1], "reject", csrf, note="bad hash from the feed", bank="thirdparty")
    loc = r.headers["location"]
    assert r.status_code == 303 and "done=reject" in loc and "bank=thirdparty" in loc
    store = BankStore(db)
    with pytest.raises(NotFound, match="no hash entry"):
        store.entry(ids[1])
    assert store.entry(ids[0]).state == "quarantined"
    [ev] = AuditTrail(db).events(kind="hash_reject")
    # the deleted entry's provenance survives in the audit trail
    assert ev["who"] == moderator and ev["subject"] == ids[1]
    assert ev["detail"]["hash"] == "a" * 32 and ev["detail"]["submitted_by"] == "hotline-feed"
    assert ev["detail"]["note"] == "bad hash from the feed"
    assert app_client.post(f"/console/hashes/entries/{ids[0]}/act", data={"action": "delete-all", "csrf_token": csrf},
                           follow_redirects=False).headers["location"].startswith("/console/hashes?error=")


def test_actions_need_csrf(app_client: TestClient, moderator: str, db: Database) -> None:
    [eid] = quarantine(db, [NewHash(hash_type="pdq", hash=PDQ)])
    login(app_client, moderator)
    app_client.get("/console/hashes")
    for action in ("confirm", "reject"):
        assert act(app_client, eid, action, None).status_code == 403
        assert act(app_client, eid, action, "forged-token").status_code == 403
    assert BankStore(db).entry(eid).state == "quarantined"
    assert not [e for e in AuditTrail(db).events() if e["kind"].startswith("hash_")]


def test_viewer_sees_but_cannot_act(app_client: TestClient, db: Database) -> None:
    [eid] = quarantine(db, [NewHash(hash_type="pdq", hash=PDQ)])
    UserStore(db).create("vic", "viewer", PASSWORD)
    login(app_client, "vic")
    page = app_client.get("/console/hashes")
    assert page.status_code == 200 and f'data-entry="{eid}"' in page.text
    assert "hash-confirm" not in page.text and "Your role can view the quarantine" in page.text
    for action in ("confirm", "reject"):
        r = act(app_client, eid, action, csrf_of(page.text))
        assert r.status_code == 403 and "viewer" in html.unescape(r.text)
    assert BankStore(db).entry(eid).state == "quarantined"


def test_login_required(app_client: TestClient, db: Database) -> None:
    [eid] = quarantine(db, [NewHash(hash_type="pdq", hash=PDQ)])
    r = app_client.get("/console/hashes", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/login"
    assert act(app_client, eid, "confirm", "x").headers["location"] == "/console/login"


def test_french(app_client: TestClient, moderator: str, db: Database) -> None:
    quarantine(db, [NewHash(hash_type="pdq", hash=PDQ)])
    login(app_client, moderator)
    page = html.unescape(app_client.get("/console/hashes?lang=fr").text)
    assert 'lang="fr"' in page and "Quarantaine des empreintes" in page
    assert "Entrées en quarantaine" in page and "Rejeter" in page and "Confirmer" in page
    assert "Hash quarantine" not in page


def test_bad_entry_id_is_a_404_page(app_client: TestClient, moderator: str) -> None:
    login(app_client, moderator)
    csrf = csrf_of(app_client.get("/console/hashes").text)
    for bad in ("0" * 32, "not-an-id", "x" * 300):
        r = act(app_client, bad, "confirm", csrf)
        assert r.status_code == 404, bad
        assert r.headers["content-type"].startswith("text/html") and "Traceback" not in r.text
        assert "Error 404" in r.text and "no hash entry" in html.unescape(r.text)


def test_without_the_hashing_package(app_client: TestClient, moderator: str, db: Database) -> None:
    [eid] = quarantine(db, [NewHash(hash_type="pdq", hash=PDQ)])
    app_client.app.state.garde.banks = None  # type: ignore[attr-defined]  # as when garde.hashing is absent
    login(app_client, moderator)
    page = app_client.get("/console/hashes")
    assert page.status_code == 200 and "are not installed" in page.text and eid not in page.text
    r = act(app_client, eid, "confirm", csrf_of(page.text))
    assert r.status_code == 404 and "not installed" in r.text


def test_paging_newest_first(app_client: TestClient, moderator: str, db: Database) -> None:
    old = quarantine(db, [NewHash(hash_type="md5", hash=f"{i:032x}") for i in range(1, 51)])
    [new] = quarantine(db, [NewHash(hash_type="pdq", hash=PDQ)])
    login(app_client, moderator)
    first = app_client.get("/console/hashes")
    assert "(51)" in first.text and "1 / 2" in first.text and 'id="page-next"' in first.text
    assert first.text.find(f'data-entry="{new}"') < min(
        first.text.find(f'data-entry="{e}"') for e in old if f'data-entry="{e}"' in first.text)
    second = app_client.get("/console/hashes?page=2")
    assert "2 / 2" in second.text and second.text.count('class="entry-row"') == 1
    r = app_client.get("/console/hashes?page=9", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/hashes?page=2"


def test_entries_page(db: Database) -> None:
    store = BankStore(db)
    store.create_bank("a", "known_abuse", quarantine_over=1)
    store.create_bank("b", "protected")
    qa = store.add("a", [NewHash(hash_type="md5", hash=f"{i:032x}") for i in range(1, 4)], submitted_by="feed")
    qb = store.add("b", [NewHash(hash_type="md5", hash="b" * 32)], submitted_by="op")
    assert qa.quarantined and not qb.quarantined
    got, total = store.entries_page(state="quarantined", limit=2)
    assert total == 3 and [e.id for e in got] == sorted((e.id for e in qa.added), reverse=True)[:2]
    rest, _ = store.entries_page(state="quarantined", offset=2, limit=2)
    assert len(rest) == 1 and {e.id for e in got + rest} == {e.id for e in qa.added}
    everything, n = store.entries_page()
    assert n == 4 and everything[0].id == qb.added[0].id  # newest first across banks
    assert store.entries_page(bank_name="b", state="quarantined") == ([], 0)
    with pytest.raises(InputError):
        store.entries_page(state="rejected")
    with pytest.raises(InputError):
        store.entries_page(limit=0)


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium")
def test_keyboard_in_chromium(server: dict[str, Any]) -> None:  # noqa: F811
    """j selects an entry, c confirms it; x asks before rejecting (dismissed: nothing happens; accepted: deleted)."""
    from playwright.sync_api import expect

    db: Database = server["db"]
    ids = quarantine(db, [NewHash(hash_type="pdq", hash=PDQ), NewHash(hash_type="md5", hash="a" * 32)])
    base = server["url"]
    with chromium_page() as page:
        page.goto(base + "/console/login")
        log_in(page)
        page.click("#nav-hashes")
        expect(page.locator("tr.entry-row")).to_have_count(2)
        first = page.locator("tr.entry-row").first.get_attribute("data-entry")
        page.keyboard.press("j")
        expect(page.locator("tr.entry-row.selected")).to_have_count(1)
        page.keyboard.press("c")
        expect(page.locator(".flash.ok")).to_contain_text("entry confirmed")
        expect(page.locator("tr.entry-row")).to_have_count(1)
        page.once("dialog", lambda d: d.dismiss())
        page.keyboard.press("j")
        page.keyboard.press("x")
        page.wait_for_timeout(500)  # a dismissed question submits nothing
        expect(page.locator("tr.entry-row")).to_have_count(1)
        assert not AuditTrail(db).events(kind="hash_reject")
        page.once("dialog", lambda d: d.accept())
        page.keyboard.press("x")
        expect(page.locator(".flash.ok")).to_contain_text("entry rejected")
        expect(page.locator("tr.entry-row")).to_have_count(0)
    assert first in ids and BankStore(db).entry(first).state == "active"
    assert [e["kind"] for e in AuditTrail(db).events() if e["kind"].startswith("hash_")] == [
        "hash_reject", "hash_confirm"]


def test_batch_confirm_and_reject(app_client: TestClient, auth: dict[str, str], moderator: str,
                                  db: Database) -> None:
    """A large feed is quarantined as one batch: the moderator confirms or rejects it in one action."""
    output = png_bytes(color=(200, 30, 140))
    released_output(app_client, auth, output)
    good = quarantine(db, [NewHash(hash_type="sha256", hash=hashlib.sha256(output).hexdigest()),
                           NewHash(hash_type="md5", hash="b" * 32), NewHash(hash_type="md5", hash="c" * 32)])
    bad = quarantine(db, [NewHash(hash_type="md5", hash="d" * 32), NewHash(hash_type="md5", hash="e" * 32)])
    store = BankStore(db)
    good_batch, bad_batch = store.entry(good[0]).batch_id, store.entry(bad[0]).batch_id
    assert [b["count"] for b in store.quarantined_batches()] == [3, 2]  # largest first
    login(app_client, moderator)
    page = app_client.get("/console/hashes")
    text = html.unescape(page.text)
    assert f'data-batch="{good_batch}"' in text and "Confirm the batch (3)" in text and "Reject the batch (2)" in text
    csrf = csrf_of(page.text)
    r = app_client.post(f"/console/hashes/batches/{good_batch}/act", data={"action": "confirm", "csrf_token": csrf},
                        follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/console/hashes?done=confirm&batch={good_batch}&count=3&takedowns=1"
    assert "batch confirmed" in app_client.get(r.headers["location"]).text
    assert {store.entry(i).state for i in good} == {"active"}
    [batch_ev] = AuditTrail(db).events(kind="hash_confirm_batch")
    assert batch_ev["subject"] == good_batch and batch_ev["detail"]["entries"] == 3
    assert len(batch_ev["detail"]["takedown_cases"]) == 1  # the released output is taken down
    assert {e["subject"] for e in AuditTrail(db).events(kind="hash_confirm")} == set(good)  # one event per entry
    r = app_client.post(f"/console/hashes/batches/{bad_batch}/act", data={"action": "reject", "csrf_token": csrf},
                        follow_redirects=False)
    assert r.headers["location"] == f"/console/hashes?done=reject&batch={bad_batch}&count=2&takedowns=0"
    for i in bad:
        with pytest.raises(NotFound):
            store.entry(i)
    assert {e["detail"]["hash"] for e in AuditTrail(db).events(kind="hash_reject")} == {"d" * 32, "e" * 32}
    # nothing left in that batch: said on the page, nothing changes
    r = app_client.post(f"/console/hashes/batches/{bad_batch}/act", data={"action": "reject", "csrf_token": csrf},
                        follow_redirects=False)
    assert "no quarantined entry left" in html.unescape(app_client.get(r.headers["location"]).text)
    # CSRF and roles hold for batches too
    r = app_client.post(f"/console/hashes/batches/{good_batch}/act", data={"action": "reject"}, follow_redirects=False)
    assert r.status_code == 403
