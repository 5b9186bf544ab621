"""Eigenstate diagnostics of Fig. 4 against an independent dense construction."""

from functools import reduce

import numpy as np
import pytest

import dnpmbl
from dnpmbl.eth import eigenstate_diagnostics

SX = np.array([[0, 0.5], [0.5, 0]])
SY = np.array([[0, -0.5j], [0.5j, 0]])
SZ = np.diag([0.5, -0.5])


def site(op, i, n):
    return reduce(np.kron, [op if j == i else np.eye(2) for j in range(n)])


def dense_electron_hamiltonian(params, u_ij):
    n = params.n_spins
    shifts = dnpmbl.zeeman_shifts(n, params.delta_omega_e)
    h = sum(shifts[i] * site(SZ, i, n) for i in range(n))
    for i in range(n):
        for j in range(i + 1, n):
            # S+S- + S-S+ = 2 (SxSx + SySy)
            h = h + 2 * u_ij[i, j] * (site(SX, i, n) @ site(SX, j, n) + site(SY, i, n) @ site(SY, j, n))
    return np.real(h), [site(SZ, i, n) for i in range(n)]


@pytest.mark.parametrize("n, u_mhz", [(4, 15.0), (6, 2.0), (6, 45.0), (8, 15.0)])
def test_local_magnetizations_match_dense(n, u_mhz):
    params = dnpmbl.Parameters.from_units(n, u_mhz=u_mhz)
    u_ij, _ = dnpmbl.realization_couplings(params, 5, 1)
    h, sz = dense_electron_hamiltonian(params, u_ij)
    total = sum(sz)
    # Project on Sz = 0 by the diagonal of the total magnetization.
    keep = np.nonzero(np.abs(np.diag(total)) < 1e-12)[0]
    w, v = np.linalg.eigh(h[np.ix_(keep, keep)])
    expected = np.stack([np.einsum("an,ab,bn->n", v, s[np.ix_(keep, keep)], v) for s in sz], axis=1)
    diag = eigenstate_diagnostics(params, u_ij)
    np.testing.assert_allclose(diag.energies, w, rtol=0, atol=1e-9 * np.abs(w).max())
    np.testing.assert_allclose(diag.local_sz, expected, atol=1e-9)
    # Each eigenstate has zero total magnetization.
    np.testing.assert_allclose(diag.local_sz.sum(axis=1), 0.0, atol=1e-12)


def test_level_spacing_ratio_limits():
    """<r> of synthetic Poisson and GOE spectra: 0.386 and 0.531."""
    from dnpmbl.eth import EigenstateDiagnostics

    rng = np.random.default_rng(0)
    poisson = EigenstateDiagnostics(np.cumsum(rng.exponential(size=200000)), np.zeros((200000, 1)))
    assert poisson.level_spacing_ratio() == pytest.approx(0.386, abs=0.005)
    a = rng.normal(size=(1500, 1500))
    w = np.linalg.eigvalsh(a + a.T)
    goe = EigenstateDiagnostics(np.sort(w)[300:1200], np.zeros((900, 1)))
    assert goe.level_spacing_ratio() == pytest.approx(0.531, abs=0.015)


def test_eth_versus_localization_at_small_size():
    """Fig. 4b trend: delta M falls with N at U = 45 MHz and stays O(1) at U = 2 MHz."""

    def mean_delta_m(n, u_mhz, reals=6):
        params = dnpmbl.Parameters.from_units(n, u_mhz=u_mhz)
        return np.mean([eigenstate_diagnostics(params, dnpmbl.realization_couplings(params, 3, r)[0]).delta_m() for r in range(reals)])

    strong = [mean_delta_m(n, 45.0) for n in (6, 8, 10)]
    weak = [mean_delta_m(n, 2.0) for n in (6, 8, 10)]
    assert strong[0] > strong[1] > strong[2]
    assert strong[2] < 0.5 * strong[0]
    assert min(weak) > 0.25
    assert min(weak) > 2 * strong[2]


def test_eth_rejects_bad_sizes():
    with pytest.raises(ValueError, match="even"):
        eigenstate_diagnostics(dnpmbl.Parameters.from_units(5), np.zeros((5, 5)))
    with pytest.raises(ValueError, match="limit"):
        eigenstate_diagnostics(dnpmbl.Parameters.from_units(18), np.zeros((18, 18)))
