"""A stand-in for CuPy made of numpy, so that the CPU tests run dnpmbl's GPU code path.

It has what dnpmbl's ``CupyBackend`` and the GPU benchmark call (``linalg.eigh``,
``linalg.solve``, ``take`` without ``mode``, ``cuda.runtime``, the memory pool) and no
more; it proves the code path's logic and bookkeeping, not CuPy's behaviour, which only
``tests/test_gpu.py`` on a real GPU checks. Put this folder on ``sys.path`` (or
PYTHONPATH) to use it; nothing in the package refers to it.
"""

import numpy as _np
from numpy import *  # noqa: F401,F403
from numpy import linalg  # noqa: F401

__version__ = "0.0-numpy-stand-in"


def take(a, indices, axis=None, out=None):
    """CuPy's ``take``, which has no ``mode``."""
    return _np.take(a, indices, axis=axis, out=out)


class _Runtime:
    @staticmethod
    def getDeviceCount():
        return 1

    @staticmethod
    def memGetInfo():
        return (2 * 2**30, 4 * 2**30)

    @staticmethod
    def getDeviceProperties(device):
        return {"name": b"numpy stand-in for CuPy", "totalGlobalMem": 4 * 2**30}


class _Stream:
    def synchronize(self):
        pass


class cuda:  # noqa: N801 (CuPy's name)
    runtime = _Runtime

    @staticmethod
    def get_current_stream():
        return _Stream()


class _Pool:
    def total_bytes(self):
        return 0

    def free_bytes(self):
        return 0

    def free_all_blocks(self):
        pass


_POOL = _Pool()


def get_default_memory_pool():
    return _POOL
