"""One disorder realization from explicit couplings: ED, strengths, stationary states.

:func:`solve_realization` is the public entry point: any single result of the pipeline can
be recomputed from the parameters and the couplings it records.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field

import numpy as np

from .backend import get_backend
from .diagonalization import Spectrum, diagonalize
from .model import check_couplings, check_hyperfine_resolved
from .observables import mean_energy, mean_magnetization, nuclear_polarization
from .params import Parameters, check_stationary_size
from .rates import bath_generator, driven_batch, driven_generator, microwave_batch, microwave_blocks
from .stationary import check_stationary, stationary_frequency_batch, stationary_one_frequency
from .strengths import Strengths, transition_strengths


@dataclass
class RealizationResult:
    """Stationary states of one realization at one or several microwave frequencies.

    Per-state arrays are in flat order (sector k ascending, then energy ascending) and have
    length ``2^(N+1)``; per-frequency arrays have length ``len(omega_mw)``.

    Attributes
    ----------
    omega_mw : (F,) array, rad/s
    p_n : (F,) array
        Nuclear polarization, Eq. (26).
    mean_energy : (F,) array
        ``<H>`` in the lab frame, rad/s.
    mean_reduced_energy : (F,) array
        ``<H - w_e Sz>``, rad/s (what the fitting method uses; w_e cancels exactly).
    mean_magnetization : (F,) array
        ``<Sz>``.
    residual : (F,) array
        Relative residual of each stationary solve.
    negative : (F,) array
        Most negative population before clipping, over the largest (pivoted-LU solver;
        always 0 for GTH, which never subtracts).
    energy, reduced_energy, magnetization, iz : (2^(N+1),) arrays
    populations : (F, 2^(N+1)) array
    shifts : (N,) array, rad/s
        Zeeman shifts Delta_i of the realization (``None`` where the spectrum did not record them).
    """

    params: Parameters
    u_ij: np.ndarray
    d_i: np.ndarray
    omega_mw: np.ndarray
    p_n: np.ndarray
    mean_energy: np.ndarray
    mean_reduced_energy: np.ndarray
    mean_magnetization: np.ndarray
    residual: np.ndarray
    energy: np.ndarray
    reduced_energy: np.ndarray
    magnetization: np.ndarray
    iz: np.ndarray
    populations: np.ndarray
    negative: np.ndarray | None = None
    shifts: np.ndarray | None = None
    spectrum: Spectrum | None = field(default=None, repr=False)
    strengths: Strengths | None = field(default=None, repr=False)


def stationary_all_frequencies(
    spectrum: Spectrum, strengths: Strengths, omega_mw, *, label: str = "", progress=None, with_negative: bool = False
):
    """Stationary populations of one realization at each microwave frequency, reusing one
    set of strengths.

    Runs on the spectrum's backend with its solver (:mod:`dnpmbl.backend`): GTH one
    frequency at a time (:func:`~dnpmbl.stationary.stationary_one_frequency`), or pivoted
    LU over batches of frequencies (:func:`~dnpmbl.stationary.stationary_frequency_batch`).
    The spectrum needs no eigenvectors. ``progress(i, n)``, if given, is called after each
    frequency or batch.

    Returns
    -------
    populations : (F, 2^(N+1)) array
    residuals : (F,) array
    negative : (F,) array, only with ``with_negative`` (see :class:`RealizationResult`)
    """
    omega_mw = np.atleast_1d(np.asarray(omega_mw, dtype=float))
    bath = bath_generator(spectrum, strengths)
    populations = np.empty((omega_mw.size, sum(spectrum.dims)))
    residuals = np.empty(omega_mw.size)
    negative = np.zeros(omega_mw.size)
    backend = spectrum.backend
    where = f"{label}, " if label else ""
    if backend.stationary == "lu":
        size = backend.batch_size(_batch_bytes(spectrum.dims))
        for start in range(0, omega_mw.size, size):
            stop = min(omega_mw.size, start + size)
            generator = driven_batch(bath, microwave_batch(spectrum, strengths, omega_mw[start:stop]))
            name = f"{where}omega_mw = {omega_mw[start]:.9e}" + (f" .. {omega_mw[stop - 1]:.9e}" if stop - start > 1 else "")
            out = stationary_frequency_batch(generator, backend.xp, label=f"{name} rad/s")
            populations[start:stop], residuals[start:stop], negative[start:stop] = out
            del generator, out
            if progress is not None:
                progress(stop, omega_mw.size)
        return (populations, residuals, negative) if with_negative else (populations, residuals)
    for f, w in enumerate(omega_mw):
        generator = driven_generator(bath, microwave_blocks(spectrum, strengths, w), overwrite_microwave=True)
        name = f"{where}omega_mw = {w:.9e} rad/s"
        populations[f] = stationary_one_frequency(generator, label=name, check=False)
        residuals[f] = check_stationary(generator, populations[f], label=name)
        if progress is not None:
            progress(f + 1, omega_mw.size)
    return (populations, residuals, negative) if with_negative else (populations, residuals)


def _batch_bytes(dims) -> int:
    """Device bytes one microwave frequency adds to a pivoted-LU batch: its up and down
    rate blocks, the reductions R_k, and the largest level's work arrays."""
    pairs = sum(a * b for a, b in zip(dims, dims[1:]))
    return 8 * (3 * pairs + 4 * max(dims) ** 2)


def solve_realization(
    params: Parameters,
    u_ij,
    d_i,
    omega_mw,
    *,
    label: str = "",
    shifts=None,
    backend=None,
    keep_vectors: bool = False,
    keep_operators: bool = False,
    progress=None,
    stage=None,
) -> RealizationResult:
    """Exact stationary states of one realization (Eqs. 9, 11, 12, 16, 26): the one path
    from couplings to results, which the command line and the workflow both take.

    Sector diagonalization, transition strengths, then the stationary state at every
    microwave frequency (:func:`stationary_all_frequencies`). The solves need the energies
    and ``<Iz>`` only, so the eigenvectors are freed before them unless ``keep_vectors``;
    the numbers are the same either way.

    Parameters
    ----------
    params : Parameters
        N is taken from the shapes of the couplings and must match ``params.n_spins``.
    u_ij : (N, N) array, rad/s
        Symmetric dipolar couplings with zero diagonal.
    d_i : (N,) array, rad/s
        Hyperfine couplings.
    omega_mw : float or (F,) array, rad/s
        Microwave frequencies; all reuse one diagonalization and one set of strengths.
    label : str
        Names the realization in error messages.
    shifts : (N,) array, rad/s, optional
        Zeeman shifts Delta_i (default: equally spaced, footnote 37).
    backend : str or Backend, optional
        Where to compute: ``"cpu"`` (default, the reference) or ``"gpu"``
        (:mod:`dnpmbl.backend`).
    keep_vectors : bool
        Keep the eigenvectors through the stationary solves (by default they are freed
        once the strengths are computed: at N = 12 they are most of the job's memory).
    keep_operators : bool
        Keep the spectrum and the strengths on the result (memory heavy); the spectrum has
        its eigenvectors only with ``keep_vectors``.
    progress : callable, optional
        ``progress(i, n)``, called after each frequency or batch of frequencies.
    stage : callable, optional
        ``stage(name)`` returns a context manager entered around each stage ("sector
        diagonalization", "transition strengths", "<F> stationary states"), with the
        backend synchronized before it exits: for timings and logs
        (the workflow passes ``dnpmbl.pipeline.jobs.Stopwatch``).
    """
    u_ij = np.asarray(u_ij, dtype=float)
    if u_ij.ndim != 2 or u_ij.shape[0] != params.n_spins:
        raise ValueError(f"u_ij has shape {u_ij.shape}, but params.n_spins = {params.n_spins}")
    check_stationary_size(params.n_spins)
    u_ij, d_i = check_couplings(params.n_spins, u_ij, d_i)
    check_hyperfine_resolved(params, d_i)
    omega_mw = np.atleast_1d(np.asarray(omega_mw, dtype=float))
    if omega_mw.ndim != 1 or omega_mw.size == 0 or not np.all(np.isfinite(omega_mw)) or np.any(omega_mw <= 0):
        raise ValueError("omega_mw must be one or more positive finite frequencies in rad/s")
    backend = get_backend(backend)
    stage = stage or (lambda name: nullcontext())
    with stage("sector diagonalization"):
        spectrum = diagonalize(params, u_ij, d_i, shifts=shifts, backend=backend)
        backend.synchronize()
    with stage("transition strengths"):
        strengths = transition_strengths(spectrum)
        backend.synchronize()
    if not keep_vectors:
        spectrum = spectrum.without_vectors()  # the last reference: their memory is freed
    with stage(f"{omega_mw.size} stationary states"):
        populations, residuals, negative = stationary_all_frequencies(
            spectrum, strengths, omega_mw, label=label, progress=progress, with_negative=True
        )
        backend.synchronize()
    result = _result(spectrum, omega_mw, u_ij, d_i, populations, residuals, negative)
    if keep_operators:
        result.spectrum, result.strengths = spectrum, strengths
    return result


def _result(spectrum: Spectrum, omega_mw, u_ij, d_i, populations, residuals, negative) -> RealizationResult:
    """The observables of the stationary states (Eq. 26, <H>, <Sz>) with the per-state arrays."""
    energy = spectrum.energy
    reduced = spectrum.reduced_energy
    magnetization = spectrum.magnetization
    iz = spectrum.iz
    return RealizationResult(
        params=spectrum.params,
        u_ij=np.asarray(u_ij, dtype=float),
        d_i=np.asarray(d_i, dtype=float),
        omega_mw=omega_mw,
        p_n=np.array([nuclear_polarization(row, iz) for row in populations]),
        mean_energy=np.array([mean_energy(row, energy) for row in populations]),
        mean_reduced_energy=np.array([mean_energy(row, reduced) for row in populations]),
        mean_magnetization=np.array([mean_magnetization(row, magnetization) for row in populations]),
        residual=residuals,
        negative=negative,
        energy=energy,
        reduced_energy=reduced,
        magnetization=magnetization,
        iz=iz,
        populations=populations,
        shifts=None if spectrum.shifts is None else np.asarray(spectrum.shifts, dtype=float),
    )
