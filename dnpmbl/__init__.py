"""dnpmbl: exact steady states of dynamic nuclear polarization with interacting electrons.

Reproduces De Luca, Rodriguez Arias, Mueller, Rosso, PRB 94, 014203 (2016). Frequencies are
angular (rad/s) and times are in seconds throughout; see :mod:`dnpmbl.params`.
"""

from .diagonalization import Spectrum, diagonalize
from .model import realization_couplings, standard_couplings, zeeman_shifts
from .observables import gibbs_state, nuclear_polarization
from .params import Parameters
from .realization import RealizationResult, solve_realization, stationary_states
from .stationary import StationaryStateError, stationary_state
from .strengths import Strengths, transition_strengths

__version__ = "0.1.0"

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
