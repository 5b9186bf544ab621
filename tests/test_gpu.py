"""The GPU backend against the CPU reference (skipped where no CUDA GPU and CuPy are present).

The GPU path is the CPU's code over CuPy arrays with the pivoted-LU stationary solver; the
acceptance is per realization: P_n within 1e-10 of the CPU's GTH result and every
population within 1e-12 of the largest, at N = 6, 8, 10, 12; the Fig. 4 diagnostics at
N = 8..14; the stationary solver on random generators. CI has no GPU: run this module on a
GPU machine (``python -m pytest tests/test_gpu.py``).
"""

from __future__ import annotations

import numpy as np
import pytest

import dnpmbl
from dnpmbl.backend import gpu_available

pytestmark = pytest.mark.skipif(not gpu_available(), reason="no CUDA GPU with CuPy here")

N_REALIZATIONS = {6: 4, 8: 4, 10: 3, 12: 2}


def _gpu():
    return dnpmbl.backend.get_backend("gpu")


@pytest.mark.parametrize("n_spins", sorted(N_REALIZATIONS))
@pytest.mark.parametrize("u_mhz", [2.0, 15.0, 45.0])
def test_gpu_realizations_match_the_cpu(n_spins, u_mhz):
    for r in range(N_REALIZATIONS[n_spins]):
        params = dnpmbl.Parameters.from_units(n_spins, u_mhz=u_mhz)
        u_ij, d_i = dnpmbl.realization_couplings(params, 2016, r)
        om = [params.microwave_frequency(o) for o in (-1.5, -1.0, -0.5, 0.0, 0.5, 1.0)]
        cpu = dnpmbl.solve_realization(params, u_ij, d_i, om)
        gpu = dnpmbl.solve_realization(params, u_ij, d_i, om, backend="gpu")
        assert isinstance(gpu.populations, np.ndarray)
        np.testing.assert_allclose(gpu.reduced_energy, cpu.reduced_energy, rtol=0, atol=1e-9 * np.abs(cpu.reduced_energy).max())
        np.testing.assert_allclose(gpu.iz, cpu.iz, rtol=0, atol=1e-9)
        assert np.abs(gpu.p_n - cpu.p_n).max() <= 1e-10, (n_spins, u_mhz, r)
        scale = cpu.populations.max(axis=1, keepdims=True)
        assert np.all(np.abs(gpu.populations - cpu.populations) <= 1e-12 * scale), (n_spins, u_mhz, r)
        assert gpu.populations.min() >= 0 and gpu.residual.max() <= 1e-9
        assert np.all(gpu.negative >= -1e-12)


def test_gpu_batches_of_frequencies_equal_single_solves():
    params = dnpmbl.Parameters.from_units(10, u_mhz=6.0)
    u_ij, d_i = dnpmbl.realization_couplings(params, 2016, 5)
    om = [params.microwave_frequency(o) for o in np.linspace(-1.5, 1.5, 13)]
    together = dnpmbl.solve_realization(params, u_ij, d_i, om, backend="gpu")
    for f in (0, 6, 12):
        alone = dnpmbl.solve_realization(params, u_ij, d_i, om[f : f + 1], backend="gpu")
        np.testing.assert_allclose(together.populations[f], alone.populations[0], rtol=0, atol=1e-14)


@pytest.mark.parametrize("n_spins", [8, 10, 12, 14])
def test_gpu_fig4_diagnostics_match_the_cpu(n_spins):
    from dnpmbl.eth import eigenstate_diagnostics

    for u_mhz in (2.0, 15.0, 45.0):
        params = dnpmbl.Parameters.from_units(n_spins, u_mhz=u_mhz)
        u_ij, _ = dnpmbl.realization_couplings(params, 2016, 0)
        cpu = eigenstate_diagnostics(params, u_ij)
        gpu = eigenstate_diagnostics(params, u_ij, backend="gpu")
        np.testing.assert_allclose(gpu.energies, cpu.energies, rtol=0, atol=1e-9 * np.abs(cpu.energies).max())
        assert abs(gpu.level_spacing_ratio() - cpu.level_spacing_ratio()) <= 1e-6
        assert abs(gpu.delta_m(0) - cpu.delta_m(0)) <= 1e-9
        # Away from near-degenerate pairs the eigenstates, and their <Sz_i>, are the same.
        gaps = np.diff(cpu.energies)
        isolated = np.ones(cpu.energies.size, bool)
        tight = gaps < 1e-6 * np.abs(cpu.energies).max()
        isolated[:-1] &= ~tight
        isolated[1:] &= ~tight
        np.testing.assert_allclose(gpu.local_sz[isolated], cpu.local_sz[isolated], rtol=0, atol=1e-8)


@pytest.mark.parametrize("spread", [2, 4])
def test_gpu_stationary_solver_on_random_generators(spread):
    import cupy

    from dnpmbl.rates import Generator
    from dnpmbl.stationary import stationary_frequency_batch, stationary_one_frequency
    from test_stationary import random_generators

    for g in random_generators(seed=70 + spread, count=20, spread=spread, density=0.5, max_levels=5, max_dim=7):
        ref = stationary_one_frequency(g)
        dev = Generator(
            tuple(cupy.asarray(w) for w in g.within),
            tuple(cupy.asarray(u)[None] for u in g.up),
            tuple(cupy.asarray(d)[None] for d in g.down),
        )
        p, residual, negative = stationary_frequency_batch(dev, cupy)
        assert np.abs(p[0] - ref).max() <= 1e-12 * ref.max()
        assert residual[0] <= 1e-9 and negative[0] >= -1e-12


def test_gpu_refuses_a_reducible_generator():
    import cupy

    from dnpmbl.rates import Generator
    from dnpmbl.stationary import StationaryStateError, stationary_frequency_batch

    within = (cupy.zeros((2, 2)), cupy.asarray([[0.0, 1.0], [1.0, 0.0]]))
    g = Generator(within, (cupy.zeros((1, 2, 2)),), (cupy.zeros((1, 2, 2)),))
    with pytest.raises(StationaryStateError):
        stationary_frequency_batch(g, cupy)
