"""The ``garde`` command line.

Exit codes: 0 allow/label (or success), 1 review/block/block_and_report (or a
failed verification), 2 bad usage or bad input (a one-line error naming the bad
value, never a traceback).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import click
import typer

from garde.errors import GardeError, InputError

os.environ.setdefault("HF_HUB_OFFLINE", "1")

app = typer.Typer(
    name="garde",
    help="garde: a safety and consent layer for AI image generation and editing.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
policy_app = typer.Typer(help="List, show, test and explain the policy packs.", no_args_is_help=True)
log_app = typer.Typer(help="The tamper-evident decision log.", no_args_is_help=True)
db_app = typer.Typer(help="The database: migrations and connectivity.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")
app.add_typer(log_app, name="log")
app.add_typer(db_app, name="db")


def _mount_optional() -> None:
    """Mount the sub-commands of optional packages (text, image, hashes, ...) when present."""
    for module, name in (("garde.text.cli", "text"), ("garde.vision.cli", "image"),
                         ("garde.hashing.cli", "hashes"), ("garde.enforce.cli", "cases"),
                         ("garde.service.cli", None), ("garde.audit.cli", None), ("garde.redteam.cli", None)):
        try:
            mod = __import__(module, fromlist=["app"])
        except ModuleNotFoundError as e:
            if e.name and module.startswith(e.name):
                continue
            raise
        register = getattr(mod, "register", None)
        if register is not None:
            register(app)
        elif name is not None:
            app.add_typer(mod.app, name=name)


def _echo_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, indent=None, sort_keys=False))


def _guard() -> Any:
    """A guard on the configured database, with enforcement (strikes, suspensions, cases) attached."""
    from garde.enforce.enforcer import Enforcer
    from garde.guard import Guard
    from garde.store import Database, SqlDecisionLog

    db = Database()
    g = Guard(log=SqlDecisionLog(db))
    Enforcer.from_database(db, policy=g.policy).attach(g)
    return g


@app.command()
def check(
    prompt: Annotated[str, typer.Option("--prompt", "-p", help="The request text the user typed.")],
    image: Annotated[list[Path] | None, typer.Option("--image", "-i", help="An input image (repeatable).")] = None,
    country: Annotated[str, typer.Option(help="Requester's ISO 3166 country, e.g. FR or US-CA (ZZ: unknown).")] = "ZZ",
    user: Annotated[str, typer.Option(help="The platform's user id.")] = "cli-user",
    tier: Annotated[str, typer.Option(help="Subscription tier: recorded, never relaxes a rule.")] = "free",
    surface: Annotated[str, typer.Option(help="Entry point of the product (app, api, reply-bot...).")] = "cli",
    history: Annotated[list[str] | None, typer.Option(help="An earlier turn of the conversation (repeatable).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object (the decision).")] = False,
    explain: Annotated[bool, typer.Option(help="Also print the signals and analyser versions.")] = False,
) -> None:
    """Check one request. Exit 0 for allow/label, 1 for review/block/block_and_report, 2 for bad input."""
    from garde.explain import explain_record
    from garde.model import Actor, Image, Request
    from garde.policy import normalize_country

    normalize_country(country)  # fail fast, before loading any model
    images = tuple(Image.from_path(p) for p in image or [])
    req = Request(prompt=prompt, images=images, surface=surface, history=tuple(history or ()),
                  actor=Actor(user_id=user, country=country, tier=tier))
    with _guard() as g:
        d = g.check_request(req)
    rec = d.to_dict()
    if as_json:
        _echo_json(rec)
    else:
        typer.echo(explain_record(rec, show_signals=explain))
    raise typer.Exit(0 if d.allowed else 1)


# ----------------------------------------------------------------- policy


@policy_app.command("list")
def policy_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the packs: id, title, what they extend, where they apply, digest."""
    from garde.policy import Policy

    p = Policy()
    rows: list[dict[str, Any]] = [{"id": x.id, "title": x.title, "version": x.version, "chain": list(x.chain),
             "applies_to": list(x.applies_to), "rules": len(x.rules), "digest": x.digest}
            for x in p.library.packs()]
    if as_json:
        _echo_json(rows)
        return
    for r in rows:
        where = ",".join(r["applies_to"][:6]) + ("…" if len(r["applies_to"]) > 6 else "")
        typer.echo(f"{r['id']:<8} {r['title']:<34} {' < '.join(r['chain']):<22} rules={r['rules']:<3} "
                   f"{where:<24} {r['digest'][:12]}")


@policy_app.command("show")
def policy_show(pack: Annotated[str, typer.Argument(help="Pack id, e.g. floor, default, fr, us-ca.")]) -> None:
    """Print a pack resolved with everything it inherits, as JSON."""
    from garde.policy import Policy

    p = Policy().library.get(pack)
    _echo_json({**p.to_json(), "digest": p.digest})


@policy_app.command("test")
def policy_test(
    cases: Annotated[list[Path] | None, typer.Option("--cases", help="An extra folder of case files.")] = None,
    verbose: Annotated[bool, typer.Option("-v", "--verbose")] = False,
) -> None:
    """Run every pack's test cases; exit 1 if any fails or a pack has none."""
    from garde.policy import Policy
    from garde.policy.testing import run_cases

    results = run_cases(Policy(), cases or [])
    bad = [r for r in results if not r.ok]
    for r in results:
        if verbose or not r.ok:
            typer.echo(f"{'ok  ' if r.ok else 'FAIL'} {r.pack:<8} {r.name}: {r.detail}")
    packs = len({r.pack for r in results})
    typer.echo(f"policy test: {len(results) - len(bad)} passed, {len(bad)} failed ({packs} packs)")
    raise typer.Exit(1 if bad else 0)


@policy_app.command("explain")
def policy_explain(
    decision_id: Annotated[str | None, typer.Argument(help="A decision id from the log.")] = None,
    signals: Annotated[Path | None, typer.Option(help="Or a JSON file {name: score} to evaluate.")] = None,
    country: Annotated[str, typer.Option(help="Country for --signals.")] = "ZZ",
    stage: Annotated[str, typer.Option(help="request or output, for --signals.")] = "request",
    images: Annotated[bool, typer.Option(help="For --signals: the request had images.")] = False,
) -> None:
    """Explain a logged decision, or what the policy would do with given signals."""
    from garde.explain import explain_record
    from garde.model import Actor, Signal, Stage
    from garde.policy import Policy

    if decision_id:
        from garde.store import Database, SqlDecisionLog

        typer.echo(explain_record(SqlDecisionLog(Database()).get(decision_id).record))
        return
    if signals is None:
        raise InputError("give a decision id or --signals FILE")
    try:
        raw = json.loads(signals.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise InputError(f"signals file {str(signals)!r} is not readable JSON: {e}") from None
    if not isinstance(raw, dict):
        raise InputError(f"signals file {str(signals)!r} must hold an object of name: score")
    try:
        st = Stage(stage)
    except ValueError:
        raise InputError(f"unknown stage {stage!r}; expected request or output") from None
    sigs = [Signal(name=k, score=float(v), source="cli") for k, v in raw.items()]
    pol = Policy()
    actor = Actor(user_id="explain", country=country)
    res = pol.resolve(actor)
    r = pol.evaluate(res, sigs, st, (), images)
    top = max(r.hits, key=lambda h: h.action).category if r.hits else None
    msg, lang = pol.message(r.action, top, "en")
    rec = {"decision_id": "(what-if)", "stage": st.value, "action": r.action.label,
           "actor": {"id": "explain", "country": actor.country, "tier": "free"},
           "message": msg, "message_lang": lang, "policy_id": f"garde:{'+'.join(res.ids)}",
           "policy_digest": res.digest, "jurisdictions": list(res.jurisdictions),
           "hits": [h.to_dict() for h in r.hits], "signals": [s.to_dict() for s in sigs]}
    typer.echo(explain_record(rec))


# ----------------------------------------------------------------- log / db


@log_app.command("verify")
def log_verify() -> None:
    """Check the hash chain; name the first edited, reordered or deleted record. Exit 1 if broken."""
    from garde.store import Database, SqlDecisionLog

    r = SqlDecisionLog(Database()).verify()
    typer.echo(r.describe())
    raise typer.Exit(0 if r.ok else 1)


@log_app.command("show")
def log_show(
    limit: Annotated[int, typer.Option(help="How many of the newest records.")] = 20,
) -> None:
    """Print the newest records as JSON lines (digests and ids only)."""
    from garde.store import Database, SqlDecisionLog

    entries = list(SqlDecisionLog(Database()).entries())[-limit:]
    for e in entries:
        _echo_json({"seq": e.seq, "digest": e.digest, **e.record})


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database named by GARDE_DB_URL (default: a SQLite file)."""
    from garde.store import Database

    db = Database(migrate=True)
    typer.echo(f"database at the newest schema: {db.url.split('@')[-1]}")


@db_app.command("ping")
def db_ping() -> None:
    """Check that the database answers."""
    from garde.store import Database

    Database(migrate=False).ping()
    typer.echo("database reachable")


_mount_optional()


def main(argv: list[str] | None = None) -> int:
    """Entry point: one-line errors and exit 2 for bad input, never a traceback."""
    cmd = typer.main.get_command(app)
    try:
        rv = cmd.main(args=argv if argv is not None else sys.argv[1:], prog_name="garde", standalone_mode=False)
    except click.exceptions.Exit as e:
        return int(e.exit_code)
    except click.ClickException as e:
        e.show()
        return 2
    except click.exceptions.Abort:
        typer.echo("aborted", err=True)
        return 130
    except GardeError as e:
        typer.echo(f"garde: error: {e.message}", err=True)
        return e.exit_code
    except KeyboardInterrupt:
        return 130
    return int(rv) if isinstance(rv, int) else 0


if __name__ == "__main__":
    sys.exit(main())


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
