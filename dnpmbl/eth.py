"""Eigenstate-thermalization diagnostics of the electron spins alone (Fig. 4, Sec. V).

Electrons only (no nucleus, no hyperfine term), zero-magnetization sector (even N), the
Hamiltonian of Eq. (B1) at h = 0 with ``w_e`` dropped (it is constant in the sector).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .backend import get_backend
from .diagonalization import electron_block, sector_configurations, spin_z
from .model import check_couplings, check_shifts, zeeman_shifts
from .params import Parameters

#: Largest N accepted: the Sz = 0 block of N = 16 has 12870 states (1.3 GB per dense matrix).
MAX_SPINS_ETH = 16


@dataclass(frozen=True)
class EigenstateDiagnostics:
    """Eigenstate data of one realization in the Sz = 0 sector.

    Attributes
    ----------
    energies : (d,) array, rad/s, ascending
    local_sz : (d, N) array
        ``<n|Sz_i|n>`` for every eigenstate n (rows, in order of energy) and spin i.
    """

    energies: np.ndarray
    local_sz: np.ndarray

    def delta_m(self, spin: int | None = 0) -> float:
        """Mean ``|<n+1|Sz_i|n+1> - <n|Sz_i|n>|`` over consecutive eigenstates (Fig. 4b).

        ``spin`` is the paper's spin 1 by default (index 0); ``None`` averages over spins.
        """
        diffs = np.abs(np.diff(self.local_sz, axis=0))
        return float(diffs.mean() if spin is None else diffs[:, spin].mean())

    def level_spacing_ratio(self) -> float:
        """Mean ratio ``r_n = min(s_n, s_n+1) / max(s_n, s_n+1)`` of consecutive gaps.

        Poisson statistics (localized) give 0.386, GOE (ergodic) 0.531.
        """
        return level_spacing_ratio(self.energies)


def level_spacing_ratio(energies) -> float:
    """Mean ratio ``r_n = min(s_n, s_n+1) / max(s_n, s_n+1)`` of consecutive gaps of an
    ascending spectrum: 2 ln 2 - 1 = 0.386 for Poisson statistics (localized), 0.531 for
    the GOE (ergodic). Zero gaps on both sides (exact degeneracies) are skipped."""
    gaps = np.diff(np.asarray(energies, dtype=float))
    lo = np.minimum(gaps[:-1], gaps[1:])
    hi = np.maximum(gaps[:-1], gaps[1:])
    ok = hi > 0
    return float(np.mean(lo[ok] / hi[ok]))


def _sz0_block(params: Parameters, u_ij, shifts):
    n = params.n_spins
    if n % 2:
        raise ValueError(f"n_spins must be even for the Sz = 0 sector, got {n}")
    if n > MAX_SPINS_ETH:
        raise ValueError(f"n_spins = {n} exceeds the eigenstate-diagnostics limit {MAX_SPINS_ETH}")
    u_ij, _ = check_couplings(n, u_ij)
    masks = sector_configurations(n, n // 2)
    shifts = zeeman_shifts(n, params.delta_omega_e) if shifts is None else check_shifts(n, shifts)
    return masks, electron_block(masks, shifts, u_ij)


def electron_energies(params: Parameters, u_ij, *, shifts=None) -> np.ndarray:
    """Eigenvalues (ascending, rad/s) of the electrons alone in their Sz = 0 sector (the
    Hamiltonian of :func:`eigenstate_diagnostics`), without eigenvectors: what the level
    statistics need, at a fraction of the cost."""
    _, block = _sz0_block(params, u_ij, shifts)
    return np.linalg.eigvalsh(block)


def eigenstate_diagnostics(params: Parameters, u_ij, *, shifts=None, backend=None) -> EigenstateDiagnostics:
    """Diagonalize the electron Hamiltonian in its Sz = 0 sector (Fig. 4).

    Parameters
    ----------
    params : Parameters
        ``n_spins`` must be even and at most 16; only ``delta_omega_e`` enters besides N.
    u_ij : (N, N) array, rad/s
    shifts : (N,) array, rad/s, optional
        Zeeman shifts (default: equally spaced, footnote 37).
    backend : str or Backend, optional
        ``"cpu"`` (default) or ``"gpu"`` (:mod:`dnpmbl.backend`): where ``eigh`` runs; the
        diagnostics come back as numpy arrays.
    """
    n = params.n_spins
    masks, block = _sz0_block(params, u_ij, shifts)
    backend = get_backend(backend)
    energies, vectors = backend.eigh(backend.asarray(block))
    del block
    vectors *= vectors
    local_sz = vectors.T @ backend.asarray(spin_z(masks, n))
    return EigenstateDiagnostics(backend.to_host(energies), backend.to_host(local_sz))
