"""Brute-force reference for the physics core, independent of ``dnpmbl``.

Everything here is built in the full ``2^(N+1)`` Hilbert space (N electrons, then the
nucleus as the last tensor factor) from Kronecker products of 2x2 spin matrices, with no
use of magnetization sectors, bit masks or any ``dnpmbl`` routine. Only
:class:`dnpmbl.Parameters` (a container of numbers) and :func:`dnpmbl.zeeman_shifts`
(the footnote-37 shifts, checked separately in ``test_core.py``) are shared.

Eigenstates
-----------
``numpy.linalg.eigh`` runs on the whole ``2^(N+1)`` matrix, never block by block. By
default (``mode="shifted"``) the matrix is ``H - w_e Sz + lam Sz`` with
``lam = 4 ||H - w_e Sz||_2 + 1``: since ``[H, Sz] = 0`` it has the same eigenvectors as H,
its magnetization blocks do not overlap in energy (so no two eigenvalues of different
magnetization are close and eigh cannot mix sectors), and its norm is ~ ``(2N+1) ||H - w_e
Sz||`` instead of ``N w_e / 2`` for H itself, 2 to 3 orders of magnitude smaller. ``mode="lab"``
diagonalizes H itself: it is kept to show why it is not used. Its eigenvector error
``~ eps ||H|| / gap`` (``eps ||H|| ~ 1e-4 rad/s``) limits the small nuclear-flip strengths
to ~2e-7 relative accuracy, the stationary populations to ~1e-8 and P_n to ~1e-8.

Energies are Rayleigh quotients ``e_n = <n|H - w_e Sz|n>`` (reduced) and the lab energies
are ``eps_n = w_e s_n + e_n`` with ``s_n = <n|Sz|n>`` rounded to a half integer (checked to
be one). Energy differences ``eps_m - eps_n`` are formed as ``w_e (s_m - s_n) + (e_m -
e_n)``, which equals the lab-frame difference exactly in real arithmetic and avoids the
``1e-4 rad/s`` rounding of ``eps ~ 1e12 rad/s``.

Stationary state
----------------
:func:`stationary_lstsq` is the plain dense route (``lstsq`` on ``[Q^T; 1...1] p = [0; 1]``).
It is normwise backward stable only: on the stiff driven chains its error reaches
``~ cond eps ~ 1e-8`` (see ``test_bruteforce.py``). :func:`stationary_gth` (subtraction-free
elimination, written here) and :func:`stationary_exact` (rational arithmetic) are the
componentwise-accurate references.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import reduce

import numpy as np

from dnpmbl import Parameters, zeeman_shifts

SX = np.array([[0.0, 0.5], [0.5, 0.0]], dtype=complex)
SY = np.array([[0.0, -0.5j], [0.5j, 0.0]], dtype=complex)
SZ = np.array([[0.5, 0.0], [0.0, -0.5]], dtype=complex)
SP = np.array([[0.0, 1.0], [0.0, 0.0]], dtype=complex)  # S+ = Sx + i Sy
SM = SP.T.copy()
ID2 = np.eye(2, dtype=complex)


def site_operator(op: np.ndarray, site: int, n_sites: int) -> np.ndarray:
    """``1 x ... x op x ... x 1`` with ``op`` on tensor factor ``site`` of ``n_sites``."""
    return reduce(np.kron, [op if s == site else ID2 for s in range(n_sites)])


@dataclass
class Operators:
    """Dense single-spin operators of the full space (electrons 0..N-1, nucleus N)."""

    sx: list
    sy: list
    sz: list
    sp: list
    ix: np.ndarray
    iz: np.ndarray

    @property
    def sz_total(self) -> np.ndarray:
        return sum(self.sz)

    @property
    def sx_total(self) -> np.ndarray:
        return sum(self.sx)


def operators(n_spins: int) -> Operators:
    n_sites = n_spins + 1
    return Operators(
        sx=[site_operator(SX, j, n_sites) for j in range(n_spins)],
        sy=[site_operator(SY, j, n_sites) for j in range(n_spins)],
        sz=[site_operator(SZ, j, n_sites) for j in range(n_spins)],
        sp=[site_operator(SP, j, n_sites) for j in range(n_spins)],
        ix=site_operator(SX, n_spins, n_sites),
        iz=site_operator(SZ, n_spins, n_sites),
    )


def hamiltonian(params: Parameters, u_ij, d_i, ops: Operators, *, omega_e: float | None = None, shifts=None) -> np.ndarray:
    """Eq. (9) in the full space, with ``omega_e`` in place of w_e if given, and the Zeeman
    shifts ``shifts`` in place of the equally spaced ones if given.

    ``H = sum_i (w_e + Delta_i) Sz_i + sum_{i<j} U_ij (S+_i S-_j + S-_i S+_j) - w_n Iz
    + sum_i D_i Sz_i Ix``. Returns a real (2^(N+1), 2^(N+1)) array.
    """
    n = params.n_spins
    w_e = params.omega_e if omega_e is None else omega_e
    delta = zeeman_shifts(n, params.delta_omega_e) if shifts is None else np.asarray(shifts, dtype=float)
    h = np.zeros_like(ops.iz)
    for i in range(n):
        h += (w_e + delta[i]) * ops.sz[i]
        h += d_i[i] * ops.sz[i] @ ops.ix
        for j in range(i + 1, n):
            spj = ops.sp[j]
            h += u_ij[i, j] * (ops.sp[i] @ spj.conj().T + ops.sp[i].conj().T @ spj)
    h -= params.omega_n * ops.iz
    assert np.abs(h.imag).max() == 0.0
    return h.real


@dataclass
class BruteForce:
    """Eigenstates of one realization, sorted by (magnetization, energy).

    Attributes
    ----------
    vectors : (D, D) array, eigenvectors in columns (D = 2^(N+1)).
    magnetization : (D,) array, ``s_n`` (half integers).
    reduced_energy : (D,) array, ``<n|H - w_e Sz|n>``, rad/s.
    energy : (D,) array, ``w_e s_n + e_n``, rad/s.
    iz : (D,) array, ``<n|Iz|n>``.
    lab_eigenvalues : (D,) array, what eigh returned for H in ``mode="lab"`` (else None).
    """

    params: Parameters
    ops: Operators
    vectors: np.ndarray
    magnetization: np.ndarray
    reduced_energy: np.ndarray
    energy: np.ndarray
    iz: np.ndarray
    lab_eigenvalues: np.ndarray | None = None

    def __post_init__(self):
        self._cache = {}

    def _cached(self, name, compute):
        if name not in self._cache:
            self._cache[name] = compute()
        return self._cache[name].copy()

    def matrix_elements(self, op: np.ndarray) -> np.ndarray:
        """``M[m, n] = <n|op|m>`` for eigenstates m, n (rows: initial state)."""
        v = self.vectors
        return (v.conj().T @ op @ v).T

    # Transition strengths, full (D, D) matrices indexed [m, n] for the transition m -> n.

    def flip(self) -> np.ndarray:
        """``sum_j |<n|S+_j|m>|^2``."""
        return self._cached("flip", lambda: sum(np.abs(self.matrix_elements(sp)) ** 2 for sp in self.ops.sp))

    def sx(self) -> np.ndarray:
        """``|<n|Sx_total|m>|^2``."""
        return self._cached("sx", lambda: np.abs(self.matrix_elements(self.ops.sx_total)) ** 2)

    def dephase(self) -> np.ndarray:
        """``sum_j |<n|Sz_j|m>|^2`` with a zero diagonal."""

        def compute():
            out = sum(np.abs(self.matrix_elements(sz)) ** 2 for sz in self.ops.sz)
            np.fill_diagonal(out, 0.0)
            return out

        return self._cached("dephase", compute)

    def bath_strength(self) -> np.ndarray:
        """``sum_j sum_{alpha=x,y,z} |<n|S_alpha^j|m>|^2`` written out literally (alpha = x, y
        only with ``params.bath_z_channel`` False)."""

        def compute():
            total = np.zeros((self.vectors.shape[1],) * 2)
            for j in range(self.params.n_spins):
                channels = (self.ops.sx[j], self.ops.sy[j]) + ((self.ops.sz[j],) if self.params.bath_z_channel else ())
                for op in channels:
                    total += np.abs(self.matrix_elements(op)) ** 2
            return total

        return self._cached("bath_strength", compute)

    def energy_difference(self) -> np.ndarray:
        """``E[m, n] = eps_m - eps_n`` as ``w_e (s_m - s_n) + (e_m - e_n)``."""
        s, e = self.magnetization, self.reduced_energy
        return self.params.omega_e * (s[:, None] - s[None, :]) + (e[:, None] - e[None, :])

    def bath_rates(self) -> np.ndarray:
        """Eq. (12): ``W[m, n] = (2/T1e) h(beta (eps_m - eps_n)) sum_j sum_alpha |..|^2``,
        ``h(x) = e^x / (1 + e^x)``; zero diagonal."""
        x = self.params.beta * self.energy_difference()
        h = np.exp(x) / (1.0 + np.exp(x))
        w = (2.0 / self.params.t1e) * h * self.bath_strength()
        np.fill_diagonal(w, 0.0)
        return w

    def microwave_rates(self, omega_mw: float) -> np.ndarray:
        """Eq. (16): ``W[m, n] = 4 w_1^2 T2e |<n|Sx|m>|^2 / (1 + T2e^2 (|eps_n - eps_m| - w_MW)^2)``."""
        p = self.params
        detuning = np.abs(self.energy_difference()) - omega_mw
        w = 4.0 * p.omega_1**2 * p.t2e * self.sx() / (1.0 + p.t2e**2 * detuning**2)
        np.fill_diagonal(w, 0.0)
        return w

    def generator(self, omega_mw: float) -> np.ndarray:
        """Dense ``Q``: ``Q[m, n] = W(m -> n)`` off the diagonal, rows summing to zero."""
        q = self.bath_rates() + self.microwave_rates(omega_mw)
        np.fill_diagonal(q, -q.sum(axis=1))
        return q

    def stationary(self, omega_mw: float) -> np.ndarray:
        """Solve ``[Q^T; 1...1] p = [0; 1]`` by dense least squares."""
        return stationary_lstsq(self.generator(omega_mw))

    def nuclear_polarization(self, p: np.ndarray) -> float:
        """``P_n = 2 sum_n p_n <n|Iz|n>``."""
        return float(2.0 * np.dot(p, self.iz))


def stationary_lstsq(q: np.ndarray) -> np.ndarray:
    """Stationary vector of a dense generator by ``numpy.linalg.lstsq`` on ``[Q^T; ones]``."""
    d = q.shape[0]
    a = np.vstack([q.T, np.ones((1, d))])
    b = np.zeros(d + 1)
    b[-1] = 1.0
    p, *_ = np.linalg.lstsq(a, b, rcond=None)
    return p


def stationary_gth(q: np.ndarray) -> np.ndarray:
    """Stationary vector of a dense generator by Grassmann-Taksar-Heyman elimination.

    Written here independently of ``dnpmbl.stationary``. Only the off-diagonal rates are
    read and no subtraction occurs, so every component keeps a relative accuracy of a few
    ``n eps``. Needed because the driven chains are stiff (microwave rates ~1e5 /s against
    nuclear relaxation ~1e-4 /s): the normwise backward error of :func:`stationary_lstsq`,
    ``~ eps ||Q||``, then shows up as ~``cond([Q^T; 1]) eps`` relative error (up to ~1e-8).
    """
    a = np.array(q, dtype=float)
    np.fill_diagonal(a, 0.0)
    n = a.shape[0]
    for last in range(n - 1, 0, -1):
        # Remove state `last`; its outflow to the remaining states is the sum of its rates.
        out = a[last, :last].sum()
        if not out > 0.0:
            raise ValueError("generator is reducible")
        a[:last, :last] += a[:last, last, None] * (a[None, last, :last] / out)
        a[last, last] = out  # keep the outflow on the diagonal for back substitution
        np.fill_diagonal(a[:last, :last], 0.0)
    x = np.zeros(n)
    x[0] = 1.0
    for j in range(1, n):
        x[j] = x[:j] @ a[:j, j] / a[j, j]
    return x / x.sum()


def stationary_exact(q: np.ndarray) -> np.ndarray:
    """Exact stationary vector of the off-diagonal rates of ``q`` (rational arithmetic).

    Every off-diagonal float is converted exactly to a :class:`fractions.Fraction`, the
    diagonal is minus the exact row sum, and ``[Q^T with its last row replaced by ones] p =
    e_last`` is solved by Gaussian elimination without rounding. The result is rounded to
    float once. Cost grows fast with the size: meant for n <~ 20.
    """
    n = q.shape[0]
    off = [[Fraction(float(q[i, j])) if i != j else Fraction(0) for j in range(n)] for i in range(n)]
    for i in range(n):
        off[i][i] = -sum(off[i])
    a = [[off[j][i] for j in range(n)] for i in range(n)]  # Q^T
    a[n - 1] = [Fraction(1)] * n
    b = [Fraction(0)] * (n - 1) + [Fraction(1)]
    for c in range(n):
        piv = next(r for r in range(c, n) if a[r][c] != 0)
        a[c], a[piv] = a[piv], a[c]
        b[c], b[piv] = b[piv], b[c]
        for r in range(c + 1, n):
            if a[r][c] != 0:
                f = a[r][c] / a[c][c]
                for cc in range(c, n):
                    a[r][cc] -= f * a[c][cc]
                b[r] -= f * b[c]
    x = [Fraction(0)] * n
    for r in range(n - 1, -1, -1):
        x[r] = (b[r] - sum(a[r][cc] * x[cc] for cc in range(r + 1, n))) / a[r][r]
    return np.array([float(v) for v in x])


def solve(params: Parameters, u_ij, d_i, *, mode: str = "shifted", shifts=None) -> BruteForce:
    """Diagonalize Eq. (9) in the full space (see module docstring for ``mode``)."""
    n = params.n_spins
    u_ij = np.asarray(u_ij, dtype=float)
    d_i = np.asarray(d_i, dtype=float)
    ops = operators(n)
    sz_total = ops.sz_total.real
    reduced = hamiltonian(params, u_ij, d_i, ops, omega_e=0.0, shifts=shifts)  # H - w_e Sz
    lab_eigenvalues = None
    if mode == "shifted":
        lam = 4.0 * np.linalg.norm(reduced, 2) + 1.0
        _, vectors = np.linalg.eigh(reduced + lam * sz_total)
    elif mode == "lab":
        lab_eigenvalues, vectors = np.linalg.eigh(hamiltonian(params, u_ij, d_i, ops, shifts=shifts))
    else:
        raise ValueError(f"unknown mode {mode!r}")
    s_raw = np.einsum("an,ab,bn->n", vectors, sz_total, vectors)
    s = np.round(2.0 * s_raw) / 2.0
    if np.abs(s - s_raw).max() > 1e-8:
        raise AssertionError(f"eigenstates are not magnetization eigenstates: {np.abs(s - s_raw).max():.2e}")
    e = np.einsum("an,ab,bn->n", vectors, reduced, vectors)
    order = np.lexsort((e, s))
    vectors = vectors[:, order]
    s, e = s[order], e[order]
    iz = np.einsum("an,ab,bn->n", vectors, ops.iz.real, vectors)
    if lab_eigenvalues is not None:
        lab_eigenvalues = lab_eigenvalues[order]
    return BruteForce(
        params=params,
        ops=ops,
        vectors=vectors.astype(complex),
        magnetization=s,
        reduced_energy=e,
        energy=params.omega_e * s + e,
        iz=iz,
        lab_eigenvalues=lab_eigenvalues,
    )
