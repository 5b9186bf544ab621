"""Transition rates of the master equation (Eqs. 11, 12, 16) as a block-tridiagonal generator.

The generator ``Q`` acts on row vectors of populations, ``dp/dt = p Q``: ``Q[m, n]`` is the
rate ``W(m -> n)`` for m != n, and each row sums to zero. It is block tridiagonal in the
sector index k. Blocks are stored in three lists:

* ``within[k]`` (d_k, d_k): rates inside sector k, zero diagonal;
* ``up[k]`` (d_k, d_{k+1}): rates from sector k to k+1;
* ``down[k]`` (d_{k+1}, d_k): rates from sector k+1 to k.

Diagonals are never stored: solvers rebuild them from the off-diagonal outflows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from .diagonalization import Spectrum
from .strengths import Strengths


@dataclass(frozen=True)
class Generator:
    """Off-diagonal blocks of a block-tridiagonal rate matrix (see module docstring)."""

    within: tuple
    up: tuple
    down: tuple

    @property
    def dims(self) -> list[int]:
        return [w.shape[0] for w in self.within]

    def outflow(self, k: int) -> np.ndarray:
        """Total escape rate of each state of sector k: ``-Q[m, m]``."""
        total = self.within[k].sum(axis=1)
        if k < len(self.up):
            total = total + self.up[k].sum(axis=1)
        if k > 0:
            total = total + self.down[k - 1].sum(axis=1)
        return total

    def to_dense(self) -> np.ndarray:
        """The full generator with its diagonal (for tests and small systems)."""
        dims = self.dims
        off = np.concatenate([[0], np.cumsum(dims)])
        q = np.zeros((off[-1], off[-1]))
        for k, d in enumerate(dims):
            s = slice(off[k], off[k + 1])
            q[s, s] = self.within[k]
            if k < len(self.up):
                t = slice(off[k + 1], off[k + 2])
                q[s, t] = self.up[k]
                q[t, s] = self.down[k]
        q[np.diag_indices_from(q)] = 0.0
        q[np.diag_indices_from(q)] = -q.sum(axis=1)
        return q


def _pair_gaps(spectrum: Spectrum, k: int) -> np.ndarray:
    """``e_n - e_m`` (reduced energies) for m in sector k, n in k+1: (d_k, d_{k+1})."""
    return spectrum.sectors[k + 1].reduced_energies[None, :] - spectrum.sectors[k].reduced_energies[:, None]


def bath_generator(spectrum: Spectrum, strengths: Strengths) -> Generator:
    """Lattice-bath rates, Eq. (12), with ``h(x) = e^x / (1 + e^x)``.

    ``W(m -> n) = (2 / T1e) h(beta (eps_m - eps_n)) sum_j sum_alpha |<n|S_alpha^j|m>|^2``.
    Between sectors only ``S+`` / ``S-`` act and ``|Sx|^2 + |Sy|^2 = |S+|^2 / 2``; inside a
    sector only ``Sz``. These rates obey detailed balance at the lattice ``beta``.
    """
    p = spectrum.params
    n_spins = p.n_spins
    within, up, down = [], [], []
    for k in range(n_spins + 1):
        e = spectrum.sectors[k].reduced_energies
        # m -> n inside a sector: eps_m - eps_n = e_m - e_n.
        h = expit(p.beta * (e[:, None] - e[None, :]))
        within.append((2.0 / p.t1e) * h * strengths.dephase[k])
    for k in range(n_spins):
        gap = p.omega_e + _pair_gaps(spectrum, k)  # eps_n - eps_m for m in k, n in k+1
        factor = strengths.flip[k] / p.t1e  # (2 / T1e) * |S+|^2 / 2
        up.append(factor * expit(-p.beta * gap))
        down.append((factor * expit(p.beta * gap)).T)  # a Fortran-order view, no copy
    return Generator(tuple(within), tuple(up), tuple(down))


def microwave_blocks(spectrum: Spectrum, strengths: Strengths, omega_mw: float) -> list[np.ndarray]:
    """Microwave rates, Eq. (16), between sectors k and k+1: (d_k, d_{k+1}) each, symmetric.

    ``W = 4 w_1^2 T2e |<n|Sx|m>|^2 / (1 + T2e^2 (|eps_n - eps_m| - w_MW)^2)``; the detuning
    is formed as ``(w_e - w_MW) + (e_n - e_m)`` so that w_e cancels exactly.
    """
    p = spectrum.params
    amplitude = 4.0 * p.omega_1**2 * p.t2e
    detuning0 = p.omega_e - omega_mw
    blocks = []
    for k in range(p.n_spins):
        x = p.t2e * (detuning0 + _pair_gaps(spectrum, k))
        x *= x
        x += 1.0
        np.divide(amplitude * strengths.sx[k], x, out=x)
        blocks.append(x)
    return blocks


def driven_generator(bath: Generator, microwave: list[np.ndarray]) -> Generator:
    """Bath plus microwave rates (Eq. 11 with ``W = W_bath + W_MW``).

    The microwave blocks are symmetric, so the downward blocks are formed as transposed
    views of ``bath_down^T + W_MW`` (Fortran order: what the LAPACK solves want) without a
    transposing copy.
    """
    up = tuple(b + m for b, m in zip(bath.up, microwave))
    down = tuple(np.add(b.T, m).T for b, m in zip(bath.down, microwave))
    return Generator(bath.within, up, down)
