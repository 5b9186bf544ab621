"""Unit tests of ``dnpmbl.strengths`` against dense full-Hilbert-space matrix elements.

dnpmbl's eigenvectors of each sector are mapped into the whole ``2^(N+1)`` space
(``test_diagonalization.embedding``) and every strength is recomputed there as a plain
matrix element of the Kronecker-product operators of ``bruteforce.py`` (``S+_j``, ``Sx``,
``Sz_j``): the row-subset GEMMs and rank-k updates of the module must give the same numbers
to rounding. Sum rules that hold in any eigenbasis check the normalization independently of
the eigenvectors. N = 2..6, a few seconds in all.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

import bruteforce as bf
import dnpmbl
from dnpmbl.strengths import dephasing_strengths, flip_strengths, transition_strengths
from test_diagonalization import CASES, _id, embedding

#: Rounding allowed, relative to the largest strength of the block (O(1) numbers).
TOL = 1e-13


@functools.lru_cache(maxsize=None)
def load(case):
    n, seed, u, d = case
    params = dnpmbl.Parameters.from_units(n, u_mhz=u, d_mhz=d)
    u_ij, d_i = dnpmbl.realization_couplings(params, seed, 0)
    spectrum = dnpmbl.diagonalize(params, u_ij, d_i)
    ops = bf.operators(n)
    full_vectors = [embedding(n, k) @ s.vectors for k, s in enumerate(spectrum.sectors)]
    return spectrum, transition_strengths(spectrum), ops, full_vectors


def elements(op, initial, final):
    """``M[m, n] = <n|op|m>`` for eigenvectors m of ``initial`` and n of ``final`` (columns)."""
    return (final.T @ op.real @ initial).T if np.abs(op.imag).max() == 0 else (final.conj().T @ op @ initial).T


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_flip_and_sx_are_the_full_space_matrix_elements(case):
    spectrum, strengths, ops, vectors = load(case)
    n = spectrum.params.n_spins
    assert len(strengths.flip) == len(strengths.sx) == n
    for k in range(n):
        lo, hi = vectors[k], vectors[k + 1]
        flip = sum(np.abs(elements(ops.sp[j], lo, hi)) ** 2 for j in range(n))
        sx = np.abs(elements(ops.sx_total, lo, hi)) ** 2
        assert strengths.flip[k].shape == sx.shape == (spectrum.dims[k], spectrum.dims[k + 1])
        assert np.abs(strengths.flip[k] - flip).max() <= TOL * flip.max(), k
        assert np.abs(strengths.sx[k] - sx).max() <= TOL * sx.max(), k
        # S- (the transpose direction) connects nothing from k to k+1: the strengths are
        # S+ only, as the module says.
        assert np.abs(elements(sum(ops.sp).conj().T, lo, hi)).max() < 1e-14


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_dephasing_is_the_full_space_matrix_elements(case):
    spectrum, strengths, ops, vectors = load(case)
    n = spectrum.params.n_spins
    assert len(strengths.dephase) == n + 1
    for k in range(n + 1):
        v = vectors[k]
        dephase = sum(elements(ops.sz[j], v, v) ** 2 for j in range(n))
        np.fill_diagonal(dephase, 0.0)
        got = strengths.dephase[k]
        assert got.shape == (spectrum.dims[k],) * 2
        assert np.array_equal(got, got.T) and np.all(np.diag(got) == 0)
        if k in (0, n):  # every Sz_j is +-1/2 times the identity: nothing off the diagonal
            assert np.abs(dephase).max() < 1e-28 and not got.any()
            continue
        assert np.abs(got - dephase).max() <= TOL * dephase.max(), k


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_sum_rules(case):
    """Sums that hold in any orthonormal eigenbasis of the sectors:
    ``sum_mn flip[k] = sum_j Tr(P_k S-_j S+_j) = 2 C(N, k) (N - k)`` (each spin down in k
    raised once, both nuclear states), ``sum_mn sx[k] = Tr(P_k Sx P_k+1 Sx) = 2 C(N, k) (N - k) / 4``,
    and ``sum_mn dephase[k] + sum_n sum_j <n|Sz_j|n>^2 = Tr(P_k sum_j Sz_j^2) = d_k N / 4``."""
    spectrum, strengths, ops, vectors = load(case)
    n = spectrum.params.n_spins
    for k in range(n):
        raised = 2 * math.comb(n, k) * (n - k)
        assert abs(strengths.flip[k].sum() - raised) < 1e-12 * raised
        assert abs(strengths.sx[k].sum() - raised / 4) < 1e-12 * raised
    for k in range(n + 1):
        v = vectors[k]
        diagonal = sum(np.einsum("an,ab,bn->n", v, ops.sz[j].real, v) ** 2 for j in range(n)).sum()
        total = spectrum.dims[k] * n / 4
        assert abs(strengths.dephase[k].sum() + diagonal - total) < 1e-12 * total


def test_transition_strengths_are_the_per_sector_functions():
    """The whole set equals the per-sector functions called on the spectrum's own
    (Fortran-order) eigenvectors: the C-order copies change no number."""
    spectrum, strengths, _, _ = load(CASES[-1])
    for k in range(spectrum.params.n_spins):
        flip, sx = flip_strengths(spectrum, k)
        assert np.array_equal(flip, strengths.flip[k]) and np.array_equal(sx, strengths.sx[k])
    for k in range(spectrum.params.n_spins + 1):
        assert np.array_equal(dephasing_strengths(spectrum, k), strengths.dephase[k])


def test_strengths_need_the_eigenvectors():
    """Without eigenvectors (``Spectrum.without_vectors``) there is nothing to compute
    them from: an error, not zeros."""
    spectrum, _, _, _ = load(CASES[1])
    with pytest.raises(ValueError, match="need the eigenvectors"):
        transition_strengths(spectrum.without_vectors())
