"""dnpmbl: exact steady states of dynamic nuclear polarization with interacting electrons.

Reproduces De Luca, Rodriguez Arias, Mueller, Rosso, PRB 94, 014203 (2016). Frequencies are
angular (rad/s) and times are in seconds throughout; see :mod:`dnpmbl.params`.
"""

from .runtime import quiet_blas_pools as _quiet_blas_pools

# Before anything below loads numpy: see dnpmbl/runtime.py.
_quiet_blas_pools()

from .diagonalization import Spectrum, diagonalize  # noqa: E402
from .model import realization_couplings, standard_couplings, zeeman_shifts  # noqa: E402
from .observables import gibbs_state, nuclear_polarization  # noqa: E402
from .params import Parameters  # noqa: E402
from .realization import RealizationResult, solve_realization, stationary_states  # noqa: E402
from .stationary import StationaryStateError, stationary_state  # noqa: E402
from .strengths import Strengths, transition_strengths  # noqa: E402

__version__ = "0.2.0"

__all__ = [
    "Parameters",
    "RealizationResult",
    "Spectrum",
    "StationaryStateError",
    "Strengths",
    "__version__",
    "diagonalize",
    "gibbs_state",
    "nuclear_polarization",
    "realization_couplings",
    "solve_realization",
    "standard_couplings",
    "stationary_state",
    "stationary_states",
    "transition_strengths",
    "zeeman_shifts",
]
