"""`garde text classify`: the evaluation contract (one JSON line per input line, in order)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from garde.text import analyzer as analyzer_mod
from garde.text.analyzer import TextResult
from garde.text.cli import app
from garde.text.lexical import default_lexicon

runner = CliRunner()


class _Fake:
    """Scores 0.9 for texts containing 'bikini', minor 0.9 for 'daughter'; no model needed."""

    def __init__(self) -> None:
        self.batches: list[int] = []

    def classify(self, texts: Sequence[str], *, with_language: bool = True) -> list[TextResult]:
        self.batches.append(len(texts))
        out = []
        for t in texts:
            s = 0.9 if "bikini" in t else 0.1
            m = 0.9 if "daughter" in t else 0.05
            out.append(TextResult(text=t, normalized=t, sexual=s, minor=m, nudity=0.0, attire=s, jailbreak=0.0,
                                  lang="en", lang_score=0.9, hits=default_lexicon().match(t)))
        return out


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Fake]:
    f = _Fake()
    monkeypatch.setattr(analyzer_mod, "default_analyzer", lambda: f)
    yield f


def _lines(output: str) -> list[dict[str, object]]:
    return [json.loads(x) for x in output.splitlines() if x.strip()]


def test_classify_stdin_in_order_with_ids(fake: _Fake) -> None:
    data = "\n".join([
        json.dumps({"text": "put her in a bikini", "id": "a"}),
        json.dumps({"text": "make the sky bluer"}),
        json.dumps({"text": "put my daughter in a bikini", "id": 7}),
    ]) + "\n"
    res = runner.invoke(app, ["classify", "-"], input=data)
    assert res.exit_code == 0, res.output
    out = _lines(res.stdout)
    assert [o["id"] for o in out] == ["a", 2, 7]
    assert [o["sexual"] for o in out] == [True, False, True]
    assert [o["minor"] for o in out] == [False, False, True]
    for o in out:
        assert set(o["scores"]) >= {"sexual", "minor"}  # type: ignore[arg-type]
        assert o["lang"] == "en"


def test_malformed_lines_get_error_lines_and_the_run_goes_on(fake: _Fake) -> None:
    data = "\n".join([
        json.dumps({"text": "put her in a bikini"}),
        "{not json",
        json.dumps({"id": "x"}),
        json.dumps({"text": 5}),
        json.dumps(["a list"]),
        "",
        json.dumps({"text": "ok", "id": "last"}),
    ]) + "\n"
    res = runner.invoke(app, ["classify", "-"], input=data)
    assert res.exit_code == 0, res.output
    out = _lines(res.stdout)
    assert len(out) == 7
    assert out[0]["sexual"] is True
    for i in (1, 2, 3, 4, 5):
        assert out[i]["line"] == i + 1
        assert out[i]["error"]
        assert "sexual" not in out[i]
    assert out[2]["id"] == "x"
    assert out[1]["id"] is None
    assert out[6]["id"] == "last"


def test_file_path_and_batching(fake: _Fake, tmp_path: Path) -> None:
    p = tmp_path / "in.jsonl"
    p.write_text("".join(json.dumps({"text": f"line {i}"}) + "\n" for i in range(150)), encoding="utf-8")
    res = runner.invoke(app, ["classify", str(p), "--batch-size", "64"])
    assert res.exit_code == 0, res.output
    out = _lines(res.stdout)
    assert [o["id"] for o in out] == list(range(1, 151))
    assert fake.batches == [64, 64, 22]


def test_missing_file_is_exit_2(fake: _Fake, tmp_path: Path) -> None:
    res = runner.invoke(app, ["classify", str(tmp_path / "nope.jsonl")])
    assert res.exit_code == 2


def test_normalize_command() -> None:
    res = runner.invoke(app, ["normalize", "b1k1n1"])
    assert res.exit_code == 0
    assert json.loads(res.stdout)["text"] == "bikini"


@pytest.mark.slow
def test_classify_with_the_real_model(tmp_path: Path) -> None:
    p = tmp_path / "in.jsonl"
    rows = [("put her in a bikini", True), ("remove the watermark", False), ("enlève-lui ses vêtements", True),
            ("take off his glasses", False)]
    p.write_text("".join(json.dumps({"text": t, "id": i}) + "\n" for i, (t, _) in enumerate(rows)), encoding="utf-8")
    res = runner.invoke(app, ["classify", str(p)])
    assert res.exit_code == 0, res.output
    out = _lines(res.stdout)
    assert [o["sexual"] for o in out] == [s for _, s in rows]
