"""Process settings that the heavy numerical work depends on (no numerical effect).

Two measured effects on the 2-core machines this project runs on (N = 12, one realization):

* **Idle BLAS pools spinning.** numpy and scipy each bundle their own OpenBLAS, each with a
  thread pool, and the solvers alternate between them (numpy's GEMM, scipy's triangular
  solves and ``eigh``). After every call an idle OpenBLAS pool spins for 2^28 cycles
  (~0.1 s) before it sleeps, taking a core from the other pool: the stationary solve took
  2.5-2.9 s per frequency instead of 1.0-1.4 s. :func:`quiet_blas_pools` sets
  ``OPENBLAS_THREAD_TIMEOUT=4`` (2^4 cycles), which OpenBLAS reads when it loads: it is
  called when :mod:`dnpmbl` is imported, so it works if numpy is imported after dnpmbl
  (rule scripts, the CLI and the benchmark make sure of that).
* **Freed memory given back and faulted in again.** glibc returns freed blocks of a few
  MB and more to the kernel, and the next allocation faults fresh pages in. On these
  virtual machines, where the host reclaims free guest memory, a fresh page costs 1.5-3 ms
  per MB (against ~0.2 ms on bare metal): 1.5-2 s of the 8.8 s of an N = 12 realization.
  :func:`retain_freed_memory` makes glibc keep freed blocks up to 32 MiB (every
  eigenvector and rate block up to N = 12) for reuse. The process then keeps its peak
  footprint until it exits, which suits a job process; rule scripts, the CLI and the
  benchmark call it. It is not done on import, so that an interactive session keeps the
  allocator's defaults unless it asks.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD_MAX = 32 * 1024 * 1024  # the largest value glibc accepts on 64-bit systems
_INT_MAX = 2**31 - 1

_retained = False


def quiet_blas_pools() -> None:
    """Default ``OPENBLAS_THREAD_TIMEOUT`` to 4: idle OpenBLAS threads sleep at once.

    Effective only if OpenBLAS (numpy, scipy) is loaded afterwards; a value already in the
    environment is kept.
    """
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")


def retain_freed_memory() -> bool:
    """Make glibc keep freed memory in the process instead of returning it to the kernel.

    Blocks up to 32 MiB come from the heap (not from separate mappings) and the heap is
    never trimmed. Returns True if the settings were applied, False where there is no
    glibc (macOS, musl) or it refused them; calling it again does nothing.
    """
    global _retained
    if _retained:
        return True
    if not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    ok = mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_MAX) == 1 and mallopt(_M_TRIM_THRESHOLD, _INT_MAX) == 1
    _retained = bool(ok)
    return _retained


def memory_retained() -> bool:
    """Whether :func:`retain_freed_memory` has been applied in this process."""
    return _retained
