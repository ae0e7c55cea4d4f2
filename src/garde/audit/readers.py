"""Corpus readers: a folder, a CSV/Parquet manifest or a list file → :class:`Item` values.

* **Folder** (recursive): every file with an image extension, sorted; the id is the
  path relative to the folder; a ``folder`` metadata column holds the first
  sub-folder (``.`` for files at the top), so breakdowns by sub-corpus come free.
* **Manifest** (``.csv``, ``.parquet``): one row per image. The image column is the
  first of :data:`PATH_COLUMNS` present (or ``path_column``); the optional original
  (for edits), prompt and id columns likewise. Every other column is metadata
  (kept as text) for breakdowns. Relative paths resolve against the manifest's folder.
* **List file** (any other file, e.g. ``.txt``): one path or URL a line; ``#`` comments.

Locations may be local paths or ``file://`` URLs. Other URL schemes (``http``,
``https``, ``s3``...) are recorded, but :func:`load_bytes` refuses them with an
error row: garde audits run offline; download the corpus first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from pydantic import BaseModel, ConfigDict, Field, field_validator

from garde.errors import ImageError, InputError
from garde.model import read_image_file

__all__ = [
    "IMAGE_SUFFIXES",
    "Corpus",
    "Item",
    "ManifestRow",
    "load_bytes",
    "read_source",
]

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic", ".heif"})
PATH_COLUMNS = ("path", "file", "filename", "file_name", "image", "image_path", "url", "image_url", "location")
ORIGINAL_COLUMNS = ("original", "original_path", "original_url", "input_image", "source_image")
PROMPT_COLUMNS = ("prompt", "request", "text", "instruction")
ID_COLUMNS = ("id", "image_id", "item_id")
MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    """One image of the corpus: where it is, its original (edits), its prompt and metadata."""

    id: str
    location: str
    original: str | None = None
    prompt: str | None = None
    meta: tuple[tuple[str, str], ...] = ()

    def meta_dict(self) -> dict[str, str]:
        return dict(self.meta)

    def to_json(self) -> str:
        return json.dumps({"id": self.id, "location": self.location, "original": self.original,
                           "prompt": self.prompt, "meta": list(map(list, self.meta))}, ensure_ascii=False)

    @classmethod
    def from_json(cls, s: str) -> Item:
        d = json.loads(s)
        return cls(id=d["id"], location=d["location"], original=d.get("original"), prompt=d.get("prompt"),
                   meta=tuple((str(k), str(v)) for k, v in d.get("meta", [])))


@dataclass(frozen=True, slots=True, kw_only=True)
class Corpus:
    """What a reader found: the items, the kind of source and the metadata column names."""

    source: str
    kind: str
    items: tuple[Item, ...]
    meta_columns: tuple[str, ...] = ()
    columns: Mapping[str, str | None] = field(default_factory=dict)


class ManifestRow(BaseModel):
    """One manifest row at the edge: validated, then turned into a frozen :class:`Item`."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=1)
    location: str = Field(min_length=1)
    original: str | None = None
    prompt: str | None = None
    meta: dict[str, str] = Field(default_factory=dict)

    @field_validator("original", "prompt", mode="before")
    @classmethod
    def _blank_is_none(cls, v: Any) -> Any:
        if v is None:
            return None
        if isinstance(v, float) and v != v:  # NaN from pandas
            return None
        s = str(v)
        return s if s.strip() else None

    def to_item(self) -> Item:
        return Item(id=self.id, location=self.location, original=self.original, prompt=self.prompt,
                    meta=tuple(sorted(self.meta.items())))


def _is_url(s: str) -> bool:
    p = urlparse(s)
    return len(p.scheme) > 1 and bool(p.scheme.isalpha())


def _resolve(value: str, base: Path) -> str:
    if _is_url(value):
        return value
    p = Path(value).expanduser()
    return str(p if p.is_absolute() else (base / p))


def _pick(columns: Sequence[str], explicit: str | None, candidates: Sequence[str], what: str) -> str | None:
    if explicit is not None:
        if explicit not in columns:
            raise InputError(f"manifest has no {what} column {explicit!r}; columns: {', '.join(columns)}")
        return explicit
    lower = {c.lower(): c for c in columns}
    for c in candidates:
        if c in lower:
            return lower[c]
    return None


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v != v:
        return ""
    return str(v)


def read_folder(root: Path) -> Corpus:
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    items = []
    for p in files:
        rel = p.relative_to(root)
        folder = rel.parts[0] if len(rel.parts) > 1 else "."
        items.append(Item(id=rel.as_posix(), location=str(p), meta=(("folder", folder),)))
    return Corpus(source=str(root), kind="folder", items=tuple(items), meta_columns=("folder",))


def read_manifest(path: Path, *, path_column: str | None = None, original_column: str | None = None,
                  prompt_column: str | None = None, id_column: str | None = None) -> Corpus:
    import pandas as pd

    try:
        df = pd.read_parquet(path) if path.suffix.lower() in (".parquet", ".pq") else pd.read_csv(
            path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as e:
        raise InputError(f"manifest {str(path)!r} cannot be read: {e}") from None
    cols = [str(c) for c in df.columns]
    pc = _pick(cols, path_column, PATH_COLUMNS, "path")
    if pc is None:
        raise InputError(f"manifest {str(path)!r} has no path or URL column (one of {', '.join(PATH_COLUMNS)}); "
                         f"columns: {', '.join(cols)}")
    oc = _pick(cols, original_column, ORIGINAL_COLUMNS, "original")
    tc = _pick(cols, prompt_column, PROMPT_COLUMNS, "prompt")
    ic = _pick(cols, id_column, ID_COLUMNS, "id")
    meta_cols = [c for c in cols if c not in {pc, oc, tc, ic}]
    base = path.parent
    items: list[Item] = []
    seen: set[str] = set()
    for n, rec in enumerate(df.to_dict(orient="records"), start=1):
        loc = _cell(rec[pc]).strip()
        if not loc:
            raise InputError(f"manifest {str(path)!r} row {n}: empty {pc!r}")
        ident = _cell(rec[ic]).strip() if ic else loc
        if ident in seen:
            raise InputError(f"manifest {str(path)!r} row {n}: duplicate id {ident!r}")
        seen.add(ident)
        orig = _cell(rec[oc]).strip() if oc else ""
        row = ManifestRow(id=ident, location=_resolve(loc, base),
                          original=_resolve(orig, base) if orig else None,
                          prompt=_cell(rec[tc]) if tc else None,
                          meta={c: _cell(rec[c]) for c in meta_cols})
        items.append(row.to_item())
    return Corpus(source=str(path), kind="manifest", items=tuple(items), meta_columns=tuple(meta_cols),
                  columns={"path": pc, "original": oc, "prompt": tc, "id": ic})


def read_list(path: Path) -> Corpus:
    base = path.parent
    items: list[Item] = []
    seen: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        s = line.strip()
        if not s or s.startswith("#") or s in seen:
            continue
        seen.add(s)
        items.append(Item(id=s, location=_resolve(s, base)))
    return Corpus(source=str(path), kind="list", items=tuple(items))


def read_source(source: str | Path, *, path_column: str | None = None, original_column: str | None = None,
                prompt_column: str | None = None, id_column: str | None = None) -> Corpus:
    """Read a folder, a CSV/Parquet manifest or a list file (see the module docstring)."""
    p = Path(source).expanduser()
    if p.is_dir():
        return read_folder(p)
    if not p.exists():
        raise InputError(f"audit source {str(source)!r} does not exist")
    if p.suffix.lower() in (".csv", ".parquet", ".pq"):
        return read_manifest(p, path_column=path_column, original_column=original_column,
                             prompt_column=prompt_column, id_column=id_column)
    if p.suffix.lower() in IMAGE_SUFFIXES:
        raise InputError(f"audit source {str(source)!r} is a single image; give a folder, a manifest or a list file")
    return read_list(p)


def load_bytes(location: str, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes at a local path or ``file://`` URL; :class:`ImageError` for anything else."""
    if _is_url(location):
        u = urlparse(location)
        if u.scheme != "file":
            raise ImageError(f"location {location!r} uses the {u.scheme!r} scheme, which is not fetched: garde "
                             "audits run offline; download the corpus and point the manifest at local paths")
        location = unquote(u.path)
    return read_image_file(location, max_bytes)
