"""Transition rates of the master equation (Eqs. 11, 12, 16) as a block-tridiagonal generator.

The generator ``Q`` acts on row vectors of populations, ``dp/dt = p Q``: ``Q[m, n]`` is the
rate ``W(m -> n)`` for m != n, and each row sums to zero. It is block tridiagonal in the
sector index k. Blocks are stored in three lists:

* ``within[k]`` (d_k, d_k): rates inside sector k, zero diagonal;
* ``up[k]`` (d_k, d_{k+1}): rates from sector k to k+1;
* ``down[k]`` (d_{k+1}, d_k): rates from sector k+1 to k.

Diagonals are never stored: solvers rebuild them from the off-diagonal outflows.

Blocks are arrays of the spectrum's backend (:mod:`dnpmbl.backend`). For a batch of F
microwave frequencies (:func:`microwave_batch`, :func:`driven_batch`) ``up`` and ``down``
have a leading axis of length F and ``within`` is shared.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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


def _energies(spectrum: Spectrum, k: int):
    """Reduced energies of sector k as an array of the spectrum's backend."""
    return spectrum.backend.asarray(spectrum.sectors[k].reduced_energies)


def _pair_gaps(spectrum: Spectrum, k: int):
    """``e_n - e_m`` (reduced energies) for m in sector k, n in k+1: (d_k, d_{k+1})."""
    return _energies(spectrum, k + 1)[None, :] - _energies(spectrum, k)[:, None]


def _thermal_weights(*log_weights, xp=np) -> tuple | None:
    """``exp(x - t)`` for each array x, with one shift t for all, or None when the spread of
    the arguments would overflow (an extremely cold lattice): then callers use ``expit``."""
    lo = min(float(x.min()) for x in log_weights)
    hi = max(float(x.max()) for x in log_weights)
    if not hi - lo < 1200.0:
        return None
    shift = 0.5 * (hi + lo)
    return tuple(xp.exp(x - shift) for x in log_weights)


def bath_generator(spectrum: Spectrum, strengths: Strengths) -> Generator:
    """Lattice-bath rates, Eq. (12), with ``h(x) = e^x / (1 + e^x)``.

    ``W(m -> n) = (2 / T1e) h(beta (eps_m - eps_n)) sum_j sum_alpha |<n|S_alpha^j|m>|^2``.
    Between sectors only ``S+`` / ``S-`` act and ``|Sx|^2 + |Sy|^2 = |S+|^2 / 2``; inside a
    sector only ``Sz``. These rates obey detailed balance at the lattice ``beta``, each
    channel on its own.

    ``params.bath_z_channel`` (default True, Eq. 12 as printed) keeps alpha = z. With False
    the sum runs over alpha = x, y only: the rates inside each sector (``within``) are zero
    and ``strengths.dephase`` is not read; the rates between sectors are unchanged
    (docs/physics.md section 3).

    ``h`` of an energy difference is a ratio of Boltzmann weights,
    ``h(beta (eps_m - eps_n)) = w_m / (w_m + w_n)`` with ``w = exp(beta eps)``: one outer sum
    and one division per block instead of an exponential per pair (same rounding, a few ulp).
    """
    params = spectrum.params
    backend = spectrum.backend
    xp = backend.xp
    n_spins = params.n_spins
    within, up, down = [], [], []
    for k in range(n_spins + 1):
        if not params.bath_z_channel:
            within.append(xp.zeros((spectrum.sectors[k].dim,) * 2))
            continue
        e = _energies(spectrum, k)
        # m -> n inside a sector: eps_m - eps_n = e_m - e_n.
        weights = _thermal_weights(params.beta * e, xp=xp)
        if weights is None:
            rate = (2.0 / params.t1e) * backend.expit(params.beta * (e[:, None] - e[None, :]))
            rate *= strengths.dephase[k]
        else:
            (w,) = weights
            rate = w[:, None] + w[None, :]
            xp.divide(strengths.dephase[k], rate, out=rate)
            rate *= ((2.0 / params.t1e) * w)[:, None]
        within.append(rate)
    for k in range(n_spins):
        # m in k, n in k+1: eps_n - eps_m = w_e + e_n - e_m. Rates (2 / T1e) |S+|^2 / 2 times
        # h(-beta gap) upward and h(beta gap) downward.
        e_lo, e_hi = _energies(spectrum, k), _energies(spectrum, k + 1)
        weights = _thermal_weights(-params.beta * e_lo, -params.beta * (params.omega_e + e_hi), xp=xp)
        if weights is None:
            gap = params.omega_e + _pair_gaps(spectrum, k)
            factor = strengths.flip[k] / params.t1e
            up.append(factor * backend.expit(-params.beta * gap))
            down.append((factor * backend.expit(params.beta * gap)).T)  # a Fortran-order view, no copy
            continue
        w_lo, w_hi = weights  # h(-beta gap) = w_hi / (w_lo + w_hi), h(beta gap) = w_lo / (...)
        rate = w_lo[:, None] + w_hi[None, :]
        xp.divide(strengths.flip[k], rate, out=rate)
        up.append(rate * (w_hi / params.t1e)[None, :])
        rate *= (w_lo / params.t1e)[:, None]
        down.append(rate.T)  # a Fortran-order view, no copy
    return Generator(tuple(within), tuple(up), tuple(down))


def microwave_blocks(spectrum: Spectrum, strengths: Strengths, omega_mw: float) -> list[np.ndarray]:
    """Microwave rates, Eq. (16), between sectors k and k+1: (d_k, d_{k+1}) each, symmetric.

    ``W = 4 w_1^2 T2e |<n|Sx|m>|^2 / (1 + T2e^2 (|eps_n - eps_m| - w_MW)^2)``; the detuning
    is formed as ``(w_e - w_MW) + (e_n - e_m)`` so that w_e cancels exactly (w_e - w_MW is
    added to the upper sector's reduced energies before the outer difference).
    """
    return microwave_batch(spectrum, strengths, [omega_mw], batched=False)


def microwave_batch(spectrum: Spectrum, strengths: Strengths, omega_mw, *, batched: bool = True) -> list:
    """Microwave rates, Eq. (16), for several frequencies at once: (F, d_k, d_{k+1}) blocks
    (or, with ``batched=False`` and one frequency, (d_k, d_{k+1}) blocks, as
    :func:`microwave_blocks`). Each frequency's rates are bit-identical to a single call."""
    params = spectrum.params
    xp = spectrum.backend.xp
    amplitude = 4.0 * params.omega_1**2 * params.t2e
    detuning0 = params.omega_e - np.asarray(omega_mw, dtype=float)  # (F,) on the host
    if not batched and detuning0.size != 1:
        raise ValueError("an unbatched call takes one microwave frequency")
    detuning0 = spectrum.backend.asarray(detuning0)
    blocks = []
    for k in range(params.n_spins):
        e_lo, e_hi = _energies(spectrum, k), _energies(spectrum, k + 1)
        # -T2e detuning, as an outer difference (one frequency) or one per frequency.
        lo = (params.t2e * e_lo)[None, :, None]
        hi = (params.t2e * (e_hi[None, :] + detuning0[:, None]))[:, None, :]
        x = lo - hi
        if not batched:
            x = x[0]
        x *= x
        x += 1.0
        xp.divide(strengths.sx[k], x, out=x)
        x *= amplitude
        blocks.append(x)
    return blocks


def driven_generator(bath: Generator, microwave: list[np.ndarray], *, overwrite_microwave: bool = False) -> Generator:
    """Bath plus microwave rates (Eq. 11 with ``W = W_bath + W_MW``).

    The microwave blocks are symmetric, so the downward blocks are formed as transposed
    views of ``bath_down^T + W_MW`` (Fortran order: what the LAPACK solves want) without a
    transposing copy; with ``overwrite_microwave`` they are formed in the microwave blocks'
    memory.
    """
    up = tuple(b + m for b, m in zip(bath.up, microwave))
    down = []
    for b, m in zip(bath.down, microwave):
        if overwrite_microwave:
            m += b.T
        else:
            m = b.T + m
        down.append(m.T)
    return Generator(bath.within, up, tuple(down))


def driven_batch(bath: Generator, microwave: list) -> Generator:
    """Bath plus microwave rates for a batch of frequencies (blocks of
    :func:`microwave_batch`, overwritten): ``up[k]`` is (F, d_k, d_{k+1}) and ``down[k]``
    the (F, d_{k+1}, d_k) transposed view of ``bath_down^T + W_MW``; ``within`` is the
    bath's, shared by all frequencies."""
    up = tuple(b[None] + m for b, m in zip(bath.up, microwave))
    down = []
    for b, m in zip(bath.down, microwave):
        m += b.T[None]
        down.append(m.swapaxes(1, 2))
    return Generator(bath.within, up, tuple(down))
