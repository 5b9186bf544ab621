"""Tests of the perturbative expansion of the spin temperature (dnpmbl.perturbative).

The U^2-coefficient tests (``test_b12_*``, ``test_c4_c5_flows_*``) build a few-spin thermal
state by dense Kronecker products and exact diagonalization, independently of any dnpmbl code.
"""

from __future__ import annotations

import itertools
from functools import reduce

import numpy as np
import pytest
from scipy.integrate import quad

from dnpmbl.model import zeeman_shifts
from dnpmbl.params import Parameters
from dnpmbl.perturbative import (
    U2_COEFFICIENT,
    _direct,
    _LinearForm,
    _setup,
    balance_equations,
    continuum_nodes,
    kappa,
    kappa_derivatives,
    spin_temperature_pe,
)

# ----------------------------------------------------------------------------------------
# Small independent helpers
# ----------------------------------------------------------------------------------------

_SZ = np.diag([0.5, -0.5])
_SP = np.array([[0.0, 1.0], [0.0, 0.0]])
_SM = _SP.T
_SX = 0.5 * (_SP + _SM)
_SY = -0.5j * (_SP - _SM)


def _op(o, i, n):
    return reduce(np.kron, [o if k == i else np.eye(2) for k in range(n)])


def _spin_hamiltonian(eps, u):
    """Eq. (B1): sum_i eps_i Sz_i + sum_{i<j} U_ij (S+_i S-_j + S-_i S+_j), dense."""
    n = len(eps)
    h = sum(eps[i] * _op(_SZ, i, n) for i in range(n))
    for i in range(n):
        for j in range(i + 1, n):
            h = h + u[i, j] * (_op(_SP, i, n) @ _op(_SM, j, n) + _op(_SM, i, n) @ _op(_SP, j, n))
    return h


def _exact_polarizations(eps, u, beta_s):
    """P_i = 2 Tr[Sz_i rho], rho = exp(-beta_s H) / Z (exact diagonalization)."""
    n = len(eps)
    w, v = np.linalg.eigh(_spin_hamiltonian(eps, u))
    p = np.exp(-beta_s * (w - w.min()))
    p /= p.sum()
    rho = (v * p) @ v.T
    return np.array([2.0 * np.trace(_op(_SZ, i, n) @ rho) for i in range(n)])


def _b12_correction(eps, u, beta_s, c):
    """Eq. (B12) with coefficient c U_il^2 per pair: sum_{l!=i} c U_il^2 d/dDelta_i [(P_i^0 - P_l^0)/(Delta_i - Delta_l)]."""
    p0 = -np.tanh(0.5 * beta_s * eps)
    dp0 = -0.5 * beta_s / np.cosh(0.5 * beta_s * eps) ** 2
    out = np.zeros(len(eps))
    for i in range(len(eps)):
        for l in range(len(eps)):
            if l != i:
                d = eps[i] - eps[l]
                out[i] += c * u[i, l] ** 2 * (dp0[i] * d - (p0[i] - p0[l])) / d**2
    return out


def _random_couplings(n, scale, seed):
    z = np.triu(np.random.default_rng(seed).standard_normal((n, n)), 1)
    return scale * (z + z.T)


def _sign_patterns(n):
    """All sign patterns of the couplings (averaging over them keeps only even powers of each U_ij,
    as the Gaussian average of Eq. B2 does at order U^2)."""
    iu = np.triu_indices(n, 1)
    for signs in itertools.product((1.0, -1.0), repeat=iu[0].size):
        s = np.zeros((n, n))
        s[iu] = signs
        yield s + s.T


def _kappa_shift(x, beta_s, a, p, x_mw):
    """Eq. (21) (typo fixed) in the shift x = w - w_e, written independently of dnpmbl."""
    pe = -np.tanh(0.5 * (beta_s * x + a))
    p0 = -np.tanh(0.5 * p.beta * (p.omega_e + x))
    return (p0 - pe) / (2 * p.t1e) - p.t2e * p.omega_1**2 * pe / (p.t2e**2 * (x - x_mw) ** 2 + 1)


def _gauss_panels(breaks, n):
    xg, wg = np.polynomial.legendre.leggauss(n)
    lo, hi = breaks[:-1], breaks[1:]
    half = 0.5 * (hi - lo)
    return (half[:, None] * xg + (0.5 * (lo + hi))[:, None]).ravel(), (half[:, None] * wg).ravel()


def _breaks(width, x_mw, gamma, n_uniform=40):
    b = list(np.linspace(-width, width, n_uniform + 1)) + [x_mw]
    step = 0.5 * gamma
    while step < 4 * width:
        b += [x_mw - step, x_mw + step]
        step *= 1.7
    return np.unique(np.clip(b, -width, width))


@pytest.fixture(scope="module")
def ref():
    return Parameters.from_units(12, b_tesla=3.35, u_mhz=15.0)


# ----------------------------------------------------------------------------------------
# kappa, Eq. (21)
# ----------------------------------------------------------------------------------------


def test_kappa_is_eq21_with_w1_squared(ref):
    omega_mw = ref.microwave_frequency(-0.5)
    beta_s, h = 300 * ref.beta, -omega_mw + 2e6
    omega = ref.omega_e + np.array([-0.9, -0.5, 0.0, 0.3]) * ref.delta_omega_e
    pe = -np.tanh(beta_s * (omega + h) / 2)
    p0 = -np.tanh(ref.beta * omega / 2)
    expect = (p0 - pe) / (2 * ref.t1e) - ref.t2e * ref.omega_1**2 * pe / (ref.t2e**2 * (omega - omega_mw) ** 2 + 1)
    np.testing.assert_allclose(kappa(omega, beta_s, h, ref, omega_mw), expect, rtol=1e-9)
    # at resonance the microwave term is T2e w_1^2 |P_e| ~ 2.5e4 |P_e| / s, not T2e w^2 ~ 3.5e17
    at = kappa(omega_mw, beta_s, h, ref, omega_mw)
    assert abs(at) < 1e5


def test_kappa_derivatives_match_finite_differences(ref):
    x_mw = -0.5 * ref.delta_omega_e
    beta_s, a = 400 * ref.beta, 400 * ref.beta * (-x_mw + 1e6)
    x = x_mw + np.array([-3e7, -2e6, -3e5, 4e5, 1.5e6, 8e7])
    d = kappa_derivatives(x, beta_s, a, ref, x_mw, 3)
    np.testing.assert_allclose(d[0], _kappa_shift(x, beta_s, a, ref, x_mw), rtol=1e-12)
    for k in (1, 2, 3):
        # Richardson-extrapolated central differences of the previous order (steps << 1 / T2e)
        def central(step):
            return (
                kappa_derivatives(x + step, beta_s, a, ref, x_mw, k - 1)[k - 1]
                - kappa_derivatives(x - step, beta_s, a, ref, x_mw, k - 1)[k - 1]
            ) / (2 * step)

        fd = (4 * central(1e3) - central(2e3)) / 3
        np.testing.assert_allclose(d[k], fd, rtol=1e-5, atol=1e-7 * np.abs(d[k]).max())


# ----------------------------------------------------------------------------------------
# The U^2 coefficient: exact diagonalization against Eq. (B12)  (decides U^2 vs U^2 / 2)
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 3, 4])
def test_b12_coefficient_is_one(n):
    # Rotating-frame Zeeman energies w_e + h + Delta_i: tens of MHz apart (2 pi x MHz units
    # do not matter, only beta_s * energy), beta_s * energy of order 1.
    eps = 2 * np.pi * 1e6 * np.array([-30.0, -5.0, 20.0, 45.0][:n])
    beta_s = 1.0 / (2 * np.pi * 25e6)
    z = _random_couplings(n, 2 * np.pi * 1e6, seed=7 + n)
    p0 = -np.tanh(0.5 * beta_s * eps)
    deviations = []
    for scale in (1.0, 0.5):  # U_ij ~ 1 MHz and 0.5 MHz
        exact = np.zeros(n)
        patterns = list(_sign_patterns(n))
        for s in patterns:  # removes the odd orders (U_12 U_23 U_31 loops for n >= 3)
            exact += _exact_polarizations(eps, scale * z * s, beta_s) - p0
        exact /= len(patterns)
        one = _b12_correction(eps, scale * z, beta_s, 1.0)
        half = _b12_correction(eps, scale * z, beta_s, 0.5)
        assert np.all(np.abs(one) > 1e-7)  # the correction is well above round-off (1e-15)
        ratio = exact / one
        np.testing.assert_allclose(ratio, 1.0, atol=2e-3)
        assert np.all(np.abs(exact / half - 1.0) > 0.9)  # coefficient 1/2 fails (ratio ~ 2)
        deviations.append(np.abs(ratio - 1.0))
    # what is left is O(U^4) / O(U^2) = O(U^2): halving U divides it by ~4
    shrink = deviations[1] / deviations[0]
    assert np.all((shrink > 0.15) & (shrink < 0.35)), shrink


def test_b12_single_coupling_set_converges_too():
    # Without sign averaging (one fixed coupling set) the ratio still tends to 1 (odd orders
    # give O(U) deviations for n >= 3).
    eps = 2 * np.pi * 1e6 * np.array([-30.0, -5.0, 20.0])
    beta_s = 1.0 / (2 * np.pi * 25e6)
    z = _random_couplings(3, 2 * np.pi * 1e6, seed=1)
    p0 = -np.tanh(0.5 * beta_s * eps)
    devs = []
    for scale in (0.5, 0.25):
        ratio = (_exact_polarizations(eps, scale * z, beta_s) - p0) / _b12_correction(eps, scale * z, beta_s, 1.0)
        devs.append(np.max(np.abs(ratio - 1)))
    assert devs[1] < devs[0] < 0.05


def _flows(omega, u, beta, beta_s, h, p, omega_mw, z_channel):
    """Exact magnetization and energy flows (A2, A7) for the thermal state of Eq. (B1),
    with the bath rates of Eq. (12) and the microwave rates of Eq. (16); dense, small n."""
    n = len(omega)
    ham = _spin_hamiltonian(omega, u)
    stot = sum(_op(_SZ, i, n) for i in range(n))
    sdiag = np.diag(stot)
    energies, vecs = [], []
    for s in np.unique(sdiag):  # diagonalize per magnetization sector: states with definite Sz
        idx = np.nonzero(np.isclose(sdiag, s))[0]
        w, v = np.linalg.eigh(ham[np.ix_(idx, idx)])
        full = np.zeros((2**n, idx.size))
        full[idx] = v
        energies.append(w)
        vecs.append(full)
    e = np.concatenate(energies)
    v = np.hstack(vecs)
    mag = np.einsum("ik,ij,jk->k", v, stot, v)
    logw = -beta_s * (e + h * mag)
    pop = np.exp(logw - logw.max())
    pop /= pop.sum()
    strength = np.zeros((e.size, e.size))
    for j in range(n):
        for o in ((_SX, _SY, _SZ) if z_channel else (_SX, _SY)):
            strength += np.abs(v.T @ _op(o, j, n) @ v) ** 2
    # W[n, m] = rate m -> n
    w_bath = (2 / p.t1e) / (1 + np.exp(-beta * (e[None, :] - e[:, None]))) * strength
    sx = v.T @ sum(_op(_SX, j, n) for j in range(n)) @ v
    w_mw = 4 * p.omega_1**2 * p.t2e * sx**2 / (1 + p.t2e**2 * (np.abs(e[:, None] - e[None, :]) - omega_mw) ** 2)
    rate = w_bath + w_mw
    np.fill_diagonal(rate, 0.0)
    flow_s = np.sum((mag[:, None] - mag[None, :]) * rate * pop[None, :])
    flow_e = np.sum((e[:, None] - e[None, :]) * rate * pop[None, :])
    return np.array([flow_s, flow_e])


@pytest.mark.parametrize("n", [2, 3])
def test_c4_c5_flows_coefficient_is_one(n):
    # Toy units (everything in one frequency unit); the Lorentzian is broad on the scale of U.
    p = Parameters(
        n_spins=2,
        omega_e=100.0,
        delta_omega_e=10.0,
        omega_n=1.0,
        omega_1=0.3,
        u=0.0,
        d=0.0,
        t1e=1.0,
        t2e=0.2,
        beta=0.02,
    )
    omega = np.array([90.0, 110.0, 101.0][:n])
    beta_s, h, omega_mw = 0.12, -96.0, 96.0
    z = _random_couplings(n, 1.0, seed=3)

    def kap(w):
        return _kappa_shift(w - p.omega_e, beta_s, beta_s * (p.omega_e + h), p, omega_mw - p.omega_e)

    def c4_c5(u):  # the U^2 terms of (C4), (C5) with coefficient U_jl^2 per ordered pair
        out = np.zeros(2)
        for j in range(n):
            for l in range(n):
                if l != j:
                    step = 1e-30
                    for row, phi in enumerate((kap, lambda w: w * kap(w))):
                        g = (phi(omega[j] + 1j * step) - phi(omega[l])) / (omega[j] + 1j * step - omega[l])
                        out[row] += u[j, l] ** 2 * g.imag / step  # complex-step d/dDelta_j
        return out

    base = _flows(omega, 0 * z, p.beta, beta_s, h, p, omega_mw, True)
    np.testing.assert_allclose(base, [np.sum(kap(omega)), np.sum(omega * kap(omega))], rtol=1e-12)  # C2, C3
    base_xy = _flows(omega, 0 * z, p.beta, beta_s, h, p, omega_mw, False)
    devs = []
    for scale in (0.2, 0.1):
        exact = np.zeros(2)
        exact_xy = np.zeros(2)
        patterns = list(_sign_patterns(n))
        for s in patterns:
            exact += _flows(omega, scale * z * s, p.beta, beta_s, h, p, omega_mw, True) - base
            exact_xy += _flows(omega, scale * z * s, p.beta, beta_s, h, p, omega_mw, False) - base_xy
        exact /= len(patterns)
        exact_xy /= len(patterns)
        pred = c4_c5(scale * z)
        # magnetization flow: (C4) with coefficient 1
        assert abs(exact[0] / pred[0] - 1) < 3e-3
        assert abs(exact[0] / (0.5 * pred[0]) - 1) > 0.9
        # energy flow: (C5) with coefficient 1 once the bath's Sz channel (alpha = z in Eq. 12,
        # O(U^2) energy exchange inside a magnetization sector) is left out, as Appendix A does
        assert abs(exact_xy[1] / pred[1] - 1) < 1e-2
        devs.append([abs(exact[0] / pred[0] - 1), abs(exact_xy[1] / pred[1] - 1)])
    # the deviations are O(U^2): halving U divides them by ~4
    shrink = np.array(devs[1]) / np.array(devs[0])
    assert np.all((shrink > 0.15) & (shrink < 0.35)), shrink


@pytest.mark.parametrize("n", [4, 5, 6])
def test_sz_channel_term_matches_exact_energy_flow(n):
    """The Sz-channel term (``sz_channel=True``) is the exact energy flow through the bath's
    ``Sz`` channel at order U^2: the master-equation flow with the z channel minus the flow
    without it, in the thermal state of Eq. (B1), for N = 4-6 spins at the Zeeman shifts of
    the model and couplings of size U / sqrt(N) (so that every pair has the U^2 / N the
    expansion assumes), averaged over +-U (odd orders cancel). Agreement to 1e-3 (achieved
    1e-4 at U = 0.2, 2.5e-5 at 0.1, in units of the 10 Zeeman spacing), improving
    as U^2."""
    from dnpmbl.model import zeeman_shifts
    from dnpmbl.perturbative import _setup, _SzChannel

    p = Parameters(n_spins=n, omega_e=100.0, delta_omega_e=10.0, omega_n=1.0, omega_1=0.3, u=0.0, d=0.0,
                   t1e=1.0, t2e=0.2, beta=0.02)  # fmt: skip
    omega = p.omega_e + zeeman_shifts(n, p.delta_omega_e)
    beta_s, h, omega_mw = 0.12, -96.0, 96.0
    a = beta_s * (p.omega_e + h)
    signs = np.sign(_random_couplings(n, 1.0, seed=5))
    st = _setup(p.with_(u=1.0), omega_mw, 2, False, n, True)
    per_u2 = _SzChannel(st)(beta_s, a)[0] * n * p.delta_omega_e  # J_z / U^2
    devs = []
    for u in (0.2, 0.1):
        coupling = u / np.sqrt(n) * signs
        exact = 0.0
        for sgn in (1.0, -1.0):
            with_z = _flows(omega, sgn * coupling, p.beta, beta_s, h, p, omega_mw, True)[1]
            without = _flows(omega, sgn * coupling, p.beta, beta_s, h, p, omega_mw, False)[1]
            exact += 0.5 * (with_z - without)
        ratio = exact / (u**2 * per_u2)
        assert abs(ratio - 1) < 1e-3, (u, ratio)
        devs.append(abs(ratio - 1))
    assert devs[1] < 0.35 * devs[0] + 1e-6  # the deviation is O(U^2)
    # the term vanishes in equilibrium with the lattice (beta_s = beta, h = 0)
    assert abs(_SzChannel(st)(p.beta, p.beta * p.omega_e)[0]) < 1e-12 * abs(per_u2)


def test_sz_channel_gradient_and_size():
    """The Sz term's analytic gradient (used by Newton) against central differences, finite
    N and continuum; with ``sz_channel`` the PE at 15 MHz has a smaller beta_s (the lattice
    drains energy through the channel) by ~8 %, and nothing changes at order 0."""
    from dnpmbl.perturbative import _setup, _SzChannel, spin_temperature_pe

    p = Parameters.from_units(12, u_mhz=15.0)
    omega_mw = p.microwave_frequency(-0.5)
    for continuum in (False, True):
        term = _SzChannel(_setup(p, omega_mw, 2, continuum, None, True))
        beta_s, a = 2.6e-9, 2.6e-9 * (p.omega_e - 1.0e8)
        _, grad, _ = term(beta_s, a)
        for k, step in ((0, 1e-6 * beta_s), (1, 1e-6)):
            d = np.zeros(2)
            d[k] = step
            fd = (term(beta_s + d[0], a + d[1])[0] - term(beta_s - d[0], a - d[1])[0]) / (2 * step)
            assert fd == pytest.approx(grad[k], rel=1e-6)
    for continuum in (True, False):
        plain = spin_temperature_pe(p, omega_mw, continuum=continuum)
        with_z = spin_temperature_pe(p, omega_mw, continuum=continuum, sz_channel=True)
        assert -0.10 < with_z.beta_s / plain.beta_s - 1 < -0.05
        zero = spin_temperature_pe(p, omega_mw, order=0, continuum=continuum, sz_channel=True)
        assert zero.beta_s == spin_temperature_pe(p, omega_mw, order=0, continuum=continuum).beta_s


# ----------------------------------------------------------------------------------------
# The balance equations: reductions and quadrature
# ----------------------------------------------------------------------------------------


def test_module_uses_the_confirmed_coefficient():
    assert U2_COEFFICIENT == 1.0


@pytest.mark.parametrize("n_spins", [5, 12])
def test_finite_n_balance_is_literal_c2_to_c5(ref, n_spins):
    omega_mw = ref.microwave_frequency(-0.5)
    beta_s, h = 350 * ref.beta, -omega_mw + 7e6
    a = beta_s * (ref.omega_e + h)
    x_mw = omega_mw - ref.omega_e
    delta = zeeman_shifts(n_spins, ref.delta_omega_e)
    width = ref.delta_omega_e

    def phi1(x):
        return _kappa_shift(x, beta_s, a, ref, x_mw)

    def phi2(x):
        return x * phi1(x)

    lit = np.zeros((2, 2))  # [order 0 / U^2 part, equation]
    for row, phi in enumerate((phi1, phi2)):
        lit[0, row] = np.sum(phi(delta))
        for j in range(n_spins):
            for l in range(n_spins):
                if l != j:
                    step = 1e-20 * width
                    g = (phi(delta[j] + 1j * step) - phi(delta[l])) / (delta[j] + 1j * step - delta[l])
                    lit[1, row] += ref.u**2 / n_spins * g.imag / step
    # C3 - w_e C2 = sum Delta kappa; our equations are divided by N (and the second by dw_e)
    lit[:, 1] /= width
    lit /= n_spins
    e0, _ = balance_equations(beta_s, h, ref, omega_mw, order=0, continuum=False, n_spins=n_spins)
    e2, _ = balance_equations(beta_s, h, ref, omega_mw, order=2, continuum=False, n_spins=n_spins)
    np.testing.assert_allclose(e0, lit[0], rtol=1e-9)
    np.testing.assert_allclose(e2 - e0, lit[1], rtol=1e-7)  # coefficient 1 (test_b12_*)


def test_continuum_order0_matches_adaptive_quadrature(ref):
    omega_mw = ref.microwave_frequency(-0.3)
    beta_s, h = 500 * ref.beta, -omega_mw - 4e6
    a = beta_s * (ref.omega_e + h)
    x_mw = omega_mw - ref.omega_e
    width = ref.delta_omega_e
    pts = [x_mw + k / ref.t2e for k in (-100, -10, -1, 0, 1, 10, 100)]
    e = []
    for weight in (lambda x: 1.0, lambda x: x / width):
        val, _ = quad(
            lambda x: weight(x) * _kappa_shift(x, beta_s, a, ref, x_mw) / (2 * width),
            -width,
            width,
            points=pts,
            limit=400,
            epsabs=0,
            epsrel=1e-12,
        )
        e.append(val)
    got, _ = balance_equations(beta_s, h, ref, omega_mw, order=0, continuum=True)
    np.testing.assert_allclose(got, e, rtol=1e-9)


def test_continuum_u2_term_matches_double_integral(ref):
    """Boundary-term reduction against int int f f kappa_1 (Eq. 23, 24) on a 2-D Gauss grid whose
    x and y rules differ (no node with w = w'), with the Taylor limit near the diagonal."""
    omega_mw = ref.microwave_frequency(-0.5)
    beta_s, h = 450 * ref.beta, -omega_mw + 1e6
    a = beta_s * (ref.omega_e + h)
    x_mw = omega_mw - ref.omega_e
    width = ref.delta_omega_e
    breaks = _breaks(width, x_mw, 1 / ref.t2e)
    x, wx = _gauss_panels(breaks, 14)
    y, wy = _gauss_panels(breaks, 15)
    k = kappa_derivatives(x, beta_s, a, ref, x_mw, 3)
    ky = kappa_derivatives(y, beta_s, a, ref, x_mw, 0)[0]
    results = []
    for phi, dphi, d2, d3, phiy in (
        (k[0], k[1], k[2], k[3], ky),
        (x * k[0], k[0] + x * k[1], 2 * k[1] + x * k[2], 3 * k[2] + x * k[3], y * ky),
    ):
        dxy = x[:, None] - y[None, :]
        near = np.abs(dxy) < 1e4
        safe = np.where(near, 1.0, dxy)
        g = (phi[:, None] - phiy[None, :]) / safe
        dg = (dphi[:, None] - g) / safe
        taylor = 0.5 * d2[:, None] - d3[:, None] * dxy / 6.0
        dg = np.where(near, taylor, dg)
        results.append(wx @ dg @ wy / (2 * width) ** 2)
    expect = ref.u**2 * np.array(results) * np.array([1.0, 1.0 / width])
    e0, _ = balance_equations(beta_s, h, ref, omega_mw, order=0, continuum=True)
    e2, _ = balance_equations(beta_s, h, ref, omega_mw, order=2, continuum=True)
    np.testing.assert_allclose(e2 - e0, expect, rtol=2e-6)  # coefficient 1 (test_b12_*)


def test_continuum_is_the_large_n_limit_of_c4_c5(ref):
    """Same coefficient at finite N ((U^2/N) sum_{l!=j}) and in the continuum (U^2 int f): the
    finite-N U^2 term tends to the continuum one once the spacing 2 dw_e / N is below the
    Lorentzian width 1 / T2e."""
    omega_mw = ref.microwave_frequency(-0.5)
    beta_s, h = 400 * ref.beta, -omega_mw + 3e6
    cont = np.subtract(*[balance_equations(beta_s, h, ref, omega_mw, order=o)[0] for o in (2, 0)])
    errs = []
    for n in (2048, 4096):
        fin = np.subtract(
            *[balance_equations(beta_s, h, ref, omega_mw, order=o, continuum=False, n_spins=n)[0] for o in (2, 0)]
        )
        errs.append(np.max(np.abs(fin / cont - 1)))
    assert errs[1] < errs[0] < 5e-4


def test_fast_form_and_jacobian_match_direct_evaluation(ref):
    omega_mw = ref.microwave_frequency(-0.4)
    for continuum in (True, False):
        st = _setup(ref, omega_mw, 2, continuum)
        lin = _LinearForm(st)
        for beta_s, a in ((300 * ref.beta, 2.0), (-80 * ref.beta, -0.7), (900 * ref.beta, 4.4)):
            direct, _ = _direct(st, beta_s, a)
            e, jac = lin(beta_s, a, 1.0, jacobian=True)
            np.testing.assert_allclose(e, direct, rtol=1e-9, atol=1e-11 * np.abs(direct).max())
            db, da = 1e-6 * abs(beta_s), 1e-6
            fd = np.column_stack(
                [
                    (lin(beta_s + db, a) - lin(beta_s - db, a)) / (2 * db),
                    (lin(beta_s, a + da) - lin(beta_s, a - da)) / (2 * da),
                ]
            )
            np.testing.assert_allclose(jac, fd, rtol=1e-5, atol=1e-8 * np.abs(fd).max())


# ----------------------------------------------------------------------------------------
# The solver
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("continuum", [False, True])
@pytest.mark.parametrize("offset", [-0.5, 0.3])
def test_order0_solution_balances_bath_and_microwaves(ref, continuum, offset):
    omega_mw = ref.microwave_frequency(offset)
    res = spin_temperature_pe(ref, omega_mw, order=0, continuum=continuum)
    assert res.order == 0 and res.continuum == continuum
    width = ref.delta_omega_e
    x_mw = omega_mw - ref.omega_e
    pe = lambda x: -np.tanh(0.5 * (res.beta_s * x + res.a))  # noqa: E731
    bath = lambda x: (-np.tanh(0.5 * ref.beta * (ref.omega_e + x)) - pe(x)) / (2 * ref.t1e)  # noqa: E731
    micro = lambda x: -ref.t2e * ref.omega_1**2 * pe(x) / (ref.t2e**2 * (x - x_mw) ** 2 + 1)  # noqa: E731
    for weight in (lambda x: 1.0, lambda x: x / width):
        if continuum:
            pts = [x_mw + k / ref.t2e for k in (-100, -10, -1, 0, 1, 10, 100)]
            terms = [
                quad(lambda x: weight(x) * part(x), -width, width, points=pts, limit=400, epsabs=0, epsrel=1e-13)[0]
                for part in (bath, micro)
            ]
        else:
            d = zeeman_shifts(ref.n_spins, width)
            terms = [np.sum(weight(d) * part(d)) for part in (bath, micro)]
        assert abs(terms[0]) > 1e-3 * abs(terms[1])  # both terms matter
        assert abs(terms[0] + terms[1]) < 1e-9 * max(abs(terms[0]), abs(terms[1]))
    # h close to -w_MW (to a fraction of the spacing), |beta_s| >> beta, sign of 1 - w_MW / w_e
    assert abs(res.h + omega_mw) < 0.2 * width
    assert 10 < abs(res.beta_s) / ref.beta < 1000
    assert np.sign(res.beta_s) == -np.sign(offset)
    np.testing.assert_allclose(res.a, res.beta_s * (ref.omega_e + res.h), rtol=1e-12)
    np.testing.assert_allclose(res.p_n, np.tanh(0.5 * res.beta_s * ref.omega_n), rtol=1e-12)


def test_finite_n_order0_tends_to_continuum(ref):
    omega_mw = ref.microwave_frequency(-0.5)
    cont = spin_temperature_pe(ref, omega_mw, order=0, continuum=True)
    diffs = []
    for n in (8, 16, 32, 64, 256, 1024):
        fin = spin_temperature_pe(ref, omega_mw, order=0, continuum=False, n_spins=n)
        diffs.append(abs(fin.beta_s / cont.beta_s - 1))
    # 9.3%, 4.7%, 2.3%, 1.1%, 0.12%, 6e-7
    assert all(b < a for a, b in zip(diffs, diffs[1:])), diffs
    assert diffs[0] > 0.03 and diffs[-1] < 1e-5


@pytest.mark.parametrize("order", [0, 2])
@pytest.mark.parametrize("continuum", [False, True])
def test_no_microwaves_gives_lattice_temperature(ref, order, continuum):
    p = ref.with_(omega_1=0.0, u=2 * np.pi * 30e6)
    res = spin_temperature_pe(p, p.microwave_frequency(-0.5), order=order, continuum=continuum)
    np.testing.assert_allclose(res.beta_s, p.beta, rtol=1e-10)
    assert abs(res.h) < 1e-9 * p.omega_e  # h = 0
    np.testing.assert_allclose(res.p_n, np.tanh(0.5 * p.beta * p.omega_n), rtol=1e-9)


@pytest.mark.parametrize("continuum", [False, True])
def test_polarization_changes_sign_across_the_line_centre(ref, continuum):
    below = spin_temperature_pe(ref, ref.microwave_frequency(-0.5), continuum=continuum)
    above = spin_temperature_pe(ref, ref.microwave_frequency(+0.5), continuum=continuum)
    assert below.beta_s > 0 and below.p_n > 0.05
    assert above.beta_s < 0 and above.p_n < -0.05
    # nearly antisymmetric (P0 varies by only ~1e-3 across the line)
    assert abs(below.p_n + above.p_n) < 0.02 * below.p_n


@pytest.mark.parametrize("continuum", [False, True])
def test_u2_polarization_decreases_with_u(continuum):
    # Finite N = 12: the U^2 branch ends near 26.8 MHz (test_the_fold_is_where_it_is...), so
    # that case stops at 25 MHz and its drop by then is smaller.
    values = []
    for u_mhz in (10.0, 20.0, 30.0, 45.0) if continuum else (10.0, 15.0, 20.0, 25.0):
        p = Parameters.from_units(12, b_tesla=3.35, u_mhz=u_mhz)
        values.append(spin_temperature_pe(p, p.microwave_frequency(-0.5), order=2, continuum=continuum).p_n)
    p0 = spin_temperature_pe(p, p.microwave_frequency(-0.5), order=0, continuum=continuum).p_n
    assert p0 > values[0]
    assert all(b < a for a, b in zip(values, values[1:])), values
    assert values[-1] < (0.75 if continuum else 0.85) * values[0]


def test_quadrature_is_converged(ref):
    omega_mw = ref.microwave_frequency(-0.5)
    base = spin_temperature_pe(ref, omega_mw, order=2)
    st = _setup(ref, omega_mw, 2, True, n_panels=96, n_gauss=32, growth=1.4)
    e, scale = _direct(st, base.beta_s, base.a)
    assert np.max(np.abs(e) / scale) < 1e-11  # the solution on default nodes solves the refined equations
    x, w = continuum_nodes(ref, omega_mw)
    np.testing.assert_allclose(w.sum(), 2 * ref.delta_omega_e, rtol=1e-13)
    assert np.all(np.abs(x) < ref.delta_omega_e)


@pytest.mark.parametrize("b_tesla, u_mhz", [(1.0, 0.0), (1.5, 2.0), (7.0, 0.0), (7.0, 15.0), (7.0, 45.0)])
def test_robust_over_pipeline_ranges(b_tesla, u_mhz):
    # Where U is a fair fraction of dw_e the U^2 branch ends inside the line (U = 15 MHz at
    # 1 T is 0.93 dw_e: at offsets -0.6, 0.5, 0.9 it ends at 13, 14 and 7.4 MHz); the pairs
    # here stay below that.
    p = Parameters.from_units(12, b_tesla=b_tesla, u_mhz=u_mhz)
    for offset in (-1.5, -0.6, -0.1, 0.0, 0.1, 0.5, 0.9, 1.5):
        res = spin_temperature_pe(p, p.microwave_frequency(offset), order=2, continuum=True)
        assert res.residual < 1e-9
        if offset != 0.0:
            assert np.sign(res.beta_s) == -np.sign(offset)


@pytest.mark.parametrize("floor, converged", [(5e-14, True), (5e-11, False)])
def test_newton_at_a_residual_no_step_lowers(floor, converged):
    """Where no damped step lowers the residual, the point is a root if the residual is at
    rounding level (below 1e-12) and a failure otherwise. The floor lies at a few 1e-15
    where the terms are large (not always below 1e-15, which the solver once required)."""
    from dnpmbl.perturbative import _newton

    class Floor:  # E = 0 at the origin, but evaluated with a residual |E| = floor everywhere
        def __call__(self, beta_s, a, lam=1.0, jacobian=False):
            e = np.array([floor, floor])
            return (e, np.array([[1.0, 0.0], [0.0, 1.0]])) if jacobian else e

    beta_s, a, ok = _newton(Floor(), 1e-9, 0.5, 1.0, np.ones(2))
    assert ok is converged and (beta_s, a) == (1e-9, 0.5)


def test_finite_n_expansion_on_a_spin_at_small_u_is_continuous():
    """N = 12, U = 2 MHz, w_MW on the spin at +40.5 MHz (offset 3/4): the Newton floor above
    1e-15 once ended the branch here (NaN); P_n^PE lies between its neighbours' values."""
    p = Parameters.from_units(12, u_mhz=2.0)
    values = [spin_temperature_pe(p, p.omega_e + 2 * np.pi * d * 1e6, order=2, continuum=False).p_n for d in (40.0, 40.5, 41.0)]
    assert values[0] > values[1] > values[2] - 1e-3 and abs(values[1] - values[2]) < 0.01


def test_fold_raises_runtime_error(ref):
    # Continuum, w_MW at the line edge, U = 45 MHz: the order-U^2 branch ends near U = 34 MHz.
    p = ref.with_(u=2 * np.pi * 45e6)
    with pytest.raises(RuntimeError, match="no solution connected"):
        spin_temperature_pe(p, p.microwave_frequency(-1.0), order=2, continuum=True)
    # Finite N = 12 with w_MW exactly on a spin (Delta = -9/12 dw_e): ends near U = 5 MHz.
    with pytest.raises(RuntimeError, match="no solution connected"):
        spin_temperature_pe(ref, ref.microwave_frequency(-0.75), order=2, continuum=False)
    with pytest.raises(ValueError):
        spin_temperature_pe(ref, ref.microwave_frequency(-0.5), order=1)


@pytest.mark.parametrize("sz_channel, u_fold", [(False, 26.8), (True, 27.3)])
def test_the_fold_is_where_it_is_whatever_u_the_continuation_starts_from(sz_channel, u_fold):
    """Finite N = 12 at offset -1/2: the branch connected to order 0 ends near 26.8 MHz (27.3
    with the bath's Sz channel). Continuing to any larger U passes the same equations at that
    U on the way, so it must stop there too, not step over the fold onto another root (which
    the continuation once did from U = 28-45 MHz, P_n 0.115 at 28 MHz against 0.133 at 26)."""
    below = Parameters.from_units(12, u_mhz=26.0)
    assert spin_temperature_pe(below, below.microwave_frequency(-0.5), order=2, continuum=False, sz_channel=sz_channel).residual < 1e-9
    for u_mhz in (28.0, 30.0, 45.0):
        p = Parameters.from_units(12, u_mhz=u_mhz)
        with pytest.raises(RuntimeError, match=f"beyond U = {u_fold} MHz"):
            spin_temperature_pe(p, p.microwave_frequency(-0.5), order=2, continuum=False, sz_channel=sz_channel)
    # The same within a spacing of a spin's frequency at U = 15 MHz (w_MW - w_e = -20.25 MHz,
    # 2.25 MHz from the shift at -22.5 MHz): the branch ends near 12.9 MHz.
    p = Parameters.from_units(12, u_mhz=15.0)
    with pytest.raises(RuntimeError, match="no solution connected"):
        spin_temperature_pe(p, p.omega_e - 2 * np.pi * 20.25e6, order=2, continuum=False)


def test_pe_without_a_solution_says_so_and_h_at_infinite_temperature_is_nan():
    """With every spin polarized and no microwaves, brentq's ValueError escaped the PE rule
    (a traceback); at w_MW = w_e a PE whose beta_s rounds to 0 returned h = a / 0 = inf as a
    converged result. Now: RuntimeError (the rule records NaN), and h = NaN beside
    beta_s = 0 and P_n = 0. Where the order-0 equation is evaluated at full polarization
    depends on the platform's rounding: the bracket's brentq fails (no solution) on some
    machines, the bracketing grid finds no sign change (no order-0 solution) on others;
    both are the RuntimeError the rule turns into NaN."""
    import math

    cold = Parameters.from_units(4, u_mhz=15.0, beta_per_kelvin=1000.0, omega_1_khz=0.0, omega_e_ghz=1.0, t1e_s=1e4, t2e_s=1e-2)
    with pytest.raises(RuntimeError, match="perturbative spin temperature: no (order-0 )?solution"):
        spin_temperature_pe(cold, cold.microwave_frequency(-0.5), order=0, continuum=True)
    params = Parameters.from_units(4, u_mhz=15.0, beta_per_kelvin=10.0)
    pe = spin_temperature_pe(params, params.microwave_frequency(0.0), order=0, continuum=False)
    assert pe.beta_s == 0.0 and pe.p_n == 0.0 and math.isnan(pe.h)


def test_sz_channel_needs_the_channel():
    """A model without the bath's Sz channel has no flow of it to add: asking for it is refused
    by name, and the expansion without it does not depend on the flag (the z channel enters
    the PE only through that flow)."""
    with_z = Parameters.from_units(12, u_mhz=15.0)
    without_z = Parameters.from_units(12, u_mhz=15.0, bath_z_channel=False)
    omega_mw = with_z.microwave_frequency(-0.5)
    for continuum in (True, False):
        with pytest.raises(ValueError, match="bath_z_channel=False"):
            spin_temperature_pe(without_z, omega_mw, continuum=continuum, sz_channel=True)
        for order in (0, 2):
            a = spin_temperature_pe(with_z, omega_mw, order=order, continuum=continuum)
            b = spin_temperature_pe(without_z, omega_mw, order=order, continuum=continuum)
            assert (a.beta_s, a.h, a.p_n) == (b.beta_s, b.h, b.p_n)


def test_pe_rule_leaves_pe2z_empty_without_the_z_channel(tmp_path, monkeypatch):
    """The perturbative_expansion rule script on a model without the bath's Sz channel: the
    paper's expansions are written as for the paper model, the pe2z columns NaN and false."""
    import importlib
    import sys
    from pathlib import Path
    from types import SimpleNamespace

    import pyarrow.parquet as pq

    from dnpmbl.params import PHYSICS_DEFAULTS

    root = Path(__file__).resolve().parents[1]
    monkeypatch.syspath_prepend(str(root / "workflow" / "scripts"))
    script = importlib.import_module("perturbative_expansion")
    rows = {}
    for z in (True, False):
        out = tmp_path / f"pe_{z}.parquet"
        smk = SimpleNamespace(
            wildcards=SimpleNamespace(model="paper" if z else "zoff", n="8", b="3.35", u="15"),
            params=SimpleNamespace(physics={**PHYSICS_DEFAULTS, "bath_z_channel": z}, offsets=[-0.5]),
            log=[str(tmp_path / f"pe_{z}.log")],
            output=[str(out)],
        )
        script.main(smk)
        rows[z] = pq.read_table(out).to_pylist()[0]
    sys.modules.pop("perturbative_expansion", None)
    for tag in ("continuum", "finite"):
        assert rows[True][f"converged_pe2z_{tag}"] and np.isfinite(rows[True][f"p_n_pe2z_{tag}"])
        assert not rows[False][f"converged_pe2z_{tag}"] and np.isnan(rows[False][f"p_n_pe2z_{tag}"])
        for variant in ("pe0", "pe2"):
            assert rows[False][f"p_n_{variant}_{tag}"] == rows[True][f"p_n_{variant}_{tag}"]
