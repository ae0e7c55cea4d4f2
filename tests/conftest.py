"""Shared fixtures: where the shared test photos are, temporary databases."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path | None:
    """The labelled photos in ../shared/data (or $GARDE_SHARED_DATA); None when absent."""
    env = os.environ.get("GARDE_SHARED_DATA")
    for cand in ([Path(env)] if env else []) + [ROOT.parent / "shared" / "data", Path("/work/shared/data")]:
        if (cand / "people-scenes").is_dir():
            return cand
    return None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    d = shared_data_dir()
    if d is None:
        pytest.skip("the shared photos (../shared/data or $GARDE_SHARED_DATA) are not on this machine")
    return d
