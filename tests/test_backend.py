"""The backend plumbing (``dnpmbl.backend``) and the GPU's stationary solver run on the CPU.

The GPU path is the same code as the CPU path over another array module, except for its
stationary solver: pivoted LU over batches of microwave frequencies instead of the
subtraction-free GTH LU. Here that solver runs on numpy (``get_backend("cpu",
stationary="lu")``) and is held to the accuracy the GPU must reach: P_n within 1e-10 of
GTH and every population within 1e-12 of the largest. ``tests/test_gpu.py`` repeats the
comparison with CuPy where a GPU is present.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import dnpmbl
from dnpmbl import backend as backend_module
from dnpmbl.backend import BackendError, get_backend, gpu_available, to_host
from dnpmbl.diagonalization import diagonalize
from dnpmbl.eth import eigenstate_diagnostics
from dnpmbl.rates import Generator, bath_generator, driven_batch, driven_generator, microwave_batch, microwave_blocks
from dnpmbl.realization import solve_realization, stationary_all_frequencies
from dnpmbl.stationary import StationaryStateError, stationary_frequency_batch, stationary_one_frequency
from dnpmbl.strengths import transition_strengths
from test_stationary import random_generators

LU = get_backend("cpu", stationary="lu")


def _realization(n, u_mhz=15.0, r=0, seed=2016):
    params = dnpmbl.Parameters.from_units(n, u_mhz=u_mhz)
    u_ij, d_i = dnpmbl.realization_couplings(params, seed, r)
    return params, u_ij, d_i


def test_default_backend_is_the_cpu_with_gth():
    cpu = get_backend()
    assert cpu.name == "cpu" and cpu.stationary == "gth" and cpu.xp is np
    assert get_backend("cpu") is cpu and get_backend(cpu) is cpu
    assert LU.name == "cpu" and LU.stationary == "lu" and LU != cpu
    assert get_backend(LU) is LU
    assert get_backend(cpu, stationary="lu") == LU


@pytest.mark.parametrize("name, stationary", [("tpu", None), ("GPU", None), ("cpu", "qr"), ("", None)])
def test_unknown_backend_or_solver_is_refused(name, stationary):
    with pytest.raises(BackendError, match="unknown"):
        get_backend(name, stationary=stationary)


@pytest.mark.skipif(gpu_available(), reason="a GPU is present")
def test_gpu_without_a_gpu_says_what_is_missing():
    with pytest.raises(BackendError, match="backend 'gpu'") as exc:
        get_backend("gpu")
    assert "cpu" in str(exc.value)
    assert not gpu_available()


def test_gpu_has_no_gth():
    with pytest.raises(BackendError, match="pivoted LU only"):
        get_backend("gpu", stationary="gth")


def test_to_host_takes_anything_with_get():
    class Device:
        def get(self):
            return np.arange(3.0)

    np.testing.assert_array_equal(to_host(Device()), np.arange(3.0))
    a = np.ones(2)
    assert to_host(a) is a
    np.testing.assert_array_equal(to_host([1.0, 2.0]), [1.0, 2.0])


def test_cpu_backend_changes_no_number():
    """Naming the CPU backend gives bit-identical spectra, strengths and populations."""
    params, u_ij, d_i = _realization(6)
    om = [params.microwave_frequency(o) for o in (-0.5, 0.3)]
    a = solve_realization(params, u_ij, d_i, om, keep_operators=True)
    b = solve_realization(params, u_ij, d_i, om, keep_operators=True, backend="cpu")
    np.testing.assert_array_equal(a.populations, b.populations)
    for x, y in zip(a.strengths.dephase + a.strengths.flip, b.strengths.dephase + b.strengths.flip):
        np.testing.assert_array_equal(x, y)
    assert a.spectrum.backend is get_backend("cpu")
    assert np.all(a.negative == 0)


def test_microwave_batch_is_bit_identical_to_single_frequencies():
    params, u_ij, d_i = _realization(6)
    spectrum = diagonalize(params, u_ij, d_i)
    strengths = transition_strengths(spectrum)
    om = np.array([params.microwave_frequency(o) for o in (-1.2, -0.5, 0.0, 0.9)])
    batch = microwave_batch(spectrum, strengths, om)
    for f, w in enumerate(om):
        for k, block in enumerate(microwave_blocks(spectrum, strengths, w)):
            np.testing.assert_array_equal(batch[k][f], block)
    bath = bath_generator(spectrum, strengths)
    driven = driven_batch(bath, microwave_batch(spectrum, strengths, om))
    for f, w in enumerate(om):
        single = driven_generator(bath, microwave_blocks(spectrum, strengths, w))
        for k in range(params.n_spins):
            np.testing.assert_array_equal(driven.up[k][f], single.up[k])
            np.testing.assert_array_equal(driven.down[k][f], single.down[k])


@pytest.mark.parametrize("spread", [2, 4])
def test_lu_solver_on_random_generators(spread):
    """Pivoted LU against GTH on random generators with rates over 2 spread decades:
    every population within 1e-12 of the largest, no clipping beyond rounding."""
    worst = 0.0
    for g in random_generators(seed=40 + spread, count=30, spread=spread, density=0.5, max_levels=5, max_dim=7):
        ref = stationary_one_frequency(g)
        batch = Generator(g.within, tuple(u[None] for u in g.up), tuple(d[None] for d in g.down))
        p, residual, negative = stationary_frequency_batch(batch)
        assert p.shape == (1, ref.size) and p.min() >= 0.0
        assert residual[0] <= 1e-9 and -1e-12 <= negative[0] <= 0.0
        worst = max(worst, float(np.abs(p[0] - ref).max() / ref.max()))
    assert worst <= 1e-12


def test_lu_solver_batches_equal_single_solves():
    params, u_ij, d_i = _realization(8, u_mhz=6.0, r=3)
    spectrum = diagonalize(params, u_ij, d_i)
    strengths = transition_strengths(spectrum)
    om = np.array([params.microwave_frequency(o) for o in (-1.0, -0.5, 0.25)])
    bath = bath_generator(spectrum, strengths)
    together, res_together, _ = stationary_frequency_batch(driven_batch(bath, microwave_batch(spectrum, strengths, om)))
    for f, w in enumerate(om):
        alone, res_alone, _ = stationary_frequency_batch(driven_batch(bath, microwave_batch(spectrum, strengths, om[f : f + 1])))
        np.testing.assert_allclose(together[f], alone[0], rtol=0, atol=1e-15 * alone.max())
        np.testing.assert_allclose(res_together[f], res_alone[0], rtol=1e-6, atol=1e-17)


@pytest.mark.parametrize("n_spins", [4, 6, 8, 10])
@pytest.mark.parametrize("u_mhz", [2.0, 15.0, 45.0])
def test_lu_solver_matches_gth_on_realizations(n_spins, u_mhz):
    """The acceptance of the GPU's solver, on the CPU: P_n within 1e-10 of GTH, populations
    within 1e-12 of the largest, at offsets across the DNP profile, two realizations."""
    for r in range(2):
        params, u_ij, d_i = _realization(n_spins, u_mhz, r)
        om = [params.microwave_frequency(o) for o in (-1.5, -0.5, 0.0, 1.0)]
        gth = solve_realization(params, u_ij, d_i, om)
        lu = solve_realization(params, u_ij, d_i, om, backend=LU)
        assert np.abs(lu.p_n - gth.p_n).max() <= 1e-10
        scale = gth.populations.max(axis=1, keepdims=True)
        assert np.abs(lu.populations - gth.populations).max() <= 1e-12 * scale.min()
        assert lu.populations.min() >= 0.0 and np.all(lu.negative >= -1e-12)
        assert lu.residual.max() <= 1e-12


@pytest.mark.slow
def test_lu_solver_matches_gth_at_n12():
    params, u_ij, d_i = _realization(12, 4.0, 1)
    om = [params.microwave_frequency(o) for o in (-0.5, 0.9)]
    spectrum = diagonalize(params, u_ij, d_i)
    strengths = transition_strengths(spectrum)
    gth, _ = stationary_all_frequencies(spectrum, strengths, om)
    lu, residual = stationary_all_frequencies(dataclasses.replace(spectrum, backend=LU), strengths, om)
    iz = spectrum.iz
    assert np.abs(2 * (lu - gth) @ iz).max() <= 1e-10
    assert np.abs(lu - gth).max() <= 1e-12 * gth.max(axis=1).min()
    assert residual.max() <= 1e-12


def test_lu_solver_refuses_a_reducible_generator():
    within = (np.zeros((2, 2)), np.array([[0.0, 1.0], [1.0, 0.0]]))
    up = (np.zeros((1, 2, 2)),)
    down = (np.zeros((1, 2, 2)),)
    with pytest.raises(StationaryStateError, match="(reducible|singular|non-finite)"):
        stationary_frequency_batch(Generator(within, up, down), label="two islands")


def test_lu_solver_refuses_negative_rates():
    g = random_generators(seed=1, count=1, spread=1, density=1.0)[0]
    up = tuple(-u[None] for u in g.up)
    with pytest.raises(ValueError, match="negative"):
        stationary_frequency_batch(Generator(g.within, up, tuple(d[None] for d in g.down)))


def test_lu_solver_clips_and_reports_rounding_negatives(monkeypatch):
    """A solution with a rounding-size negative population is clipped and reported; one
    beyond rounding is refused."""
    g = random_generators(seed=2, count=1, spread=1, density=1.0, max_levels=3, max_dim=4, min_dim=2)[0]
    batch = Generator(g.within, tuple(u[None] for u in g.up), tuple(d[None] for d in g.down))
    exact, _, _ = stationary_frequency_batch(batch)
    real_concatenate = np.concatenate

    def perturbed(size):
        def concatenate(arrays, axis=0):
            out = real_concatenate(arrays, axis=axis)
            if axis == 1 and out.ndim == 2 and out.shape[1] == exact.shape[1]:
                out[0, -1] = -size * out[0].max()
            return out

        return concatenate

    import dnpmbl.stationary as st

    monkeypatch.setattr(st.np, "concatenate", perturbed(1e-14))
    p, _, negative = stationary_frequency_batch(batch, tol=1.0)
    assert p.min() == 0.0 and -1.1e-14 < negative[0] < -0.9e-14
    monkeypatch.setattr(st.np, "concatenate", perturbed(1e-9))
    with pytest.raises(StationaryStateError, match="negative population"):
        stationary_frequency_batch(batch, tol=1.0)


def test_eigenstate_diagnostics_take_a_backend():
    params, u_ij, _ = _realization(8)
    a = eigenstate_diagnostics(params, u_ij)
    b = eigenstate_diagnostics(params, u_ij, backend="cpu")
    np.testing.assert_array_equal(a.local_sz, b.local_sz)
    with pytest.raises(BackendError):
        eigenstate_diagnostics(params, u_ij, backend="tpu")


def test_batch_size_is_one_on_the_cpu():
    assert LU.batch_size(10**6) == 1 and get_backend().batch_size(1) == 1


# --- the GPU code path on a numpy stand-in for CuPy (tests/fake_cupy) --------------------

FAKE_CUPY = __import__("pathlib").Path(__file__).parent / "fake_cupy"


@pytest.fixture
def stand_in_gpu(monkeypatch):
    """``get_backend("gpu")`` backed by tests/fake_cupy; undone after the test."""
    import sys

    monkeypatch.syspath_prepend(str(FAKE_CUPY))
    for name in [m for m in sys.modules if m == "cupy" or m.startswith("cupyx")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(backend_module, "_GPU", None)
    yield get_backend("gpu")
    for name in [m for m in sys.modules if m == "cupy" or m.startswith("cupyx")]:
        del sys.modules[name]


def test_gpu_code_path_on_a_stand_in(stand_in_gpu):
    """The CupyBackend's own primitives (eigh, a take without mode, the full Gram product,
    frequency batches sized from free memory) give the CPU reference's numbers."""
    gpu = stand_in_gpu
    assert gpu.name == "gpu" and gpu.stationary == "lu" and get_backend("gpu") is gpu
    assert gpu.batch_size(10**6) == backend_module.MAX_BATCH and gpu.batch_size(10**9) == 1
    for n_spins, u_mhz in ((6, 2.0), (8, 15.0)):
        params, u_ij, d_i = _realization(n_spins, u_mhz)
        om = [params.microwave_frequency(o) for o in np.linspace(-1.5, 1.5, 7)]
        cpu = solve_realization(params, u_ij, d_i, om)
        dev = solve_realization(params, u_ij, d_i, om, backend="gpu")
        assert np.abs(dev.p_n - cpu.p_n).max() <= 1e-10
        assert np.abs(dev.populations - cpu.populations).max() <= 1e-12 * cpu.populations.max(axis=1).min()
    params, u_ij, _ = _realization(10)
    a, b = eigenstate_diagnostics(params, u_ij), eigenstate_diagnostics(params, u_ij, backend="gpu")
    assert abs(a.delta_m(0) - b.delta_m(0)) < 1e-10 and abs(a.level_spacing_ratio() - b.level_spacing_ratio()) < 1e-10


def test_gpu_benchmark_runs_on_a_stand_in(tmp_path):
    """``bench/core.py --backend gpu`` prints its GPU and CPU rows (on the stand-in)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=str(FAKE_CUPY))
    proc = subprocess.run(
        [sys.executable, str(root / "bench" / "core.py"), "--backend", "gpu", "--sizes", "6", "--repeats", "1",
         "--frequencies", "3", "--cpu-max", "6", "--eth-sizes", "6"],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "numpy stand-in for CuPy" in out
    rows = [line.split() for line in out.splitlines() if line.split()[:2] in (["6", "gpu"], ["6", "cpu"])]
    assert len(rows) == 2
    assert "max |P_n(GPU) - P_n(CPU)|" in out and "CPU/GPU" in out and "N= 6: GPU" in out
