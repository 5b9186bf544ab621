"""dnpmbl: exact steady states of dynamic nuclear polarization with interacting electrons.

Reproduces De Luca, Rodriguez Arias, Mueller, Rosso, PRB 94, 014203 (2016). Frequencies are
angular (rad/s) and times are in seconds throughout; see :mod:`dnpmbl.params` and
``docs/physics.md``.

The public names below load their modules on first use, so that ``import dnpmbl`` (and the
workflow's config validation, which needs no linear algebra) loads neither numpy nor scipy;
importing this package first still sets the BLAS settings before numpy loads.
"""

from importlib import import_module

from .runtime import quiet_blas_pools as _quiet_blas_pools

# Before anything loads numpy: see dnpmbl/runtime.py.
_quiet_blas_pools()

__version__ = "0.6.1"

_PUBLIC = {
    "Parameters": "params",
    "RealizationResult": "realization",
    "Spectrum": "diagonalization",
    "StationaryStateError": "stationary",
    "Strengths": "strengths",
    "diagonalize": "diagonalization",
    "gibbs_state": "observables",
    "nuclear_polarization": "observables",
    "realization_couplings": "model",
    "solve_realization": "realization",
    "standard_couplings": "model",
    "stationary_all_frequencies": "realization",
    "stationary_one_frequency": "stationary",
    "transition_strengths": "strengths",
    "zeeman_shifts": "model",
}

__all__ = sorted([*_PUBLIC, "__version__"])


def __getattr__(name: str):
    if name in _PUBLIC:
        value = getattr(import_module(f".{_PUBLIC[name]}", __name__), name)
        globals()[name] = value
        return value
    try:  # a submodule, as after ``import dnpmbl.<name>``
        return import_module(f".{name}", __name__)
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
    raise AttributeError(f"module 'dnpmbl' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_PUBLIC))
