"""``garde text ...``: the evaluation contract for outside evaluators.

``garde text classify PATH`` reads JSONL (``PATH`` or ``-`` for stdin), one
``{"text": ..., "id": optional}`` per line, and writes one JSON line per input
line, in order, to stdout::

    {"id": "a1", "sexual": true, "minor": false,
     "scores": {"sexual": 0.998, "minor": 0.003, "nudity": 0.01}, "lang": "en",
     "signals": {...}, "tricks": ["leet"]}

The booleans use the default policy's operating thresholds
(:func:`garde.policy.operating_thresholds`). A line that is not valid JSON, or
has no string ``text``, gives ``{"id": null, "line": N, "error": "..."}`` and
the run goes on. Lines are classified in batches (one encoder call per batch).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from pydantic import BaseModel, ConfigDict, ValidationError

__all__ = ["app", "classify_lines"]

app = typer.Typer(help="Text intent: classify requests for sexualising intent and minor references.",
                  no_args_is_help=True)


class _Line(BaseModel):
    """One input line (pydantic at the edge)."""

    model_config = ConfigDict(extra="allow")

    text: str
    id: str | int | None = None


def _parse(raw: str, lineno: int) -> tuple[_Line | None, dict[str, Any] | None]:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as e:
        return None, {"id": None, "line": lineno, "error": f"invalid JSON: {e.msg} at column {e.colno}"}
    if not isinstance(data, dict):
        return None, {"id": None, "line": lineno, "error": f"expected a JSON object, got {type(data).__name__}"}
    try:
        return _Line.model_validate(data, strict=True), None
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(x) for x in err.get("loc", ())) or "line"
        return None, {"id": data.get("id") if isinstance(data.get("id"), str | int) else None, "line": lineno,
                      "error": f"{where}: {err.get('msg', 'invalid')}"}


def classify_lines(lines: Iterable[str], *, batch_size: int = 64) -> Iterator[dict[str, Any]]:
    """Classify JSONL lines; yields one output object per input line, in order."""
    from garde.policy import operating_thresholds
    from garde.text.analyzer import default_analyzer

    thr = operating_thresholds()
    t_sexual = float(thr.get("sexual_intent", 0.5))
    t_minor = float(thr.get("minor_reference", 0.5))
    analyzer = default_analyzer()
    pending: list[tuple[int, _Line | None, dict[str, Any] | None]] = []

    def flush() -> Iterator[dict[str, Any]]:
        todo = [ln for _, ln, _ in pending if ln is not None]
        results = iter(analyzer.classify([ln.text for ln in todo])) if todo else iter(())
        for lineno, ln, err in pending:
            if ln is None:
                assert err is not None
                yield err
                continue
            r = next(results)
            yield {
                "id": ln.id if ln.id is not None else lineno,
                "sexual": r.sexual >= t_sexual,
                "minor": r.minor >= t_minor,
                "scores": {"sexual": round(r.sexual, 6), "minor": round(r.minor, 6), "nudity": round(r.nudity, 6)},
                "lang": r.lang,
                "signals": {"sexual_intent": round(r.sexual, 6), "nudity_intent": round(r.nudity, 6),
                            "revealing_attire": round(r.attire, 6), "minor_reference": round(r.minor, 6),
                            "jailbreak_framing": round(r.jailbreak, 6)},
                "attire": list(r.hits.attire),
                "tricks": list(r.tricks),
            }
        pending.clear()

    for lineno, raw in enumerate(lines, start=1):
        if not raw.strip():
            pending.append((lineno, None, {"id": None, "line": lineno, "error": "empty line"}))
        else:
            ln, err = _parse(raw, lineno)
            pending.append((lineno, ln, err))
        if len(pending) >= batch_size:
            yield from flush()
    if pending:
        yield from flush()


@app.command("classify")
def classify(
    path: Annotated[str, typer.Argument(help="JSONL file of {\"text\": ..., \"id\": optional}; - for stdin")],
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, max=4096, help="lines per encoder batch")] = 64,
) -> None:
    """Classify each line; write one JSON line per input line, in order, to stdout."""
    stream: TextIO
    if path == "-":
        stream = sys.stdin
    else:
        p = Path(path)
        if not p.is_file():
            typer.echo(json.dumps({"error": f"no such file: {path!r}"}), err=True)
            raise typer.Exit(code=2)
        stream = p.open(encoding="utf-8", errors="replace")
    out = sys.stdout
    try:
        for obj in classify_lines(stream, batch_size=batch_size):
            out.write(json.dumps(obj, ensure_ascii=False) + "\n")
        out.flush()
    finally:
        if stream is not sys.stdin:
            stream.close()


@app.command("normalize")
def normalize_cmd(text: Annotated[str, typer.Argument(help="text to normalise")]) -> None:
    """Show what the normaliser makes of TEXT and which tricks it saw."""
    from garde.text.normalize import normalize

    n = normalize(text)
    typer.echo(json.dumps({"text": n.text, "folded": n.folded, "tricks": sorted(n.tricks)}, ensure_ascii=False))


if __name__ == "__main__":  # pragma: no cover
    app()
