"""Where the spin temperature breaks down: the statistics of a scan over U (or B) and the
crossover points of its markers (Figures S1, S2; docs/physics.md section 9).

A scan is one model at one N over several parameter points that share their realizations
``0..R-1`` (the same couplings at every U: common random numbers). Its errors come from one
bootstrap over realizations: the same resampled realizations at every point, so that a
crossover U_c, which compares neighbouring points, gets a replicate per resample and an
error that knows the points are correlated.

Markers (each the first crossing of a threshold as U grows, linear between the points):

* (a) mean exact P_n / P_n^FM rises through ``ratio`` (the fit describes the mean);
* (b) <r> of the electrons alone rises through the Poisson-GOE midpoint;
* (c) std(P_n) over realizations falls below ``p_n_std``;
* (d) the mean D_KL (Eq. 27) falls below ``kl``.
"""

from __future__ import annotations

import math

import numpy as np

from .spin_temperature import fit_spin_temperature, kl_divergence, resample_indices, sample_std

__all__ = ["resample_indices"]  # re-exported: the scans resample as :func:`bootstrap` does

#: Mean ratio of consecutive level spacings: Poisson (localized) 2 ln 2 - 1, GOE (ergodic)
#: 0.5307 (numerical, large matrices), and the midpoint used as marker (b).
R_POISSON = 2.0 * math.log(2.0) - 1.0
R_GOE = 0.5307
R_MIDPOINT = 0.5 * (R_POISSON + R_GOE)


def stationary_statistics(
    p_n, reduced_energy, magnetization, populations, omega_e: float, omega_n: float, indices, *, label: str = ""
) -> dict:
    """Mean exact P_n, P_n^FM (Eqs. 1, 18), their ratio, std(P_n) and mean D_KL (Eq. 27) of
    one point and one microwave frequency, on all realizations and on each resample.

    Parameters
    ----------
    p_n : (R,) array
        Exact nuclear polarization per realization (Eq. 26).
    reduced_energy, magnetization, populations : (R, S) arrays
    indices : (B, R) int array
        Resampled realizations (:func:`~dnpmbl.spin_temperature.resample_indices`).

    Returns
    -------
    dict of (1 + B,) arrays: ``p_n_mean``, ``p_n_fm``, ``ratio``, ``p_n_std``, ``kl_mean``;
    entry 0 is the full sample, entries 1.. the resamples.
    """
    p_n = np.asarray(p_n, dtype=float)
    e = np.asarray(reduced_energy, dtype=float)
    s = np.asarray(magnetization, dtype=float)
    p = np.asarray(populations, dtype=float)
    full = np.arange(p_n.size)
    out = {key: [] for key in ("p_n_mean", "p_n_fm", "ratio", "p_n_std", "kl_mean")}
    fit = fit_spin_temperature(e, s, p, omega_e, label=label)
    for idx in [full, *np.asarray(indices)]:
        sub = fit if idx is full else fit_spin_temperature(e[idx], s[idx], p[idx], omega_e, start=(fit.beta_s, fit.a), label=label)
        mean = float(p_n[idx].mean())
        fm = sub.nuclear_polarization(omega_n)
        out["p_n_mean"].append(mean)
        out["p_n_fm"].append(fm)
        out["ratio"].append(mean / fm if fm != 0 else math.nan)
        out["p_n_std"].append(sample_std(p_n[idx]))
        out["kl_mean"].append(float(np.mean(kl_divergence(p[idx], e[idx], s[idx], sub))))
    return {key: np.array(values) for key, values in out.items()}


def mean_statistic(values, indices) -> np.ndarray:
    """The mean of per-realization ``values`` (R,) on all realizations, then on each
    resample: (1 + B,)."""
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
