"""``photo_realism``: is this a photograph, or a drawing, cartoon or anime?

A cheap, feature-based score (about 2 ms): fifteen colour and texture statistics on
a 256-px version of the image, then a logistic model. Drawings have few
colours, large flat fills, sharp outlines and no sensor noise; photographs have
many colours, smooth gradients and noise everywhere. The coefficients were fitted
by ``python -m garde.vision.evaluate --fit-realism`` (L2-regularised logistic
regression, features standardised; each training image also enters re-encoded
as JPEG q70 at 160 px so the model cannot key on file format or size), and the
cross-validated accuracy is in ``docs/vision.md``. It was fitted on anime face
crops versus COCO scenes and UTKFace crops: treat it as a weak signal on other
styles (3D renders, painted portraits, photo-real generations).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from garde.vision.decode import shrink

__all__ = ["FEATURE_NAMES", "features", "photo_realism", "score_features"]

FEATURE_NAMES: tuple[str, ...] = (
    "sat_mean",
    "sat_high",
    "colours",
    "top_colours",
    "flat",
    "edges",
    "noise",
    "grad_ratio",
    "val_std",
    "flat2",
    "flat6",
    "noise_native",
    "hue_entropy",
    "dark_edges",
    "colourfulness",
)

# Fitted by `python -m garde.vision.evaluate --fit-realism` (see docs/vision.md).
_MEAN = np.array(
    [
        0.372495,
        0.106923,
        0.669057,
        0.385137,
        0.151514,
        0.0741805,
        1.26304,
        -5.16684,
        0.217849,
        0.0591925,
        0.24899,
        1.27687,
        0.343658,
        0.0781084,
        0.448056,
    ]
)
_STD = np.array(
    [
        0.12797,
        0.144745,
        0.0684194,
        0.119608,
        0.0814923,
        0.057124,
        0.355241,
        2.48811,
        0.0616972,
        0.0607931,
        0.116864,
        0.204794,
        0.139712,
        0.0941027,
        0.174393,
    ]
)
_COEF = np.array(
    [
        -0.328179,
        0.487119,
        0.629388,
        -0.83195,
        -2.33415,
        -1.08948,
        0.480553,
        -4.49856,
        -1.23318,
        0.870554,
        1.63223,
        0.275551,
        -0.50317,
        1.34959,
        -1.44503,
    ]
)
_BIAS = 7.56335

SIDE = 256
FINE_SIDE = 256


def features(rgb: NDArray[np.uint8]) -> NDArray[np.float64]:
    """The feature vector (see :data:`FEATURE_NAMES`) of an RGB uint8 image."""
    import cv2

    fine = shrink(rgb, FINE_SIDE)
    img = shrink(fine, SIDE)
    hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
    sat = hsv[..., 1].astype(np.float64) / 255.0
    val = hsv[..., 2].astype(np.float64) / 255.0
    sat_mean = float(sat.mean())
    sat_high = float(((sat > 0.6) & (val > 0.2)).mean())
    q = (img >> 4).astype(np.int32)
    codes = (q[..., 0] << 8) | (q[..., 1] << 4) | q[..., 2]
    counts = np.bincount(codes.ravel(), minlength=4096)
    n = float(codes.size)
    colours = math.log1p(float((counts > 0).sum())) / math.log(4097.0)
    top = float(np.sort(counts)[-8:].sum()) / n
    grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    mag = np.sqrt(gx * gx + gy * gy) / 8.0
    flat = float((mag < 1.0).mean())
    edges_img = cv2.Canny(grey.astype(np.uint8), 80, 160)
    edges = float((edges_img > 0).mean())
    lap = np.abs(cv2.Laplacian(grey, cv2.CV_32F, ksize=1))
    quiet = mag < 8.0
    noise = float(np.median(lap[quiet])) if quiet.any() else 0.0
    strong = float((mag > 40.0).sum())
    mid = float(((mag > 3.0) & (mag <= 40.0)).sum())
    grad_ratio = math.log1p(strong) - math.log1p(mid)
    val_std = float(val.std())
    base = [sat_mean, sat_high, colours, top, flat, edges, math.log1p(noise), grad_ratio, val_std]
    return np.array(base + _fine_features(fine))


def _fine_features(img: NDArray[np.uint8]) -> list[float]:
    """Flat fills, noise in quiet regions, hue entropy, dark outlines, colourfulness at 256 px."""
    import cv2

    k = np.ones((3, 3), np.uint8)
    spread = (cv2.dilate(img, k).astype(np.int16) - cv2.erode(img, k)).max(axis=2)
    flat2 = float((spread <= 2).mean())
    flat6 = float((spread <= 6).mean())
    grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    lap = np.abs(cv2.Laplacian(grey.astype(np.float32), cv2.CV_32F, ksize=1))
    quiet = spread <= 12
    noise = float(np.mean(lap[quiet])) if quiet.any() else 0.0
    hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
    vivid = (hsv[..., 1] > 60) & (hsv[..., 2] > 50)
    hist = np.bincount((hsv[..., 0][vivid] // 5).ravel(), minlength=36).astype(np.float64)
    entropy = 0.0
    if hist.sum() > 0:
        p = hist[hist > 0] / hist.sum()
        entropy = float(-(p * np.log(p)).sum()) / math.log(36.0)
    edges = cv2.Canny(grey, 80, 160) > 0
    dark = float(((hsv[..., 2] < 70) & edges).sum() / max(int(edges.sum()), 1))
    r, g, b = (img[..., i].astype(np.float64) for i in range(3))
    rg, yb = r - g, 0.5 * (r + g) - b
    colourful = (
        math.sqrt(rg.std() ** 2 + yb.std() ** 2) + 0.3 * math.sqrt(rg.mean() ** 2 + yb.mean() ** 2)
    ) / 100
    return [flat2, flat6, math.log1p(noise), entropy, dark, colourful]


def score_features(
    x: NDArray[np.float64],
    mean: Sequence[float] | NDArray[np.float64] = _MEAN,
    std: Sequence[float] | NDArray[np.float64] = _STD,
    coef: Sequence[float] | NDArray[np.float64] = _COEF,
    bias: float = _BIAS,
) -> float:
    z = (np.asarray(x, dtype=np.float64) - np.asarray(mean)) / np.asarray(std)
    logit = float(z @ np.asarray(coef)) + bias
    return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, logit))))


def photo_realism(rgb: NDArray[np.uint8]) -> float:
    """Probability-like score in [0, 1] that the image is a photograph."""
    return score_features(features(rgb))
