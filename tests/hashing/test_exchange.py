from __future__ import annotations

import io
from pathlib import Path

import pytest

from garde.errors import InputError
from garde.hashing.banks import BankStore, NewHash
from garde.hashing.exchange import parse_hashes, read_hashes, write_hashes
from garde.store import Database

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_csv_with_and_without_header_and_aliases() -> None:
    got = parse_hashes(f"hash,type,tags\n{PDQ},pdq,ncii victim\n{MD5},video_md5,\n", "csv")
    assert [(h.hash_type, h.tags) for h in got] == [("pdq", ("ncii", "victim")), ("md5", ())]
    bare = parse_hashes(f"{PDQ},PDQ,a;b\n{SHA},sha-256\n", "csv")
    assert [(h.hash_type, h.tags) for h in bare] == [("pdq", ("a", "b")), ("sha256", ())]
    te = parse_hashes(f"signal_type,signal_value,quality\npdq,{PDQ},90\n", "csv")
    assert te[0].quality == 90


def test_jsonl_styles() -> None:
    text = "\n".join([
        f'{{"hash": "{PDQ}", "type": "pdq", "tags": ["x"]}}',
        f'{{"signalType": "PDQ", "hashValue": "{PDQ.upper()}"}}',
        f'{{"signal_type": "md5", "signal_value": "{MD5}"}}',
        "",
    ])
    got = parse_hashes(text, "jsonl")
    assert [h.hash_type for h in got] == ["pdq", "pdq", "md5"] and got[1].hash == PDQ


def test_bad_lines_name_file_line_and_value(tmp_path: Path) -> None:
    p = tmp_path / "list.csv"
    p.write_text(f"hash,type\n{PDQ},pdq\nnothex,pdq\n")
    with pytest.raises(InputError, match=r"list.csv:3.*'nothex'"):
        read_hashes(p)
    with pytest.raises(InputError, match="'photodna'"):
        parse_hashes(f"{PDQ},photodna\n", "csv")
    with pytest.raises(InputError, match=r"<input>:1: not a JSON object"):
        parse_hashes("{nope\n", "jsonl")
    with pytest.raises(InputError, match="does not exist"):
        read_hashes(tmp_path / "missing.csv")


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_import_roundtrip(db: Database, fmt: str) -> None:
    s = BankStore(db)
    s.create_bank("a", "victim_submitted")
    s.add("a", [NewHash(hash_type="pdq", hash=PDQ, quality=88, tags=("t1", "t2")),
                NewHash(hash_type="md5", hash=MD5), NewHash(hash_type="sha256", hash=SHA)], submitted_by="x")
    buf = io.StringIO()
    assert write_hashes(s.entries("a"), fmt, buf) == 3
    back = parse_hashes(buf.getvalue(), fmt)
    assert sorted((h.hash_type, h.hash, h.tags, h.quality) for h in back) == sorted(
        [("pdq", PDQ, ("t1", "t2"), 88), ("md5", MD5, (), None), ("sha256", SHA, (), None)])
    s.create_bank("b", "victim_submitted")
    res = s.add("b", back, submitted_by="import")
    assert len(res.added) == 3
