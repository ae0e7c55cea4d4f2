"""``garde hashes``: hash banks from the command line.

``compute`` is standalone (no database): a person can hash their own image on their
own device and submit only the hash. Every other command uses the default database
(``$GARDE_DB_URL`` or the SQLite file in ``$GARDE_HOME``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from garde.errors import InputError
from garde.model import read_image_file

app = typer.Typer(help="Hash banks (PDQ, MD5, SHA-256): compute, bank, import, export, match, takedown.",
                  no_args_is_help=True)
banks_app = typer.Typer(help="Create, list, enable and disable banks.", no_args_is_help=True)
app.add_typer(banks_app, name="banks")


def _echo_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False))


def _read(path: Path) -> bytes:
    return read_image_file(path)


def _store() -> Any:
    from garde.hashing.banks import BankStore

    return BankStore()


@app.command("compute")
def compute(
    paths: Annotated[list[Path], typer.Argument(help="Image files to hash.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
    dihedral: Annotated[bool, typer.Option(help="Also print the 8 rotation/mirror PDQs.")] = False,
) -> None:
    """Print the PDQ hash (64 hex digits) and quality of images. Stores nothing; needs no database."""
    from garde.hashing.pdq import DIHEDRAL_NAMES, hash_bytes

    rows: list[dict[str, Any]] = []
    for p in paths:
        h = hash_bytes(_read(p), str(p), dihedral=dihedral)
        row: dict[str, Any] = {"path": str(p), **h.to_dict()}
        if dihedral:
            row["dihedral"] = dict(zip(DIHEDRAL_NAMES, h.dihedral, strict=True))
        rows.append(row)
    if as_json:
        _echo_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['pdq']}  quality={r['pdq_quality']}  {r['path']}")
        for name, v in (r.get("dihedral") or {}).items():
            typer.echo(f"  {name:<12} {v}")


@app.command("add")
def add(
    paths: Annotated[list[Path], typer.Argument(help="Images to bank (their hashes; the images are not kept).")],
    bank: Annotated[str, typer.Option("--bank", help="Bank name.")],
    by: Annotated[str, typer.Option("--by", help="Who submits (provenance).")] = "cli",
    reviewed: Annotated[bool, typer.Option("--reviewed", help="A moderator reviewed these images.")] = False,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="A tag (repeatable).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Bank images: PDQ (with border-crop variants) and SHA-256. Earlier matching outputs are taken down."""
    res = _store().add_images(bank, [(_read(p), str(p)) for p in paths], submitted_by=by, reviewed=reviewed,
                              tags=tuple(tag or ()))
    _report_add(res, as_json)


def _report_add(res: Any, as_json: bool) -> None:
    if as_json:
        _echo_json(res.to_dict())
        return
    state = "QUARANTINED (counts as review until confirmed)" if res.quarantined else "active"
    typer.echo(f"bank {res.bank.name}: {len(res.added)} added ({state}), {res.duplicates} duplicates skipped, "
               f"{res.low_quality} under the quality floor refused")
    for e in res.added:
        typer.echo(f"  {e.id}  {e.hash_type:<6} {e.hash}")
    for t in res.takedowns:
        due = t.due_at.isoformat() if t.due_at else "no deadline"
        typer.echo(f"  takedown: decision {t.decision_id} ({t.country}) distance {t.distance} "
                   f"case {t.case_id} due {due}")


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A CSV or JSON-lines hash list ('-' for stdin).")],
    bank: Annotated[str, typer.Option("--bank", help="Bank name.")],
    fmt: Annotated[str | None, typer.Option("--format", help="csv or jsonl (default: from the file name).")] = None,
    by: Annotated[str, typer.Option("--by", help="Who submits (provenance).")] = "import",
    reviewed: Annotated[bool, typer.Option("--reviewed", help="The list was reviewed.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Import a hash list (ThreatExchange/StopNCII style: hash, type, tags). Big unreviewed lists are quarantined."""
    from garde.hashing.exchange import detect_format, parse_hashes, read_hashes

    if str(file) == "-":
        text = sys.stdin.read()
        hashes = parse_hashes(text, fmt or detect_format("", text), "<stdin>")
    else:
        hashes = read_hashes(file, fmt)
    res = _store().add(bank, hashes, submitted_by=by, reviewed=reviewed, source=f"import:{file.name}")
    _report_add(res, as_json)


@app.command("export")
def export(
    bank: Annotated[str, typer.Option("--bank", help="Bank name.")],
    fmt: Annotated[str, typer.Option("--format", help="csv or jsonl.")] = "csv",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default stdout).")] = None,
) -> None:
    """Export a bank as CSV or JSON lines (hash, type, tags, then provenance)."""
    from garde.hashing.exchange import FORMATS, write_hashes

    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    entries = _store().entries(bank)
    if output is None:
        write_hashes(entries, fmt, sys.stdout)
        return
    with output.open("w", encoding="utf-8", newline="") as f:
        n = write_hashes(entries, fmt, f)
    typer.echo(f"wrote {n} hashes to {output}", err=True)


@app.command("match")
def match(
    path: Annotated[Path, typer.Argument(help="Image to match against the enabled banks.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list (empty when nothing matches).")] = False,
    show_all: Annotated[bool, typer.Option("--all", help="Include matches suppressed by negative entries.")] = False,
) -> None:
    """Print the bank entries an image matches (PDQ with its rotations/mirrors, and exact hashes)."""
    from garde.hashing.matcher import Matcher
    from garde.hashing.pdq import hash_bytes

    h = hash_bytes(_read(path), str(path), dihedral=True)
    m = Matcher(_store().snapshot())
    found = m.match_all(h) if show_all else m.match(h)
    rows = [{**x.to_dict(), "path": str(path), "pdq": h.pdq, "pdq_quality": h.quality} for x in found]
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        typer.echo(f"no match  (pdq {h.pdq} quality {h.quality})")
        return
    for r in rows:
        sup = f"  suppressed by negative entry {r['suppressed_by']}" if r["suppressed_by"] else ""
        typer.echo(f"{r['bank']} ({r['bank_kind']}, {r['state']}) entry {r['entry_id']} {r['hash_type']} "
                   f"distance {r['distance']} [{r['query_variant']}~{r['entry_variant']}]{sup}")


@app.command("stats")
def stats(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Banks, entry counts by state and type, and what is waiting for review."""
    s = _store().stats()
    if as_json:
        _echo_json(s)
        return
    if not s["banks"]:
        typer.echo("no banks (create one: garde hashes banks create NAME --kind victim_submitted)")
        return
    for b in s["banks"]:
        typer.echo(f"{b['name']:<24} {b['kind']:<17} {'enabled ' if b['enabled'] else 'DISABLED'} "
                   f"threshold={b['threshold']:<3} quality>={b['quality_floor']:<3} entries={b['entries']:<8} "
                   f"active={b['active']:<8} quarantined={b['quarantined']:<6} unreviewed={b['unreviewed']}")
    typer.echo(f"total entries: {s['entries']} (+{s['crop_variants']} crop variants)")


@app.command("confirm")
def confirm(
    entry_id: Annotated[str, typer.Argument(help="The entry to confirm (from 'add', 'import' or 'entries').")],
    by: Annotated[str, typer.Option("--by", help="The moderator confirming.")] = "cli",
) -> None:
    """A moderator confirms a quarantined entry: it becomes active; earlier matching outputs are taken down."""
    e, tds = _store().confirm(entry_id, by=by)
    typer.echo(f"entry {e.id} in bank {e.bank} is now {e.state} (reviewed by {e.reviewed_by}); "
               f"{len(tds)} takedown case(s) opened")


@app.command("entries")
def entries(
    bank: Annotated[str, typer.Option("--bank", help="Bank name.")],
    state: Annotated[str | None, typer.Option(help="active or quarantined.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many.")] = 100,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List a bank's entries with their provenance."""
    rows = [e.to_dict() for e in _store().entries(bank, state=state, limit=limit)]
    if as_json:
        _echo_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['id']}  {r['type']:<6} {r['hash']}  {r['state']:<11} by {r['submitted_by']} "
                   f"at {r['submitted_at'][:19]} {'reviewed' if r['reviewed'] else 'unreviewed'}")


@app.command("remove")
def remove(entry_id: Annotated[str, typer.Argument(help="The entry to delete (withdrawn or rejected).")]) -> None:
    """Delete an entry (a withdrawn submission or a rejected third-party hash)."""
    e = _store().remove(entry_id)
    typer.echo(f"removed entry {e.id} from bank {e.bank}")


@banks_app.command("create")
def banks_create(
    name: Annotated[str, typer.Argument(help="Bank name (no spaces).")],
    kind: Annotated[str, typer.Option("--kind", help="known_abuse, victim_submitted, protected or negative.")],
    threshold: Annotated[int, typer.Option(help="PDQ match distance in bits (inclusive).")] = 31,
    quality_floor: Annotated[int, typer.Option("--quality-floor", help="Minimum PDQ quality to match.")] = 50,
    quarantine_over: Annotated[int, typer.Option("--quarantine-over",
                                                 help="Unreviewed batches bigger than this are quarantined.")] = 100,
    description: Annotated[str, typer.Option(help="What the list is and where it comes from.")] = "",
) -> None:
    """Create a bank."""
    b = _store().create_bank(name, kind, threshold=threshold, quality_floor=quality_floor,
                             quarantine_over=quarantine_over, description=description)
    typer.echo(f"created bank {b.name} ({b.kind}, threshold {b.threshold}, quality floor {b.quality_floor})")


@banks_app.command("list")
def banks_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the banks."""
    rows = [b.to_dict() for b in _store().banks()]
    if as_json:
        _echo_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['name']:<24} {r['kind']:<17} {'enabled' if r['enabled'] else 'DISABLED':<8} "
                   f"threshold={r['threshold']} quality>={r['quality_floor']}")


@banks_app.command("enable")
def banks_enable(name: Annotated[str, typer.Argument(help="Bank name.")]) -> None:
    """Enable a bank."""
    _store().update_bank(name, enabled=True)
    typer.echo(f"bank {name} enabled")


@banks_app.command("disable")
def banks_disable(name: Annotated[str, typer.Argument(help="Bank name.")]) -> None:
    """Disable a bank: its entries stop matching (they are kept)."""
    _store().update_bank(name, enabled=False)
    typer.echo(f"bank {name} disabled")
