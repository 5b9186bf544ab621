"""Perturbative expansion (PE) of the spin temperature (Sec. III B, Appendices B and C).

In the spin-temperature Ansatz each electron spin of Zeeman frequency ``w`` has the
polarization ``P_e(w) = -tanh(beta_s (w + h) / 2)``. Balancing the magnetization and the
energy that the lattice bath and the microwaves inject (Eqs. 20, C2, C3 at order U^0 and
Eqs. 23, C4, C5 at order U^2) fixes ``beta_s`` and ``h``; the nuclear polarization is then
``P_n = tanh(beta_s w_n / 2)`` (Eq. 1).

Conventions and numerics
------------------------
* Frequencies in rad/s, ``beta_s`` in seconds (like ``Parameters.beta``).
* ``w_e`` (~6e11 rad/s) is ~10^3 times every other scale, so everything is written in the
  shift ``x = w - w_e`` and the unknowns are ``(beta_s, a)`` with ``a = beta_s (w_e + h)``:
  ``beta_s (w + h) = beta_s x + a`` never subtracts two large numbers.
* The energy balance (C3, C5, Eq. 20b, 23b) is replaced by ``C3 - w_e C2`` (``C5 - w_e C4``),
  i.e. ``sum_j Delta_j kappa_j (+ U^2 terms) = 0``, divided by ``dw_e``: the two systems have
  the same solutions, and the combination keeps no ``w_e``-sized terms that cancel. For the
  second-order term ``w kappa(w) = w_e kappa(w) + x kappa(x)`` (so ``kappa_2 = w_e kappa_1 +
  d/dx [(x kappa(x) - x' kappa(x')) / (x - x')]``) and the ``w_e kappa_1`` part is exactly
  ``w_e`` times the first equation's correction, removed by the same combination.
* Both equations are divided by N (finite N) so that they read as averages over the Zeeman
  distribution ``f`` and their continuum limits are Eqs. (20, 23).

The U^2 coefficient
-------------------
Eq. (23) prints ``U^2 / 2``, but Eqs. (B2), (B10) and (C4)-(C5) give ``(U^2 / N) sum_{l != j}``
whose continuum limit is ``U^2 int f``. Two exact-diagonalization checks in
``tests/test_perturbative.py`` decide for coefficient 1 (``U_il^2`` per pair), not 1/2:

* Eq. (B12), 2-4 spins 25 MHz apart, ``U_ij`` ~ 1 and 0.5 MHz, ``beta_s (w_e + h + Delta)`` of
  order 1: (exact P_i - P_i^0) / (B12 with c = 1) = 1 - 2e-5 ... 1 - 8e-4 at U ~ 1 MHz and
  1 - 4e-6 ... 1 - 2e-4 at 0.5 MHz (the deviation shrinks as U^2 once the sign patterns of the
  couplings are averaged, as the Gaussian average of Eq. B2 does); with c = 1/2 the ratio is 2.
* The exact magnetization and energy flows of the master equation (rates of Eqs. 12, 16) in
  the thermal state of Eq. (B1), 2-3 spins: their U^2 change over the (C4), (C5) terms with
  c = 1 is 1 - O(U^2) (e.g. 0.9994, 0.9985 at U = 0.2 and 0.9998, 0.9996 at U = 0.1).

So ``U2_COEFFICIENT = 1``: the correction is ``(U^2/N) sum_{l != j}`` at finite N and
``U^2 int dw f(w) int dw' f(w') kappa_1(w, w')`` in the continuum.

Caveats of the expansion itself (not of this code)
--------------------------------------------------
* (C5) matches the exact energy flow only without the bath's ``Sz`` channel (``alpha = z`` in
  Eq. 12, which the exact master equation of this package keeps): inside a magnetization
  sector ``Sz_j`` connects the eigenstates mixed by ``U_jl`` (amplitude ``U_jl / (Delta_j -
  Delta_l)``) and carries an O(U^2) energy flow that Appendix A drops ("rotational symmetry
  around z"). At B = 3.35 T, offset -1/2 it is about half of the (C5) U^2 term. The PE as
  printed leaves it out (the default); ``sz_channel=True`` adds it (:class:`_SzChannel`,
  checked against the exact flows of N = 4-6 spins to 1e-4): beta_s then drops by 1.4 % at
  U = 6 MHz, 7.5 % at 15 MHz and 21 % at 30 MHz (continuum, N = 12 parameters).
* The order-U^2 equations are a truncated series: where the U^2 terms outweigh the order-0
  balance their solution branch ends (a fold) and :func:`spin_temperature_pe` raises
  RuntimeError. Continuum: where U is a large fraction of dw_e, for ``|w_MW - w_e|`` ~
  1 ... 1.4 dw_e beyond U/dw_e ~ 0.6 (e.g. U > 34 MHz at B = 3.35 T, offset -1), and at low
  field nearer the line centre too (U = 15 MHz, N = 12 parameters: at 1 T, offset -1/2, the
  branch ends at 14 MHz, U/dw_e = 0.87; at 1.75 T with w_MW - w_e = -27 MHz at 9 MHz,
  U/dw_e = 0.32). Finite N: also wherever ``w_MW`` falls on (or
  within a few ``1/T2e`` of) one of the N Zeeman frequencies (N = 12: offsets +-1/4 and +-3/4
  fail beyond U ~ 5-18 MHz), since the resonant spin's ``kappa'`` is ~ T2e w_1^2 beta_s.

Reductions used for the second-order terms (exact identities, no approximation)
-------------------------------------------------------------------------------
* Finite N: with ``g(x, y) = (phi(x) - phi(y)) / (x - y)``,
  ``d_x g(x, y) = (phi'(x) - g(x, y)) / (x - y)``, and summing over ordered pairs the
  ``phi(x_j)`` and ``phi(x_l)`` parts cancel exactly, so
  ``sum_j sum_{l != j} d/dDelta_j g(Delta_j, Delta_l) = sum_j S_j phi'(Delta_j)`` with
  ``S_j = sum_{l != j} 1 / (Delta_j - Delta_l)``.
* Continuum, ``f`` uniform on ``[-dw_e, dw_e]`` (in ``x``): the inner integral over ``w`` of a
  derivative in ``w`` is a boundary term, so with ``W = dw_e``
  ``int int f f d_x g = (1 / 4W^2) int_{-W}^{W} dy [g(W, y) - g(-W, y)]``. The divided
  difference ``g(+-W, y)`` is finite at ``y = +-W`` (it tends to ``phi'(+-W)``) and the
  Gauss-Legendre nodes never sample it there; no ``w = w'`` singularity is ever evaluated.

Quadrature: the microwave Lorentzian in Eq. (21) has width ``1 / T2e`` (1e6 rad/s) against
``dw_e`` ~ 3e8 rad/s; the continuum integrals use composite Gauss-Legendre with a uniform
panel grid over ``[-dw_e, dw_e]`` plus panels of geometrically growing width around ``w_MW``
(first width ``1 / T2e``), see :func:`continuum_nodes`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from .model import zeeman_shifts
from .params import Parameters

#: Coefficient c of the second-order term, ``c (U^2 / N) sum_{l != j}`` (C4, C5) and
#: ``c U^2 int f`` (Eq. 23). Fixed to 1 by the exact-diagonalization check of Eq. (B12); the
#: paper's Eq. (23) prints 1/2 (see the module docstring).
U2_COEFFICIENT = 1.0


# --------------------------------------------------------------------------------------
# kappa (Eq. 21) and its derivatives
# --------------------------------------------------------------------------------------


def _sech2(z: np.ndarray) -> np.ndarray:
    """``1 / cosh(z)^2 = 1 - tanh(z)^2`` without cancellation at large ``|z|``."""
    e = np.exp(-2.0 * np.abs(z))
    return 4.0 * e / (1.0 + e) ** 2


def _tanh_derivatives(z: np.ndarray, n: int) -> list:
    """``[T, T', ..., T^(n)]`` of ``T = tanh`` at ``z`` (n <= 3).

    With ``s = 1 - T^2``: ``T' = s``, ``T'' = -2 T s``, ``T''' = -2 s (1 - 3 T^2)``.
    """
    t = np.tanh(z)
    s = _sech2(z)
    out = [t, s, -2.0 * t * s, -2.0 * s * (1.0 - 3.0 * t * t)]
    return out[: n + 1]


def _lorentzian_derivatives(x: np.ndarray, x_mw: float, params: Parameters, n: int) -> list:
    """``[L, L', ..., L^(n)]`` in x of ``L(x) = T2e w_1^2 / (1 + T2e^2 (x - x_MW)^2)`` (n <= 3)."""
    amp = params.t2e * params.omega_1**2
    g = params.t2e
    u = g * (x - x_mw)
    q = 1.0 / (1.0 + u * u)
    out = [
        amp * q,
        amp * g * (-2.0 * u) * q * q,
        amp * g * g * (6.0 * u * u - 2.0) * q**3,
        amp * g**3 * 24.0 * u * (1.0 - u * u) * q**4,
    ]
    return out[: n + 1]


def kappa_derivatives(x, beta_s: float, a: float, params: Parameters, x_mw: float, n: int = 1) -> np.ndarray:
    """``kappa`` of Eq. (21) (typo fixed) and its first ``n`` derivatives in the shift x.

    ``kappa(x) = (P0 - P_e) / (2 T1e) - T2e w_1^2 P_e / (T2e^2 (x - x_MW)^2 + 1)`` with
    ``P0 = -tanh(beta (w_e + x) / 2)``, ``P_e = -tanh((beta_s x + a) / 2)``, i.e.
    ``kappa = P0 / (2 T1e) + t M`` with ``t = tanh((beta_s x + a) / 2)`` and
    ``M = 1 / (2 T1e) + L(x)``.

    Parameters
    ----------
    x : array_like
        Shifts ``w - w_e``, rad/s.
    beta_s : float
        Spin inverse temperature, s.
    a : float
        ``beta_s (w_e + h)``, dimensionless.
    params : Parameters
    x_mw : float
        ``w_MW - w_e``, rad/s.
    n : int
        Highest derivative (0 ... 3).

    Returns
    -------
    array of shape ``(n + 1,) + x.shape``
        ``kappa, d kappa / dx, ...`` in 1/s, 1/(s rad/s), ...
    """
    if not 0 <= n <= 3:
        raise ValueError(f"n must be in 0..3, got {n}")
    x = np.asarray(x, dtype=float)
    inv = 1.0 / (2.0 * params.t1e)
    tz = _tanh_derivatives(0.5 * (beta_s * x + a), n)
    pz = _tanh_derivatives(0.5 * params.beta * (params.omega_e + x), n)
    lz = _lorentzian_derivatives(x, x_mw, params, n)
    out = np.empty((n + 1,) + x.shape)
    for k in range(n + 1):
        # d^k/dx^k of P0 / (2 T1e) and of t * M (Leibniz rule).
        val = -((0.5 * params.beta) ** k) * pz[k] * inv
        for i in range(k + 1):
            t_i = (0.5 * beta_s) ** i * tz[i]
            m_ki = lz[k - i] + (inv if k == i else 0.0)
            val = val + math.comb(k, i) * t_i * m_ki
        out[k] = val
    return out


def kappa(omega, beta_s: float, h: float, params: Parameters, omega_mw: float) -> np.ndarray:
    """Rate of change of the polarization of a spin of Zeeman frequency ``omega``, Eq. (21).

    With the typo of Eq. (21) fixed (docs/physics.md section 6): the microwave term carries
    ``w_1^2``, not ``omega^2``::

        kappa(w) = (P0(w) - P_e(w)) / (2 T1e) - T2e w_1^2 P_e(w) / (T2e^2 (w - w_MW)^2 + 1),
        P0(w) = -tanh(beta w / 2),   P_e(w) = -tanh(beta_s (w + h) / 2).

    Internally ``beta_s (w + h) = beta_s (w - w_e) + a`` with ``a = beta_s (w_e + h)``.

    Parameters
    ----------
    omega : array_like
        Lab-frame Zeeman frequencies, rad/s.
    beta_s : float
        Spin inverse temperature (hbar / k_B T_s), s.
    h : float
        Effective field of the Ansatz (17), rad/s (close to ``-w_MW`` in practice).
    params : Parameters
    omega_mw : float
        Microwave frequency, rad/s.

    Returns
    -------
    ndarray
        ``kappa``, 1/s, same shape as ``omega``.
    """
    x = np.asarray(omega, dtype=float) - params.omega_e
    a = beta_s * (params.omega_e + h)
    return kappa_derivatives(x, beta_s, a, params, omega_mw - params.omega_e, 0)[0]


# --------------------------------------------------------------------------------------
# Quadrature for the continuum limit
# --------------------------------------------------------------------------------------


def continuum_nodes(
    params: Parameters, omega_mw: float, *, n_panels: int = 32, n_gauss: int = 20, growth: float = 2.0
) -> tuple[np.ndarray, np.ndarray]:
    """Composite Gauss-Legendre nodes and weights on ``x in [-dw_e, dw_e]``.

    Break points: ``n_panels`` equal panels, plus ``x_MW`` and ``x_MW +- growth^k / T2e``
    (k = 0, 1, ...) inside the interval, so that the Lorentzian of width ``1 / T2e`` and the
    zero crossing of ``P_e`` (which sits close to ``x_MW``) are resolved. ``n_gauss`` nodes per
    panel. Nodes never fall on a break point or on ``+-dw_e``.

    Returns
    -------
    x, w : (K,) arrays
        Nodes (rad/s, relative to ``w_e``) and weights (rad/s); ``sum(w) = 2 dw_e``.
    """
    width = params.delta_omega_e
    if width <= 0:
        raise ValueError("the continuum limit needs delta_omega_e > 0")
    x_mw = omega_mw - params.omega_e
    gamma = 1.0 / params.t2e
    breaks = list(np.linspace(-width, width, n_panels + 1))
    breaks.append(x_mw)
    step = gamma
    while step < 4.0 * width:
        breaks += [x_mw - step, x_mw + step]
        step *= growth
    breaks = np.unique(np.clip(np.asarray(breaks), -width, width))
    # Drop slivers (much narrower than the Lorentzian) created by the clip / coincidences.
    keep = np.concatenate([[True], np.diff(breaks) > 1e-3 * gamma])
    breaks = breaks[keep]
    breaks[-1] = width
    xg, wg = np.polynomial.legendre.leggauss(n_gauss)
    lo, hi = breaks[:-1], breaks[1:]
    half = 0.5 * (hi - lo)
    x = (half[:, None] * xg + (0.5 * (lo + hi))[:, None]).ravel()
    w = (half[:, None] * wg).ravel()
    return x, w


# --------------------------------------------------------------------------------------
# Balance equations
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Setup:
    """Nodes and weights of the balance equations for one (params, w_MW, continuum, N).

    Finite N: ``x`` are the Zeeman shifts, ``w = 1 / N`` and ``s = S_j / N^2`` (module
    docstring). Continuum: ``x`` are quadrature nodes, ``w`` their weights times ``f = 1/(2W)``
    and ``s`` is None.
    """

    params: Parameters
    x_mw: float
    u2: float  # c U^2 (the full second-order prefactor; 0 at order 0)
    continuum: bool
    x: np.ndarray
    w: np.ndarray
    s: np.ndarray | None
    sz_channel: bool = False


def _setup(
    params: Parameters,
    omega_mw: float,
    order: int,
    continuum: bool,
    n_spins: int | None = None,
    sz_channel: bool = False,
    **quad,
) -> _Setup:
    if order not in (0, 2):
        raise ValueError(f"order must be 0 or 2, got {order!r}")
    if sz_channel and not params.bath_z_channel:
        raise ValueError(
            "sz_channel=True adds the energy flow of the bath's Sz channel, which this model "
            "does not have (bath_z_channel=False): the expansion without it is sz_channel=False"
        )
    if not math.isfinite(omega_mw) or omega_mw <= 0:
        raise ValueError(f"omega_mw must be a positive finite frequency, got {omega_mw!r}")
    u2 = U2_COEFFICIENT * params.u**2 if order == 2 else 0.0
    x_mw = omega_mw - params.omega_e
    if continuum:
        x, w = continuum_nodes(params, omega_mw, **quad)
        return _Setup(params, x_mw, u2, True, x, w / (2.0 * params.delta_omega_e), None, sz_channel)
    n = params.n_spins if n_spins is None else int(n_spins)
    if n < 2:
        raise ValueError(f"n_spins must be >= 2, got {n}")
    delta = zeeman_shifts(n, params.delta_omega_e)
    if np.unique(delta).size != n:
        raise ValueError("the finite-N expansion needs distinct Zeeman shifts (delta_omega_e > 0)")
    s_j = np.empty(n)
    for start in range(0, n, 512):  # S_j = sum_{l != j} 1 / (Delta_j - Delta_l), in row blocks
        rows = np.arange(start, min(n, start + 512))
        diff = delta[rows, None] - delta[None, :]
        diff[np.arange(rows.size), rows] = np.inf
        s_j[rows] = (1.0 / diff).sum(axis=1)
    return _Setup(params, x_mw, u2, False, delta, np.full(n, 1.0 / n), s_j / n**2, sz_channel)


class _SzChannel:
    """The energy flow of the bath's ``Sz`` channel at order U^2 (docs/physics.md section 9),
    the term that Appendix A drops, as a contribution to the second balance equation.

    Inside a magnetization sector ``U_jl`` mixes the configurations that differ by a flip-flop
    of spins j, l (amplitude ``U_jl / (Delta_j - Delta_l)``), so ``Sz_j`` and ``Sz_l`` connect
    them: Eq. (12) gives the flip-flop a rate ``(4 U_jl^2 / T1e) h(beta D) / D^2`` with
    ``D = Delta_j - Delta_l``, which exchanges the energy D with the lattice and no
    magnetization. In the Ansatz state (``p_up = (1 - t) / 2``, ``t = tanh((beta_s x + a) / 2)``)
    and with ``<U_jl^2> = U^2 / N`` the energy flow per spin is

        J_z / N = (U^2 / (2 T1e)) << (t(x) - t(y)) / (x - y) - (1 - t(x) t(y)) tanh(beta (x - y) / 2) / (x - y) >>

    (``<<.>>`` the pair average of :func:`balance_equations`). It vanishes in equilibrium
    (``beta_s = beta``, ``a = beta w_e``), where ``tanh`` subtracts as the bracket does. The
    balance equation takes ``c J_z / (N dw_e)``, with the same ``c`` as the other U^2 terms.
    """

    def __init__(self, st: _Setup):
        p = st.params
        x = st.x
        diff = x[:, None] - x[None, :]
        same = diff == 0.0
        safe = np.where(same, 1.0, diff)
        # tanh(beta D / 2) / D, its limit beta / 2 where D = 0 (the diagonal of the continuum)
        self.tau = np.where(same, 0.5 * p.beta, np.tanh(0.5 * p.beta * diff) / safe)
        self.inv_diff = np.where(same, 0.0, 1.0 / safe)
        self.same = same
        if st.continuum:
            self.weights = np.outer(st.w, st.w)
        else:
            n = x.size
            self.weights = (1.0 - np.eye(n)) / n**2
        self.x = x
        self.prefactor = 1.0 / (2.0 * p.t1e * p.delta_omega_e)

    def __call__(self, beta_s: float, a: float) -> tuple[float, np.ndarray, float]:
        """The term per unit ``c U^2``, its gradient in ``(beta_s, a)`` and the size of its
        parts (for the relative residual)."""
        x = self.x
        z = 0.5 * (beta_s * x + a)
        t = np.tanh(z)
        dt = 0.5 * _sech2(z)  # dt/da; dt/dbeta_s = x dt/da
        # (t(x) - t(y)) / (x - y), with its limit t'(x) = beta_s dt/da on the diagonal
        slope = np.where(self.same, (beta_s * dt)[:, None], (t[:, None] - t[None, :]) * self.inv_diff)
        tt = np.outer(t, t)
        bracket = slope - (1.0 - tt) * self.tau
        value = self.prefactor * float(np.sum(self.weights * bracket))
        size = self.prefactor * float(np.sum(self.weights * (np.abs(slope) + np.abs((1.0 - tt) * self.tau))))
        # derivatives of t (dt/dbeta_s = x dt, dt/da = dt) and of the diagonal slope
        # beta_s dt, with d(dt)/da = -t dt
        ddt = -t * dt
        grads = []
        for dtheta, ddiag in ((x * dt, dt + beta_s * x * ddt), (dt, beta_s * ddt)):
            d_slope = np.where(self.same, ddiag[:, None], (dtheta[:, None] - dtheta[None, :]) * self.inv_diff)
            d_tt = np.outer(dtheta, t) + np.outer(t, dtheta)
            grads.append(d_slope + d_tt * self.tau)
        gradient = self.prefactor * np.array([float(np.sum(self.weights * g)) for g in grads])
        return value, gradient, size


def _direct(st: _Setup, beta_s: float, a: float, u2: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Balance equations evaluated term by term (the reference form).

    Returns ``(E, scale)``: ``E = [E1, E2]`` (1/s) and, for each equation, the sum of the
    absolute values of its terms: ``|P0| / (2 T1e)``, ``|P_e| / (2 T1e)`` and ``L |P_e|`` of
    kappa (Eq. 21), averaged with the same weights, plus the absolute second-order part.
    """
    p = st.params
    width = p.delta_omega_e
    u2 = st.u2 if u2 is None else u2
    x = st.x
    xs = x / width
    k = kappa_derivatives(x, beta_s, a, p, st.x_mw, 0 if st.continuum else 1)
    inv = 1.0 / (2.0 * p.t1e)
    t = np.tanh(0.5 * (beta_s * x + a))
    p0 = -np.tanh(0.5 * p.beta * (p.omega_e + x))
    # sizes of the three terms of kappa (Eq. 21): |P0| / (2 T1e), |P_e| / (2 T1e), L |P_e|
    mag = (np.abs(p0) + np.abs(t)) * inv + np.abs(t) * _lorentzian_derivatives(x, st.x_mw, p, 0)[0]
    e = np.array([np.dot(st.w, k[0]), np.dot(st.w, xs * k[0])])
    scale = np.array([np.dot(st.w, mag), np.dot(st.w, np.abs(xs) * mag)])
    if u2 != 0.0:
        if st.continuum:
            # c U^2 int int f f d_x g = (c U^2 / 4 W^2) int dy [g(W, y) - g(-W, y)]
            k_lo, k_hi = kappa_derivatives(np.array([-width, width]), beta_s, a, p, st.x_mw, 0)[0]
            wq = st.w * (2.0 * width)
            pref = u2 / (4.0 * width * width)
            corr = [
                pref * np.dot(wq, (k_hi - k[0]) / (width - x) + (k_lo - k[0]) / (width + x)),
                pref * np.dot(wq, (k_hi - xs * k[0]) / (width - x) + (-k_lo - xs * k[0]) / (width + x)),
            ]
        else:
            # (c U^2 / N^2) sum_j S_j phi'(Delta_j), phi = kappa and Delta kappa / W
            corr = [u2 * np.dot(st.s, k[1]), u2 * np.dot(st.s, (k[0] + x * k[1]) / width)]
        e = e + np.asarray(corr)
        scale = scale + np.abs(corr)
        if st.sz_channel:
            value, _, size = _SzChannel(st)(beta_s, a)
            e = e + np.array([0.0, u2 * value])
            scale = scale + np.array([0.0, u2 * size])
    return e, scale


def balance_equations(
    beta_s: float,
    h: float,
    params: Parameters,
    omega_mw: float,
    *,
    order: int = 0,
    continuum: bool = True,
    n_spins: int | None = None,
    sz_channel: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The two balance equations of the PE at ``(beta_s, h)``, and the size of their terms.

    Order 0: Eqs. (C2) and (C3 - w_e C2) for the N shifts, Eqs. (20a) and (20b - w_e 20a) in
    the continuum. Order 2: Eqs. (C4) and (C5 - w_e C4), or (23a) and (23b - w_e 23a), with the
    coefficient ``U2_COEFFICIENT`` (= 1, module docstring) instead of the printed 1/2. Both are
    averages over the spins (C2-C5 divided by N) and the second is divided by ``dw_e``::

        E1 = < kappa >          + c U^2 << kappa_1 >>
        E2 = < x kappa > / dw_e + c U^2 << d/dx [(x kappa(x) - x' kappa(x')) / (x - x')] >> / dw_e

    with ``x = w - w_e`` (``Delta_j`` at finite N), ``<.>`` = ``(1/N) sum_j`` or ``int f``,
    ``<<.>>`` = ``(1/N^2) sum_j sum_{l != j}`` or ``int int f f`` (Eqs. 24, 25; the
    ``w_e kappa_1`` part of ``kappa_2`` is removed by the combination with the first equation).

    Parameters
    ----------
    beta_s : float
        Spin inverse temperature, s.
    h : float
        Effective field, rad/s.
    params : Parameters
    omega_mw : float
        Microwave frequency, rad/s.
    order : {0, 2}
    continuum : bool
        Uniform ``f`` on ``[w_e - dw_e, w_e + dw_e]`` (True) or the N shifts of
        :func:`dnpmbl.model.zeeman_shifts` (False).
    n_spins : int, optional
        N of the finite sums (default ``params.n_spins``).
    sz_channel : bool
        Add to the energy equation (order 2) the flow of the bath's ``Sz`` channel that
        Appendix A drops (:class:`_SzChannel`); False is the paper's expansion.

    Returns
    -------
    residuals : (2,) array
        ``[E1, E2]``, 1/s.
    scale : (2,) array
        Size of the terms of each equation (``|P0|/(2 T1e)``, ``|P_e|/(2 T1e)``, ``L |P_e|``
        averaged with the same weights, plus the absolute second-order part), 1/s:
        ``|E_i| / scale_i`` is the relative residual.
    """
    st = _setup(params, omega_mw, order, continuum, n_spins, sz_channel)
    return _direct(st, beta_s, beta_s * (params.omega_e + h))


class _LinearForm:
    """The balance equations as affine functions of ``t = tanh(z)`` and ``sech^2(z)`` on nodes.

    ``kappa = P0/(2 T1e) + t M`` and ``kappa' = P0'/(2 T1e) + t' M + t L'`` with
    ``t' = (beta_s / 2) sech^2(z)``, ``z = (beta_s x + a) / 2``; every term of the balance
    equations is linear in kappa, so ``E = c + A t + (beta_s / 2) B sech^2`` with constant
    ``c`` (2,), ``A``, ``B`` (2, K), split into an order-0 part and the U^2 part (scaled by
    ``lam``). Evaluation and the analytic Jacobian then cost O(K).
    """

    def __init__(self, st: _Setup):
        p = st.params
        width = p.delta_omega_e
        inv = 1.0 / (2.0 * p.t1e)
        x = st.x
        xs = x / width
        p0 = -np.tanh(0.5 * p.beta * (p.omega_e + x)) * inv
        m = inv + _lorentzian_derivatives(x, st.x_mw, p, 0)[0]
        zeros = np.zeros_like(x)
        c0 = np.array([np.dot(st.w, p0), np.dot(st.w, xs * p0)])
        a0 = np.array([st.w * m, st.w * xs * m])
        b0 = np.array([zeros, zeros])
        if st.continuum:
            edges = np.array([-width, width])
            p0e = -np.tanh(0.5 * p.beta * (p.omega_e + edges)) * inv
            me = inv + _lorentzian_derivatives(edges, st.x_mw, p, 0)[0]
            wq = st.w * (2.0 * width)
            pref = 1.0 / (4.0 * width * width)
            r_hi = pref * wq / (width - x)
            r_lo = pref * wq / (width + x)
            c2 = np.array(
                [
                    np.dot(r_hi, p0e[1] - p0) + np.dot(r_lo, p0e[0] - p0),
                    np.dot(r_hi, p0e[1] - xs * p0) + np.dot(r_lo, -p0e[0] - xs * p0),
                ]
            )
            # node coefficients, then the two edge nodes (-W, +W) appended
            a2 = np.array(
                [
                    np.concatenate([-(r_hi + r_lo) * m, [r_lo.sum() * me[0], r_hi.sum() * me[1]]]),
                    np.concatenate([-(r_hi + r_lo) * xs * m, [-r_lo.sum() * me[0], r_hi.sum() * me[1]]]),
                ]
            )
            b2 = np.zeros_like(a2)
            x = np.concatenate([x, edges])
            pad = np.zeros((2, 2))
            a0 = np.concatenate([a0, pad], axis=1)
            b0 = np.concatenate([b0, pad], axis=1)
        else:
            p0x = -0.5 * p.beta * _sech2(0.5 * p.beta * (p.omega_e + x)) * inv
            lx = _lorentzian_derivatives(x, st.x_mw, p, 1)[1]
            s = st.s
            c2 = np.array([np.dot(s, p0x), np.dot(s, (p0 + x * p0x) / width)])
            a2 = np.array([s * lx, s * (m + x * lx) / width])
            b2 = np.array([s * m, s * x * m / width])
        self.x = x
        self.c0, self.a0, self.b0 = c0, a0, b0
        self.c2, self.a2, self.b2 = c2, a2, b2
        self.u2 = st.u2
        # The Sz channel's flow is bilinear in t, not affine: evaluated on its own.
        self.sz = _SzChannel(st) if st.sz_channel and st.u2 != 0.0 else None

    def __call__(self, beta_s: float, a: float, lam: float = 1.0, jacobian: bool = False):
        """``E`` (2,) at ``(beta_s, a)`` with the U^2 part scaled by ``lam``; and ``dE/d(beta_s, a)``."""
        g = lam * self.u2
        c = self.c0 + g * self.c2
        amat = self.a0 + g * self.a2
        bmat = self.b0 + g * self.b2
        x = self.x
        z = 0.5 * (beta_s * x + a)
        t = np.tanh(z)
        s = _sech2(z)
        e = c + amat @ t + 0.5 * beta_s * (bmat @ s)
        sz = self.sz(beta_s, a) if self.sz is not None and g != 0.0 else None
        if sz is not None:
            e = e + np.array([0.0, g * sz[0]])
        if not jacobian:
            return e
        ts = t * s
        d_a = 0.5 * (amat @ s) - 0.5 * beta_s * (bmat @ ts)
        d_b = 0.5 * (amat @ (x * s)) + 0.5 * (bmat @ s) - 0.5 * beta_s * (bmat @ (ts * x))
        jac = np.column_stack([d_b, d_a])
        if sz is not None:
            jac[1] += g * sz[1]
        return e, jac

    def e1_order0(self, beta_s: float, a: float) -> float:
        z = 0.5 * (beta_s * self.x + a)
        return float(self.c0[0] + self.a0[0] @ np.tanh(z))


# --------------------------------------------------------------------------------------
# Solver
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PerturbativeSpinTemperature:
    """Solution of the PE balance equations (Sec. III B).

    Attributes
    ----------
    beta_s : float
        Spin inverse temperature hbar / (k_B T_s), seconds (same unit as ``Parameters.beta``).
    h : float
        Effective field of the Ansatz (17), rad/s.
    a : float
        ``beta_s (w_e + h)``, dimensionless.
    p_n : float
        Nuclear polarization ``tanh(beta_s w_n / 2)`` (Eq. 1).
    residual : float
        ``max_i |E_i| / scale_i`` (see :func:`balance_equations`).
    order : int
        0 or 2 (power of U kept).
    continuum : bool
        Continuum limit (Eqs. 20, 23) or finite N (Eqs. C2-C5).
    """

    beta_s: float
    h: float
    a: float
    p_n: float
    residual: float
    order: int
    continuum: bool


def _solve_a_order0(lin: _LinearForm, beta_s: float, width: float) -> float:
    """Root in ``a`` of the order-0 first equation at fixed ``beta_s``.

    ``dE1/da = <M sech^2 / 2> > 0``: monotone, and at ``|a| = |beta_s| W + 40`` every ``t``
    is +-1 to 1e-34, where ``E1 = <P0 / (2 T1e) +- M>`` has the sign of ``+-1`` (``|P0| < 1``).
    """
    reach = abs(beta_s) * width + 40.0
    return brentq(lambda v: lin.e1_order0(beta_s, v), -reach, reach, xtol=1e-13, rtol=1e-15, maxiter=300)


def _order0_root(lin: _LinearForm, width: float, beta_range: tuple[float, float]) -> tuple[float, float]:
    """Bracket and refine the order-0 solution (nested 1-D solves)."""

    def outer(b):
        a = _solve_a_order0(lin, b, width)
        return lin(b, a, 0.0)[1], a

    lo, hi = beta_range
    mags = np.logspace(math.log10(lo), math.log10(hi), int(round(8 * math.log10(hi / lo))) + 1)
    grid = np.concatenate([-mags[::-1], mags])
    vals = np.array([outer(b)[0] for b in grid])
    sign = np.sign(vals)
    # (the grid skips beta_s = 0, where E2 is finite: a sign change across 0 is a root near 0,
    # e.g. w_MW = w_e)
    idx = [i for i in range(grid.size - 1) if sign[i] * sign[i + 1] < 0]
    if not idx:
        raise RuntimeError(f"perturbative spin temperature: no order-0 solution with |beta_s| in [{lo:g}, {hi:g}] s")
    if len(idx) > 1:
        raise RuntimeError(
            "perturbative spin temperature: several order-0 solutions near beta_s = "
            + ", ".join(f"{grid[i]:.3g}" for i in idx)
            + " s"
        )
    i = idx[0]
    beta_s = brentq(lambda b: outer(b)[0], grid[i], grid[i + 1], xtol=1e-300, rtol=1e-15, maxiter=300)
    return beta_s, _solve_a_order0(lin, beta_s, width)


def _newton(
    lin: _LinearForm, beta_s: float, a: float, lam: float, norm: np.ndarray, max_iter: int = 50
) -> tuple[float, float, bool]:
    """Damped Newton on the 2x2 system at fixed ``lam``; ``norm`` scales the two equations."""

    def size(e):
        return float(np.max(np.abs(e) / norm))

    e, jac = lin(beta_s, a, lam, jacobian=True)
    r = size(e)
    for _ in range(max_iter):
        try:
            step = np.linalg.solve(jac, -e)
        except np.linalg.LinAlgError:
            return beta_s, a, False
        if not np.all(np.isfinite(step)):
            return beta_s, a, False
        # keep the sign of beta_s and a bounded change of a per step
        damp = 1.0
        if abs(step[0]) > 0.5 * abs(beta_s):
            damp = 0.5 * abs(beta_s) / abs(step[0])
        if abs(step[1]) > 2.0:
            damp = min(damp, 2.0 / abs(step[1]))
        while damp > 1e-6:
            b_new, a_new = beta_s + damp * step[0], a + damp * step[1]
            e_new, jac_new = lin(b_new, a_new, lam, jacobian=True)
            r_new = size(e_new)
            if r_new < r or r_new < 1e-15:
                break
            damp *= 0.5
        else:
            # No step lowers the residual: converged if it is already at rounding level
            # (its floor is a few 1e-15 where the terms are large, not always below 1e-15).
            return beta_s, a, r < 1e-12
        small = abs(b_new - beta_s) <= 1e-14 * abs(beta_s) and abs(a_new - a) <= 1e-13 * max(1.0, abs(a))
        beta_s, a, e, jac, r = b_new, a_new, e_new, jac_new, r_new
        if small or r < 1e-15:
            return beta_s, a, True
    return beta_s, a, r < 1e-12


#: Largest relative change of beta_s accepted in one continuation step (smaller steps are
#: taken where the branch changes faster).
CONTINUATION_MAX_CHANGE = 0.2


def _continue_in_u2(lin: _LinearForm, beta_s: float, a: float, norm: np.ndarray, beta_scale: float) -> tuple[float, float]:
    """Follow the order-0 solution to the full U^2 term: ``lam`` from 0 to 1, Newton at each step.

    A step is accepted only on the same branch: beta_s keeps its sign and changes by at most
    :data:`CONTINUATION_MAX_CHANGE` of itself (or of ``beta_scale``, 1e-3 / dw_e, where
    beta_s is smaller: near w_MW = w_e it is close to 0), and the Jacobian determinant keeps
    the sign it has at ``lam = 0``. Along one branch without a fold the determinant does not vanish, so a
    change of its sign means Newton crossed a fold or jumped to another root; without this
    check a large step could land on a root beyond the fold (at N = 12 on the equally spaced
    shifts: U = 28-45 MHz at offset -1/2, and w_MW within one spacing of a shift at 15 MHz).

    Raises RuntimeError where the branch ends (a fold: the U^2 terms outweigh the order-0
    balance and the order-U^2 equations have no nearby solution any more), or where beta_s
    would pass through 0 (h = a / beta_s - w_e diverges there).
    """
    lam, step = 0.0, 0.25
    orientation = np.sign(np.linalg.det(lin(beta_s, a, 0.0, jacobian=True)[1]))
    while lam < 1.0:
        target = min(1.0, lam + step)
        b_new, a_new, ok = _newton(lin, beta_s, a, target, norm)
        on_branch = (
            ok
            and np.sign(b_new) == np.sign(beta_s)
            and abs(b_new - beta_s) <= CONTINUATION_MAX_CHANGE * max(abs(beta_s), beta_scale)
            and np.sign(np.linalg.det(lin(b_new, a_new, target, jacobian=True)[1])) == orientation
        )
        if on_branch:
            lam, beta_s, a = target, b_new, a_new
            step = min(2.0 * step, 0.5)
        else:
            step *= 0.5
            if step < 1e-4:
                u_fold = math.sqrt(lam * lin.u2 / U2_COEFFICIENT) / (2.0 * math.pi * 1e6)
                raise RuntimeError(
                    "perturbative spin temperature: the order-U^2 equations have no solution connected "
                    f"to the order-0 one beyond U = {u_fold:.3g} MHz (reached {lam:.4f} of the U^2 "
                    f"term, beta_s = {beta_s:.6g} s, a = {a:.6g}): a fold, where the U^2 terms outweigh the "
                    "order-0 balance, outside the validity of the expansion, or beta_s reaching 0"
                )
    return beta_s, a


def spin_temperature_pe(
    params: Parameters,
    omega_mw: float,
    *,
    order: int = 2,
    continuum: bool = True,
    n_spins: int | None = None,
    sz_channel: bool = False,
    tol: float = 1e-9,
    beta_range: tuple[float, float] = (1e-15, 1e-6),
) -> PerturbativeSpinTemperature:
    """Spin temperature of the perturbative expansion, Sec. III B.

    Solves for ``(beta_s, a = beta_s (w_e + h))``:

    * ``order=0``: Eqs. (20a, 20b) (``continuum=True``) or (C2, C3) for the N shifts of
      :func:`dnpmbl.model.zeeman_shifts` (``continuum=False``);
    * ``order=2``: Eqs. (23a, 23b) or (C4, C5), with ``kappa_1``, ``kappa_2`` of Eqs. (24, 25)
      and the coefficient ``U^2`` (``(U^2/N) sum_{l != j}`` at finite N), not the printed
      ``U^2 / 2``: the exact-diagonalization check of Eq. (B12) confirms coefficient 1 (module
      docstring).

    The energy equation is used as ``C3 - w_e C2`` (``C5 - w_e C4``, ``20b - w_e 20a``,
    ``23b - w_e 23a``): the same solutions without cancelling ``w_e``-sized terms.

    Method. Order 0: for fixed ``beta_s`` the first equation is monotone in ``a``
    (``d kappa / d a = M sech^2 / 2 > 0``) and is solved by bracketing; the second equation is
    then a function of ``beta_s`` alone, whose sign change is bracketed on a logarithmic grid
    of both signs of ``beta_s`` (``beta_s < 0`` for ``w_MW > w_e``) and refined by Brent's
    method; a unique sign change is required. Order 2: the order-0 solution is followed by
    continuation, multiplying the U^2 terms by ``lam`` from 0 to 1, with damped Newton steps on
    the 2x2 system (analytic Jacobian) at each ``lam``. The PE solution is thereby the branch
    connected to the order-0 one (at large U the finite-N equations have further, spurious
    roots at ``|beta_s| dw_e >> 1``).

    Parameters
    ----------
    params : Parameters
        ``params.u`` is U (rad/s); ``params.n_spins`` is N for ``continuum=False``.
    omega_mw : float
        Microwave frequency, rad/s (e.g. ``params.microwave_frequency(-0.5)``).
    order : {0, 2}
        Order in U.
    continuum : bool
        Continuum limit (uniform ``f``) or the finite set of N shifts.
    n_spins : int, optional
        N of the finite sums (default ``params.n_spins``).
    sz_channel : bool
        At order 2, add the energy flow of the bath's ``Sz`` channel (O(U^2), left out by
        Appendix A and so by C5 and Eq. 23; :class:`_SzChannel`). False: the paper's PE.
    tol : float
        Largest accepted relative residual ``max_i |E_i| / scale_i``.
    beta_range : (float, float)
        Smallest and largest ``|beta_s|`` (s) searched at order 0.

    Returns
    -------
    PerturbativeSpinTemperature

    Raises
    ------
    RuntimeError
        If the order-0 root is not bracketed (or not unique), the continuation loses the
        solution, or the final relative residual exceeds ``tol``.
    """
    st = _setup(params, omega_mw, order, continuum, n_spins, sz_channel)
    lin = _LinearForm(st)
    width = params.delta_omega_e
    try:
        beta_s, a = _order0_root(lin, width, beta_range)
        _, norm = _direct(st, beta_s, a, u2=0.0)
        beta_s, a, _ = _newton(lin, beta_s, a, 0.0, norm)
        if order == 2 and st.u2 != 0.0:
            beta_s, a = _continue_in_u2(lin, beta_s, a, norm, beta_scale=1e-3 / width)
    except (ValueError, ZeroDivisionError, FloatingPointError) as exc:
        # A bracket that is none (brentq's ValueError) where every spin is fully polarized
        # (P0 = +-1) or the bath is absent: no solution, as the docstring promises.
        raise RuntimeError(f"perturbative spin temperature: no solution (order={order}, continuum={continuum}: {exc})") from None
    e, scale = _direct(st, beta_s, a)
    residual = float(np.max(np.abs(e) / scale))
    if not residual <= tol:
        raise RuntimeError(
            f"perturbative spin temperature did not converge: relative residual {residual:.3g} > {tol:g} "
            f"(beta_s = {beta_s:.6g} s, a = {a:.6g}, order={order}, continuum={continuum})"
        )
    if not (math.isfinite(beta_s) and math.isfinite(a)):
        raise RuntimeError(f"perturbative spin temperature: no finite solution (beta_s = {beta_s}, a = {a}, order={order}, continuum={continuum})")
    # At infinite spin temperature (beta_s = 0, e.g. w_MW = w_e where beta_s w_e rounds to 0)
    # h is undetermined: NaN, as the fitting method gives, not a / 0.
    h = a / beta_s - params.omega_e if beta_s != 0.0 else math.nan
    return PerturbativeSpinTemperature(
        beta_s=float(beta_s),
        h=float(h),
        a=float(a),
        p_n=float(np.tanh(0.5 * beta_s * params.omega_n)),
        residual=residual,
        order=order,
        continuum=continuum,
    )
