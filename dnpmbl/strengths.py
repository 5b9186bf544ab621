"""Transition strengths between eigenstates (the operator parts of Eqs. 12 and 16).

They depend only on the eigenvectors, not on T1e, T2e, w_1, w_MW or beta, so they are
computed once per realization and reused for every microwave frequency.

For each pair of neighbouring sectors (k, k+1) and each sector k:

* ``flip[k][m, n] = sum_j |<n|S+_j|m>|^2`` for m in k, n in k+1 (bath spin flips);
* ``sx[k][m, n] = |<n|Sx|m>|^2`` with ``Sx = sum_j Sx_j`` (microwaves, Eq. 16);
* ``dephase[k][m, n] = sum_j |<n|Sz_j|m>|^2`` for m != n in sector k (bath, z part of
  Eq. 12); its diagonal is zero.

``S+_j`` maps the rows of sector k with spin j down one-to-one onto the rows of sector
k+1 with spin j up, so ``<n|S+_j|m>`` is a product of two row subsets of the eigenvector
blocks (one GEMM per spin). Off the diagonal, ``<n|Sz_j|m>`` equals ``<n|P_j|m>`` for the
projector on spin j up, or minus the one on spin j down: the smaller row subset is used,
with a symmetric rank-k update.

Everything runs on the spectrum's backend (:mod:`dnpmbl.backend`): the strengths are
arrays of that backend.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .diagonalization import Spectrum


@dataclass(frozen=True)
class Strengths:
    """Transition strengths of one realization (see module docstring).

    ``flip`` and ``sx`` have N entries of shape (d_k, d_{k+1}); ``dephase`` has N+1
    entries of shape (d_k, d_k). Arrays of the backend that computed them.
    """

    flip: tuple
    sx: tuple
    dephase: tuple


_COLUMN_BLOCK = 256


def _rows_with_spin(masks: np.ndarray, spin: int, up: bool) -> np.ndarray:
    """Basis rows (both nuclear states) whose configuration has ``spin`` up (or down)."""
    sel = np.nonzero(((masks >> spin) & 1) == (1 if up else 0))[0]
    rows = np.empty(2 * sel.size, dtype=np.intp)
    rows[0::2] = 2 * sel
    rows[1::2] = 2 * sel + 1
    return rows


def _raising_rows(masks_lo: np.ndarray, masks_hi: np.ndarray, spin: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows of sector k with ``spin`` down and their images under ``S+_spin`` in sector k+1."""
    rows_lo = _rows_with_spin(masks_lo, spin, up=False)
    conf_lo = masks_lo[rows_lo[0::2] // 2]
    pos_hi = np.searchsorted(masks_hi, conf_lo | (1 << spin))
    rows_hi = np.empty_like(rows_lo)
    rows_hi[0::2] = 2 * pos_hi
    rows_hi[1::2] = 2 * pos_hi + 1
    return rows_lo, rows_hi


def _row_major(spectrum: Spectrum, vectors):
    """The eigenvector block in C order: ``eigh`` returns Fortran order, where gathering
    rows is a strided walk over the whole matrix (4-8x slower at N = 12)."""
    return spectrum.backend.xp.ascontiguousarray(vectors)


def flip_strengths(spectrum: Spectrum, k: int, vectors: tuple | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(flip[k], sx[k])`` between sectors k and k+1, each (d_k, d_{k+1}).

    ``vectors``, if given, holds the eigenvector blocks of sectors k and k+1 in C order.
    """
    lo, hi = spectrum.sectors[k], spectrum.sectors[k + 1]
    if vectors is None:
        vectors = (_row_major(spectrum, lo.vectors), _row_major(spectrum, hi.vectors))
    lo_vectors, hi_vectors = vectors
    backend = spectrum.backend
    xp = backend.xp
    n_spins = spectrum.params.n_spins
    flip = xp.zeros((lo.dim, hi.dim))
    total = xp.zeros((lo.dim, hi.dim))
    product = xp.empty((lo.dim, hi.dim))
    # Every spin selects the same number of rows, 2 C(N-1, k): one pair of gather buffers.
    n_rows = 2 * lo.masks.size * (n_spins - k) // n_spins
    sub_lo = xp.empty((n_rows, lo.dim))
    sub_hi = xp.empty((n_rows, hi.dim))
    for spin in range(n_spins):
        rows_lo, rows_hi = _raising_rows(lo.masks, hi.masks, spin)
        backend.take_rows(lo_vectors, backend.index_array(rows_lo), sub_lo)
        backend.take_rows(hi_vectors, backend.index_array(rows_hi), sub_hi)
        xp.matmul(sub_lo.T, sub_hi, out=product)
        total += product
        product *= product
        flip += product
    total *= total
    total *= 0.25  # Sx = (S+ + S-) / 2 and only S+ connects k to k+1
    return flip, total


def dephasing_strengths(spectrum: Spectrum, k: int, vectors: np.ndarray | None = None) -> np.ndarray:
    """``dephase[k]``: (d_k, d_k), symmetric, zero diagonal. ``vectors``, if given, is the
    eigenvector block of sector k in C order."""
    sector = spectrum.sectors[k]
    backend = spectrum.backend
    xp = backend.xp
    n_spins = spectrum.params.n_spins
    dim = sector.dim
    upper = xp.zeros((dim, dim), order="F")
    if k == 0 or k == n_spins:
        return upper  # every Sz_j is proportional to the identity here
    fewer_up = 2 * k <= n_spins
    n_rows = 2 * sector.masks.size * (k if fewer_up else n_spins - k) // n_spins
    sub = xp.empty((n_rows, dim))  # C order: its transpose is a Fortran (d, r) matrix
    if vectors is None:
        vectors = _row_major(spectrum, sector.vectors)
    gram = xp.zeros((dim, dim), order="F")  # reused: syrk writes its upper triangle, the rest stays 0
    for spin in range(n_spins):
        rows = _rows_with_spin(sector.masks, spin, up=fewer_up)
        backend.take_rows(vectors, backend.index_array(rows), sub)
        gram = backend.gram_upper(sub, gram)  # upper of sub.T @ sub
        # Square and accumulate the upper triangle only, a block of columns at a time.
        for start in range(0, dim, _COLUMN_BLOCK):
            stop = min(dim, start + _COLUMN_BLOCK)
            block = gram[:stop, start:stop]
            xp.multiply(block, block, out=block)
            upper[:stop, start:stop] += block
    upper = xp.triu(upper, k=1)
    return upper + upper.T


def transition_strengths(spectrum: Spectrum) -> Strengths:
    """All transition strengths of a realization (BLAS-3 on eigenvector row subsets).

    Raises
    ------
    ValueError
        The spectrum has no eigenvectors (:meth:`~dnpmbl.diagonalization.Spectrum.without_vectors`).
    """
    if any(s.vectors.shape != (s.dim, s.dim) for s in spectrum.sectors):
        raise ValueError("transition strengths need the eigenvectors, and this spectrum has none (Spectrum.without_vectors)")
    n_spins = spectrum.params.n_spins
    flips, sxs, dephase = [], [], []
    # Each block is converted to C order once and dropped when no longer needed (peak
    # memory: two C-order blocks next to the Fortran ones).
    below = _row_major(spectrum, spectrum.sectors[0].vectors)
    for k in range(n_spins + 1):
        dephase.append(dephasing_strengths(spectrum, k, below))
        if k == n_spins:
            break
        above = _row_major(spectrum, spectrum.sectors[k + 1].vectors)
        flip, sx = flip_strengths(spectrum, k, (below, above))
        flips.append(flip)
        sxs.append(sx)
        below = above
    return Strengths(tuple(flips), tuple(sxs), tuple(dephase))
