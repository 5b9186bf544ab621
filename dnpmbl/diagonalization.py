"""Exact diagonalization of Eq. (9) in electron-magnetization sectors.

Sector ``k`` holds the states with ``k`` electron spins up (``Sz = k - N/2``) and both
nuclear states: dimension ``2 C(N, k)``. The basis index of (electron configuration ``c``,
nuclear state ``nu``) is ``2 * position(c) + nu`` with ``nu = 0`` for ``Iz = +1/2`` and
``nu = 1`` for ``Iz = -1/2``; configurations are bit masks (bit ``i`` set: spin ``i`` up)
in increasing order. Each block of ``H - w_e Sz`` is diagonalized densely; ``w_e k'`` is
added back only in the lab-frame energies (docs/physics.md section 1). No matrix of the full
``2^(N+1)`` space is formed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from .backend import Backend, get_backend
from .model import check_couplings, check_hyperfine_resolved, check_shifts, zeeman_shifts
from .params import Parameters


def sector_configurations(n_spins: int, n_up: int) -> np.ndarray:
    """Bit masks of the electron configurations with ``n_up`` spins up, ascending.

    Returns
    -------
    (C(N, n_up),) int64 array.
    """
    if not 0 <= n_up <= n_spins:
        raise ValueError(f"n_up must be in [0, {n_spins}], got {n_up}")
    masks = [sum(1 << i for i in combo) for combo in combinations(range(n_spins), n_up)]
    return np.array(sorted(masks), dtype=np.int64)


def spin_z(masks: np.ndarray, n_spins: int) -> np.ndarray:
    """``<c|Sz_i|c>`` for each configuration: (len(masks), N) array of +-1/2."""
    bits = (masks[:, None] >> np.arange(n_spins)[None, :]) & 1
    return bits - 0.5


def exchange_pairs(masks: np.ndarray, n_spins: int):
    """Pairs of configurations connected by ``S+_i S-_j + S-_i S+_j``.

    Yields ``(i, j, rows, cols)`` for each spin pair i < j: configuration ``rows`` maps to
    ``cols`` (positions in ``masks``) by exchanging spins i and j; matrix element 1.
    """
    for i in range(n_spins):
        for j in range(i + 1, n_spins):
            differ = ((masks >> i) & 1) != ((masks >> j) & 1)
            rows = np.nonzero(differ)[0]
            if rows.size == 0:
                continue
            cols = np.searchsorted(masks, masks[rows] ^ ((1 << i) | (1 << j)))
            yield i, j, rows, cols


def electron_block(masks: np.ndarray, shifts: np.ndarray, u_ij: np.ndarray) -> np.ndarray:
    """Dense block of ``sum_i Delta_i Sz_i + sum_{i<j} U_ij (S+_i S-_j + h.c.)`` (Eq. B1, h = 0)."""
    n_spins = shifts.size
    dim = masks.size
    block = np.zeros((dim, dim))
    block[np.arange(dim), np.arange(dim)] = spin_z(masks, n_spins) @ shifts
    for i, j, rows, cols in exchange_pairs(masks, n_spins):
        block[rows, cols] = u_ij[i, j]
    return block


def sector_hamiltonian(
    params: Parameters, masks: np.ndarray, u_ij: np.ndarray, d_i: np.ndarray, shifts: np.ndarray | None = None
) -> np.ndarray:
    """Dense block of ``H - w_e Sz`` (Eq. 9) in one sector, nucleus included.

    ``shifts`` are the Zeeman shifts Delta_i (rad/s); ``None`` gives the equally spaced ones
    (footnote 37).

    Returns
    -------
    (2 C, 2 C) array, rad/s, in the basis ``2 * position(c) + nu``.
    """
    if shifts is None:
        shifts = zeeman_shifts(params.n_spins, params.delta_omega_e)
    sz = spin_z(masks, params.n_spins)
    electron = electron_block(masks, shifts, u_ij)
    dim = 2 * masks.size
    block = np.zeros((dim, dim))
    block[0::2, 0::2] = electron
    block[1::2, 1::2] = electron
    idx = np.arange(masks.size)
    # -w_n Iz: Iz = +1/2 on nu = 0, -1/2 on nu = 1.
    block[2 * idx, 2 * idx] -= 0.5 * params.omega_n
    block[2 * idx + 1, 2 * idx + 1] += 0.5 * params.omega_n
    # sum_i D_i Sz_i Ix: <nu=0|Ix|nu=1> = 1/2.
    hyperfine = 0.5 * (sz @ d_i)
    block[2 * idx, 2 * idx + 1] = hyperfine
    block[2 * idx + 1, 2 * idx] = hyperfine
    return block


@dataclass(frozen=True)
class Sector:
    """Eigen-decomposition of one magnetization sector.

    Attributes
    ----------
    n_up : int
        Number of up electron spins k; magnetization ``k - N/2``.
    masks : (C,) int64 array
        Electron configurations of the basis.
    reduced_energies : (2C,) numpy array
        Eigenvalues of ``H - w_e Sz``, ascending, rad/s.
    vectors : (2C, 2C) array of the spectrum's backend (numpy or CuPy)
        Eigenvectors in columns.
    iz : (2C,) numpy array
        ``<n|Iz|n>`` of each eigenstate.
    """

    n_up: int
    masks: np.ndarray
    reduced_energies: np.ndarray
    vectors: np.ndarray
    iz: np.ndarray

    @property
    def dim(self) -> int:
        return self.reduced_energies.size


@dataclass(frozen=True)
class Spectrum:
    """All sectors of one realization, k = 0..N, the parameters that made them, the
    backend that holds the eigenvectors (what later stages compute with) and the Zeeman
    shifts Delta_i (rad/s; ``None`` where they were not recorded)."""

    params: Parameters
    sectors: tuple
    backend: Backend = field(default_factory=get_backend, compare=False)
    shifts: np.ndarray | None = field(default=None, compare=False)

    @property
    def dims(self) -> list[int]:
        return [s.dim for s in self.sectors]

    def without_vectors(self) -> Spectrum:
        """The same spectrum without eigenvectors (all that rates and observables need),
        so that the eigenvectors' memory can be freed."""
        empty = self.backend.xp.empty((0, 0))
        sectors = tuple(Sector(s.n_up, s.masks, s.reduced_energies, empty, s.iz) for s in self.sectors)
        return Spectrum(self.params, sectors, self.backend, self.shifts)

    @property
    def sector_starts(self) -> np.ndarray:
        """Start of each sector in the flat state ordering (sector, then energy), and the
        total number of states last: (N + 2,)."""
        return np.concatenate([[0], np.cumsum(self.dims)])

    @property
    def magnetization(self) -> np.ndarray:
        """``s_n = k - N/2`` of every state, flat order: (2^(N+1),)."""
        n = self.params.n_spins
        return np.concatenate([np.full(s.dim, s.n_up - n / 2.0) for s in self.sectors])

    @property
    def reduced_energy(self) -> np.ndarray:
        """``eps_n - w_e s_n`` of every state, flat order, rad/s."""
        return np.concatenate([s.reduced_energies for s in self.sectors])

    @property
    def energy(self) -> np.ndarray:
        """Lab-frame energies ``eps_n`` (Eq. 9 eigenvalues), flat order, rad/s."""
        return self.reduced_energy + self.params.omega_e * self.magnetization

    @property
    def iz(self) -> np.ndarray:
        """``<n|Iz|n>``, flat order."""
        return np.concatenate([s.iz for s in self.sectors])


def diagonalize(params: Parameters, u_ij: np.ndarray, d_i: np.ndarray, *, shifts=None, backend=None) -> Spectrum:
    """Diagonalize Eq. (9) sector by sector (``eigh`` on each dense block).

    The blocks are built on the host and diagonalized on ``backend`` (``"cpu"``, the
    default, or ``"gpu"``; see :mod:`dnpmbl.backend`), where the eigenvectors stay.

    Parameters
    ----------
    params : Parameters
    u_ij : (N, N) array, rad/s
        Symmetric dipolar couplings, zero diagonal.
    d_i : (N,) array, rad/s
        Hyperfine couplings, not all below ``HYPERFINE_MIN_RATIO`` of max(dw_e, w_n, U)
        (:func:`dnpmbl.model.check_hyperfine_resolved`).
    shifts : (N,) array, rad/s, optional
        Zeeman shifts Delta_i; the equally spaced ones of footnote 37 by default
        (:func:`dnpmbl.model.realization_shifts` draws the random ones).
    """
    u_ij, d_i = check_couplings(params.n_spins, u_ij, d_i)
    shifts = zeeman_shifts(params.n_spins, params.delta_omega_e) if shifts is None else check_shifts(params.n_spins, shifts)
    check_hyperfine_resolved(params, d_i)
    backend = get_backend(backend)
    sectors = []
    for k in range(params.n_spins + 1):
        masks = sector_configurations(params.n_spins, k)
        block = sector_hamiltonian(params, masks, u_ij, d_i, shifts)
        energies, vectors = backend.eigh(backend.asarray(block))
        weights = vectors * vectors
        iz = 0.5 * (weights[0::2].sum(axis=0) - weights[1::2].sum(axis=0))
        sectors.append(Sector(k, masks, backend.to_host(energies), vectors, backend.to_host(iz)))
    return Spectrum(params, tuple(sectors), backend, shifts)
