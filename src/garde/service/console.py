"""The moderators' review console: server-rendered pages (Jinja2) and a little plain JavaScript.

Images are shown blurred (a server-side blurred preview); the original is sent only after
an explicit click, which is recorded in the audit trail with the moderator's name. Images
of a decision that involves an apparent minor are never stored nor shown: hashes only.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape

from garde.errors import GardeError, InputError, NotFound
from garde.service.api import CONSOLE_ACTIONS, console_action
from garde.service.errors import Forbidden
from garde.service.i18n import pick_lang, translator
from garde.service.images import blurred_preview, involves_minor
from garde.service.security import Session, User
from garde.service.state import ServiceState

__all__ = ["mount_console"]

log = logging.getLogger("garde.service.console")

SESSION_COOKIE = "garde_session"
LOGIN_COOKIE = "garde_login"
LANG_COOKIE = "garde_lang"
HASH_ACTIONS = ("confirm", "reject")
HASH_PAGE_SIZE = 50
_ENTRY_ID = re.compile(r"[0-9a-f]{1,40}")
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; "
                               "script-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class _Redirect(Exception):
    def __init__(self, url: str) -> None:
        self.url = url


def mount_console(app: FastAPI, state: ServiceState) -> None:
    env = Environment(loader=PackageLoader("garde.service", "templates"), autoescape=select_autoescape(["html"]),
                      auto_reload=False)
    signer = state.signer
    settings = state.settings
    app.mount("/console/static", StaticFiles(packages=[("garde.service", "static")]), name="console-static")

    def lang_of(request: Request, user: User | None = None) -> str:
        return pick_lang(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE),
                         request.headers.get("accept-language"), user.lang if user else None)

    def render(request: Request, name: str, status: int = 200, user: User | None = None,
               session: Session | None = None, **ctx: Any) -> HTMLResponse:
        lang = lang_of(request, user)
        csrf = signer.csrf_token(session.nonce) if session else ""
        html = env.get_template(name).render(t=translator(lang), lang=lang, user=user, csrf=csrf, status=status,
                                             **ctx)
        resp = HTMLResponse(html, status_code=status, headers=_SECURITY_HEADERS)
        q = request.query_params.get("lang")
        if q in ("en", "fr"):
            resp.set_cookie(LANG_COOKIE, q, max_age=365 * 86400, samesite="lax", secure=settings.secure_cookies)
        return resp

    def current(request: Request) -> tuple[User, Session]:
        s = signer.read(request.cookies.get(SESSION_COOKIE))
        if s is None:
            raise _Redirect("/console/login")
        u = state.users.get(s.user)
        if u is None or u.disabled:
            raise _Redirect("/console/login")
        return u, s

    async def auth(request: Request) -> tuple[User, Session]:
        return await run_in_threadpool(current, request)

    async def form_of(request: Request) -> dict[str, str]:
        form = await request.form(max_files=0, max_fields=8, max_part_size=16 * 1024)
        return {k: v for k, v in form.items() if isinstance(v, str)}

    def page_error(request: Request, e: GardeError, user: User | None = None,
                   session: Session | None = None) -> HTMLResponse:
        return render(request, "error.html", status=e.status, user=user, session=session, message=e.message)

    # -- login -----------------------------------------------------------------

    @app.get("/console/login", include_in_schema=False)
    async def login_page(request: Request, failed: int = 0) -> Response:
        nonce, token = signer.login_token()
        resp = render(request, "login.html", login_token=token, failed=bool(failed))
        resp.set_cookie(LOGIN_COOKIE, nonce, max_age=3600, httponly=True, samesite="strict",
                        secure=settings.secure_cookies, path="/console/login")
        return resp

    @app.post("/console/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        form = await form_of(request)
        try:
            signer.check_login_token(request.cookies.get(LOGIN_COOKIE), form.get("login_token"))
        except Forbidden as e:
            return page_error(request, e)
        name = form.get("username", "")[:128]
        ip = request.client.host if request.client else "-"
        per_min = settings.login_attempts_per_minute
        try:
            state.limiter.take(f"login:{ip}:{name}", per_min / 60.0, per_min)
        except GardeError as e:
            return page_error(request, e)
        user = await run_in_threadpool(state.users.authenticate, name, form.get("password", "")[:512])
        if user is None:
            await run_in_threadpool(state.audit.record, name or "-", "login_failed", f"ip:{ip}")
            return RedirectResponse("/console/login?failed=1", status_code=303)
        await run_in_threadpool(state.audit.record, user.name, "login", f"ip:{ip}")
        cookie, _ = signer.issue(user.name)
        resp = RedirectResponse("/console/", status_code=303)
        resp.set_cookie(SESSION_COOKIE, cookie, max_age=int(settings.session_hours * 3600), httponly=True,
                        samesite="strict", secure=settings.secure_cookies, path="/")
        resp.delete_cookie(LOGIN_COOKIE, path="/console/login")
        return resp

    @app.post("/console/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        try:
            user, session = await auth(request)
        except _Redirect as r:
            return RedirectResponse(r.url, status_code=303)
        form = await form_of(request)
        try:
            signer.check_csrf(session.nonce, form.get("csrf_token"))
        except Forbidden as e:
            return page_error(request, e, user, session)
        resp = RedirectResponse("/console/login", status_code=303)
        resp.delete_cookie(SESSION_COOKIE, path="/")
        return resp

    # -- queue and cases ---------------------------------------------------------

    @app.get("/console", include_in_schema=False)
    async def console_root() -> Response:
        return RedirectResponse("/console/", status_code=307)

    @app.get("/console/", include_in_schema=False)
    async def queue(request: Request, state_filter: str | None = None) -> Response:
        try:
            user, session = await auth(request)
        except _Redirect as r:
            return RedirectResponse(r.url, status_code=303)
        show_all = request.query_params.get("state") == "all"
        cases: list[Any] = []
        store = state.cases
        if store is not None:
            try:
                if show_all:
                    cases = await run_in_threadpool(lambda: store.list(limit=500))
                    cases = sorted(cases, key=lambda c: c.created_at, reverse=True)
                else:
                    got = await run_in_threadpool(
                        lambda: store.list(state="open", limit=500) + store.list(state="in_review", limit=500))
                    far = max((c.created_at for c in got), default=None)
                    cases = sorted(got, key=lambda c: (c.due_at or far, c.created_at))
            except GardeError as e:
                return page_error(request, e, user, session)
        return render(request, "queue.html", user=user, session=session, cases=cases, show_all=show_all,
                      cases_enabled=state.cases is not None)

    def load_case(case_id: str) -> tuple[Any, dict[str, Any] | None, list[dict[str, Any]], list[Any]]:
        if state.cases is None:
            raise NotFound("case management (garde.enforce) is not installed")
        case = state.cases.get(case_id)
        record: dict[str, Any] | None = None
        images: list[dict[str, Any]] = []
        if case.decision_id:
            try:
                record = state.guard.log.get(case.decision_id).record
            except NotFound:
                record = None
        shas: list[tuple[str, str]] = []
        if record is not None:
            role = "output" if record.get("stage") == "output" else "input"
            shas = [(s, role) for s in record.get("image_sha256", [])]
        for s in case.subject.get("image_sha256", []) if isinstance(case.subject, dict) else []:
            if isinstance(s, str) and s not in {x for x, _ in shas}:
                shas.append((s, "subject"))
        minor = involves_minor(record or {}) or "minor" in str(case.reason).lower()
        for sha, role in shas:
            kept = False if minor else state.vault.get(sha) is not None
            images.append({"sha256": sha, "role": role, "minor": minor, "kept": kept})
        others: list[Any] = []
        if case.actor_id:
            try:
                others = [c for c in state.cases.list(limit=1000) if c.actor_id == case.actor_id and c.id != case.id]
            except GardeError:
                others = []
        return case, record, images, others[:20]

    def allowed_actions(case_state: str) -> set[str]:
        from garde.enforce.cases import TRANSITIONS

        return {verb for verb, act in CONSOLE_ACTIONS.items() if case_state in TRANSITIONS.get(act, {})}

    @app.get("/console/cases/{case_id}", include_in_schema=False)
    async def case_page(request: Request, case_id: str) -> Response:
        try:
            user, session = await auth(request)
        except _Redirect as r:
            return RedirectResponse(r.url, status_code=303)
        try:
            case, record, images, others = await run_in_threadpool(load_case, case_id)
        except GardeError as e:
            return page_error(request, e, user, session)
        done = request.query_params.get("done")
        return render(request, "case.html", user=user, session=session, case=case, record=record, images=images,
                      others=others, can_act=user.can("act"), can_reveal=user.can("reveal"),
                      allowed=allowed_actions(case.state), done=done if done in CONSOLE_ACTIONS else None,
                      error=request.query_params.get("error"))

    @app.post("/console/cases/{case_id}/act", include_in_schema=False)
    async def act(request: Request, case_id: str) -> Response:
        try:
            user, session = await auth(request)
        except _Redirect as r:
            return RedirectResponse(r.url, status_code=303)
        form = await form_of(request)
        try:
            signer.check_csrf(session.nonce, form.get("csrf_token"))
            if not user.can("act"):
                raise Forbidden(f"role {user.role!r} cannot act on cases")
            verb = form.get("action", "")
            if verb not in CONSOLE_ACTIONS:
                raise InputError(f"unknown action {verb!r}; expected confirm, overturn or escalate")
            note = form.get("note", "")[:4000]

            def do() -> None:
                assert state.cases is not None
                state.cases.act(case_id, action=console_action(verb), by=user.name, note=note)
                state.audit.record(user.name, "case_action", case_id, action=verb)

            await run_in_threadpool(do)
        except GardeError as e:
            if e.status in (400, 409):
                return RedirectResponse(f"/console/cases/{case_id}?error={quote(e.message[:200])}", status_code=303)
            return page_error(request, e, user, session)
        return RedirectResponse(f"/console/cases/{case_id}?done={verb}", status_code=303)

    def case_image(case_id: str, sha: str) -> tuple[bytes, str]:
        _, _, images, _ = load_case(case_id)
        im = next((i for i in images if i["sha256"] == sha), None)
        if im is None or im["minor"] or not im["kept"]:
            raise NotFound(f"no image {sha[:16]!r} to show for case {case_id!r}")
        got = state.vault.get(sha)
        if got is None:
            raise NotFound(f"image {sha[:16]!r} is no longer kept")
        return got

    @app.get("/console/cases/{case_id}/images/{sha}/preview", include_in_schema=False)
    async def preview(request: Request, case_id: str, sha: str) -> Response:
        try:
            await auth(request)
            data, _ = await run_in_threadpool(case_image, case_id, sha)
            png = await run_in_threadpool(blurred_preview, data)
        except _Redirect:
            return Response(status_code=401)
        except GardeError as e:
            return Response(status_code=e.status)
        return Response(png, media_type="image/png", headers=_SECURITY_HEADERS)

    @app.post("/console/cases/{case_id}/images/{sha}/reveal", include_in_schema=False)
    async def reveal(request: Request, case_id: str, sha: str) -> Response:
        try:
            user, session = await auth(request)
            signer.check_csrf(session.nonce, request.headers.get("x-csrf-token"))
            if not user.can("reveal"):
                raise Forbidden(f"role {user.role!r} cannot reveal images")
            data, mtype = await run_in_threadpool(case_image, case_id, sha)
            await run_in_threadpool(state.audit.record, user.name, "reveal", case_id, sha256=sha)
        except _Redirect:
            return Response(status_code=401)
        except GardeError as e:
            return Response(status_code=e.status)
        state.metrics.reveals.inc()
        log.info("image %s… of case %s revealed by %s", sha[:16], case_id, user.name)
        return Response(data, media_type=mtype, headers=_SECURITY_HEADERS)

    # -- hash banks' quarantine ------------------------------------------------------

    def hashes_url(bank: str | None, page: int, **extra: str) -> str:
        q = {k: v for k, v in {"bank": bank or "", "page": str(page) if page > 1 else "", **extra}.items() if v}
        return "/console/hashes" + ("?" + urlencode(q) if q else "")

    def page_number(raw: str | None) -> int:
        try:
            return max(1, min(int(raw or "1"), 100_000))
        except ValueError:
            return 1

    @app.get("/console/hashes", include_in_schema=False)
    async def hashes_page(request: Request) -> Response:
        try:
            user, session = await auth(request)
        except _Redirect as r:
            return RedirectResponse(r.url, status_code=303)
        bank = request.query_params.get("bank") or None
        page = page_number(request.query_params.get("page"))
        store = state.banks
        banks: list[dict[str, Any]] = []
        entries: list[Any] = []
        batches: list[dict[str, Any]] = []
        total = 0
        if store is not None:
            try:
                stats = await run_in_threadpool(store.stats)
                banks = list(stats["banks"])
                entries, total = await run_in_threadpool(lambda: store.entries_page(
                    state="quarantined", bank_name=bank, offset=(page - 1) * HASH_PAGE_SIZE, limit=HASH_PAGE_SIZE))
                batches = await run_in_threadpool(lambda: store.quarantined_batches(bank_name=bank))
            except GardeError as e:
                return page_error(request, e, user, session)
        pages = max(1, -(-total // HASH_PAGE_SIZE))
        if page > pages:  # past the end (e.g. the last entry of the last page was just confirmed)
            keep = ("done", "entry", "batch", "count", "takedowns", "error")
            return RedirectResponse(hashes_url(bank, pages, **{k: v for k, v in request.query_params.items()
                                                               if k in keep}), status_code=303)
        done = request.query_params.get("done")
        entry = request.query_params.get("entry", "")
        takedowns = request.query_params.get("takedowns", "")
        done_batch = request.query_params.get("batch", "")
        count = request.query_params.get("count", "")
        return render(request, "hashes.html", user=user, session=session, banks=banks, entries=entries,
                      batches=batches, done_batch=done_batch if _ENTRY_ID.fullmatch(done_batch) else "",
                      done_count=int(count) if count.isdigit() else 0,
                      total=total, bank=bank, page=page, pages=pages, banks_enabled=store is not None,
                      can_act=user.can("act"), done=done if done in HASH_ACTIONS else None,
                      done_entry=entry if _ENTRY_ID.fullmatch(entry) else "",
                      takedowns=int(takedowns) if takedowns.isdigit() else 0,
                      error=request.query_params.get("error"),
                      prev_url=hashes_url(bank, page - 1) if page > 1 else None,
                      next_url=hashes_url(bank, page + 1) if page < pages else None)

    @app.post("/console/hashes/entries/{entry_id}/act", include_in_schema=False)
    async def hash_act(request: Request, entry_id: str) -> Response:
        return await hash_action(request, entry_id, whole_batch=False)

    @app.post("/console/hashes/batches/{batch_id}/act", include_in_schema=False)
    async def hash_batch_act(request: Request, batch_id: str) -> Response:
        return await hash_action(request, batch_id, whole_batch=True)

    async def hash_action(request: Request, item_id: str, *, whole_batch: bool) -> Response:
        """Confirm or reject one quarantined entry, or every quarantined entry of a batch."""
        try:
            user, session = await auth(request)
        except _Redirect as r:
            return RedirectResponse(r.url, status_code=303)
        form = await form_of(request)
        bank = form.get("bank", "")[:128] or None
        page = page_number(form.get("page"))
        verb = form.get("action", "")
        what = "hash batch" if whole_batch else "hash entry"
        try:
            signer.check_csrf(session.nonce, form.get("csrf_token"))
            if not user.can("act"):
                raise Forbidden(f"role {user.role!r} cannot confirm or reject hash entries")
            store = state.banks
            if store is None:
                raise NotFound("hash banks (garde.hashing) are not installed")
            if not _ENTRY_ID.fullmatch(item_id):
                raise NotFound(f"no {what} {item_id[:64]!r}")
            if verb not in HASH_ACTIONS:
                raise InputError(f"unknown action {verb!r}; expected confirm or reject")
            note = form.get("note", "")[:4000]

            def facts(e: Any) -> dict[str, Any]:
                return {"bank": e.bank, "bank_kind": e.bank_kind, "hash_type": e.hash_type, "hash": e.hash,
                        "source": e.source, "batch_id": e.batch_id, "submitted_by": e.submitted_by}

            def one() -> tuple[int, int]:
                e = store.entry(item_id)
                if e.state != "quarantined":
                    raise InputError(f"hash entry {item_id!r} is {e.state}, not quarantined")
                # expect_state: the state is checked again in the statement that changes it (a concurrent
                # confirm and reject cannot both act)
                if verb == "reject":
                    store.remove(item_id, expect_state="quarantined")
                    state.audit.record(user.name, "hash_reject", item_id, note=note, **facts(e))
                    return 1, 0
                try:
                    _, tds = store.confirm(item_id, by=user.name, expect_state="quarantined")
                except GardeError as ex:  # the entry may be active already: the takedown search failed after
                    state.audit.record(user.name, "hash_confirm_failed", item_id, error=ex.code, note=note,
                                       **facts(e))
                    raise
                state.audit.record(user.name, "hash_confirm", item_id, note=note,
                                   takedown_cases=[t.case_id for t in tds], **facts(e))
                return 1, len(tds)

            def batch() -> tuple[int, int]:
                if verb == "reject":
                    gone = store.reject_batch(item_id)
                    for e in gone:
                        state.audit.record(user.name, "hash_reject", e.id, note=note, **facts(e))
                    state.audit.record(user.name, "hash_reject_batch", item_id, note=note, entries=len(gone))
                    n, cases = len(gone), []
                else:
                    try:
                        done = store.confirm_batch(item_id, by=user.name)
                    except GardeError as ex:
                        state.audit.record(user.name, "hash_confirm_batch_failed", item_id, error=ex.code, note=note)
                        raise
                    for e, tds in done:
                        state.audit.record(user.name, "hash_confirm", e.id, note=note,
                                           takedown_cases=[t.case_id for t in tds], **facts(e))
                    cases = [t.case_id for _, tds in done for t in tds]
                    state.audit.record(user.name, "hash_confirm_batch", item_id, note=note, entries=len(done),
                                       takedown_cases=cases)
                    n = len(done)
                if n == 0:
                    raise InputError(f"hash batch {item_id!r} has no quarantined entry left")
                return n, len(cases)

            count, n = await run_in_threadpool(batch if whole_batch else one)
        except GardeError as e:
            if e.status in (400, 409):
                return RedirectResponse(hashes_url(bank, page, error=e.message[:200]), status_code=303)
            return page_error(request, e, user, session)
        log.info("%s %s %sed by %s (%d entries)", what, item_id, verb, user.name, count)
        extra = {"batch": item_id, "count": str(count)} if whole_batch else {"entry": item_id}
        return RedirectResponse(hashes_url(bank, page, done=verb, **extra, takedowns=str(n)), status_code=303)
