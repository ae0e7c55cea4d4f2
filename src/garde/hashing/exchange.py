"""Import and export hash lists as CSV or JSON lines, the shapes ThreatExchange and StopNCII-style lists use.

Written by garde (the first three columns/keys are the exchange format; the rest is
provenance and is ignored by other tools)::

    hash,type,tags,quality,state,submitted_by,submitted_at,reviewed
    f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22,pdq,ncii victim-2026-001,100,active,...

    {"hash": "f8f8...9b22", "type": "pdq", "tags": ["ncii"], "quality": 100, ...}

Read, liberally: a header row is optional in CSV (without one the columns are
``hash,type,tags``); column and key aliases are accepted (``signal_value``/``hashValue``/
``value`` for the hash, ``signal_type``/``signalType``/``hash_type`` for the type);
type aliases ``pdq``, ``photo_pdq``, ``md5``, ``video_md5``, ``sha256``, ``sha-256``
(case-insensitive); tags as a JSON list, or a string separated by spaces, commas or
semicolons. A bad line is an :class:`~garde.errors.InputError` naming the file, the
line and the value: a list is imported whole or not at all.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from garde.errors import InputError
from garde.hashing.banks import Entry, NewHash

__all__ = ["FORMATS", "detect_format", "parse_hashes", "read_hashes", "write_hashes"]

FORMATS: tuple[str, ...] = ("csv", "jsonl")
_TYPE_ALIASES = {"pdq": "pdq", "photo_pdq": "pdq", "pdq_hash": "pdq", "md5": "md5", "video_md5": "md5",
                 "photo_md5": "md5", "sha256": "sha256", "sha-256": "sha256", "video_sha256": "sha256"}
_HASH_KEYS = ("hash", "signal_value", "signalvalue", "hashvalue", "hash_value", "value", "signal")
_TYPE_KEYS = ("type", "hash_type", "signal_type", "signaltype", "hashtype")
_TAG_KEYS = ("tags", "tag", "labels")
_HEX = re.compile(r"^[0-9a-fA-F]{32}$|^[0-9a-fA-F]{64}$")
CSV_COLUMNS = ("hash", "type", "tags", "quality", "state", "submitted_by", "submitted_at", "reviewed")


def _norm_type(value: Any, where: str) -> str:
    t = str(value or "").strip().lower()
    if t not in _TYPE_ALIASES:
        raise InputError(f"{where}: unknown hash type {value!r}; expected pdq, md5 or sha256")
    return _TYPE_ALIASES[t]


def _tags(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(x).strip() for x in value if str(x).strip())
    return tuple(x for x in re.split(r"[\s,;]+", str(value)) if x)


def _pick(row: dict[str, Any], keys: Iterable[str]) -> Any:
    low = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
    for k in keys:
        if k in low and low[k] not in (None, ""):
            return low[k]
    return None


def _new(row: dict[str, Any], where: str) -> NewHash:
    h = _pick(row, _HASH_KEYS)
    if h is None:
        raise InputError(f"{where}: no hash in {row!r}")
    t = _pick(row, _TYPE_KEYS)
    if t is None:  # infer from the length: 32 hex = md5; 64 is ambiguous (pdq or sha256)
        if isinstance(h, str) and len(h.strip()) == 32:
            t = "md5"
        else:
            raise InputError(f"{where}: hash {h!r} has no type; add a type column (pdq, md5 or sha256)")
    q = _pick(row, ("quality", "pdq_quality"))
    try:
        quality = int(q) if q is not None else None
    except (TypeError, ValueError):
        raise InputError(f"{where}: quality {q!r} is not an integer") from None
    try:
        return NewHash(hash_type=_norm_type(t, where), hash=str(h), quality=quality, tags=_tags(_pick(row, _TAG_KEYS)))
    except InputError as e:
        raise InputError(f"{where}: {e.message}") from None


def detect_format(name: str, text: str = "") -> str:
    n = name.lower()
    if n.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if n.endswith((".csv", ".tsv", ".txt")):
        return "csv"
    return "jsonl" if text.lstrip().startswith("{") else "csv"


def parse_hashes(text: str, fmt: str, source: str = "<input>") -> list[NewHash]:
    """Parse a hash list; ``fmt`` is ``csv`` or ``jsonl``."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    out: list[NewHash] = []
    if fmt == "jsonl":
        for no, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                raise InputError(f"{source}:{no}: not a JSON object: {line[:80]!r}") from None
            if not isinstance(obj, dict):
                raise InputError(f"{source}:{no}: not a JSON object: {line[:80]!r}")
            out.append(_new(obj, f"{source}:{no}"))
        return out
    sample = text[:4096]
    delim = "\t" if sample.count("\t") > sample.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delim))
    header: list[str] | None = None
    for no, raw in enumerate(rows, 1):
        if not raw or not "".join(raw).strip() or raw[0].lstrip().startswith("#"):
            continue
        if header is None and not _HEX.match(raw[0].strip()):
            header = [c.strip().lower() for c in raw]
            if not any(k in header for k in _HASH_KEYS):
                raise InputError(f"{source}:{no}: header {raw!r} has no hash column")
            continue
        cols = header or ["hash", "type", "tags"]
        out.append(_new(dict(zip(cols, raw, strict=False)), f"{source}:{no}"))
    return out


def read_hashes(path: Path, fmt: str | None = None) -> list[NewHash]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"hash list {str(path)!r} does not exist") from None
    except UnicodeDecodeError:
        raise InputError(f"hash list {str(path)!r} is not UTF-8 text") from None
    except OSError as e:
        raise InputError(f"hash list {str(path)!r} cannot be read: {e.strerror}") from None
    return parse_hashes(text, fmt or detect_format(path.name, text), str(path))


def _row(e: Entry) -> dict[str, Any]:
    return {"hash": e.hash, "type": e.hash_type, "tags": list(e.tags), "quality": e.quality, "state": e.state,
            "submitted_by": e.submitted_by, "submitted_at": e.submitted_at.isoformat(), "reviewed": e.reviewed}


def write_hashes(entries: Iterable[Entry], fmt: str, out: TextIO) -> int:
    """Write entries (crop variants are not exported: they are garde-specific); returns the count."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    n = 0
    if fmt == "jsonl":
        for e in entries:
            out.write(json.dumps(_row(e), ensure_ascii=False) + "\n")
            n += 1
        return n
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for e in entries:
        r = _row(e)
        r["tags"] = " ".join(r["tags"])
        r["quality"] = "" if r["quality"] is None else r["quality"]
        r["reviewed"] = "true" if r["reviewed"] else "false"
        w.writerow([r[c] for c in CSV_COLUMNS])
        n += 1
    return n

