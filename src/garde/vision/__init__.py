"""Image analysers: safe decoding, people (faces, apparent age, gender, realism),
exposure levels, and the attire delta between an original and its edit.

Heavy models load lazily on first use; importing this package is cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from garde.vision.analyzer import Comparison, Inspection, VisionAnalyzer

__all__ = ["Comparison", "Inspection", "VisionAnalyzer", "compare", "default_analyzer", "inspect_image"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from garde.vision import analyzer

        return getattr(analyzer, name)
    raise AttributeError(f"module 'garde.vision' has no attribute {name!r}")
