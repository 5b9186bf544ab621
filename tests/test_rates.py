"""The fast forms of the rates against their direct definitions.

``bath_generator`` writes ``h(beta (eps_m - eps_n))`` as a ratio of Boltzmann weights and
``microwave_blocks`` forms the detuning as an outer difference; both must agree with the
printed Eqs. (12) and (16) evaluated pair by pair with ``expit``, and the fallback for an
extremely cold lattice (weights that would overflow) must give the same rates.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy.special import expit

import dnpmbl
from dnpmbl import rates
from dnpmbl.diagonalization import diagonalize
from dnpmbl.strengths import dephasing_strengths, flip_strengths, transition_strengths


def _realization(n=5, beta_scale=1.0, seed=3):
    params = dnpmbl.Parameters.from_units(n, u_mhz=15.0, d_mhz=1.0)
    params = replace(params, beta=params.beta * beta_scale)
    u_ij, d_i = dnpmbl.realization_couplings(params, seed, 0)
    spectrum = diagonalize(params, u_ij, d_i)
    return params, spectrum, transition_strengths(spectrum)


def _direct_bath(params, spectrum, strengths):
    """Eq. (12) pair by pair: (2/T1e) h(beta (eps_m - eps_n)) |<n|S|m>|^2 with lab energies."""
    within, up, down = [], [], []
    eps = [params.omega_e * (s.n_up - params.n_spins / 2) + s.reduced_energies for s in spectrum.sectors]
    for k in range(params.n_spins + 1):
        x = params.beta * (eps[k][:, None] - eps[k][None, :])
        within.append(2.0 / params.t1e * expit(x) * strengths.dephase[k])
    for k in range(params.n_spins):
        x = params.beta * (eps[k][:, None] - eps[k + 1][None, :])  # eps_m - eps_n, m in k, n in k+1
        up.append(2.0 / params.t1e * expit(x) * strengths.flip[k] / 2.0)
        down.append((2.0 / params.t1e * expit(-x) * strengths.flip[k] / 2.0).T)
    return within, up, down


def _assert_blocks_close(mine, reference, rtol):
    for a, b in zip(mine, reference):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=rtol, atol=0.0)


@pytest.mark.parametrize("beta_scale", [1.0, 40.0])
def test_bath_rates_match_eq12_pair_by_pair(beta_scale):
    params, spectrum, strengths = _realization(beta_scale=beta_scale)
    bath = rates.bath_generator(spectrum, strengths)
    within, up, down = _direct_bath(params, spectrum, strengths)
    # The direct form loses ~1e-16 * beta * omega_e relative in eps_m - eps_n (w_e ~ 6e11
    # rad/s does not cancel there); the fast form keeps w_e out of the differences.
    rtol = 1e-12 * beta_scale
    _assert_blocks_close(bath.within, within, rtol)
    _assert_blocks_close(bath.up, up, rtol)
    _assert_blocks_close(bath.down, down, rtol)


def test_bath_fallback_for_a_very_cold_lattice(monkeypatch):
    """Weights that would overflow take the expit path; both paths give the same rates."""
    params, spectrum, strengths = _realization()
    fast = rates.bath_generator(spectrum, strengths)
    monkeypatch.setattr(rates, "_thermal_weights", lambda *x, **kw: None)
    slow = rates.bath_generator(spectrum, strengths)
    _assert_blocks_close(fast.within, slow.within, 1e-13)
    _assert_blocks_close(fast.up, slow.up, 1e-13)
    _assert_blocks_close(fast.down, slow.down, 1e-13)


def test_thermal_weights_refuse_to_overflow():
    assert rates._thermal_weights(np.array([0.0, 1500.0])) is None
    (w,) = rates._thermal_weights(np.array([-500.0, 600.0]))
    assert np.all(np.isfinite(w)) and np.all(w > 0)
    np.testing.assert_allclose(np.log(w[1]) - np.log(w[0]), 1100.0, rtol=1e-14)


def test_cold_lattice_rates_are_finite_and_balanced():
    """beta 400x the paper's: beta * w_e ~ 1500, past the weights' range between sectors.
    The rates stay finite and obey detailed balance W(m->n) / W(n->m) = exp(-beta (eps_n - eps_m))."""
    params, spectrum, strengths = _realization(n=4, beta_scale=400.0)
    e0 = spectrum.sectors[0].reduced_energies
    assert rates._thermal_weights(-params.beta * e0, -params.beta * (params.omega_e + e0)) is None
    bath = rates.bath_generator(spectrum, strengths)
    for block in bath.within + bath.up + bath.down:
        assert np.all(np.isfinite(block)) and block.min() >= 0.0
    k = 1
    e_lo, e_hi = spectrum.sectors[k].reduced_energies, spectrum.sectors[k + 1].reduced_energies
    gap = params.omega_e + e_hi[None, :] - e_lo[:, None]
    mask = bath.up[k] > 1e-250
    ratio = bath.up[k][mask] / bath.down[k].T[mask]
    np.testing.assert_allclose(np.log(ratio), -params.beta * gap[mask], rtol=1e-10)


@pytest.mark.parametrize("offset", [-0.5, 0.0, 0.37])
def test_microwave_rates_match_eq16_pair_by_pair(offset):
    params, spectrum, strengths = _realization()
    omega = params.microwave_frequency(offset)
    blocks = rates.microwave_blocks(spectrum, strengths, omega)
    for k, block in enumerate(blocks):
        detuning = (params.omega_e - omega) + (
            spectrum.sectors[k + 1].reduced_energies[None, :] - spectrum.sectors[k].reduced_energies[:, None]
        )
        direct = 4 * params.omega_1**2 * params.t2e * strengths.sx[k] / (1 + (params.t2e * detuning) ** 2)
        np.testing.assert_allclose(block, direct, rtol=1e-12, atol=0.0)


def test_driven_generator_overwrite_gives_the_same_rates():
    params, spectrum, strengths = _realization()
    bath = rates.bath_generator(spectrum, strengths)
    omega = params.microwave_frequency(-0.5)
    kept = rates.driven_generator(bath, rates.microwave_blocks(spectrum, strengths, omega))
    reused = rates.driven_generator(bath, rates.microwave_blocks(spectrum, strengths, omega), overwrite_microwave=True)
    for a, b in zip(kept.up + kept.down, reused.up + reused.down):
        np.testing.assert_array_equal(a, b)


def test_strengths_same_with_given_row_major_vectors():
    """The C-order copies passed in by transition_strengths change nothing."""
    params, spectrum, strengths = _realization(n=6)
    for k in range(params.n_spins):
        flip, sx = flip_strengths(spectrum, k)
        np.testing.assert_array_equal(flip, strengths.flip[k])
        np.testing.assert_array_equal(sx, strengths.sx[k])
    for k in range(params.n_spins + 1):
        np.testing.assert_array_equal(dephasing_strengths(spectrum, k), strengths.dephase[k])
