"""The public surface is pinned: changing it is a deliberate act."""

from __future__ import annotations

import dataclasses

import pytest

import garde
from garde.errors import GardeError, InputError
from garde.model import Action, Actor, Image, Request, Signal


def test_exported_members() -> None:
    public = sorted(n for n in dir(garde) if not n.startswith("_") or n == "__version__")
    expected = sorted(garde.__all__)
    assert [n for n in public if n in expected] == expected
    assert garde.__all__ == sorted(garde.__all__, key=lambda s: (s.startswith("__"), s))


def test_action_is_ordered() -> None:
    assert Action.ALLOW < Action.LABEL < Action.REVIEW < Action.BLOCK < Action.BLOCK_AND_REPORT
    assert max(Action.REVIEW, Action.BLOCK) is Action.BLOCK
    assert Action.parse("block_and_report") is Action.BLOCK_AND_REPORT
    with pytest.raises(InputError, match="'blok'"):
        Action.parse("blok")


def test_values_are_frozen_slotted_keyword_only() -> None:
    for cls in (Actor, Image, Request, Signal, garde.Decision, garde.RuleHit, garde.AnalyzerFailure):
        params = cls.__dataclass_params__
        assert params.frozen, cls
        assert hasattr(cls, "__slots__"), cls
        assert all(f.kw_only for f in dataclasses.fields(cls) if f.init), cls
    with pytest.raises(TypeError):
        Actor("u1")  # type: ignore[misc]


def test_image_bytes_stay_out_of_repr() -> None:
    img = Image(data=b"secret-bytes" * 10, name="x.png")
    assert "secret" not in repr(img) and img.sha256[:16] in repr(img)
    req = Request(prompt="p", actor=Actor(user_id="u"), images=(img,))
    assert "secret" not in repr(req)


def test_actor_country_is_validated_and_split() -> None:
    a = Actor(user_id="u", country="us-ca")
    assert a.country == "US-CA" and a.country_code == "US" and a.subdivision == "US-CA"
    with pytest.raises(InputError, match="'ZZZ'"):
        Actor(user_id="u", country="ZZZ")


def test_signal_scores_are_probabilities() -> None:
    with pytest.raises(ValueError, match="outside"):
        Signal(name="sexual_intent", score=1.5, source="x")
    with pytest.raises(ValueError):
        Signal(name="sexual_intent", score=float("nan"), source="x")


def test_one_error_tree() -> None:
    for name in ("InputError", "ImageError", "UnknownJurisdiction", "PolicyError", "AnalyzerError",
                 "ModelMissing", "StoreError", "LogTampered", "NotFound", "Suspended"):
        assert issubclass(getattr(garde, name), GardeError)
    assert InputError("x").exit_code == 2 and InputError("x").status == 400
