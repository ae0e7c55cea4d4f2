from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

from garde.audit.readers import ManifestRow, load_bytes, read_source
from garde.errors import ImageError, InputError


def test_folder_is_recursive_with_folder_meta(corpus: Path) -> None:
    c = read_source(corpus)
    assert c.kind == "folder"
    assert len(c.items) == 21
    ids = [i.id for i in c.items]
    assert "a/img0000.png" in ids and "corrupt0.jpg" in ids
    assert dict(next(i for i in c.items if i.id == "b/img0001.png").meta) == {"folder": "b"}
    assert dict(next(i for i in c.items if i.id == "corrupt0.jpg").meta) == {"folder": "."}


def test_csv_manifest_columns_and_relative_paths(tmp_path: Path, corpus: Path) -> None:
    m = tmp_path / "m.csv"
    pd.DataFrame({
        "image_id": ["x1", "x2"],
        "url": ["corpus/a/img0002.png", (corpus / "a/img0003.png").as_uri()],
        "original": ["corpus/a/img0000.png", ""],
        "prompt": ["put her in a bikini", ""],
        "date": ["2026-01-01", "2026-01-02"],
        "lang": ["en", "fr"],
    }).to_csv(m, index=False)
    c = read_source(m)
    assert c.kind == "manifest" and c.meta_columns == ("date", "lang")
    x1, x2 = c.items
    assert x1.id == "x1" and Path(x1.location) == tmp_path / "corpus/a/img0002.png"
    assert x1.original is not None and x1.prompt == "put her in a bikini"
    assert x2.original is None and x2.prompt is None and x2.location.startswith("file://")
    assert load_bytes(x2.location)[:4] == b"\x89PNG"


def test_parquet_manifest_with_explicit_column(tmp_path: Path, corpus: Path) -> None:
    m = tmp_path / "m.parquet"
    pd.DataFrame({"where": [str(corpus / "a/img0000.png")], "n": [3]}).to_parquet(m)
    c = read_source(m, path_column="where")
    assert c.items[0].meta == (("n", "3"),)
    with pytest.raises(InputError, match="'nope'"):
        read_source(m, path_column="nope")


def test_manifest_without_path_column(tmp_path: Path) -> None:
    m = tmp_path / "m.csv"
    m.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="no path or URL column"):
        read_source(m)


def test_manifest_duplicate_ids(tmp_path: Path) -> None:
    m = tmp_path / "m.csv"
    m.write_text("path\nx.png\nx.png\n")
    with pytest.raises(InputError, match="duplicate id 'x.png'"):
        read_source(m)


def test_list_file(tmp_path: Path, corpus: Path) -> None:
    lst = tmp_path / "files.txt"
    lst.write_text(f"# a comment\n{corpus / 'a/img0000.png'}\n\ncorpus/b/img0001.png\nhttps://example.org/x.jpg\n")
    c = read_source(lst)
    assert [i.id for i in c.items][1:] == ["corpus/b/img0001.png", "https://example.org/x.jpg"]


def test_load_bytes_refuses_remote_and_missing(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="'https' scheme"):
        load_bytes("https://example.org/x.jpg")
    with pytest.raises(ImageError, match="does not exist"):
        load_bytes(str(tmp_path / "missing.png"))


def test_missing_source_and_single_image(tmp_path: Path, corpus: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_source(tmp_path / "nope")
    with pytest.raises(InputError, match="single image"):
        read_source(corpus / "a/img0000.png")


def test_manifest_row_is_validated() -> None:
    with pytest.raises(ValidationError):
        ManifestRow(id="", location="x.png")
    assert ManifestRow(id="a", location="x", prompt=float("nan")).prompt is None
