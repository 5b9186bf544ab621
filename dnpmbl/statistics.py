"""Statistics over the disorder realizations of one parameter point, with their bootstrap
errors: the numbers behind Figs. 2, 3, 5 and Figures S1-S4 (docs/physics.md section 6).

One bootstrap convention serves every statistic and every figure. The resamples of a point
are ``resample_indices(R, B)``: ``B`` draws of ``R`` realization indices with replacement
from ``numpy.random.default_rng(BOOTSTRAP_SEED)``. All statistics of the point are computed
on the same resamples, and so are all points with the same ``R``: the points of a scan,
which share their realizations ``0..R-1``, are resampled alike (common random numbers).
A statistic's standard error is the SD (ddof 1) of its values on the resamples, its interval
the 16th to 84th percentile of them (``INTERVAL_LEVEL``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .spin_temperature import SpinTemperature, fit_spin_temperature, kl_divergence, sample_std

#: Seed of the resampled realizations (``numpy.random.default_rng``).
BOOTSTRAP_SEED = 0
#: Probability mass of the percentile interval: 0.68, the 16th to 84th percentile.
INTERVAL_LEVEL = 0.68
#: What :func:`point_statistics` computes, in the order of the scan tables' columns.
STATISTICS = ("p_n_mean", "p_n_fm", "ratio", "p_n_std", "kl_mean")


def resample_indices(n_realizations: int, n_resamples: int, seed: int = BOOTSTRAP_SEED) -> np.ndarray:
    """The resampled realizations: ``(n_resamples, n_realizations)`` indices drawn with
    replacement from ``default_rng(seed)``.

    Raises
    ------
    ValueError
        With fewer than two realizations or no resample.
    """
    if n_realizations < 2:
        raise ValueError("bootstrap needs at least two realizations")
    if n_resamples < 1:
        raise ValueError("n_resamples must be positive")
    return np.random.default_rng(seed).integers(0, n_realizations, size=(n_resamples, n_realizations))


@dataclass(frozen=True)
class PointStatistics:
    """The statistics of one point at one microwave frequency, on all its realizations and on
    each resample.

    Attributes
    ----------
    values : dict of str to (1 + B,) arrays
        For each name of ``STATISTICS``: entry 0 on all realizations, entries ``1..B`` on
        the resamples (NaN where not computed).
    indices : (B, R) int array
        The resampled realizations.
    fit : SpinTemperature or None
        The fitting method's (beta_s, h) on all realizations; None without populations.
    kl_per_realization : (R,) array or None
        D_KL (Eq. 27) of each realization at ``fit``.
    """

    values: dict
    indices: np.ndarray
    fit: SpinTemperature | None
    kl_per_realization: np.ndarray | None

    def estimate(self, name: str) -> float:
        """The statistic on all realizations."""
        return float(self.values[name][0])

    def resamples(self, name: str) -> np.ndarray:
        """The statistic on each resample, (B,)."""
        return self.values[name][1:]

    def std_error(self, name: str) -> float:
        """Bootstrap standard error: SD (ddof 1) over the resamples; NaN with one resample."""
        draws = self.resamples(name)
        return float(np.std(draws, ddof=1)) if draws.size > 1 else math.nan

    def interval(self, name: str, level: float = INTERVAL_LEVEL) -> tuple[float, float]:
        """Percentile interval of probability ``level`` over the resamples."""
        low, high = np.quantile(self.resamples(name), [(1 - level) / 2, (1 + level) / 2])
        return float(low), float(high)


def point_statistics(
    p_n,
    n_resamples: int,
    *,
    reduced_energy=None,
    magnetization=None,
    populations=None,
    omega_e: float = math.nan,
    omega_n: float = math.nan,
    fit: SpinTemperature | None = None,
    start: tuple[float, float] | None = None,
    refit: bool = True,
    seed: int = BOOTSTRAP_SEED,
    label: str = "",
) -> PointStatistics:
    """Mean and SD of the exact P_n, P_n^FM, their ratio and the mean D_KL of one point at
    one microwave frequency, on all realizations and on one shared set of resamples.

    * ``p_n_mean``: realization mean of the exact P_n (Eq. 26; Figs. 2, 3);
    * ``p_n_std``: its sample-to-sample SD, ddof 1 (Fig. 5b);
    * ``p_n_fm``: ``tanh(beta_s w_n / 2)`` (Eq. 1) at the fitting method's beta_s (Eq. 18),
      one (beta_s, h) for the realizations of the sample;
    * ``ratio``: ``p_n_mean / p_n_fm`` (NaN where P_n^FM is 0);
    * ``kl_mean``: realization mean of D_KL (Eq. 27) at that (beta_s, h) (Fig. 5a).

    On a resample the Ansatz is refitted to the resampled realizations (warm-started at the
    full-sample fit), so that the errors of ``p_n_fm``, ``ratio`` and ``kl_mean`` include
    the fit's. A refit costs a Newton solve over all states of every realization, one per
    resample: ``refit=False`` skips them, leaving those three NaN on the resamples, and the
    workflow's per-point rules refit only at the offsets whose figures draw error bars.
    ``p_n_mean`` and ``p_n_std`` are always resampled.

    Parameters
    ----------
    p_n : (R,) array
        Exact nuclear polarization of each realization.
    n_resamples : int
        Number B of resamples, drawn by :func:`resample_indices` from ``seed``.
    reduced_energy, magnetization, populations : (R, S) arrays, optional
        Per realization: eigenvalues of ``H - w_e Sz`` (rad/s), ``Sz`` of each eigenstate
        and the stationary populations. Without them only ``p_n_mean`` and ``p_n_std`` are
        computed (the others NaN).
    omega_e, omega_n : float
        Electron and nuclear Zeeman frequencies (rad/s).
    fit : SpinTemperature, optional
        The full-sample fit, if already known (it is not recomputed).
    start : (beta_s, a), optional
        Starting point of the full-sample fit (a neighbouring frequency's fit).
    refit : bool
        Whether to refit the Ansatz on each resample.
    seed : int
        Seed of the resamples; ``BOOTSTRAP_SEED`` everywhere in the workflow.
    label : str
        Names the point in a :class:`~dnpmbl.spin_temperature.FitError`.

    Returns
    -------
    PointStatistics

    Raises
    ------
    ValueError
        With fewer than two realizations, or inconsistent shapes.
    ~dnpmbl.spin_temperature.FitError
        If a fit does not converge.
    """
    p_n = np.asarray(p_n, dtype=float)
    indices = resample_indices(p_n.size, n_resamples, seed)
    values = {name: [] for name in STATISTICS}
    with_spectra = populations is not None
    kl = None
    if with_spectra:
        energy = np.asarray(reduced_energy, dtype=float)
        sz = np.asarray(magnetization, dtype=float)
        populations = np.asarray(populations, dtype=float)
        if populations.ndim != 2 or populations.shape[0] != p_n.size:
            raise ValueError(f"populations {populations.shape} do not match {p_n.size} realizations")
        if fit is None:
            fit = fit_spin_temperature(energy, sz, populations, omega_e, start=start, label=label)
        kl = kl_divergence(populations, energy, sz, fit)
    else:
        fit = None
    for idx in [None, *indices]:
        sample = p_n if idx is None else p_n[idx]
        mean = float(sample.mean())
        values["p_n_mean"].append(mean)
        values["p_n_std"].append(sample_std(sample))
        fm = kl_mean = math.nan
        if with_spectra and idx is None:
            fm = fit.nuclear_polarization(omega_n)
            kl_mean = float(kl.mean())
        elif with_spectra and refit:
            start_at_full = (fit.beta_s, fit.a)
            sub = fit_spin_temperature(energy[idx], sz[idx], populations[idx], omega_e, start=start_at_full, label=label)
            fm = sub.nuclear_polarization(omega_n)
            kl_mean = float(np.mean(kl_divergence(populations[idx], energy[idx], sz[idx], sub)))
        values["p_n_fm"].append(fm)
        values["ratio"].append(mean / fm if fm != 0 else math.nan)
        values["kl_mean"].append(kl_mean)
    return PointStatistics({name: np.array(v) for name, v in values.items()}, indices, fit, kl)
