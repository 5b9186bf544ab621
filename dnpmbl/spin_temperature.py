"""Spin-temperature Ansatz (Eq. 17): fitting method (Eq. 18), Kullback-Leibler divergence
(Eq. 27) and sample-to-sample fluctuations (Fig. 5); their statistics over realizations and
bootstrap errors are :mod:`dnpmbl.statistics`.

The Ansatz is ``p_n ∝ exp(-beta_s (eps_n + h s_n))``. Writing ``eps_n = w_e s_n + e_n`` (``e``
the reduced energy, eigenvalue of ``H - w_e Sz``) and ``a = beta_s (w_e + h)`` the weights are
``exp(-beta_s e_n - a s_n)``, in which nothing large cancels (docs/physics.md section 6).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp


class FitError(RuntimeError):
    """The fitting method did not converge."""


@dataclass(frozen=True)
class SpinTemperature:
    """Parameters of the Ansatz (Eq. 17) for one parameter point.

    Attributes
    ----------
    beta_s : float
        Inverse spin temperature times hbar, seconds (same convention as ``Parameters.beta``).
    a : float
        ``beta_s (w_e + h)``, dimensionless.
    h : float
        Effective field conjugate to Sz, rad/s.
    iterations : int
        Newton steps taken (a fit that does not converge raises :class:`FitError`).
    gradient : float
        Largest moment mismatch at the solution, relative to the spread of each moment.
    """

    beta_s: float
    a: float
    h: float
    iterations: int
    gradient: float

    def nuclear_polarization(self, omega_n: float) -> float:
        """Eq. (1): ``P_n = tanh(beta_s w_n / 2)``."""
        return float(np.tanh(0.5 * self.beta_s * omega_n))


def _as_stack(x) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return x[None, :] if x.ndim == 1 else x


def ansatz_log_weights(beta_s: float, a: float, reduced_energy, magnetization) -> np.ndarray:
    """``log p_Ans`` (normalized per realization): arrays (R, S) or (S,)."""
    e = _as_stack(reduced_energy)
    s = _as_stack(magnetization)
    x = -beta_s * e - a * s
    return x - logsumexp(x, axis=1, keepdims=True)


def fit_spin_temperature(
    reduced_energy,
    magnetization,
    populations,
    omega_e: float,
    *,
    tol: float = 1e-12,
    max_iter: int = 200,
    start: tuple[float, float] | None = None,
    label: str = "",
) -> SpinTemperature:
    """Fitting method, Eq. (18): one ``(beta_s, h)`` shared by the realizations of a point.

    Solves ``mean_r <e>_Ans,r = mean_r <e>_stat,r`` and the same for ``Sz`` as the minimum of
    the convex function ``F(beta_s, a) = mean_r log Z_r + beta_s <e>_stat + a <s>_stat``
    (moment matching in an exponential family) by damped Newton steps with a backtracking
    line search, which converges from any start when the target moments are attainable.

    Parameters
    ----------
    reduced_energy, magnetization, populations : (R, S) or (S,) arrays
        Per realization r: reduced energies ``e_n`` (rad/s), magnetizations ``s_n`` and
        stationary populations.
    omega_e : float
        Electron Zeeman frequency (rad/s), to convert ``a`` into ``h``.
    tol : float
        Convergence threshold on the moment mismatch, relative to each moment's spread.
    start : (beta_s, a), optional
        Starting point; default ``(0, 0)`` (infinite temperature).

    Raises
    ------
    FitError
        If Newton's method does not reach ``tol`` in ``max_iter`` steps.
    """
    e = _as_stack(reduced_energy)
    s = _as_stack(magnetization)
    populations = _as_stack(populations)
    if not (e.shape == s.shape == populations.shape):
        raise ValueError(f"shapes differ: energy {e.shape}, magnetization {s.shape}, populations {populations.shape}")
    if not (np.all(np.isfinite(populations)) and np.all(np.isfinite(e)) and np.all(np.isfinite(s))):
        raise ValueError("populations, energies and magnetizations must be finite")
    if populations.min() < -1e-12 or np.any(np.abs(populations.sum(axis=1) - 1.0) > 1e-9):
        raise ValueError("populations must be non-negative and sum to one in every realization")
    target_e = float(np.mean(np.sum(populations * e, axis=1)))
    target_s = float(np.mean(np.sum(populations * s, axis=1)))
    # Work in units where both moments are O(1): e / e_scale, s / s_scale.
    e_scale = float(np.std(e)) or 1.0
    s_scale = float(np.std(s)) or 1.0
    eu, su = e / e_scale, s / s_scale
    te, ts = target_e / e_scale, target_s / s_scale
    where = f" ({label})" if label else ""

    def objective(x):
        logits = -x[0] * eu - x[1] * su
        return float(np.mean(logsumexp(logits, axis=1)) + x[0] * te + x[1] * ts)

    def derivatives(x):
        logits = -x[0] * eu - x[1] * su
        w = np.exp(logits - logsumexp(logits, axis=1, keepdims=True))
        me = np.sum(w * eu, axis=1)
        ms = np.sum(w * su, axis=1)
        grad = np.array([te - me.mean(), ts - ms.mean()])
        cee = np.sum(w * eu * eu, axis=1) - me**2
        css = np.sum(w * su * su, axis=1) - ms**2
        ces = np.sum(w * eu * su, axis=1) - me * ms
        hess = np.array([[cee.mean(), ces.mean()], [ces.mean(), css.mean()]])
        return grad, hess

    x = np.array([0.0, 0.0]) if start is None else np.array([start[0] * e_scale, start[1] * s_scale])
    f = objective(x)
    grad_norm = np.inf
    for iteration in range(1, max_iter + 1):
        grad, hess = derivatives(x)
        grad_norm = float(np.max(np.abs(grad)))
        if grad_norm <= tol:
            break
        try:
            step = -np.linalg.solve(hess + 1e-300 * np.eye(2), grad)
        except np.linalg.LinAlgError:
            step = -grad
        if not np.all(np.isfinite(step)) or step @ grad >= 0:
            step = -grad  # Hessian singular to rounding: fall back to steepest descent
        t = 1.0
        while True:
            candidate = x + t * step
            f_new = objective(candidate)
            if np.isfinite(f_new):
                if f_new <= f + 1e-4 * t * (step @ grad):
                    break
                # Near the minimum F changes by less than its rounding error: there, judge
                # a step by the moment mismatch it leaves instead.
                if abs(f_new - f) <= 1e-12 * max(1.0, abs(f)):
                    if np.max(np.abs(derivatives(candidate)[0])) < grad_norm:
                        break
            t *= 0.5
            if t < 1e-12:
                break
        if t < 1e-12:
            break  # no progress possible at this precision
        x, f = candidate, f_new
    else:
        grad, _ = derivatives(x)
        grad_norm = float(np.max(np.abs(grad)))
    converged = grad_norm <= max(tol, 1e-9)
    beta_s = x[0] / e_scale
    a = x[1] / s_scale
    h = a / beta_s - omega_e if beta_s != 0 else float("nan")
    if not converged:
        raise FitError(
            f"fitting method did not converge{where}: moment mismatch {grad_norm:.3e} after "
            f"{iteration} iterations (beta_s = {beta_s:.6e} s, a = {a:.6e})"
        )
    return SpinTemperature(float(beta_s), float(a), float(h), iteration, grad_norm)


def kl_divergence(populations, reduced_energy, magnetization, fit: SpinTemperature) -> np.ndarray:
    """Eq. (27): ``D_KL = sum_n p_stat ln(p_stat / p_Ans)`` per realization.

    Returns
    -------
    (R,) array, non-negative.
    """
    populations = _as_stack(populations)
    log_ans = ansatz_log_weights(fit.beta_s, fit.a, reduced_energy, magnetization)
    positive = populations > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(positive, populations * (np.log(np.where(positive, populations, 1.0)) - log_ans), 0.0)
    return np.maximum(terms.sum(axis=1), 0.0)


def sample_std(values) -> float:
    """Sample-to-sample standard deviation (ddof = 1) over realizations (Fig. 5b)."""
    values = np.asarray(values, dtype=float)
    return float(np.std(values, ddof=1)) if values.size > 1 else float("nan")
