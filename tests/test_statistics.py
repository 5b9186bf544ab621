"""Statistics over realizations and their one bootstrap (dnpmbl.statistics): each statistic
on each resample against a direct computation, one set of resamples shared by all of them,
determinism given the seed, and the undriven (Gibbs) limit."""

from math import comb

import numpy as np
import pytest

import dnpmbl
from dnpmbl.spin_temperature import ansatz_log_weights, fit_spin_temperature, kl_divergence
from dnpmbl.statistics import BOOTSTRAP_SEED, STATISTICS, point_statistics, resample_indices

PARAMS = dnpmbl.Parameters.from_units(4)


def tiny_point(n_realizations=5, n_spins=3, seed=0):
    """A synthetic point: random spectra shaped like the model's, random populations and
    random P_n per realization."""
    rng = np.random.default_rng(seed)
    s = np.concatenate([np.full(2 * comb(n_spins, k), k - n_spins / 2) for k in range(n_spins + 1)])
    e = rng.normal(0.0, PARAMS.delta_omega_e, (n_realizations, s.size))
    s = np.broadcast_to(s, e.shape).copy()
    p = rng.random(e.shape) ** 3
    p /= p.sum(axis=1, keepdims=True)
    p_n = rng.uniform(0.0, 0.1, n_realizations)
    return p_n, e, s, p


def stats_of(p_n, e, s, p, n_resamples=6, **kwargs):
    return point_statistics(
        p_n, n_resamples, reduced_energy=e, magnetization=s, populations=p,
        omega_e=PARAMS.omega_e, omega_n=PARAMS.omega_n, **kwargs,
    )  # fmt: skip


def test_every_statistic_on_every_resample_is_the_direct_computation():
    """Entry 0 on all realizations, entry 1 + b on the realizations ``indices[b]``, for every
    statistic: mean and SD (ddof 1) of P_n, P_n^FM of a fit to the resampled realizations
    alone, their quotient, the mean D_KL at that fit; the resamples are those of the
    documented seed."""
    p_n, e, s, p = tiny_point()
    stats = stats_of(p_n, e, s, p)
    expected = np.random.default_rng(BOOTSTRAP_SEED).integers(0, 5, size=(6, 5))
    np.testing.assert_array_equal(stats.indices, expected)
    assert set(stats.values) == set(STATISTICS) and all(v.shape == (7,) for v in stats.values.values())
    for row, idx in enumerate([np.arange(5), *expected]):
        fit = fit_spin_temperature(e[idx], s[idx], p[idx], PARAMS.omega_e)  # from (0, 0), not warm
        fm = np.tanh(0.5 * fit.beta_s * PARAMS.omega_n)
        mean = np.sum(p_n[idx]) / 5
        assert stats.values["p_n_mean"][row] == pytest.approx(mean, rel=1e-14)
        assert stats.values["p_n_std"][row] == pytest.approx(np.sqrt(np.sum((p_n[idx] - mean) ** 2) / 4), rel=1e-12)
        assert stats.values["p_n_fm"][row] == pytest.approx(fm, rel=1e-8)
        assert stats.values["ratio"][row] == stats.values["p_n_mean"][row] / stats.values["p_n_fm"][row]
        assert stats.values["kl_mean"][row] == pytest.approx(np.mean(kl_divergence(p[idx], e[idx], s[idx], fit)), rel=1e-8)
    np.testing.assert_array_equal(stats.kl_per_realization, kl_divergence(p, e, s, stats.fit))
    # standard error and interval, from the resamples
    draws = stats.values["kl_mean"][1:]
    assert stats.std_error("kl_mean") == pytest.approx(np.sqrt(np.sum((draws - draws.mean()) ** 2) / 5), rel=1e-12)
    assert stats.interval("kl_mean") == pytest.approx(tuple(np.percentile(draws, [16, 84])), rel=1e-12)
    assert stats.estimate("kl_mean") == stats.values["kl_mean"][0]


def test_one_set_of_resamples_shared_by_all_statistics_and_points():
    """A resample that repeats one realization gives that realization's statistics in every
    column at once; two points with the same number of realizations get the same resamples,
    and the same seed gives the same numbers bit for bit."""
    p_n, e, s, p = tiny_point(n_realizations=4, seed=1)
    stats = stats_of(p_n, e, s, p, n_resamples=200)
    repeated = [b for b, idx in enumerate(stats.indices) if np.all(idx == idx[0])]
    assert repeated, "200 resamples of 4 realizations repeat one realization (probability 1 - 0.98^200)"
    for b in repeated:
        r = stats.indices[b, 0]
        alone = fit_spin_temperature(e[r], s[r], p[r], PARAMS.omega_e)
        assert stats.values["p_n_mean"][1 + b] == p_n[r]
        assert stats.values["p_n_std"][1 + b] == 0.0
        assert stats.values["p_n_fm"][1 + b] == pytest.approx(alone.nuclear_polarization(PARAMS.omega_n), rel=1e-8)
        assert stats.values["kl_mean"][1 + b] == pytest.approx(kl_divergence(p[r], e[r], s[r], alone)[0], rel=1e-8)
    other = stats_of(*tiny_point(n_realizations=4, seed=2), n_resamples=200)
    np.testing.assert_array_equal(other.indices, stats.indices)
    again = stats_of(p_n, e, s, p, n_resamples=200)
    for name in STATISTICS:
        np.testing.assert_array_equal(again.values[name], stats.values[name])
    reseeded = stats_of(p_n, e, s, p, n_resamples=200, seed=BOOTSTRAP_SEED + 1)
    assert not np.array_equal(reseeded.indices, stats.indices)
    np.testing.assert_array_equal(reseeded.values["p_n_mean"][:1], stats.values["p_n_mean"][:1])


def test_without_spectra_or_refits_only_what_is_computed_is_reported():
    """Without populations: mean and SD of P_n only. With ``refit=False``: the fit-based
    statistics on all realizations, NaN on the resamples, so NaN errors. A given fit is used
    as is; a start only seeds the full-sample fit."""
    p_n, e, s, p = tiny_point()
    bare = point_statistics(p_n, 6)
    assert bare.fit is None and bare.kl_per_realization is None
    assert np.isfinite(bare.std_error("p_n_mean")) and np.isfinite(bare.std_error("p_n_std"))
    for name in ("p_n_fm", "ratio", "kl_mean"):
        assert np.all(np.isnan(bare.values[name]))
    full = stats_of(p_n, e, s, p)
    for name in ("p_n_mean", "p_n_std"):  # the same resamples, with or without spectra
        np.testing.assert_array_equal(bare.values[name], full.values[name])
    cheap = stats_of(p_n, e, s, p, refit=False)
    assert cheap.estimate("p_n_fm") == full.estimate("p_n_fm") and cheap.estimate("kl_mean") == full.estimate("kl_mean")
    assert np.isnan(cheap.std_error("p_n_fm")) and all(np.isnan(cheap.interval("kl_mean")))
    np.testing.assert_array_equal(cheap.values["p_n_std"], full.values["p_n_std"])
    given = stats_of(p_n, e, s, p, fit=full.fit, refit=False)
    assert given.fit is full.fit
    started = stats_of(p_n, e, s, p, start=(full.fit.beta_s, full.fit.a), refit=False)
    assert started.estimate("p_n_fm") == pytest.approx(full.estimate("p_n_fm"), rel=1e-8)
    with pytest.raises(ValueError, match="two realizations"):
        point_statistics(p_n[:1], 6)
    with pytest.raises(ValueError, match="do not match"):
        stats_of(p_n[:4], e, s, p)
    assert resample_indices(5, 6).shape == (6, 5)


def test_populations_of_the_ansatz_give_its_temperature_on_every_resample():
    """Populations that are exactly the Ansatz (Eq. 17) at one (beta_s, h): every resample's
    fit recovers beta_s, so P_n^FM has no spread, and D_KL vanishes on every resample."""
    _, e, s, _ = tiny_point(n_realizations=6, seed=3)
    beta_s = 150 * PARAMS.beta
    a = beta_s * 0.4 * PARAMS.delta_omega_e
    p = np.exp(ansatz_log_weights(beta_s, a, e, s))
    stats = stats_of(np.linspace(0.01, 0.06, 6), e, s, p, n_resamples=20)
    np.testing.assert_allclose(stats.values["p_n_fm"], np.tanh(0.5 * beta_s * PARAMS.omega_n), rtol=1e-8)
    assert np.all(stats.values["kl_mean"] < 1e-12)
    assert stats.std_error("p_n_fm") < 1e-9 * stats.estimate("p_n_fm")


def test_undriven_point_is_at_the_lattice_temperature_on_every_resample():
    """No microwaves: every stationary state is Gibbs at the lattice temperature, so every
    resample's fit gives P_n^FM = tanh(beta w_n / 2) and D_KL = 0."""
    params = dnpmbl.Parameters.from_units(4, u_mhz=20.0).with_(omega_1=0.0)
    results = [
        dnpmbl.solve_realization(params, *dnpmbl.realization_couplings(params, 5, r), params.microwave_frequency(-0.5))
        for r in range(4)
    ]
    stats = point_statistics(
        [r.p_n[0] for r in results], 5,
        reduced_energy=[r.reduced_energy for r in results], magnetization=[r.magnetization for r in results],
        populations=[r.populations[0] for r in results], omega_e=params.omega_e, omega_n=params.omega_n,
    )  # fmt: skip
    np.testing.assert_allclose(stats.values["p_n_fm"], np.tanh(0.5 * params.beta * params.omega_n), rtol=1e-9)
    assert np.all(stats.values["kl_mean"] < 1e-12)
