"""Where the physics core runs: numpy and SciPy on the CPU (the reference), or CuPy on a GPU.

The exact diagonalization, the transition strengths, the rates, the stationary solve and the
Fig. 4 eigenstates are written once, over an array module ``xp`` (:mod:`numpy` or
:mod:`cupy`) and the few primitives below where the two libraries differ (``eigh``, a row
gather into a buffer, the upper triangle of a Gram matrix, the logistic function). A
:class:`Backend` holds them.

Two stationary solvers share the level reduction of :mod:`dnpmbl.stationary`:

* ``"gth"`` (the CPU default and the reference): a subtraction-free LU of each level, one
  microwave frequency at a time, in which every probability keeps its relative accuracy.
* ``"lu"`` (the GPU's): LAPACK-style pivoted LU (``xp.linalg.solve``), several microwave
  frequencies of one realization at once as a batch. It may subtract, so tiny probabilities
  keep only an absolute accuracy relative to the largest; rounding negatives are clipped
  and reported. It runs on the CPU too (``get_backend("cpu", stationary="lu")``), which is
  how the CPU tests check the GPU's algorithm against GTH.

Arrays between the stages stay where they were computed (``Spectrum`` eigenvectors,
``Strengths``, rate blocks); energies, ``<Iz>`` and the populations come back to the host as
numpy arrays. The GPU backend needs CuPy (``pip install 'dnpmbl[gpu]'``) and a CUDA device;
importing this module never imports CuPy.
"""

from __future__ import annotations

import numpy as np

#: Backends a config, the command line and the benchmark accept.
BACKENDS = ("cpu", "gpu")
#: Stationary solvers (see module docstring).
STATIONARY_METHODS = ("gth", "lu")
#: The solver ``auto`` stands for on either backend: pivoted LU (on the CPU 15-20 % faster
#: per microwave frequency than GTH at N = 12, and within 1e-10 in P_n and 1e-12 of the
#: largest population of it: tested); ``gth`` stays the reference.
AUTO_STATIONARY = "lu"
#: What a config, the command line and the benchmark offer: a solver, or ``auto``.
STATIONARY_CHOICES = ("auto", *STATIONARY_METHODS)


def resolve_stationary(name: str) -> str:
    """The solver a choice of :data:`STATIONARY_CHOICES` names (``auto``: :data:`AUTO_STATIONARY`)."""
    if name not in STATIONARY_CHOICES:
        raise BackendError(f"unknown stationary solver {name!r}; choose one of {', '.join(STATIONARY_CHOICES)}")
    return AUTO_STATIONARY if name == "auto" else name


#: Most microwave frequencies the GPU solves at once.
MAX_BATCH = 16


class BackendError(RuntimeError):
    """The requested backend cannot run here (no CuPy, no GPU, an unknown name)."""


def to_host(a) -> np.ndarray:
    """A numpy array with the values of ``a`` (a CuPy array is copied to the host)."""
    if isinstance(a, np.ndarray):
        return a
    get = getattr(a, "get", None)
    return get() if callable(get) else np.asarray(a)


class Backend:
    """Array module and primitives of one device.

    Attributes
    ----------
    name : str
        ``"cpu"`` or ``"gpu"``.
    xp : module
        :mod:`numpy` or :mod:`cupy`.
    stationary : str
        The stationary solver, ``"gth"`` or ``"lu"``.
    """

    name = "cpu"

    def __init__(self, stationary: str = "gth"):
        if stationary not in STATIONARY_METHODS:
            raise BackendError(f"unknown stationary solver {stationary!r}; choose one of {', '.join(STATIONARY_METHODS)}")
        self.xp = np
        self.stationary = stationary

    def __repr__(self) -> str:
        return f"Backend({self.name!r}, stationary={self.stationary!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Backend) and (self.name, self.stationary) == (other.name, other.stationary)

    def __hash__(self) -> int:
        return hash((self.name, self.stationary))

    # --- transfers ---------------------------------------------------------------------

    def asarray(self, a):
        """``a`` as a float64 array of this backend (no copy when it is one already)."""
        return self.xp.asarray(a, dtype=float)

    def index_array(self, a):
        """An integer index array of this backend."""
        return self.xp.asarray(a)

    to_host = staticmethod(to_host)

    def synchronize(self) -> None:
        """Wait for queued device work (for timings); nothing to wait for on the CPU."""

    def pool_bytes(self) -> int:
        """Bytes the device memory pool holds, freed blocks included: after
        :meth:`release_memory` and some work, its high-water mark (0 on the CPU)."""
        return 0

    def release_memory(self) -> None:
        """Hand the pool's free blocks back to the device (nothing to do on the CPU)."""

    def batch_size(self, bytes_per_item: int) -> int:
        """How many microwave frequencies to solve at once: one on the CPU (a batch saves
        nothing there and costs memory)."""
        return 1

    # --- kernels that differ between libraries -------------------------------------------

    def eigh(self, block):
        """Eigenvalues (ascending) and eigenvectors (columns) of a symmetric block; the
        block may be overwritten."""
        import scipy.linalg

        return scipy.linalg.eigh(block, overwrite_a=True, check_finite=False, driver="evd")

    def take_rows(self, a, rows, out):
        """``out[:] = a[rows]`` for a C-order ``a`` and valid ``rows``."""
        # mode="clip" (the rows are valid): with the default "raise", take() buffers ``out``.
        return self.xp.take(a, rows, axis=0, out=out, mode="clip")

    def gram_upper(self, sub, out):
        """The upper triangle (at least) of ``sub.T @ sub``, written into ``out`` (a Fortran
        (d, d) buffer whose lower triangle stays zero) and returned."""
        import scipy.linalg.blas as blas

        return blas.dsyrk(1.0, sub.T, beta=0.0, c=out, trans=0, lower=0, overwrite_c=1)

    def expit(self, x):
        from scipy.special import expit

        return expit(x)

    def solve_rows(self, m, b):
        """``X`` with ``X m[f] = b[f]`` for each item f of a batch: ``m`` (F, d, d), which
        may be overwritten, and ``b`` (F, r, d) -> (F, r, d), C order.

        LAPACK's pivoted LU called directly on the transposed views (``m[f].T`` and
        ``b[f].T`` are Fortran arrays, so neither is copied to factor ``m^T``): about 15 %
        faster than :func:`numpy.linalg.solve`, which copies both. Raises
        :class:`numpy.linalg.LinAlgError` for a singular ``m[f]``.
        """
        from scipy.linalg import lapack

        solutions = []
        for f in range(m.shape[0]):
            lu, piv, info = lapack.dgetrf(m[f].T, overwrite_a=1)
            if info == 0:
                x, info = lapack.dgetrs(lu, piv, b[f].T)
            if info != 0:
                raise np.linalg.LinAlgError(f"singular matrix (LAPACK info {info})")
            solutions.append(x.T)  # C order: x is the Fortran (d, r) solution of m^T x = b^T
        return solutions[0][None] if len(solutions) == 1 else np.stack(solutions)


class CupyBackend(Backend):
    """CuPy on the current CUDA device; its stationary solver is always ``"lu"``
    (:func:`get_backend` refuses any other)."""

    name = "gpu"

    def __init__(self):
        try:
            import cupy
        except ImportError as exc:
            raise BackendError(
                f"backend 'gpu' needs CuPy ({exc}); install it with pip install 'dnpmbl[gpu]' "
                "(or the cupy-cuda* wheel matching your CUDA), or use backend 'cpu'"
            ) from None
        try:
            count = cupy.cuda.runtime.getDeviceCount()
        except Exception as exc:  # CUDARuntimeError without a driver
            raise BackendError(f"backend 'gpu': CuPy finds no usable CUDA device ({exc}); use backend 'cpu'") from None
        if count < 1:
            raise BackendError("backend 'gpu': no CUDA device is visible (CUDA_VISIBLE_DEVICES?); use backend 'cpu'")
        self.xp = cupy
        self.stationary = "lu"

    def synchronize(self) -> None:
        self.xp.cuda.get_current_stream().synchronize()

    def pool_bytes(self) -> int:
        return int(self.xp.get_default_memory_pool().total_bytes())

    def release_memory(self) -> None:
        self.xp.get_default_memory_pool().free_all_blocks()

    def batch_size(self, bytes_per_item: int) -> int:
        """Frequencies per batch: at most a quarter of the free device memory (the pool's
        free blocks included; other jobs may share the GPU) and at most 16 (at N = 12, 16
        frequencies take ~6 GB and already fill the device)."""
        free, _ = self.xp.cuda.runtime.memGetInfo()
        pool = self.xp.get_default_memory_pool()
        available = free + pool.free_bytes()
        return int(max(1, min(MAX_BATCH, available // 4 // max(1, bytes_per_item))))

    def eigh(self, block):
        return self.xp.linalg.eigh(block)

    def take_rows(self, a, rows, out):
        return self.xp.take(a, rows, axis=0, out=out)

    def gram_upper(self, sub, out):
        # The full product: on a GPU the GEMM's other half costs less than a SYRK call path.
        out[...] = sub.T @ sub
        return out

    def expit(self, x):
        from cupyx.scipy.special import expit

        return expit(x)

    def solve_rows(self, m, b):
        return self.xp.linalg.solve(m.swapaxes(1, 2), b.swapaxes(1, 2)).swapaxes(1, 2)


_CPU = Backend()
_GPU = None


def get_backend(backend=None, *, stationary: str | None = None) -> Backend:
    """The :class:`Backend` for a name (``"cpu"``, ``"gpu"``), an existing backend, or None
    (the CPU). ``stationary`` overrides the solver (``"gth"`` or ``"lu"``); the GPU has only
    ``"lu"``.

    Raises
    ------
    BackendError
        For an unknown name, or ``"gpu"`` without CuPy or a CUDA device.
    """
    if isinstance(backend, Backend):
        if stationary is None or stationary == backend.stationary:
            return backend
        backend = backend.name
    if backend is None or backend == "cpu":
        if stationary is None or stationary == "gth":
            return _CPU
        return Backend(stationary)
    if backend == "gpu":
        global _GPU
        if stationary not in (None, "lu"):
            raise BackendError("the gpu backend solves the stationary state by pivoted LU only (stationary='lu')")
        if _GPU is None:
            _GPU = CupyBackend()
        return _GPU
    raise BackendError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")


def gpu_available() -> bool:
    """Whether ``get_backend("gpu")`` would succeed here."""
    try:
        get_backend("gpu")
    except BackendError:
        return False
    return True
