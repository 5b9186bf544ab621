"""Where the spin temperature breaks down: the statistics of a scan over U (or B) and the
crossover points of its markers (Figures S1, S2; docs/physics.md section 9).

A scan is one model at one N over several parameter points that share their realizations
``0..R-1`` (the same couplings at every U: common random numbers). The statistics of each
point come from :func:`dnpmbl.statistics.point_statistics`, whose resampled realizations
are the same at every point, so that a crossover U_c, which compares neighbouring points,
gets a replicate per resample and an error that knows the points are correlated.

Markers (each the first crossing of a threshold as U grows, linear between the points):

* (a) mean exact P_n / P_n^FM rises through ``ratio`` (the fit describes the mean);
* (b) <r> of the electrons alone rises through the Poisson-GOE midpoint;
* (c) std(P_n) over realizations falls below ``p_n_std``;
* (d) the mean D_KL (Eq. 27) falls below ``kl``.
"""

from __future__ import annotations

import math

import numpy as np

#: Mean ratio of consecutive level spacings: Poisson (localized) 2 ln 2 - 1, GOE (ergodic)
#: 0.5307 (numerical, large matrices), and the midpoint used as marker (b).
R_POISSON = 2.0 * math.log(2.0) - 1.0
R_GOE = 0.5307
R_MIDPOINT = 0.5 * (R_POISSON + R_GOE)


def mean_statistic(values, indices) -> np.ndarray:
    """The mean of per-realization ``values`` (R,) on all realizations, then on each
    resample of ``indices`` (:func:`dnpmbl.statistics.resample_indices`): (1 + B,)."""
    values = np.asarray(values, dtype=float)
    return np.concatenate([[values.mean()], values[np.asarray(indices)].mean(axis=1)])


def crossing(x, y, level: float, *, rising: bool) -> float:
    """The first ``x`` at which ``y`` crosses ``level``, upward (``rising``) or downward,
    linear in x between the two points that bracket it.

    NaN when the scan does not bracket a crossing: ``y`` never reaches the level, or is
    already past it at the first point (the crossing lies below the scan). NaN points are
    skipped.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError("x and y must be 1-d arrays of the same length")
    if np.any(np.diff(x) <= 0):
        raise ValueError("x must be strictly increasing")
    ok = np.isfinite(y)
    x, y = x[ok], y[ok]
    if x.size < 2:
        return math.nan
    past = y >= level if rising else y < level
    if past[0]:
        return math.nan
    hits = np.flatnonzero(past)
    if hits.size == 0:
        return math.nan
    k = hits[0]
    x0, x1, y0, y1 = x[k - 1], x[k], y[k - 1], y[k]
    return float(x0 + (level - y0) * (x1 - x0) / (y1 - y0))


def crossing_with_error(x, replicates, level: float, *, rising: bool) -> dict:
    """:func:`crossing` on the full sample (row 0 of ``replicates``, shape (1 + B, len(x)))
    and on each resample: the estimate, the bootstrap standard error over the resamples
    that cross within the scan, and the fraction that do not (``censored``)."""
    replicates = np.asarray(replicates, dtype=float)
    values = np.array([crossing(x, row, level, rising=rising) for row in replicates])
    boot = values[1:]
    finite = boot[np.isfinite(boot)]
    return {
        "u_c": float(values[0]),
        "u_c_se": float(np.std(finite, ddof=1)) if finite.size > 1 else math.nan,
        "censored": float(1.0 - finite.size / boot.size) if boot.size else math.nan,
    }
