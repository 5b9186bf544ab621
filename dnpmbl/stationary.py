"""Stationary state of a block-tridiagonal master equation (Eq. 11 with dp/dt = 0).

Linear level reduction (censoring; Gaver, Jacobs and Latouche 1984), PHYSICS.md section 4:

    C_L = Q_LL,   C_k = Q_kk + Q_k,k+1 (-C_k+1)^-1 Q_k+1,k,
    pi_0 C_0 = 0,  pi_k+1 = pi_k Q_k,k+1 (-C_k+1)^-1.

The diagonal of every ``C_k`` is rebuilt from off-diagonal outflows (GTH style): minus the
off-diagonal row sum of ``C_k`` minus the outflow to level k-1. The blocks
``(-C_k+1)^-1 Q_k+1,k`` are non-negative in exact arithmetic (``-C`` is an M-matrix);
rounding below zero is set to zero so that no cancellation enters the next diagonal.
The cost is dominated by one LU factorization and two BLAS-3 products per level.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from .rates import Generator


class StationaryStateError(RuntimeError):
    """A stationary solution failed its checks (sign, normalization, residual)."""


def gth_null_vector(c: np.ndarray) -> np.ndarray:
    """Stationary vector of a small dense generator by GTH elimination (Grassmann,
    Taksar and Heyman 1985): subtraction-free, so every component keeps its relative
    accuracy. Only the off-diagonal entries of ``c`` are read. O(n^3) in Python loops over
    pivots: meant for small blocks and for tests.
    """
    a = np.array(c, dtype=float)
    n = a.shape[0]
    np.fill_diagonal(a, 0.0)
    outs = np.zeros(n)
    for piv in range(n - 1, 0, -1):
        out = a[piv, :piv].sum()
        if not out > 0:
            raise StationaryStateError("the generator is reducible: a state has no outflow")
        outs[piv] = out
        # Censor state piv: a[i, j] += a[i, piv] a[piv, j] / out for i, j < piv.
        a[:piv, :piv] += np.outer(a[:piv, piv], a[piv, :piv] / out)
        np.fill_diagonal(a[:piv, :piv], 0.0)
    pi = np.zeros(n)
    pi[0] = 1.0
    for piv in range(1, n):
        # Balance of piv in the chain censored on {0..piv}: inflow = pi[piv] * out.
        pi[piv] = (pi[:piv] @ a[:piv, piv]) / outs[piv]
    return pi / pi.sum()


def stationary_state(generator: Generator, *, label: str = "", check: bool = True) -> np.ndarray:
    """Stationary populations of a block-tridiagonal generator, flat order (sector, state).

    Parameters
    ----------
    generator : Generator
        Off-diagonal rate blocks (diagonals are rebuilt here).
    label : str
        Names the problem (realization, frequency) in error messages.
    check : bool
        Validate the solution (:func:`check_stationary`) and raise on failure.

    Returns
    -------
    (sum d_k,) array, non-negative, summing to one.
    """
    within, up, down = generator.within, generator.up, generator.down
    n_levels = len(within)
    # factors[k] is the LU factorization of (-C_k)^T: a C-order array is the transpose of
    # a Fortran one, so LAPACK factors it in place without a copy.
    factors = [None] * n_levels
    coupling = None  # Q_k,k+1 (-C_k+1)^-1 Q_k+1,k for the current k
    c = None
    for k in range(n_levels - 1, -1, -1):
        if coupling is None:
            c = within[k].copy()
        else:
            c = coupling
            c += within[k]
        np.fill_diagonal(c, 0.0)
        exit_down = down[k - 1].sum(axis=1) if k > 0 else 0.0
        np.fill_diagonal(c, -(c.sum(axis=1) + exit_down))
        if k == 0:
            break
        np.negative(c, out=c)
        factors[k] = scipy.linalg.lu_factor(c.T, overwrite_a=True, check_finite=False)
        # X = (-C_k)^-1 Q_k,k-1, solved with the factors of the transpose (trans=1).
        x = scipy.linalg.lu_solve(factors[k], down[k - 1], trans=1, check_finite=False)
        np.maximum(x, 0.0, out=x)
        coupling = up[k - 1] @ x
    pi = [None] * n_levels
    pi[0] = gth_null_vector(c) if c.shape[0] <= 64 else _dense_null_vector(c)
    for k in range(1, n_levels):
        rhs = pi[k - 1] @ up[k - 1]
        # pi_k (-C_k) = rhs  <=>  (-C_k)^T pi_k^T = rhs^T
        v = scipy.linalg.lu_solve(factors[k], rhs, trans=0, check_finite=False)
        pi[k] = np.maximum(v, 0.0)
    p = np.concatenate(pi)
    p /= p.sum()
    if check:
        check_stationary(generator, p, label=label)
    return p


def _dense_null_vector(c: np.ndarray) -> np.ndarray:
    """Null vector of a generator by replacing one balance equation with normalization."""
    a = c.T.copy()
    a[-1, :] = 1.0
    b = np.zeros(c.shape[0])
    b[-1] = 1.0
    return np.maximum(scipy.linalg.solve(a, b, check_finite=False), 0.0)


def stationary_residual(generator: Generator, p: np.ndarray) -> float:
    """``||p Q||_1 / sum_m p_m |Q_mm|``: the unbalanced flux relative to the total flux."""
    dims = generator.dims
    off = np.concatenate([[0], np.cumsum(dims)])
    blocks = [p[off[k] : off[k + 1]] for k in range(len(dims))]
    residual = 0.0
    flux = 0.0
    for k, pk in enumerate(blocks):
        out = generator.outflow(k)
        r = pk @ generator.within[k] - pk * out
        if k > 0:
            r += blocks[k - 1] @ generator.up[k - 1]
        if k + 1 < len(dims):
            r += blocks[k + 1] @ generator.down[k]
        residual += np.abs(r).sum()
        flux += (pk * out).sum()
    return residual / flux if flux > 0 else np.inf


def check_stationary(generator: Generator, p: np.ndarray, *, label: str = "", tol: float = 1e-9) -> float:
    """Check ``p >= 0``, ``sum p = 1`` and the relative residual; return the residual.

    Raises
    ------
    StationaryStateError
        Naming ``label`` and what failed.
    """
    where = f" ({label})" if label else ""
    if not np.all(np.isfinite(p)):
        raise StationaryStateError(f"stationary state{where} has non-finite entries")
    if p.min() < -1e-14:
        raise StationaryStateError(f"stationary state{where} has a negative population {p.min():.3e}")
    if abs(p.sum() - 1.0) > 1e-12:
        raise StationaryStateError(f"stationary state{where} is not normalized: sum = {p.sum():.15g}")
    residual = stationary_residual(generator, p)
    if not residual <= tol:
        raise StationaryStateError(f"stationary state{where} has relative residual {residual:.3e} > {tol:.0e}")
    return residual
