"""Unit tests of ``dnpmbl.diagonalization`` against dense full-Hilbert-space matrices.

The reference is ``bruteforce.py``: Eq. (9) built from Kronecker products of 2x2 spin
matrices in the whole ``2^(N+1)`` space (electrons 0..N-1, then the nucleus), with no
sectors or bit masks. Each sector of dnpmbl is mapped into that space by an embedding
``P_k`` (one 1 per column) written here from the documented basis convention (bit ``i`` of
a configuration set: spin ``i`` up; ``nu = 0``: ``Iz = +1/2``; basis index ``2 position(c)
+ nu``), so a wrong convention, a missing matrix element or a mixed-up sector shows as an
O(1) error. N = 2..6, a few seconds in all.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

import bruteforce as bf
import dnpmbl
from dnpmbl.diagonalization import (
    Sector,
    Spectrum,
    diagonalize,
    electron_block,
    exchange_pairs,
    sector_configurations,
    sector_hamiltonian,
    spin_z,
)
from dnpmbl.model import check_shifts, zeeman_shifts

#: (N, seed, U in MHz, D in MHz): weak and strong dipolar coupling.
CASES = [(2, 1, 15.0, 1.0), (3, 2, 2.0, 0.3), (4, 3, 15.0, 1.0), (5, 4, 45.0, 1.0), (6, 5, 15.0, 3.0)]


def _id(case):
    return "N{}-s{}-U{:g}-D{:g}".format(*case)


def full_index(n_spins: int, mask: int, nu: int) -> int:
    """Row of (configuration ``mask``, nuclear state ``nu``) in the Kronecker basis of
    ``bruteforce``: site 0 is the most significant factor, and state 0 of each factor is
    up (Sz = +1/2), so spin i up contributes 0 and spin i down 2^(N - i)."""
    index = nu
    for i in range(n_spins):
        if not (mask >> i) & 1:
            index += 1 << (n_spins - i)
    return index


def embedding(n_spins: int, k: int) -> np.ndarray:
    """``P_k`` (2^(N+1), 2 C(N, k)): column ``2 position(c) + nu`` is the full-space basis
    state of (c, nu)."""
    masks = sector_configurations(n_spins, k)
    p = np.zeros((2 ** (n_spins + 1), 2 * masks.size))
    for pos, mask in enumerate(masks):
        for nu in (0, 1):
            p[full_index(n_spins, int(mask), nu), 2 * pos + nu] = 1.0
    return p


@functools.lru_cache(maxsize=None)
def load(case):
    n, seed, u, d = case
    params = dnpmbl.Parameters.from_units(n, u_mhz=u, d_mhz=d)
    u_ij, d_i = dnpmbl.realization_couplings(params, seed, 0)
    ops = bf.operators(n)
    # H - w_e Sz without forming w_e Sz (exact: no cancellation of ~1e12 rad/s terms).
    reduced = bf.hamiltonian(params, u_ij, d_i, ops, omega_e=0.0)
    return params, u_ij, d_i, ops, reduced


def test_configurations_are_the_ascending_masks_with_k_bits():
    for n in range(1, 8):
        seen = []
        for k in range(n + 1):
            masks = sector_configurations(n, k)
            assert masks.dtype == np.int64 and masks.size == math.comb(n, k)
            assert np.all(np.diff(masks) > 0)
            assert all(bin(int(m)).count("1") == k for m in masks)
            seen.extend(masks.tolist())
        assert sorted(seen) == list(range(2**n))  # the sectors partition the configurations
    with pytest.raises(ValueError, match="n_up"):
        sector_configurations(3, 4)


def test_spin_z_reads_the_bits():
    masks = np.array([0b000, 0b101, 0b110], dtype=np.int64)
    expected = [[-0.5, -0.5, -0.5], [0.5, -0.5, 0.5], [-0.5, 0.5, 0.5]]
    assert spin_z(masks, 3).tolist() == expected


def test_exchange_pairs_swap_exactly_the_two_spins():
    n, k = 5, 2
    masks = sector_configurations(n, k)
    count = 0
    for i, j, rows, cols in exchange_pairs(masks, n):
        assert i < j
        assert np.array_equal(masks[cols], masks[rows] ^ ((1 << i) | (1 << j)))
        assert np.all(((masks[rows] >> i) & 1) != ((masks[rows] >> j) & 1))
        count += rows.size
    # Each configuration with k up spins has k (N - k) exchangeable pairs.
    assert count == masks.size * k * (n - k)


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_sector_blocks_are_the_full_hamiltonian_projected(case):
    """``P_k^T (H - w_e Sz) P_k`` is :func:`sector_hamiltonian` to rounding, and the blocks
    between different sectors vanish: the sectors are invariant and complete."""
    params, u_ij, d_i, _, reduced = load(case)
    n = params.n_spins
    embeddings = [embedding(n, k) for k in range(n + 1)]
    assert np.array_equal(sum(p @ p.T for p in embeddings), np.eye(2 ** (n + 1)))
    scale = np.abs(reduced).max()
    for k, p in enumerate(embeddings):
        block = sector_hamiltonian(params, sector_configurations(n, k), u_ij, d_i)
        assert np.abs(block - p.T @ reduced @ p).max() <= 1e-14 * scale, k
        for other in embeddings[k + 1 :]:
            assert np.abs(p.T @ reduced @ other).max() == 0.0


def test_electron_block_diagonal_and_exchange():
    """One up spin of three: the diagonal is Delta_i - (sum Delta) / 2 for the up spin i,
    and the exchange couples configurations i and j with U_ij."""
    shifts = np.array([1.0, 10.0, 100.0])
    u_ij = np.array([[0.0, 2.0, 3.0], [2.0, 0.0, 5.0], [3.0, 5.0, 0.0]])
    block = electron_block(sector_configurations(3, 1), shifts, u_ij)
    assert np.diag(block).tolist() == [s - shifts.sum() / 2 for s in shifts]
    off = block - np.diag(np.diag(block))
    assert off.tolist() == u_ij.tolist()  # masks 1, 2, 4: spin 0, 1, 2 up


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_diagonalize_against_the_full_space(case):
    """Energies are the spectrum of the full ``H - w_e Sz`` (eigh on 2^(N+1)); in each
    sector the eigenvectors are orthonormal eigenvectors of the projected block, ``<Iz>``
    is their full-space expectation, and the flat arrays follow the sector order."""
    params, u_ij, d_i, ops, reduced = load(case)
    n = params.n_spins
    spectrum = diagonalize(params, u_ij, d_i)
    scale = np.abs(reduced).max()
    assert len(spectrum.sectors) == n + 1
    assert spectrum.dims == [2 * math.comb(n, k) for k in range(n + 1)]
    assert spectrum.sector_starts.tolist() == np.concatenate([[0], np.cumsum(spectrum.dims)]).tolist()
    assert spectrum.sector_starts[-1] == 2 ** (n + 1)
    full = np.linalg.eigvalsh(reduced)
    assert np.abs(np.sort(spectrum.reduced_energy) - full).max() <= 1e-13 * scale
    for k, sector in enumerate(spectrum.sectors):
        p = embedding(n, k)
        vectors = p @ sector.vectors  # eigenvectors in the full space
        assert sector.n_up == k and np.all(np.diff(sector.reduced_energies) >= 0)
        assert np.abs(vectors.T @ vectors - np.eye(sector.dim)).max() < 1e-13
        residual = reduced @ vectors - vectors * sector.reduced_energies[None, :]
        assert np.abs(residual).max() <= 1e-13 * scale, k
        assert np.abs(sector.iz - np.einsum("an,ab,bn->n", vectors, ops.iz.real, vectors)).max() < 1e-13
        # Each eigenvector has magnetization k - N/2 in the full space.
        sz = np.einsum("an,ab,bn->n", vectors, ops.sz_total.real, vectors)
        assert np.abs(sz - (k - n / 2)).max() < 1e-13
    start = spectrum.sector_starts
    for k in range(n + 1):
        assert np.all(spectrum.magnetization[start[k] : start[k + 1]] == k - n / 2)
    assert np.array_equal(spectrum.energy, spectrum.reduced_energy + params.omega_e * spectrum.magnetization)
    assert np.array_equal(spectrum.iz, np.concatenate([s.iz for s in spectrum.sectors]))


def test_diagonalize_with_given_shifts():
    """Random Zeeman shifts enter as in the full-space Hamiltonian; the spectrum records
    them; without shifts it uses (and records) the equally spaced ones."""
    params, u_ij, d_i, ops, _ = load(CASES[3])
    n = params.n_spins
    shifts = np.random.default_rng(9).uniform(-1, 1, n) * params.delta_omega_e
    reduced = bf.hamiltonian(params, u_ij, d_i, ops, omega_e=0.0, shifts=shifts)
    spectrum = diagonalize(params, u_ij, d_i, shifts=shifts)
    assert np.array_equal(spectrum.shifts, shifts)
    full = np.linalg.eigvalsh(reduced)
    assert np.abs(np.sort(spectrum.reduced_energy) - full).max() <= 1e-13 * np.abs(reduced).max()
    equal = diagonalize(params, u_ij, d_i)
    assert np.array_equal(equal.shifts, zeeman_shifts(n, params.delta_omega_e))
    assert np.abs(np.sort(spectrum.reduced_energy) - np.sort(equal.reduced_energy)).max() > 1e-3 * params.delta_omega_e


def test_shifts_are_checked():
    assert check_shifts(3, [1, 2, 3]).dtype == float
    for bad in (None, [1.0, 2.0], [1.0, np.nan, 2.0]):
        with pytest.raises(ValueError, match="shifts"):
            check_shifts(3, bad)
    params, u_ij, d_i, _, _ = load(CASES[2])
    with pytest.raises(ValueError, match="shifts"):
        diagonalize(params, u_ij, d_i, shifts=np.zeros(params.n_spins + 1))


def test_without_vectors_keeps_everything_else():
    params, u_ij, d_i, _, _ = load(CASES[2])
    spectrum = diagonalize(params, u_ij, d_i)
    bare = spectrum.without_vectors()
    assert all(s.vectors.size == 0 for s in bare.sectors)
    assert all(s.vectors.size == s.dim**2 for s in spectrum.sectors)
    for name in ("dims", "energy", "reduced_energy", "magnetization", "iz", "sector_starts"):
        assert np.array_equal(getattr(bare, name), getattr(spectrum, name)), name
    assert bare.backend is spectrum.backend and bare.shifts is spectrum.shifts
    assert isinstance(bare, Spectrum) and isinstance(bare.sectors[0], Sector)
