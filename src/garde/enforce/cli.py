"""``garde cases|preserve|report|strikes|notice``: the moderator's and operator's enforcement commands.

The lead CLI calls :func:`register`. Every command reads the database named by
``GARDE_DB_URL`` (default: the SQLite file in ``GARDE_HOME``). Bad input raises a
:class:`~garde.errors.GardeError` subclass: the CLI prints one line and exits 2.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from garde.enforce.cases import ACTIONS, KINDS, STATES, Case
from garde.errors import InputError

__all__ = ["register"]

cases_app = typer.Typer(help="Cases: review, block_and_report, hash_match, takedown and notice.",
                        no_args_is_help=True)
preserve_app = typer.Typer(help="Preservation holds on the evidence of reported cases.", no_args_is_help=True)
report_app = typer.Typer(help="Transparency reports and report packages for national bodies.",
                         no_args_is_help=True)
strikes_app = typer.Typer(help="Strikes against actors, and appeals.", no_args_is_help=True)
notice_app = typer.Typer(help="Notice-and-action: a person reports an output.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Mount the enforcement sub-commands on the ``garde`` app."""
    app.add_typer(cases_app, name="cases")
    app.add_typer(preserve_app, name="preserve")
    app.add_typer(report_app, name="report")
    app.add_typer(strikes_app, name="strikes")
    app.add_typer(notice_app, name="notice")


def _enforcer() -> Any:
    from garde.enforce.enforcer import Enforcer
    from garde.store import Database

    return Enforcer.from_database(Database())


def _echo_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, default=str))


def _fmt(dt: datetime | None) -> str:
    return "-" if dt is None else dt.strftime("%Y-%m-%d %H:%M")


def _line(c: Case) -> str:
    due = _fmt(c.due_at) + (" OVERDUE" if c.overdue() else "")
    return (f"{c.id}  {c.kind:<16} {c.state:<9} {c.country:<6} due {due:<24} "
            f"{c.assignee or '-':<10} {c.reason[:60]}")


JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
ByOpt = Annotated[str, typer.Option("--by", help="Who acts (a moderator id); recorded in the history.")]
NoteOpt = Annotated[str, typer.Option("--note", help="A note for the history.")]


# ---------------------------------------------------------------- cases


@cases_app.command("list")
def cases_list(
    due: Annotated[bool, typer.Option("--due", help="Only open/in-review cases with a due time, soonest first.")]
    = False,
    state: Annotated[str | None, typer.Option("--state", help=f"Only this state: {', '.join(STATES)}.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help=f"Only this kind: {', '.join(KINDS)}.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many cases.")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """List cases."""
    got = _enforcer().cases.list(state=state, due_only=due, kind=kind, limit=limit)
    if as_json:
        _echo_json([c.to_dict() for c in got])
        return
    for c in got:
        typer.echo(_line(c))
    if not got:
        typer.echo("no cases")


@cases_app.command("show")
def cases_show(case_id: Annotated[str, typer.Argument(help="The case id.")], as_json: JsonOpt = False) -> None:
    """Show one case with its full history."""
    c = _enforcer().cases.get(case_id)
    if as_json:
        _echo_json(c.to_dict())
        return
    typer.echo(_line(c))
    typer.echo(f"actor {c.actor_id or '-'}  decision {c.decision_id or '-'}  created {_fmt(c.created_at)}")
    typer.echo("subject: " + json.dumps(c.subject, ensure_ascii=False, default=str))
    for e in c.history:
        typer.echo(f"  #{e.seq} {_fmt(e.at)} {e.by:<12} {e.action:<13} {e.from_state or '-'} → {e.to_state}"
                   + (f"  {e.note}" if e.note else ""))


@cases_app.command("act")
def cases_act(
    case_id: Annotated[str, typer.Argument(help="The case id.")],
    action: Annotated[str, typer.Option("--action", help=f"One of: {', '.join(ACTIONS)}.")],
    by: ByOpt,
    note: NoteOpt = "",
    as_json: JsonOpt = False,
) -> None:
    """Act on a case (state machine: see docs/enforcement.md)."""
    c = _enforcer().act(case_id, action=action, by=by, note=note)
    _echo_json(c.to_dict()) if as_json else typer.echo(_line(c))


@cases_app.command("assign")
def cases_assign(
    case_id: Annotated[str, typer.Argument(help="The case id.")],
    assignee: Annotated[str, typer.Argument(help="Who should work the case.")],
    by: ByOpt,
) -> None:
    """Assign a case to a moderator."""
    typer.echo(_line(_enforcer().cases.assign(case_id, assignee, by=by)))


# ---------------------------------------------------------------- preservation


@preserve_app.command("list")
def preserve_list(
    all_: Annotated[bool, typer.Option("--all", help="Include released holds.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """List preservation holds (expired holds are released first)."""
    holds = _enforcer().holds(active_only=not all_)
    if as_json:
        _echo_json([h.to_dict() for h in holds])
        return
    for h in holds:
        state = "active" if h.active else f"released {_fmt(h.released_at)} by {h.released_by}"
        typer.echo(f"{h.id}  case {h.case_id}  {h.country:<6} expires {_fmt(h.expires_at)}  {state}")
    if not holds:
        typer.echo("no holds")


@preserve_app.command("release")
def preserve_release(
    hold_id: Annotated[str, typer.Argument(help="The hold id.")], by: ByOpt, note: NoteOpt = "",
) -> None:
    """Release a hold before its expiry (preserved files, if any, are deleted)."""
    h = _enforcer().release(hold_id, by=by, note=note)
    typer.echo(f"{h.id} released by {h.released_by}")


# ---------------------------------------------------------------- reports


def _parse_when(value: str, what: str, end: bool) -> datetime:
    v = value.strip()
    try:
        if len(v) == 10:
            d = date.fromisoformat(v)
            dt = datetime(d.year, d.month, d.day, tzinfo=UTC)
            return dt + timedelta(days=1) if end else dt
        dt = datetime.fromisoformat(v)
    except ValueError:
        raise InputError(f"{what} {value!r} is not a date like 2026-07-31 or an ISO datetime") from None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


@report_app.command("transparency")
def report_transparency(
    from_: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD) or ISO datetime, inclusive.")],
    to: Annotated[str, typer.Option("--to", help="Last day (YYYY-MM-DD, inclusive) or ISO datetime (exclusive).")],
    as_json: JsonOpt = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV rows (section,key,value).")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of stdout.")] = None,
) -> None:
    """Counts by action, category, jurisdiction and surface; reports; notice-to-action times; human share."""
    if as_json and as_csv:
        raise InputError("choose one of --json and --csv, not both")
    rep = _enforcer().transparency(_parse_when(from_, "--from", False), _parse_when(to, "--to", True))
    text = (json.dumps(rep.to_json(), ensure_ascii=False, indent=2) if as_json
            else rep.to_csv() if as_csv else rep.to_text())
    if out is not None:
        out.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        typer.echo(f"wrote {out}")
    else:
        typer.echo(text.rstrip("\n"))


@report_app.command("package")
def report_package(
    case_id: Annotated[str, typer.Argument(help="A block_and_report case id.")],
    destination: Annotated[str | None, typer.Option("--destination", help="Only this destination.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write one JSON file per destination here.")] = None,
    include_files: Annotated[bool, typer.Option(
        "--include-files", help="Include preserved image bytes (needs GARDE_PRESERVATION_DIR).")] = False,
) -> None:
    """Export a case's report packages as JSON (never sent by garde; `cases act --action report` marks them sent)."""
    pkgs = _enforcer().package(case_id, destination=destination, include_files=include_files)
    if out is None:
        for p in pkgs:
            _echo_json(p)
        return
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"--out {str(out)!r} cannot be created: {e.strerror}") from None
    for p in pkgs:
        path = out / f"{case_id}.{p['destination']}.json"
        path.write_text(json.dumps(p, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        typer.echo(f"wrote {path}")


# ---------------------------------------------------------------- strikes


@strikes_app.command("list")
def strikes_list(
    user: Annotated[str, typer.Argument(help="The platform's user id.")], as_json: JsonOpt = False,
) -> None:
    """A user's strikes and suspensions."""
    enf = _enforcer()
    strikes, susps = enf.strikes(user), enf.suspensions(user)
    if as_json:
        _echo_json({"user": user, "strikes": [s.to_dict() for s in strikes],
                    "suspensions": [s.to_dict() for s in susps], "suspended": enf.suspension_reason(user)})
        return
    for s in strikes:
        state = "active" if s.active else f"REVERSED by {s.reversed_by}: {s.reversal_note or ''}"
        typer.echo(f"{s.id}  {_fmt(s.created_at)}  weight {s.weight}  {s.rule_id}  {state}")
    for x in susps:
        until = "permanent" if x.ends_at is None else f"until {_fmt(x.ends_at)}"
        lifted = f" LIFTED by {x.lifted_by}" if x.lifted_at else ""
        typer.echo(f"{x.id}  suspended {x.kind} {until}{lifted}: {x.reason}")
    if not strikes and not susps:
        typer.echo(f"no strikes for {user!r}")


@strikes_app.command("reverse")
def strikes_reverse(
    strike_id: Annotated[str, typer.Argument(help="The strike id.")], by: ByOpt, note: NoteOpt = "",
) -> None:
    """Reverse a strike on appeal (logged; suspensions it caused are lifted)."""
    s = _enforcer().reverse_strike(strike_id, by=by, note=note)
    typer.echo(f"{s.id} reversed by {s.reversed_by}")


# ---------------------------------------------------------------- notices


@notice_app.command("submit")
def notice_submit(
    reporter: Annotated[str, typer.Option("--reporter", help="Who reports (the person or their representative).")],
    decision: Annotated[str | None, typer.Option("--decision", help="The output's decision id.")] = None,
    url: Annotated[str | None, typer.Option("--url", help="Where the output is posted.")] = None,
    sha256: Annotated[str | None, typer.Option("--sha256", help="The output's sha256.")] = None,
    pdq: Annotated[str | None, typer.Option("--pdq", help="The output's PDQ hash (hex).")] = None,
    country: Annotated[str | None, typer.Option("--country", help="Where the reporter is, if no decision is found.")]
    = None,
    contact: Annotated[str | None, typer.Option("--contact", help="How to tell the reporter the outcome.")] = None,
    description: Annotated[str, typer.Option("--description", help="What the reporter says.")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Open a notice case with the removal deadline of the applicable jurisdiction."""
    c = _enforcer().submit_notice(reporter=reporter, decision_id=decision, url=url, sha256=sha256, pdq=pdq,
                                  country=country, contact=contact, description=description)
    _echo_json(c.to_dict()) if as_json else typer.echo(_line(c))


@notice_app.command("status")
def notice_status(case_id: Annotated[str, typer.Argument(help="The notice case id.")]) -> None:
    """What the reporter can be told: pending, removed or not actioned."""
    _echo_json(_enforcer().notice_outcome(case_id))
