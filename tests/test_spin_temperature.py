"""Fitting method (Eq. 18) and KL divergence (Eq. 27); the paper's claims on them at reduced
size (Fig. 5). Their statistics over realizations: tests/test_statistics.py."""

import numpy as np
import pytest

import dnpmbl
from dnpmbl.spin_temperature import FitError, ansatz_log_weights, fit_spin_temperature, kl_divergence
from dnpmbl.statistics import point_statistics

PARAMS12 = dnpmbl.Parameters.from_units(12)


def synthetic_spectra(n_realizations, n_spins=8, seed=0):
    """Reduced energies and magnetizations of random spectra shaped like the model's."""
    rng = np.random.default_rng(seed)
    from math import comb

    dims = [2 * comb(n_spins, k) for k in range(n_spins + 1)]
    s = np.concatenate([np.full(d, k - n_spins / 2) for k, d in enumerate(dims)])
    e = np.stack([rng.normal(0.0, PARAMS12.delta_omega_e, s.size) for _ in range(n_realizations)])
    return e, np.broadcast_to(s, e.shape).copy()


@pytest.mark.parametrize("beta_ratio, offset", [(300.0, -0.5), (150.0, -0.2), (-250.0, 0.5), (-80.0, 0.9), (1.0, 0.0)])
def test_fit_recovers_ansatz_parameters(beta_ratio, offset):
    """Populations drawn exactly from the Ansatz give back (beta_s, h) to 1e-8 relative,
    for positive and negative spin temperatures."""
    e, s = synthetic_spectra(5, seed=int(abs(beta_ratio)))
    beta_s = beta_ratio * PARAMS12.beta
    h = -PARAMS12.microwave_frequency(offset) if beta_ratio != 1.0 else 0.0
    a = beta_s * (PARAMS12.omega_e + h)
    p = np.exp(ansatz_log_weights(beta_s, a, e, s))
    fit = fit_spin_temperature(e, s, p, PARAMS12.omega_e)
    assert fit.gradient <= 1e-9
    assert fit.beta_s == pytest.approx(beta_s, rel=1e-8)
    assert fit.a == pytest.approx(a, rel=1e-8, abs=1e-8)
    # h itself is a difference of two numbers ~w_e: compare w_e + h = a / beta_s.
    assert fit.h + PARAMS12.omega_e == pytest.approx(PARAMS12.omega_e + h, rel=1e-8, abs=1e-8 * PARAMS12.delta_omega_e)
    assert np.all(kl_divergence(p, e, s, fit) < 1e-12)


def test_fit_converges_from_far_starts():
    """Convexity: the same answer from starts at wildly wrong temperatures."""
    e, s = synthetic_spectra(3, seed=3)
    beta_s = 200 * PARAMS12.beta
    a = beta_s * 0.7 * PARAMS12.delta_omega_e
    p = np.exp(ansatz_log_weights(beta_s, a, e, s))
    for start in [(0.0, 0.0), (-1e-8, 30.0), (1e-8, -30.0), (1e-12, 1e-3)]:
        fit = fit_spin_temperature(e, s, p, PARAMS12.omega_e, start=start)
        assert fit.beta_s == pytest.approx(beta_s, rel=1e-8)


def test_fit_reports_non_convergence_and_bad_input():
    """Too few Newton steps raise FitError naming the point; bad populations raise ValueError."""
    e, s = synthetic_spectra(2, seed=4)
    beta_s = 400 * PARAMS12.beta
    p = np.exp(ansatz_log_weights(beta_s, beta_s * 0.3 * PARAMS12.delta_omega_e, e, s))
    with pytest.raises(FitError, match=r"did not converge \(U=2 MHz\)"):
        fit_spin_temperature(e, s, p, PARAMS12.omega_e, max_iter=2, label="U=2 MHz")
    bad = p.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="populations"):
        fit_spin_temperature(e, s, bad, PARAMS12.omega_e)
    with pytest.raises(ValueError, match="populations"):
        fit_spin_temperature(e, s, -p, PARAMS12.omega_e)
    with pytest.raises(ValueError, match="shapes"):
        fit_spin_temperature(e, s[:, :-1], p, PARAMS12.omega_e)


def test_fit_on_undriven_states_is_lattice_temperature():
    """No microwaves: the stationary state is Gibbs, so FM returns beta and h = 0."""
    params = dnpmbl.Parameters.from_units(5, u_mhz=20.0).with_(omega_1=0.0)
    e, s, p = [], [], []
    for r in range(4):
        u, d = dnpmbl.realization_couplings(params, 11, r)
        res = dnpmbl.solve_realization(params, u, d, params.microwave_frequency(-0.5))
        e.append(res.reduced_energy)
        s.append(res.magnetization)
        p.append(res.populations[0])
    fit = fit_spin_temperature(e, s, p, params.omega_e)
    assert fit.beta_s == pytest.approx(params.beta, rel=1e-10)
    assert abs(fit.h) < 1e-9 * params.omega_e
    assert np.all(kl_divergence(p, e, s, fit) < 1e-12)


def test_kl_divergence_is_non_negative_and_positive_off_ansatz():
    e, s = synthetic_spectra(4, seed=5)
    rng = np.random.default_rng(1)
    p = rng.random(e.shape) ** 4
    p /= p.sum(axis=1, keepdims=True)
    fit = fit_spin_temperature(e, s, p, PARAMS12.omega_e)
    kl = kl_divergence(p, e, s, fit)
    assert kl.shape == (4,)
    assert np.all(kl > 1e-3)


def _point(params, offset, n_real, seed=2016):
    omega = params.microwave_frequency(offset)
    e, s, p, pn = [], [], [], []
    for r in range(n_real):
        u, d = dnpmbl.realization_couplings(params, seed, r)
        res = dnpmbl.solve_realization(params, u, d, omega)
        e.append(res.reduced_energy)
        s.append(res.magnetization)
        p.append(res.populations[0])
        pn.append(res.p_n[0])
    return point_statistics(
        pn, 100, reduced_energy=e, magnetization=s, populations=p, omega_e=params.omega_e, omega_n=params.omega_n
    )


@pytest.mark.slow
def test_paper_claims_at_reduced_size():
    """Sec. IV-V at N = 8, 16 realizations, w_MW = w_e - dw_e/2, B = 3.35 T:
    U = 30 MHz: exact P_n close to the FM value; U = 2 MHz: far below it, with much larger
    D_KL and sample-to-sample fluctuations."""
    thermal = _point(dnpmbl.Parameters.from_units(8, u_mhz=30.0), -0.5, 16)
    localized = _point(dnpmbl.Parameters.from_units(8, u_mhz=2.0), -0.5, 16)
    for name, point in [("U=30", thermal), ("U=2", localized)]:
        print(
            f"\n{name}: P_n {point.estimate('p_n_mean'):.4f} +- {point.std_error('p_n_mean'):.4f}, "
            f"FM {point.estimate('p_n_fm'):.4f}, std {point.estimate('p_n_std'):.4f}, KL {point.estimate('kl_mean'):.4f}"
        )
    # Spin temperature holds at 30 MHz: within 3 bootstrap errors and 15 % of the FM value.
    gap = abs(thermal.estimate("p_n_mean") - thermal.estimate("p_n_fm"))
    assert gap < 3 * np.hypot(thermal.std_error("p_n_mean"), thermal.std_error("p_n_fm"))
    assert gap < 0.15 * thermal.estimate("p_n_fm")
    # ... and fails at 2 MHz: the exact mean is less than a third of the FM value.
    assert localized.estimate("p_n_mean") < localized.estimate("p_n_fm") / 3
    assert localized.estimate("kl_mean") > 3 * thermal.estimate("kl_mean")
    assert localized.estimate("p_n_std") > 3 * thermal.estimate("p_n_std")
