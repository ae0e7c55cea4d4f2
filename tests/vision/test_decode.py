from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image as PILImage

from garde.analyzers import AnalysisContext
from garde.errors import ImageError
from garde.model import Actor, Image, Request, Stage
from garde.vision.decode import DecodeLimits, decode, decoded


def _encode(img: PILImage.Image, fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def _gradient(w: int = 64, h: int = 48) -> PILImage.Image:
    x = np.linspace(0, 255, w, dtype=np.uint8)[None, :].repeat(h, 0)
    y = np.linspace(0, 255, h, dtype=np.uint8)[:, None].repeat(w, 1)
    return PILImage.fromarray(np.stack([x, y, 255 - x], axis=2))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF"])
def test_formats_decode_to_rgb(fmt: str) -> None:
    d = decode(Image(data=_encode(_gradient(), fmt), name=f"x.{fmt.lower()}"))
    assert d.rgb.shape == (48, 64, 3) and d.rgb.dtype == np.uint8
    assert d.format == fmt and d.original_size == (64, 48) and d.scale == 1.0


def test_heif_decodes() -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    try:
        data = _encode(_gradient(), "HEIF", quality=90)
    except (KeyError, OSError, ValueError) as e:  # no HEVC encoder in this build
        pytest.skip(f"cannot encode HEIF here: {e}")
    d = decode(Image(data=data, name="x.heic"))
    assert d.format == "HEIF" and d.rgb.shape == (48, 64, 3)


def test_exif_orientation_is_applied() -> None:
    img = _gradient(60, 30)
    exif = PILImage.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise on display
    d = decode(Image(data=_encode(img, "JPEG", exif=exif.tobytes()), name="rot.jpg"))
    assert d.rgb.shape[:2] == (60, 30) and d.original_size == (30, 60)


def test_alpha_is_flattened_on_white() -> None:
    rgba = PILImage.new("RGBA", (8, 8), (255, 0, 0, 0))
    d = decode(Image(data=_encode(rgba, "PNG"), name="a.png"))
    assert d.rgb[0, 0].tolist() == [255, 255, 255]
    pal = PILImage.new("P", (8, 8), 0)
    pal.putpalette([0, 0, 0, 255, 255, 255])
    pal.info["transparency"] = 0
    assert decode(Image(data=_encode(pal, "PNG", transparency=0), name="p.png")).rgb[0, 0].tolist() == [255] * 3


def test_gif_first_frame() -> None:
    frames = [PILImage.new("RGB", (10, 10), c) for c in ((255, 0, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    d = decode(Image(data=buf.getvalue(), name="anim.gif"))
    r, _g, b = d.rgb[5, 5].tolist()
    assert r > 200 and b < 50


def test_16_bit_and_grey_modes() -> None:
    arr = (np.arange(64 * 32, dtype=np.uint16).reshape(32, 64) * 30).astype(np.uint16)
    d = decode(Image(data=_encode(PILImage.fromarray(arr), "TIFF"), name="deep.tif"))
    assert d.rgb.shape == (32, 64, 3) and d.rgb.max() > 200
    grey = decode(Image(data=_encode(PILImage.new("L", (5, 5), 128), "PNG"), name="g.png"))
    assert grey.rgb[0, 0].tolist() == [128, 128, 128]


def test_resized_once_to_work_side() -> None:
    d = decode(Image(data=_encode(_gradient(2000, 1000), "JPEG"), name="big.jpg"))
    assert max(d.rgb.shape[:2]) == 1024 and d.original_size == (2000, 1000)
    assert d.scale == pytest.approx(1024 / 2000)
    assert d.to_original((512, 256, 102.4, 51.2)) == [1000, 500, 200, 100]
    small = decode(Image(data=_encode(_gradient(100, 50), "PNG"), name="s.png"))
    assert small.rgb.shape[:2] == (50, 100)


def _png_header_only(w: int, h: int) -> bytes:
    def chunk(t: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + t + data + struct.pack(">I", zlib.crc32(t + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_decompression_bomb_rejected_before_decoding() -> None:
    with pytest.raises(ImageError, match=r"bomb\.png.*(pixels|side)"):
        decode(Image(data=_png_header_only(60000, 60000), name="bomb.png"))
    with pytest.raises(ImageError, match="decompression bomb"):
        decode(Image(data=_png_header_only(10000, 9000), name="bomb2.png"))


def test_limits_on_bytes_and_side() -> None:
    data = _encode(_gradient(), "PNG")
    with pytest.raises(ImageError, match=r"'x\.png'.*over the limit"):
        decode(Image(data=data, name="x.png"), DecodeLimits(max_bytes=10))
    with pytest.raises(ImageError, match="side over the limit"):
        decode(Image(data=data, name="x.png"), DecodeLimits(max_side=32))


def test_truncated_and_corrupt_files_name_the_file() -> None:
    data = _encode(_gradient(200, 200), "JPEG")
    with pytest.raises(ImageError, match=r"'cut\.jpg'.*(truncated|corrupt)"):
        decode(Image(data=data[: len(data) // 2], name="cut.jpg"))
    with pytest.raises(ImageError, match=r"'notes\.txt'.*not a supported image"):
        decode(Image(data=b"hello, not an image", name="notes.txt"))
    with pytest.raises(ImageError, match="empty"):
        decode(Image(data=b"", name="zero.png"))


def test_unsupported_container_refused() -> None:
    ppm = _encode(_gradient(), "PPM")
    with pytest.raises(ImageError, match="not a supported image"):
        decode(Image(data=ppm, name="x.ppm"))


def test_decoded_is_shared_through_the_context() -> None:
    img = Image(data=_encode(_gradient(), "PNG"), name="x.png")
    ctx = AnalysisContext(request=Request(prompt="", actor=Actor(user_id="u"), images=(img,)), stage=Stage.REQUEST)
    a = decoded(ctx, img)
    b = decoded(ctx, img)
    assert a is b
    bad = Image(data=b"garbage", name="bad.bin")
    for _ in range(2):
        with pytest.raises(ImageError, match="bad.bin"):
            decoded(ctx, bad)
