"""Shares with 95% confidence intervals, for whole corpora and for stratified samples.

Whole corpus (no ``--sample``): a share ``k/n`` gets the Wilson score interval.
The corpus is treated as a draw from the generator's process (the
super-population), so the interval does not shrink to zero on a census.

Stratified sample (``--sample N --seed S [--strata COL]``): each stratum ``h``
holds ``N_h`` images of which ``n_h`` were drawn without replacement. A share is
a ratio ``R = Y / X`` of two population totals (``X`` = the images in the
denominator, e.g. "images with minimal attire"; ``Y`` = those also in the
numerator), estimated by the combined stratified ratio estimator::

    Y^ = sum_h N_h * mean_h(y),   X^ = sum_h N_h * mean_h(x),   R^ = Y^ / X^

with the linearised (Taylor) variance and the finite-population correction
``1 - n_h / N_h``::

    V(R^) = 1 / X^2 * sum_h N_h^2 * (1 - n_h / N_h) * s_h^2(e) / n_h,   e_i = y_i - R^ x_i

The interval is the Wilson interval at the *effective* sample size
``n_eff = R^(1 - R^) / V(R^)`` (Korn & Graubard 1998; Dean & Pagano 2015), which
keeps the Wilson interval's good behaviour near 0 and 1 while carrying the
design's variance. A stratum with a single sampled unit contributes no variance
estimate (``s_h^2`` is undefined); the sampler allocates at least two per
stratum when it can.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["Z95", "Share", "proportional_allocation", "stratified_ratio", "stratified_sample", "wilson"]

Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True, kw_only=True)
class Share:
    """An estimated share with its 95% interval; ``n`` sampled units in the denominator."""

    estimate: float
    low: float
    high: float
    k: int
    n: int
    method: str
    n_eff: float | None = None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"estimate": round(self.estimate, 6), "ci95": [round(self.low, 6),
                                  round(self.high, 6)], "k": self.k, "n": self.n, "method": self.method}
        if self.n_eff is not None:
            out["n_eff"] = round(self.n_eff, 2) if math.isfinite(self.n_eff) else None
        return out


def _wilson_bounds(p: float, n: float, z: float) -> tuple[float, float]:
    if n <= 0:
        return 0.0, 1.0
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / denom
    half = z * math.sqrt(max(p * (1.0 - p) / n + z2 / (4.0 * n * n), 0.0)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def wilson(k: int, n: int, z: float = Z95) -> Share:
    """The Wilson score interval of ``k`` successes in ``n`` trials (``n = 0`` → [0, 1])."""
    if k < 0 or n < 0 or k > n:
        raise ValueError(f"wilson needs 0 <= k <= n, got k={k!r}, n={n!r}")
    p = k / n if n else 0.0
    lo, hi = _wilson_bounds(p, float(n), z)
    return Share(estimate=p, low=lo, high=hi, k=k, n=n, method="wilson")


def stratified_ratio(y: Sequence[float] | NDArray[np.float64], x: Sequence[float] | NDArray[np.float64],
                     strata: Sequence[str], population: Mapping[str, int], z: float = Z95) -> Share:
    """Combined stratified ratio estimator of ``sum y / sum x`` with FPC (see the module docstring).

    ``y``, ``x`` and ``strata`` are per *sampled* unit (``y <= x``, both 0/1 for
    shares); ``population`` maps each stratum to its size ``N_h``.
    """
    ya = np.asarray(y, dtype=np.float64)
    xa = np.asarray(x, dtype=np.float64)
    sa = np.asarray(list(strata), dtype=object)
    if not (len(ya) == len(xa) == len(sa)):
        raise ValueError("y, x and strata must have the same length")
    labels = sorted({str(s) for s in sa})
    for h in labels:
        if h not in population:
            raise ValueError(f"stratum {h!r} has sampled units but no population size")
    y_tot = 0.0
    x_tot = 0.0
    groups: list[tuple[float, float, NDArray[np.float64], NDArray[np.float64]]] = []
    for h in labels:
        m = sa == h
        n_h = int(m.sum())
        big_n = float(population[h])
        if n_h > big_n:
            raise ValueError(f"stratum {h!r} has {n_h} sampled units but a population of {big_n:g}")
        yh, xh = ya[m], xa[m]
        y_tot += big_n * float(yh.mean())
        x_tot += big_n * float(xh.mean())
        groups.append((big_n, float(n_h), yh, xh))
    k = int(ya.sum())
    n = int(xa.sum())
    if x_tot <= 0:
        return Share(estimate=0.0, low=0.0, high=1.0, k=k, n=n, method="stratified-ratio+fpc", n_eff=0.0)
    r = y_tot / x_tot
    var = 0.0
    for pop_h, size_h, yh, xh in groups:
        if size_h < 2:
            continue
        e = yh - r * xh
        s2 = float(e.var(ddof=1))
        var += pop_h * pop_h * (1.0 - size_h / pop_h) * s2 / size_h
    var /= x_tot * x_tot
    if var <= 0.0:
        # every stratum was a census, or all residuals vanish: fall back to the sample size
        fully = all(size_h >= pop_h for pop_h, size_h, _, _ in groups)
        if fully:
            return Share(estimate=r, low=r, high=r, k=k, n=n, method="stratified-ratio+fpc (census)",
                         n_eff=math.inf)
        n_eff = float(n)
    else:
        n_eff = r * (1.0 - r) / var if 0.0 < r < 1.0 else float(n)
    lo, hi = _wilson_bounds(r, n_eff, z)
    return Share(estimate=r, low=lo, high=hi, k=k, n=n, method="stratified-ratio+fpc", n_eff=n_eff)


def proportional_allocation(sizes: Mapping[str, int], total: int, minimum: int = 2) -> dict[str, int]:
    """Split ``total`` draws across strata in proportion to their size (largest remainders).

    Each stratum gets at least ``min(minimum, N_h)`` so that its variance can be
    estimated; no stratum gets more than ``N_h``.
    """
    population = sum(sizes.values())
    if total >= population:
        return dict(sizes)
    quotas = {h: total * sizes[h] / population for h in sizes}
    floor_ = {h: min(sizes[h], minimum) for h in sizes}
    alloc = {h: min(sizes[h], max(floor_[h], int(quotas[h]))) for h in sizes}
    rest = total - sum(alloc.values())
    order = sorted(sizes, key=lambda h: (-(quotas[h] - int(quotas[h])), h))
    while rest > 0:
        moved = False
        for h in order:
            if rest > 0 and alloc[h] < sizes[h]:
                alloc[h] += 1
                rest -= 1
                moved = True
        if not moved:
            break
    while rest < 0:  # the minimums overshot: take back from the most over-allocated strata
        over = [h for h in sizes if alloc[h] > floor_[h]]
        if not over:
            break
        h = max(over, key=lambda k: (alloc[k] - quotas[k], k))
        alloc[h] -= 1
        rest += 1
    return alloc


def stratified_sample(strata: Sequence[str], total: int, seed: int, minimum: int = 2) -> list[int]:
    """Indices of a stratified random sample without replacement (proportional allocation).

    Deterministic for a given ``seed`` and input order, so a rerun draws the same sample.
    """
    by: dict[str, list[int]] = {}
    for i, s in enumerate(strata):
        by.setdefault(str(s), []).append(i)
    alloc = proportional_allocation({h: len(v) for h, v in by.items()}, total, minimum)
    rng = np.random.default_rng(seed)
    chosen: list[int] = []
    for h in sorted(by):
        idx = by[h]
        take = alloc.get(h, 0)
        if take >= len(idx):
            chosen.extend(idx)
        elif take > 0:
            chosen.extend(int(idx[j]) for j in rng.choice(len(idx), size=take, replace=False))
    return sorted(chosen)
