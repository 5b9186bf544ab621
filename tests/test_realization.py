"""Solving one realization (``dnpmbl.realization``): the Gibbs limit without drive, a drive
that moves away from it, determinism, input validation, and the nucleus as a thermometer."""

from __future__ import annotations

import math

import numpy as np
import pytest

import dnpmbl


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


@pytest.mark.parametrize("solver", ["gth", "lu"])
def test_freeing_the_eigenvectors_changes_no_number(solver):
    """The eigenvectors are freed before the stationary solves by default; keeping them
    (``keep_vectors``) gives bit-identical results, and ``keep_operators`` shows which
    spectrum the solves had: without eigenvectors by default, with them on request."""
    params = dnpmbl.Parameters.from_units(5, u_mhz=15.0)
    u_ij, d_i = dnpmbl.realization_couplings(params, 3, 1)
    omega = [params.microwave_frequency(x) for x in (-0.5, 0.1, 0.6)]
    backend = dnpmbl.backend.get_backend("cpu", stationary=solver)
    freed = dnpmbl.solve_realization(params, u_ij, d_i, omega, backend=backend, keep_operators=True)
    kept = dnpmbl.solve_realization(params, u_ij, d_i, omega, backend=backend, keep_operators=True, keep_vectors=True)
    for name in ("populations", "p_n", "mean_energy", "mean_reduced_energy", "mean_magnetization", "residual", "negative"):
        assert np.array_equal(getattr(freed, name), getattr(kept, name)), name
    assert all(s.vectors.size == 0 for s in freed.spectrum.sectors)
    assert [s.vectors.shape for s in kept.spectrum.sectors] == [(d, d) for d in kept.spectrum.dims]
    assert freed.strengths is not None and dnpmbl.solve_realization(params, u_ij, d_i, omega).spectrum is None


def test_progress_and_stages_are_reported_in_order():
    """``stage(name)`` wraps diagonalization, strengths and the stationary solves, in that
    order; ``progress(i, n)`` counts the frequencies up to all of them, inside the solves."""
    params = dnpmbl.Parameters.from_units(4, u_mhz=15.0)
    u_ij, d_i = dnpmbl.realization_couplings(params, 3, 1)
    omega = [params.microwave_frequency(x) for x in (-0.5, 0.1, 0.6)]
    events = []

    class Stage:
        def __init__(self, name):
            self.name = name

        def __enter__(self):
            events.append(("enter", self.name))

        def __exit__(self, *exc):
            events.append(("exit", self.name))

    backend = dnpmbl.backend.get_backend("cpu", stationary="gth")
    dnpmbl.solve_realization(
        params, u_ij, d_i, omega, backend=backend, stage=Stage, progress=lambda i, n: events.append(("progress", i, n))
    )
    names = ["sector diagonalization", "transition strengths", "3 stationary states"]
    assert [e[1] for e in events if e[0] == "enter"] == names
    assert [e[1] for e in events if e[0] == "exit"] == names
    solves = events.index(("enter", names[2]))
    assert events[solves + 1 : solves + 4] == [("progress", i, 3) for i in (1, 2, 3)]
    assert events[solves + 4] == ("exit", names[2])


def _good(n=3):
    params = dnpmbl.Parameters.from_units(n)
    u_ij, d_i = dnpmbl.realization_couplings(params, 0, 0)
    return params, u_ij, d_i


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
    params = dnpmbl.Parameters.from_units(15)
    u_ij, d_i = dnpmbl.realization_couplings(params, 0, 0)
    with pytest.raises(ValueError, match="n_spins"):
        dnpmbl.solve_realization(params, u_ij, d_i, params.microwave_frequency(-0.5))


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
