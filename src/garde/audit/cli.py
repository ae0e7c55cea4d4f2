"""``garde audit SOURCE --out DIR``: the corpus audit on the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]

HELP = """Audit a corpus of generated images the way an independent auditor would, offline.

SOURCE is a folder of images (recursive), a CSV or Parquet manifest (a path or file:// URL
column; optional original, prompt, id and metadata columns) or a list file (one path a line).
Writes images.parquet/.csv (one row per image), summary.json, report.html (shares with 95%
intervals, breakdowns, methods) and for_authorities.jsonl (ids and hashes only). Interrupt and
rerun with the same --out to continue where it stopped.
"""


def audit(
    source: Annotated[str, typer.Argument(help="Folder, CSV/Parquet manifest or list file of images.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (also the checkpoint; rerun to resume).")],
    sample: Annotated[int | None, typer.Option(help="Analyse a stratified random sample of N images.")] = None,
    seed: Annotated[int, typer.Option(help="Random seed of the sample (same seed, same sample).")] = 0,
    strata: Annotated[str | None, typer.Option(help="Metadata column to stratify the sample by.")] = None,
    engine: Annotated[str, typer.Option(help="local (process pool) or ray (Ray Data; RAY_ADDRESS for a cluster).")]
    = "local",
    workers: Annotated[int, typer.Option(help="Worker processes (local) or actors (ray).")] = 2,
    batch_size: Annotated[int, typer.Option(help="Images per inference batch.")] = 16,
    ray_address: Annotated[str | None, typer.Option(help="Ray cluster address (default: a local instance).")] = None,
    path_column: Annotated[str | None, typer.Option(help="Manifest column with the image path or URL.")] = None,
    original_column: Annotated[str | None, typer.Option(help="Manifest column with the original (edits).")] = None,
    prompt_column: Annotated[str | None, typer.Option(help="Manifest column with the prompt.")] = None,
    id_column: Annotated[str | None, typer.Option(help="Manifest column with a unique image id.")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar with rate and ETA.")] = True,
    inspector: Annotated[str, typer.Option(hidden=True, help="Inspector spec module:Class (tests).")]
    = "garde.audit.inspect:VisionInspector",
) -> None:
    from garde.audit.engine import AuditConfig, run_audit

    cfg = AuditConfig(source=source, out=out, sample=sample, seed=seed, strata=strata, engine=engine,
                      workers=workers, batch_size=batch_size, ray_address=ray_address, path_column=path_column,
                      original_column=original_column, prompt_column=prompt_column, id_column=id_column,
                      progress=progress, inspector=inspector)
    res = run_audit(cfg)
    if not res.complete:
        typer.echo(f"audit stopped after {res.already_done + res.processed_now}/{res.selected} images; "
                   f"rerun the same command to continue", err=True)
        raise typer.Exit(1)
    sh = res.summary["shares"]
    typer.echo(f"{res.summary['images']['ok']} images analysed, {res.summary['images']['errors']} errors; "
               f"minimal attire {100 * sh['minimal_attire']['estimate']:.1f}% "
               f"[{100 * sh['minimal_attire']['ci95'][0]:.1f}–{100 * sh['minimal_attire']['ci95'][1]:.1f}]; "
               f"report: {out / 'report.html'}")


def register(app: typer.Typer) -> None:
    """Add ``garde audit`` to the main CLI."""
    app.command("audit", help=HELP)(audit)


def main() -> None:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command(help=HELP)(audit)
    app()
