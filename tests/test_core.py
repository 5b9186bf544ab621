"""Core properties of the model and pipeline: Gibbs limit, determinism, input validation,
units and the field-scan rule, Zeeman shifts, and the "nucleus is a thermometer" check."""

from __future__ import annotations

import math

import numpy as np
import pytest

import dnpmbl
from dnpmbl.model import check_couplings
from dnpmbl.params import HBAR_OVER_KB, MAX_SPINS_STATIONARY, TWO_PI


def _gibbs_cases():
    """24 realizations: N = 3..7, U in [2, 45] MHz, D in {0.01, 0.3, 1, 3} MHz, B in [1.5, 6] T."""
    rng = np.random.default_rng(20160614)
    cases = []
    for r in range(24):
        cases.append(
            dict(
                n=3 + r % 5,
                u=float(rng.uniform(2.0, 45.0)),
                d=float(rng.choice([0.01, 0.3, 1.0, 3.0])),
                b=float(rng.uniform(1.5, 6.0)),
                r=r,
            )
        )
    return cases


GIBBS_CASES = _gibbs_cases()


@pytest.mark.parametrize("case", GIBBS_CASES, ids=lambda c: f"N{c['n']}-U{c['u']:.0f}-D{c['d']}-B{c['b']:.1f}")
def test_no_drive_gives_gibbs_state(case):
    """With w_1 = 0 the bath alone (Eq. 12) obeys detailed balance at the lattice beta: the
    stationary populations equal ``exp(-beta eps)/Z`` componentwise to 1e-12 relative
    (achieved 5e-15), whatever w_MW, with probabilities down to ~1e-17 of the largest.

    P_n then equals the Gibbs value ``2 sum_n g_n <n|Iz|n>`` to 1e-14 absolute (P_n ~ 5e-4
    is a sum of +-p/2 terms, so this is ~2e-11 relative; achieved 1.2e-15 absolute). It is
    not exactly ``tanh(beta w_n / 2)``: the hyperfine term shifts the thermal ``<Iz>`` by
    ``-beta^2 <d^2> / 12`` relative, with ``d = sum_i D_i Sz_i`` (second order of the high
    temperature expansion of the nuclear two-level system ``-w_n Iz + d Ix``). Since
    ``|d| <= sum |D_i| / 2``, the relative deviation is bounded by
    ``beta^2 (sum |D_i|)^2 / 48`` (up to 2e-9 at D = 3 MHz, 4e-10 at D = 1 MHz); the
    measured deviations (up to -3.7e-10 relative) stay below it and nearly saturate it
    when the electrons sit in their ground sector (k = 0, ``d = -sum D_i / 2``). The test
    allows 5 % above the bound plus 1e-14 absolute for rounding.
    """
    params = dnpmbl.Parameters.from_units(case["n"], u_mhz=case["u"], d_mhz=case["d"], b_tesla=case["b"]).with_(
        omega_1=0.0
    )
    u_ij, d_i = dnpmbl.realization_couplings(params, 5, case["r"])
    omega_mw = [params.microwave_frequency(-0.5), params.microwave_frequency(0.2)]
    res = dnpmbl.solve_realization(params, u_ij, d_i, omega_mw)
    gibbs = dnpmbl.gibbs_state(res.energy, params.beta)
    assert gibbs.min() / gibbs.max() < 1e-2
    for f in range(2):
        assert np.abs(res.populations[f] / gibbs - 1.0).max() < 1e-12
    p_gibbs = 2.0 * gibbs @ res.iz
    assert np.abs(res.p_n - p_gibbs).max() < 1e-14
    tanh = math.tanh(params.beta * params.omega_n / 2.0)
    bound = params.beta**2 * np.abs(d_i).sum() ** 2 / 48.0
    assert np.abs(res.p_n - tanh).max() < 1.05 * bound * tanh + 1e-14


def test_no_drive_tiny_hyperfine_gives_tanh():
    """At D = 1 kHz (the hyperfine correction is ~1e-16) the undriven P_n equals
    ``tanh(beta w_n / 2)`` to 1e-14 absolute, i.e. 2.5e-11 relative (achieved 1.5e-16
    absolute, 4e-13 relative: rounding of the sum of +-p/2 terms), for N = 3..7."""
    for n in range(3, 8):
        params = dnpmbl.Parameters.from_units(n, u_mhz=10.0 + 5 * n, d_mhz=0.001).with_(omega_1=0.0)
        res = dnpmbl.solve_realization(
            params, *dnpmbl.realization_couplings(params, 9, n), params.microwave_frequency(0.0)
        )
        assert abs(res.p_n[0] - math.tanh(params.beta * params.omega_n / 2.0)) < 1e-14


def test_drive_moves_away_from_gibbs():
    """Control for the Gibbs test: with the default w_1 a realization is far from
    equilibrium (some population off by more than 10 %, |P_n| above 10 tanh(beta w_n / 2))."""
    params = dnpmbl.Parameters.from_units(5, u_mhz=15.0)
    u_ij, d_i = dnpmbl.realization_couplings(params, 5, 0)
    res = dnpmbl.solve_realization(params, u_ij, d_i, params.microwave_frequency(-0.5))
    gibbs = dnpmbl.gibbs_state(res.energy, params.beta)
    assert np.abs(res.populations[0] / gibbs - 1.0).max() > 0.1
    assert abs(res.p_n[0]) > 10 * math.tanh(params.beta * params.omega_n / 2.0)


def test_zero_hyperfine_is_rejected():
    """D = 0 leaves no stationary state to compute (the nucleus never relaxes): the solve
    must raise (ValueError or StationaryStateError) rather than return a P_n."""
    params = dnpmbl.Parameters.from_units(3, u_mhz=15.0, d_mhz=0.0)
    u_ij, d_i = dnpmbl.realization_couplings(params, 0, 0)
    with pytest.raises((ValueError, dnpmbl.StationaryStateError)):
        dnpmbl.solve_realization(params, u_ij, d_i, params.microwave_frequency(-0.5))


# ----------------------------------------------------------------------------- determinism


def test_solve_is_deterministic():
    """Two identical calls give bit-identical arrays; several frequencies in one call give
    the same populations as one call per frequency (to 1e-15 relative)."""
    params = dnpmbl.Parameters.from_units(6, u_mhz=15.0)
    u_ij, d_i = dnpmbl.realization_couplings(params, 1, 2)
    omega = [params.microwave_frequency(x) for x in (-0.5, 0.3)]
    a = dnpmbl.solve_realization(params, u_ij, d_i, omega)
    b = dnpmbl.solve_realization(params, u_ij, d_i, omega)
    for name in ("populations", "p_n", "energy", "iz", "magnetization", "mean_energy", "residual"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    single = dnpmbl.solve_realization(params, u_ij, d_i, omega[1])
    assert np.abs(single.populations[0] / a.populations[1] - 1).max() < 1e-15


def test_couplings_common_random_numbers():
    """Couplings are keyed by (seed, N, r) only: the same key gives identical arrays; U, D
    and B only rescale them (``U_ij = U / sqrt(N) z_ij``, ``D_i = D / sqrt(N) z_i``, B not at
    all); another r, seed or N gives different ones."""
    n = 6
    p1 = dnpmbl.Parameters.from_units(n, u_mhz=15.0, d_mhz=1.0)
    p2 = dnpmbl.Parameters.from_units(n, u_mhz=2.0, d_mhz=0.3, b_tesla=5.0)
    p3 = dnpmbl.Parameters.from_units(n, u_mhz=15.0, d_mhz=1.0, b_tesla=1.2)
    u1, d1 = dnpmbl.realization_couplings(p1, 42, 3)
    u1b, d1b = dnpmbl.realization_couplings(p1, 42, 3)
    assert np.array_equal(u1, u1b) and np.array_equal(d1, d1b)
    u3, d3 = dnpmbl.realization_couplings(p3, 42, 3)
    assert np.array_equal(u1, u3) and np.array_equal(d1, d3)  # B does not enter
    z_u, z_d = dnpmbl.standard_couplings(42, n, 3)
    for p, (u, d) in ((p1, (u1, d1)), (p2, dnpmbl.realization_couplings(p2, 42, 3))):
        np.testing.assert_allclose(u, p.u / math.sqrt(n) * z_u, rtol=1e-15, atol=0)
        np.testing.assert_allclose(d, p.d / math.sqrt(n) * z_d, rtol=1e-15, atol=0)
    assert np.array_equal(z_u, z_u.T) and np.all(np.diag(z_u) == 0)
    for other in (dnpmbl.standard_couplings(42, n, 4), dnpmbl.standard_couplings(43, n, 3)):
        assert not np.any(other[0][np.triu_indices(n, 1)] == z_u[np.triu_indices(n, 1)])
        assert not np.any(other[1] == z_d)
    z7, _ = dnpmbl.standard_couplings(42, 7, 3)
    assert not np.any(z7[:n, :n][np.triu_indices(n, 1)] == z_u[np.triu_indices(n, 1)])


def test_coupling_statistics():
    """``U_ij ~ N(0, U^2/N)`` and ``D_i ~ N(0, D^2/N)``: over 400 realizations of N = 5
    (4000 pairs, 2000 sites) the sample mean and variance of ``U_ij sqrt(N)/U`` and
    ``D_i sqrt(N)/D`` match 0 and 1 within 4 standard errors."""
    n = 5
    p = dnpmbl.Parameters.from_units(n, u_mhz=15.0, d_mhz=1.0)
    iu = np.triu_indices(n, 1)
    pairs, sites = [], []
    for r in range(400):
        u, d = dnpmbl.realization_couplings(p, 7, r)
        pairs.append(u[iu] * math.sqrt(n) / p.u)
        sites.append(d * math.sqrt(n) / p.d)
    for x in (np.concatenate(pairs), np.concatenate(sites)):
        assert abs(x.mean()) < 4 / math.sqrt(x.size)
        assert abs(x.var() - 1.0) < 4 * math.sqrt(2.0 / x.size)


# ----------------------------------------------------------------------- input validation


def _good(n=3):
    params = dnpmbl.Parameters.from_units(n)
    u_ij, d_i = dnpmbl.realization_couplings(params, 0, 0)
    return params, u_ij, d_i


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(n_spins=1), "n_spins"),
        (dict(n_spins=3.0), "n_spins"),
        (dict(t1e=0.0), "t1e"),
        (dict(t2e=-1e-6), "t2e"),
        (dict(beta=0.0), "beta"),
        (dict(beta=-1.0), "beta"),
        (dict(u=-1.0), "u"),
        (dict(d=-1.0), "d"),
        (dict(omega_1=-1.0), "omega_1"),
        (dict(omega_e=0.0), "omega_e"),
        (dict(beta=float("nan")), "beta"),
        (dict(u=float("inf")), "u"),
        (dict(omega_n=float("nan")), "omega_n"),
    ],
)
def test_parameters_reject(kwargs, name):
    """Invalid parameters raise ValueError naming the parameter."""
    params, _, _ = _good()
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        params.with_(**kwargs)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(n_spins=1), "n_spins"),
        (dict(t1e_s=0.0), "t1e_s"),
        (dict(t2e_s=-1.0), "t2e_s"),
        (dict(beta_per_kelvin=0.0), "beta_per_kelvin"),
        (dict(b_tesla=0.0), "b_tesla"),
        (dict(b_tesla=float("nan")), "b_tesla"),
        (dict(u_mhz=-2.0), "u"),
        (dict(d_mhz=-0.1), "d"),
    ],
)
def test_from_units_rejects(kwargs, name):
    """``Parameters.from_units`` rejects bad input with a ValueError naming it."""
    kwargs = dict(kwargs)
    n = kwargs.pop("n_spins", 3)
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        dnpmbl.Parameters.from_units(n, **kwargs)


def _bad_inputs():
    params, u, d = _good()
    asym = u.copy()
    asym[0, 1] += 1e3
    diag = u.copy()
    diag[1, 1] = 1.0
    nan_u = u.copy()
    nan_u[0, 2] = nan_u[2, 0] = np.nan
    inf_d = d.copy()
    inf_d[1] = np.inf
    w = params.microwave_frequency(-0.5)
    return [
        ("u-shape-rows", (params, u[:2, :2], d, w), "u_ij"),
        ("u-shape-cols", (params, np.zeros((3, 4)), d, w), "u_ij"),
        ("u-1d", (params, np.zeros(3), d, w), "u_ij"),
        ("d-shape", (params, u, d[:2], w), "d_i"),
        ("asymmetric", (params, asym, d, w), "symmetric"),
        ("diagonal", (params, diag, d, w), "diagonal"),
        ("u-nan", (params, nan_u, d, w), "u_ij"),
        ("d-inf", (params, u, inf_d, w), "d_i"),
        ("omega-zero", (params, u, d, 0.0), "omega_mw"),
        ("omega-negative", (params, u, d, [w, -w]), "omega_mw"),
        ("omega-nan", (params, u, d, np.nan), "omega_mw"),
        ("omega-empty", (params, u, d, []), "omega_mw"),
    ]


@pytest.mark.parametrize("args, name", [x[1:] for x in _bad_inputs()], ids=[x[0] for x in _bad_inputs()])
def test_solve_realization_rejects(args, name):
    """``solve_realization`` rejects malformed couplings and frequencies with a ValueError
    naming the offending input."""
    with pytest.raises(ValueError, match=name):
        dnpmbl.solve_realization(*args)


def test_too_many_spins():
    """N = 15 exceeds the exact solver's limit (N <= 14): ValueError naming n_spins, raised
    before any diagonalization."""
    assert MAX_SPINS_STATIONARY == 14
    params = dnpmbl.Parameters.from_units(15)
    u_ij, d_i = dnpmbl.realization_couplings(params, 0, 0)
    with pytest.raises(ValueError, match="n_spins"):
        dnpmbl.solve_realization(params, u_ij, d_i, params.microwave_frequency(-0.5))


def test_diagonalize_and_couplings_reject():
    """``diagonalize`` and ``check_couplings`` validate shapes and symmetry as well;
    ``standard_couplings`` rejects negative or non-integer keys, naming them."""
    params, u, d = _good()
    with pytest.raises(ValueError, match="u_ij"):
        dnpmbl.diagonalize(params, u[:2, :2], d)
    with pytest.raises(ValueError, match="d_i"):
        dnpmbl.diagonalize(params, u, np.zeros(4))
    asym = u.copy()
    asym[1, 2] *= 1.5
    with pytest.raises(ValueError, match="symmetric"):
        check_couplings(3, asym, d)
    for args, name in (((-1, 3, 0), "base_seed"), ((0, 3, -2), "realization"), ((0, 2.5, 0), "n_spins")):
        with pytest.raises(ValueError, match=name):
            dnpmbl.standard_couplings(*args)
    with pytest.raises(ValueError, match="offset"):
        params.microwave_frequency(float("nan"))


# ------------------------------------------------------------------- units and field scan


def test_units_table_one():
    """``from_units`` defaults reproduce Table I (corrected): w = 2 pi f, beta in seconds,
    ``beta hbar w_e = 3.74`` and electron polarization ``tanh(3.74/2) = 0.954``."""
    p = dnpmbl.Parameters.from_units(12)
    assert p.omega_e == pytest.approx(TWO_PI * 93.9e9, rel=1e-15)
    assert p.delta_omega_e == pytest.approx(TWO_PI * 54e6, rel=1e-15)
    assert p.omega_n == pytest.approx(TWO_PI * 20e6, rel=1e-15)
    assert p.omega_1 == pytest.approx(TWO_PI * 25e3, rel=1e-15)
    assert p.u == pytest.approx(TWO_PI * 15e6, rel=1e-15)
    assert p.d == pytest.approx(TWO_PI * 1e6, rel=1e-15)
    assert (p.t1e, p.t2e) == (1.0, 1e-6)
    assert HBAR_OVER_KB == pytest.approx(7.6382e-12, rel=1e-5)
    assert p.beta == pytest.approx(0.83 * 7.6382e-12, rel=1e-5)
    assert p.beta * p.omega_e == pytest.approx(3.74, abs=0.005)
    assert math.tanh(p.beta * p.omega_e / 2) == pytest.approx(0.954, abs=0.0005)
    assert p.microwave_frequency(-0.5) == pytest.approx(p.omega_e - p.delta_omega_e / 2, rel=1e-15)


@pytest.mark.parametrize("b", [1.0, 3.35, 6.7, 9.0])
def test_field_scan_rule(b):
    """At field B, w_e, dw_e, w_n and the microwave offset ``w_MW - w_e`` scale as
    B / 3.35 T; U, D, w_1, T1e, T2e and beta do not change."""
    ref = dnpmbl.Parameters.from_units(8, u_mhz=15.0, d_mhz=0.7)
    p = dnpmbl.Parameters.from_units(8, u_mhz=15.0, d_mhz=0.7, b_tesla=b)
    s = b / 3.35
    for name in ("omega_e", "delta_omega_e", "omega_n"):
        assert getattr(p, name) == pytest.approx(s * getattr(ref, name), rel=1e-14), name
    for name in ("u", "d", "omega_1", "t1e", "t2e", "beta", "n_spins"):
        assert getattr(p, name) == getattr(ref, name), name
    for offset in (-1.5, -0.5, 0.25):
        assert p.microwave_frequency(offset) - p.omega_e == pytest.approx(
            s * (ref.microwave_frequency(offset) - ref.omega_e), rel=1e-12
        )


def test_parameters_round_trip():
    """``as_dict`` / ``from_dict`` round-trip exactly; unknown or missing keys raise."""
    p = dnpmbl.Parameters.from_units(7, u_mhz=3.0, b_tesla=4.2)
    assert dnpmbl.Parameters.from_dict(p.as_dict()) == p
    with pytest.raises(ValueError, match="unknown"):
        dnpmbl.Parameters.from_dict({**p.as_dict(), "foo": 1})
    data = p.as_dict()
    del data["beta"]
    with pytest.raises(ValueError, match="missing"):
        dnpmbl.Parameters.from_dict(data)


@pytest.mark.parametrize(
    "n, expected",
    [
        (2, [-0.5, 0.5]),
        (3, [-2 / 3, 0.0, 2 / 3]),
        (4, [-0.75, -0.25, 0.25, 0.75]),
        (5, [-0.8, -0.4, 0.0, 0.4, 0.8]),
    ],
)
def test_zeeman_shifts(n, expected):
    """Footnote 37: ``Delta_i = dw_e (2i - N - 1) / N``, i = 1..N: values, spacing
    ``2 dw_e / N``, zero sum, antisymmetric under i -> N + 1 - i, in rad/s as given."""
    dw = TWO_PI * 54e6
    shifts = dnpmbl.zeeman_shifts(n, dw)
    np.testing.assert_allclose(shifts, dw * np.array(expected), rtol=1e-15, atol=1e-6)
    np.testing.assert_allclose(np.diff(shifts), 2 * dw / n, rtol=1e-14)
    assert abs(shifts.sum()) < 1e-6
    np.testing.assert_allclose(shifts, -shifts[::-1], rtol=0, atol=1e-6)


def test_zeeman_shifts_large_n():
    """For N = 12 the shifts fill [-dw_e, dw_e] with the outermost at ``dw_e (1 - 1/N)``."""
    shifts = dnpmbl.zeeman_shifts(12, 1.0)
    assert shifts[0] == pytest.approx(-11 / 12, rel=1e-15)
    assert shifts[-1] == pytest.approx(11 / 12, rel=1e-15)


# ------------------------------------------------------------- nucleus as a thermometer


@pytest.mark.slow
def test_nucleus_is_a_thermometer():
    """In the thermal regime (U = 30 MHz, N = 6, w_MW = w_e - dw_e/2) P_n measures the
    electron spin temperature and does not depend on the hyperfine scale that couples it:
    the mean of P_n over 100 realizations (seed 2016) moves by less than 0.01 between
    D = 0.3 MHz and D = 1 MHz. The same realizations (common random numbers) are used at
    both D. Measured: 0.1028 and 0.1066 (standard errors 0.009 and 0.007); the paired
    difference is 0.0038 +- 0.0039, so 0.01 is about 2.5 standard errors of it."""
    means = []
    for d in (0.3, 1.0):
        params = dnpmbl.Parameters.from_units(6, u_mhz=30.0, d_mhz=d)
        w = params.microwave_frequency(-0.5)
        p_n = [
            dnpmbl.solve_realization(params, *dnpmbl.realization_couplings(params, 2016, r), w).p_n[0]
            for r in range(100)
        ]
        means.append(float(np.mean(p_n)))
    assert means[0] > 0.05 and means[1] > 0.05  # a real DNP effect, far above tanh(beta w_n/2) = 4e-4
    assert abs(means[0] - means[1]) < 0.01
