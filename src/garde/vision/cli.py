"""``garde image ...``: inspect images and compare an edit with its original.

``inspect PATH... [--json]`` prints one line block per image, or with ``--json``
one JSON list with one object per path, in the order given. A path that cannot
be read gets ``{"path": ..., "error": "..."}`` instead. Exit code: 0 when at
least one image was inspected, 2 when every path failed (1 is left for bugs).

``compare ORIGINAL EDITED [--json]`` prints the per-person exposure levels
before and after and the attire delta. Exit code 2 when either image cannot be read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from garde.errors import GardeError
from garde.model import Image, read_image_file

app = typer.Typer(
    help="Inspect images (people, apparent age, realism, exposure) and compare edits.",
    no_args_is_help=True,
    add_completion=False,
)


def _read(path: str) -> Image:
    return Image(data=read_image_file(path), name=Path(path).name)


def _fmt_inspection(row: dict[str, Any]) -> str:
    if "error" in row:
        return f"{row['path']}: ERROR {row['error']}"
    yes = {True: "yes", False: "no"}
    exp = row["exposure"]
    sc = row.get("scores", {})
    lines = [
        f"{row['path']}  sha256 {row['sha256'][:16]}…",
        f"  person_present {yes[row['person_present']]} ({sc.get('person_present', 0):.2f})  "
        f"real_person {yes[row['real_person']]} ({sc.get('real_person', 0):.2f})  "
        f"photo_realism {row['photo_realism']:.2f}  apparent_minor {row['apparent_minor']:.2f}",
        f"  exposure {exp['level']}" + (f"  parts: {', '.join(exp['parts'])}" if exp["parts"] else ""),
    ]
    for i, f in enumerate(row["faces"]):
        lines.append(
            f"  face {i} box {f['box']}  age {f['age']:.0f} ± {f['age_sigma']:.0f}  "
            f"{f['gender']} ({f['gender_confidence']:.2f})  apparent_minor {f['apparent_minor']:.2f}"
        )
    return "\n".join(lines)


@app.command("inspect")
def inspect_cmd(
    paths: Annotated[list[str], typer.Argument(help="Image files to inspect.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON list, one object per path.")
    ] = False,
    thorough: Annotated[
        bool, typer.Option("--thorough", help="Also run NudeNet at 640 px (more people found, slower).")
    ] = False,
) -> None:
    """Faces (box, age ± sigma, gender), person/real person, photo realism, apparent minor, exposure."""
    from garde.vision.analyzer import inspect_image
    from garde.vision.people import FaceConfig

    config = FaceConfig(thorough=thorough)
    rows: list[dict[str, Any]] = []
    for path in paths:
        try:
            rows.append(inspect_image(_read(path), config=config).to_json(path))
        except GardeError as e:
            rows.append({"path": path, "error": e.message})
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
    else:
        for row in rows:
            typer.echo(_fmt_inspection(row))
    if rows and all("error" in r for r in rows):
        raise typer.Exit(2)


@app.command("compare")
def compare_cmd(
    original: Annotated[str, typer.Argument(help="The original image.")],
    edited: Annotated[str, typer.Argument(help="The edited (generated) image.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    thorough: Annotated[bool, typer.Option("--thorough", help="Also run NudeNet at 640 px.")] = False,
) -> None:
    """Exposure per person before and after an edit, and the attire delta."""
    from garde.vision.analyzer import compare
    from garde.vision.people import FaceConfig

    try:
        res = compare(_read(original), _read(edited), FaceConfig(thorough=thorough)).to_json(original, edited)
    except GardeError as e:
        if as_json:
            typer.echo(json.dumps({"error": e.message}))
        else:
            typer.echo(f"ERROR {e.message}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(res, indent=2))
        return
    d = res["delta"]
    typer.echo(f"original {original}: {res['original']['level']}   edited {edited}: {res['edited']['level']}")
    for p in d["persons"]:
        who = f"person {p['edit_person']}"
        match = (
            f"matched original person {p['original_person']} (IoU {p['iou']:.2f})"
            if p["original_person"] is not None
            else "no match (compared with the least exposed original)"
        )
        typer.echo(f"  {who}: {p['before']} -> {p['after']}  gained {p['gained']}  {match}")
    typer.echo(
        f"attire_delta {res['attire_delta']:.2f}  exposure_increase {res['exposure_increase']:.2f}  "
        f"(mode {d['mode']})"
    )
