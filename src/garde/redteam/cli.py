"""``garde redteam``: attack a guard with mutated seed requests and report how often it gives way."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from garde.errors import InputError

__all__ = ["register", "resolve_policy"]


def resolve_policy(pack: str | None) -> tuple[str, str | None]:
    """A pack id -> (country to send, base pack to use): a jurisdiction pack sets the country."""
    if not pack:
        return "ZZ", None
    from garde.policy import Policy

    p = Policy().library.get(pack.strip().lower())
    if p.applies_to:
        return p.applies_to[0], None
    return "ZZ", p.id


def redteam(
    target: Annotated[str, typer.Option(help="'local' (garde's guard in this process) or the URL of an HTTP guard.")]
    = "local",
    adapter: Annotated[Path | None, typer.Option(
        help="Adapter spec (YAML/JSON) saying how to build the HTTP request and read the verdict; needed for a URL.")]
    = None,
    policy: Annotated[str | None, typer.Option(
        help="Policy pack: a jurisdiction pack (fr, us-ca...) sets the requester's country; a base pack "
             "(default, floor) replaces the local guard's base.")] = None,
    budget: Annotated[int, typer.Option(help="Number of attempts.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same attempts.")] = 0,
    adaptive: Annotated[bool, typer.Option(
        help="Spend the budget on the operators and languages that bypass most (Thompson sampling).")] = False,
    out: Annotated[Path, typer.Option(help="Folder for attempts.jsonl, report.json and report.html.")]
    = Path("redteam-out"),
    workers: Annotated[int | None, typer.Option(
        help="Attempts in flight at once: worker processes for local (default 1), connections for a URL "
             "(default 4).")] = None,
    benign_share: Annotated[float, typer.Option(help="Share of benign attempts (measures over-blocking).")] = 0.3,
    fail_above: Annotated[float | None, typer.Option(
        help="Exit 1 when the bypass rate is above this (a CI gate), e.g. 0.02.")] = None,
) -> None:
    """Red-team a guard: send seeds and their mutations, record every attempt, report bypass and over-block rates."""
    from garde.redteam.report import write_report
    from garde.redteam.runner import RunConfig, run
    from garde.redteam.targets import HttpTarget, LocalTarget, Target, load_adapter

    cfg = RunConfig(budget=budget, seed=seed, adaptive=adaptive, benign_share=benign_share)
    country, base = resolve_policy(policy)
    tgt: Target
    if target == "local":
        if adapter is not None:
            raise InputError("--adapter is for an HTTP target; --target local needs none")
        tgt = LocalTarget(country=country, policy_base=base, processes=workers or 1)
    elif target.startswith(("http://", "https://")):
        if adapter is None:
            raise InputError(f"target {target!r} is a URL: give --adapter FILE saying how to talk to it")
        tgt = HttpTarget(load_adapter(adapter), target, country=country, workers=workers or 4)
    else:
        raise InputError(f"unknown target {target!r}: expected 'local' or an http(s) URL")
    try:
        result = run(tgt, cfg, out_dir=out)
    finally:
        tgt.close()
    rep = write_report(result, out)
    o = rep["overall"]

    def line(name: str, r: dict[str, Any]) -> str:
        lo, hi = r["ci95"]
        return f"{name}: {100 * r['rate']:.2f}% ({r['k']}/{r['n']}, 95% CI {100 * lo:.2f}-{100 * hi:.2f}%)"

    typer.echo(f"target {rep['target']}: {rep['attempts']} attempts in {rep['elapsed_s']:.1f} s "
               f"({rep['attempts_per_s']}/s), {rep['errors']} errors")
    typer.echo(line("bypass rate", o["bypass"]))
    typer.echo(line("over-block rate", o["overblock"]))
    for t in rep["top_bypassing_operators"][:5]:
        typer.echo(f"  {t['operator']:<14} {100 * t['rate']:.1f}% ({t['k']}/{t['n']})")
    for w in rep["warnings"]:
        typer.echo(f"warning: {w}", err=True)
    typer.echo(f"report: {out / 'report.html'}")
    if fail_above is not None and o["bypass"]["rate"] > fail_above:
        typer.echo(f"bypass rate {100 * o['bypass']['rate']:.2f}% is above {100 * fail_above:.2f}%", err=True)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``garde redteam`` to the main command line."""
    app.command("redteam")(redteam)
