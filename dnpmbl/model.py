"""The model of Eq. (9): Zeeman shifts and disorder realizations.

Couplings are drawn from a :class:`numpy.random.SeedSequence` keyed by
``(base_seed, N, realization)`` only, as standard normals that are then scaled by
``U / sqrt(N)`` and ``D / sqrt(N)``. The same realization index therefore gives the same
disorder pattern at every U, D and B (common random numbers), results do not depend on the
order in which jobs run, and adding realizations never changes existing ones.
"""

from __future__ import annotations

import numpy as np

from .params import Parameters


def zeeman_shifts(n_spins: int, delta_omega_e: float) -> np.ndarray:
    """Equally spaced shifts ``Delta_i = dw_e (2 i - N - 1) / N``, i = 1..N (footnote 37).

    Returns
    -------
    (N,) array, rad/s (same unit as ``delta_omega_e``).
    """
    i = np.arange(1, n_spins + 1, dtype=float)
    return delta_omega_e * (2.0 * i - n_spins - 1.0) / n_spins


#: The Zeeman models: ``equal`` (equally spaced, footnote 37; the paper's and the default)
#: and ``random`` (each shift uniform in [-dw_e, dw_e], drawn per realization; the paper's
#: "more realistic" alternative). docs/physics.md section 9.
ZEEMAN_MODELS = ("equal", "random")
#: Spawn key of the random shifts' stream: independent of the couplings' stream, so the
#: couplings of a realization are the same under either Zeeman model.
_ZEEMAN_STREAM = 1


def random_zeeman_shifts(n_spins: int, delta_omega_e: float, base_seed: int, realization: int) -> np.ndarray:
    """Shifts drawn uniformly in ``[-dw_e, dw_e]`` for one realization.

    The draw comes from ``SeedSequence([base_seed, N, realization], spawn_key=(1,))``: the
    same realization has the same pattern (in units of dw_e) at every U, D and B, and its
    couplings (:func:`standard_couplings`) do not change.

    Returns
    -------
    (N,) array, rad/s (same unit as ``delta_omega_e``).
    """
    for name, value in (("base_seed", base_seed), ("n_spins", n_spins), ("realization", realization)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    seq = np.random.SeedSequence([int(base_seed), int(n_spins), int(realization)], spawn_key=(_ZEEMAN_STREAM,))
    return delta_omega_e * np.random.default_rng(seq).uniform(-1.0, 1.0, int(n_spins))


def realization_shifts(params: Parameters, base_seed: int, realization: int, zeeman: str = "equal") -> np.ndarray:
    """Zeeman shifts ``Delta_i`` (rad/s) of one realization under the Zeeman model
    ``zeeman`` (:data:`ZEEMAN_MODELS`)."""
    if zeeman == "equal":
        return zeeman_shifts(params.n_spins, params.delta_omega_e)
    if zeeman == "random":
        return random_zeeman_shifts(params.n_spins, params.delta_omega_e, base_seed, realization)
    raise ValueError(f"unknown Zeeman model {zeeman!r}; one of {ZEEMAN_MODELS}")


def check_shifts(n_spins: int, shifts) -> np.ndarray:
    """Validate Zeeman shifts Delta_i and return them as a float array of shape (N,).

    ``None`` is refused like any other value of the wrong shape; the callers that take
    ``shifts=None`` for the equally spaced ones of the paper (:func:`zeeman_shifts`) map it
    themselves before calling this."""
    shifts = np.asarray(shifts, dtype=float)
    if shifts.shape != (n_spins,):
        raise ValueError(f"shifts must have shape ({n_spins},), got {shifts.shape}")
    if not np.all(np.isfinite(shifts)):
        raise ValueError("shifts contain non-finite values")
    return shifts


def standard_couplings(base_seed: int, n_spins: int, realization: int) -> tuple[np.ndarray, np.ndarray]:
    """Unit-variance disorder of one realization.

    Returns
    -------
    z_u : (N, N) array
        Symmetric, zero diagonal; ``z_u[i, j]`` for i < j are standard normals drawn in
        ``numpy.triu_indices`` order.
    z_d : (N,) array
        Standard normals for the hyperfine couplings.
    """
    for name, value in (("base_seed", base_seed), ("n_spins", n_spins), ("realization", realization)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    rng = np.random.default_rng(np.random.SeedSequence([int(base_seed), int(n_spins), int(realization)]))
    iu = np.triu_indices(n_spins, k=1)
    z_pairs = rng.standard_normal(iu[0].size)
    z_d = rng.standard_normal(n_spins)
    z_u = np.zeros((n_spins, n_spins))
    z_u[iu] = z_pairs
    z_u += z_u.T
    return z_u, z_d


def realization_couplings(params: Parameters, base_seed: int, realization: int) -> tuple[np.ndarray, np.ndarray]:
    """Couplings ``U_ij`` (symmetric (N, N), zero diagonal) and ``D_i`` ((N,)) in rad/s.

    ``U_ij ~ N(0, U^2 / N)`` and ``D_i ~ N(0, D^2 / N)`` (Sec. II B).
    """
    z_u, z_d = standard_couplings(base_seed, params.n_spins, realization)
    scale = 1.0 / np.sqrt(params.n_spins)
    return params.u * scale * z_u, params.d * scale * z_d


def check_couplings(n_spins: int, u_ij: np.ndarray, d_i: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Validate coupling arrays and return them as float arrays (symmetric U, zero diagonal)."""
    u_ij = np.asarray(u_ij, dtype=float)
    if u_ij.shape != (n_spins, n_spins):
        raise ValueError(f"u_ij must have shape ({n_spins}, {n_spins}), got {u_ij.shape}")
    if not np.all(np.isfinite(u_ij)):
        raise ValueError("u_ij contains non-finite values")
    if not np.allclose(u_ij, u_ij.T, rtol=0, atol=1e-12 * max(1.0, np.abs(u_ij).max())):
        raise ValueError("u_ij must be symmetric")
    if np.any(np.diag(u_ij) != 0):
        raise ValueError("u_ij must have a zero diagonal")
    if d_i is None:
        return u_ij, np.zeros(n_spins)
    d_i = np.asarray(d_i, dtype=float)
    if d_i.shape != (n_spins,):
        raise ValueError(f"d_i must have shape ({n_spins},), got {d_i.shape}")
    if not np.all(np.isfinite(d_i)):
        raise ValueError("d_i contains non-finite values")
    return u_ij, d_i


#: Smallest hyperfine coupling whose effect double precision resolves, as a fraction of the
#: largest other frequency of the rotating-frame Hamiltonian, max(dw_e, w_n, U). The nucleus
#: relaxes only through hyperfine mixing of amplitude ~D/w_n in the eigenvectors, which
#: ``eigh`` returns with absolute errors ~1e-16 of that scale: the relative error of P_n
#: grows as 1e-16 scale / D. Measured at N = 6 and 8 (U = 2 and 15 MHz, Table I): P_n
#: converges to its D -> 0 limit as D^2 and then scatters by ~1e-8 relative at
#: D / scale = 2e-9 and ~1e-6 at 2e-11; at 3e-17 (D = 1e-9 rad/s) it has the wrong sign.
#: At 1e-6 the rounding is below 1e-11 of P_n.
HYPERFINE_MIN_RATIO = 1e-6


def hyperfine_scale(params: Parameters) -> float:
    """``max(dw_e, w_n, U)`` in rad/s: the scale the hyperfine couplings are resolved against."""
    return max(params.delta_omega_e, params.omega_n, params.u)


def check_hyperfine_resolved(params: Parameters, d_i: np.ndarray) -> None:
    """Refuse hyperfine couplings too small for the stationary state to be computed.

    Raises
    ------
    ValueError
        If every ``|D_i|`` is below ``HYPERFINE_MIN_RATIO * max(dw_e, w_n, U)`` (D = 0
        included: the nucleus is then conserved and P_n undetermined).
    """
    largest = float(np.abs(d_i).max()) if np.size(d_i) else 0.0
    floor = HYPERFINE_MIN_RATIO * hyperfine_scale(params)
    if largest > 0.0 and largest >= floor:
        return
    mhz = 1.0 / (2.0 * np.pi * 1e6)
    if largest == 0.0:
        raise ValueError(
            "d_i are all zero: the nuclear spin is decoupled and conserved, so the stationary "
            "state is not unique and P_n is undetermined (use D > 0)"
        )
    raise ValueError(
        f"hyperfine couplings too small to resolve: max |D_i| / 2 pi = {largest * mhz:.3g} MHz is below "
        f"{HYPERFINE_MIN_RATIO:.0e} of max(dw_e, w_n, U) / 2 pi = {floor / HYPERFINE_MIN_RATIO * mhz:.4g} MHz; "
        "the nucleus couples through the eigenvectors' rounding there and P_n would be wrong"
    )
