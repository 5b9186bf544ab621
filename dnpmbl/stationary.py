"""Stationary state of a block-tridiagonal master equation (Eq. 11 with dp/dt = 0).

Linear level reduction (censoring; Gaver, Jacobs and Latouche 1984), docs/physics.md section 4:

    C_L = Q_LL,   C_k = Q_kk + Q_k,k+1 (-C_k+1)^-1 Q_k+1,k,
    pi_0 C_0 = 0,  pi_k+1 = pi_k Q_k,k+1 (-C_k+1)^-1.

The diagonal of every ``C_k`` is rebuilt from off-diagonal outflows (GTH style): minus the
off-diagonal row sum of ``C_k`` minus the outflow to level k-1. ``-C_k`` is then factored by
:func:`gth_lu`, a blocked LU without pivoting whose pivots are formed from outflows, never
from differences: for an M-matrix every other operation of the factorization and of the
triangular solves with non-negative right-hand sides adds numbers of one sign, so every
computed probability keeps its relative accuracy, however widely the rates spread
(Grassmann, Taksar and Heyman 1985; O'Cinneide 1993). A state or class with no outflow
gives an exactly zero pivot and a :class:`StationaryStateError`. The cost is dominated by
one LU factorization and two BLAS-3 products per level.

:func:`stationary_one_frequency` applies it to one generator (one realization at one
microwave frequency). :func:`stationary_frequency_batch` runs the same reduction with pivoted LU
over a batch of microwave frequencies, on numpy or CuPy arrays (the GPU's solver,
:mod:`dnpmbl.backend`). :func:`dnpmbl.realization.stationary_all_frequencies` solves every
frequency of one realization with either.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from .backend import get_backend, to_host
from .rates import Generator


class StationaryStateError(RuntimeError):
    """No unique stationary state, or a solution failed its checks (sign, normalization,
    residual)."""


def gth_lu(weights: np.ndarray, exits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """LU factors of the M-matrix ``M = diag(exits + weights 1) - weights``, GTH style.

    Parameters
    ----------
    weights : (n, n) array, non-negative
        Off-diagonal transition rates; the diagonal is ignored.
    exits : (n,) array, non-negative
        Rate of leaving the block from each state (the row sums of ``M``).

    Returns
    -------
    (lu, piv) in the layout of :func:`scipy.linalg.lu_factor` (no row exchanges: ``piv``
    is the identity), for :func:`scipy.linalg.lu_solve` with ``trans=0`` or ``1``.

    Recursive elimination without pivoting (halving, so most work is GEMM), written in the
    non-negative quantities ``W = diag(M) - M``, ``F = I - L`` and ``G = diag(U) - U``:

    * the leading half is factored first, with exits ``e1 + W12 1`` (what it loses to the
      rest counts as leaving it; the running sums evolve exactly as in plain elimination);
    * ``G12 = L11^-1 W12`` and ``F21 = W21 U11^-1`` by triangular solves, the exits of the
      trailing half by ``e2 += F21 L11^-1 e1``, its weights by ``W22 += F21 G12`` with
      self-loops dropped; then the trailing half is factored the same way;
    * small blocks use GTH elimination: each pivot is the exit rate plus the off-diagonal
      row sum.

    Every operation adds numbers of one sign, so no step subtracts and each computed
    probability keeps its relative accuracy.

    Raises
    ------
    StationaryStateError
        If a pivot is zero: some set of states has no outflow (the chain is reducible).
    """
    a = np.array(weights, dtype=float, order="C")
    np.fill_diagonal(a, 0.0)
    _gth_lu_inplace(a, np.array(exits, dtype=float))
    return a, np.arange(a.shape[0], dtype=np.int32)


def _gth_lu_inplace(a: np.ndarray, e: np.ndarray, leaf: int = 64) -> None:
    """Overwrite ``a`` (weights W, zero diagonal) with its packed LU factors, as
    :func:`scipy.linalg.lu_factor` lays them out: ``-F`` below the diagonal, the pivots on
    it, ``-G`` above; see :func:`gth_lu`."""
    n = a.shape[0]
    if n <= leaf:
        for j in range(n):
            d = e[j] + a[j, j + 1 :].sum()
            if not d > 0:
                raise StationaryStateError("the generator is reducible: a set of states has no outflow (zero pivot)")
            a[j, j] = d
            if j + 1 < n:
                f = a[j + 1 :, j]
                f /= d
                sub = a[j + 1 :, j + 1 :]
                sub += np.outer(f, a[j, j + 1 :])
                np.fill_diagonal(sub, 0.0)  # self-loops through j leave the chain unchanged
                e[j + 1 :] += f * e[j]
        diag = a.diagonal().copy()
        np.negative(a, out=a)
        np.fill_diagonal(a, diag)
        return
    h = n // 2
    a11, a12, a21, a22 = a[:h, :h], a[:h, h:], a[h:, :h], a[h:, h:]
    e1 = e[:h].copy()
    _gth_lu_inplace(a11, e[:h] + a12.sum(axis=1), leaf)
    # a11 now holds L11 (unit lower) and U11 (upper) packed; LAPACK reads one triangle.
    solve = scipy.linalg.solve_triangular
    g12 = solve(a11, a12, lower=True, unit_diagonal=True, check_finite=False)  # L11^-1 W12 >= 0
    f21 = solve(a11, a21.T, trans=1, lower=False, check_finite=False).T  # W21 U11^-1 >= 0
    e2 = e[h:] + f21 @ solve(a11, e1, lower=True, unit_diagonal=True, check_finite=False)
    a22 += f21 @ g12
    np.fill_diagonal(a22, 0.0)
    np.negative(g12, out=a12)
    np.negative(f21, out=a21)
    _gth_lu_inplace(a22, e2, leaf)


def gth_null_vector(c: np.ndarray) -> np.ndarray:
    """Stationary vector of a small dense generator by GTH elimination (Grassmann,
    Taksar and Heyman 1985): subtraction-free, so every component keeps its relative
    accuracy. Only the off-diagonal entries of ``c`` are read. O(n^3) in Python loops over
    pivots: meant for small blocks and for tests.
    """
    a = np.array(c, dtype=float)
    n = a.shape[0]
    np.fill_diagonal(a, 0.0)
    if n > 1 and not np.all(a.sum(axis=1) > 0):
        raise StationaryStateError("the generator is reducible: a state has no outflow")
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


def stationary_one_frequency(generator: Generator, *, label: str = "", check: bool = True) -> np.ndarray:
    """Stationary populations of one block-tridiagonal generator (one realization at one
    microwave frequency) by GTH level reduction, flat order (sector, state).

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
    _check_rates(generator, label)
    n_levels = len(within)
    factors = [None] * n_levels  # GTH LU factors of -C_k
    coupling = None  # Q_k,k+1 (-C_k+1)^-1 Q_k+1,k for the current k
    c = None
    try:
        for k in range(n_levels - 1, -1, -1):
            if coupling is None:
                c = within[k].copy()
            else:
                c = coupling
                c += within[k]
            np.fill_diagonal(c, 0.0)
            if k == 0:
                break
            factors[k] = gth_lu(c, down[k - 1].sum(axis=1))
            # X = (-C_k)^-1 Q_k,k-1 >= 0: triangular solves with additions only.
            x = scipy.linalg.lu_solve(factors[k], down[k - 1], check_finite=False)
            coupling = up[k - 1] @ x
        pi = [None] * n_levels
        pi[0] = gth_null_vector(c) if c.shape[0] <= 256 else _null_vector_lu(c)
        for k in range(1, n_levels):
            # pi_k (-C_k) = pi_k-1 Q_k-1,k  <=>  (-C_k)^T pi_k^T = ...
            pi[k] = scipy.linalg.lu_solve(factors[k], pi[k - 1] @ up[k - 1], trans=1, check_finite=False)
    except StationaryStateError as exc:
        raise StationaryStateError(f"{exc}{_where(label)}") from None
    p = np.concatenate(pi)
    p /= p.sum()
    if check:
        check_stationary(generator, p, label=label)
    return p


def _where(label: str) -> str:
    return f" ({label})" if label else ""


def _check_rates(generator: Generator, label: str) -> None:
    """Refuse a negative or non-finite rate in any block (numpy or CuPy, batched or not)."""
    for name, blocks in (("within", generator.within), ("up", generator.up), ("down", generator.down)):
        for k, block in enumerate(blocks):
            if block.size and not float(block.min()) >= 0:
                raise ValueError(f"negative or non-finite rate in block {name}[{k}]{_where(label)}")


def _null_vector_lu(c: np.ndarray) -> np.ndarray:
    """Stationary vector of a generator block through :func:`gth_lu` on all states but the
    last: pi_last = 1, pi_rest (-C_rest) = C_last,rest."""
    rest = c[:-1, :-1]
    factors = gth_lu(rest, c[:-1, -1])
    pi = scipy.linalg.lu_solve(factors, c[-1, :-1], trans=1, check_finite=False)
    return np.append(pi, 1.0) / (pi.sum() + 1.0)


def stationary_residual(generator: Generator, p: np.ndarray) -> float:
    """``||p Q||_1 / sum_m p_m |Q_mm|``: the unbalanced flux relative to the total flux
    (:func:`batch_residual` for a batch of one)."""
    batch = Generator(generator.within, tuple(u[None] for u in generator.up), tuple(d[None] for d in generator.down))
    return float(batch_residual(batch, np.asarray(p)[None, :])[0])


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


#: Pivoted-LU populations more negative than this fraction of the largest one are not
#: rounding: the solve is refused. Smaller negatives are clipped to zero and reported.
NEGATIVE_TOLERANCE = 1e-12


def _escape_matrix(c, exits, xp):
    """``M = diag(exits + W 1) - W`` from the off-diagonal weights ``W`` of a batch of blocks
    ``c`` (F, d, d), in place (the diagonal of ``c`` is ignored); ``exits`` is (F, d)."""
    idx = xp.arange(c.shape[-1])
    c[:, idx, idx] = 0.0
    diagonal = exits + c.sum(axis=2)
    c *= -1.0
    c[:, idx, idx] = diagonal
    return c


def _solve_rows(m, b, xp):
    """``X`` with ``X m = b`` for batches: m (F, d, d), overwritten, b (F, r, d) -> (F, r, d),
    by the backend of ``xp`` (:meth:`dnpmbl.backend.Backend.solve_rows`)."""
    try:
        return get_backend("cpu" if xp is np else "gpu").solve_rows(m, b)
    except np.linalg.LinAlgError as exc:
        raise StationaryStateError(f"the generator is reducible: a singular level ({exc})") from None


def stationary_frequency_batch(generator: Generator, xp=np, *, label: str = "", tol: float = 1e-9):
    """Stationary populations of a batch of block-tridiagonal generators by level reduction
    with pivoted LU (the GPU's solver; :mod:`dnpmbl.backend`).

    The same recursion as :func:`stationary_one_frequency`, written with
    ``R_k = Q_k-1,k (-C_k)^-1`` (one batched ``solve`` per level, kept for the way back):
    ``C_k-1 = Q_k-1,k-1 + R_k Q_k,k-1`` and ``pi_k = pi_k-1 R_k``. Pivoted LU subtracts, so
    tiny populations are accurate only relative to the largest (about 1e-16 of it): rounding
    negatives are clipped to zero and their size reported; the relative residual is
    checked as for GTH.

    Parameters
    ----------
    generator : Generator
        ``within`` blocks (d_k, d_k), shared by the batch; ``up`` (F, d_k, d_k+1) and
        ``down`` (F, d_k+1, d_k) per frequency (see :func:`dnpmbl.rates.driven_batch`).
    xp : module
        numpy or cupy, the module of the blocks.

    Returns
    -------
    populations : (F, sum d_k) numpy array, non-negative, rows summing to one
    residuals : (F,) numpy array, relative residual of each (unclipped) solution
    negative : (F,) numpy array, most negative population before clipping over the
        largest (0 if none was negative)

    Raises
    ------
    StationaryStateError
        A singular level (reducible chain), a non-finite or too negative solution, or a
        residual above ``tol``, naming ``label``.
    """
    within, up, down = generator.within, generator.up, generator.down
    _check_rates(generator, label)
    n_levels = len(within)
    batch = up[0].shape[0] if up else 1
    reductions = [None] * n_levels
    try:
        coupling = None
        for k in range(n_levels - 1, -1, -1):
            if coupling is None:
                c = xp.broadcast_to(within[k], (batch,) + within[k].shape).copy()
            else:
                c = coupling
                c += within[k][None]
            if k == 0:
                break
            m = _escape_matrix(c, down[k - 1].sum(axis=2), xp)
            reductions[k] = _solve_rows(m, up[k - 1], xp)
            del m, c
            coupling = xp.matmul(reductions[k], down[k - 1])
        pi = [_null_vectors(c, xp)]
        for k in range(1, n_levels):
            pi.append(xp.matmul(pi[-1][:, None, :], reductions[k])[:, 0, :])
            reductions[k] = None
    except StationaryStateError as exc:
        raise StationaryStateError(f"{exc}{_where(label)}") from None
    p = xp.concatenate(pi, axis=1)
    p /= p.sum(axis=1, keepdims=True)
    residuals = to_host(batch_residual(generator, p, xp))
    largest = p.max(axis=1)
    negative = to_host(xp.minimum(p.min(axis=1), 0.0) / largest)
    xp.maximum(p, 0.0, out=p)
    p /= p.sum(axis=1, keepdims=True)
    populations = to_host(p)
    for f in range(batch):
        where = _where(f"{label}, batch item {f}" if label and batch > 1 else label)
        if not (np.all(np.isfinite(populations[f])) and np.isfinite(residuals[f])):
            raise StationaryStateError(f"stationary state{where} has non-finite entries (a singular level?)")
        if negative[f] < -NEGATIVE_TOLERANCE:
            raise StationaryStateError(
                f"stationary state{where} has a negative population {negative[f]:.3e} of the largest: "
                f"beyond rounding ({NEGATIVE_TOLERANCE:.0e})"
            )
        if not residuals[f] <= tol:
            raise StationaryStateError(f"stationary state{where} has relative residual {residuals[f]:.3e} > {tol:.0e}")
    return populations, residuals, negative


def _null_vectors(c, xp):
    """Stationary vectors of a batch of generator blocks (F, d, d) (diagonals ignored):
    ``pi_last = 1`` and ``pi_rest (-C_rest) = C_last,rest``, then normalized."""
    batch, dim = c.shape[0], c.shape[1]
    if dim == 1:
        return xp.ones((batch, 1))
    idx = xp.arange(dim)
    c[:, idx, idx] = 0.0
    rest = _escape_matrix(c[:, :-1, :-1].copy(), c[:, :-1, -1], xp)
    pi_rest = _solve_rows(rest, c[:, -1:, :-1], xp)[:, 0, :]
    pi = xp.concatenate([pi_rest, xp.ones((batch, 1))], axis=1)
    return pi / pi.sum(axis=1, keepdims=True)


def batch_residual(generator: Generator, p, xp=np):
    """:func:`stationary_residual` for a batch (see :func:`stationary_frequency_batch`): (F,)
    array of the backend."""
    dims = generator.dims
    off = np.concatenate([[0], np.cumsum(dims)])
    levels = len(dims)
    blocks = [p[:, off[k] : off[k + 1]] for k in range(levels)]
    residual = 0.0
    flux = 0.0
    for k, pk in enumerate(blocks):
        out = generator.within[k].sum(axis=1)[None, :]
        if k + 1 < levels:
            out = out + generator.up[k].sum(axis=2)
        if k > 0:
            out = out + generator.down[k - 1].sum(axis=2)
        r = pk @ generator.within[k] - pk * out
        if k > 0:
            r += xp.matmul(blocks[k - 1][:, None, :], generator.up[k - 1])[:, 0, :]
        if k + 1 < levels:
            r += xp.matmul(blocks[k + 1][:, None, :], generator.down[k])[:, 0, :]
        residual = residual + xp.abs(r).sum(axis=1)
        flux = flux + (pk * out).sum(axis=1)
    # No flux at all (a single state, or no motion): 0 if balanced, else infinitely off.
    ratio = residual / xp.where(flux > 0, flux, 1.0)
    return xp.where(flux > 0, ratio, xp.where(residual == 0, 0.0, xp.inf))
