"""Observables of a stationary state (Sec. IV, Eq. 26)."""

from __future__ import annotations

import numpy as np


def nuclear_polarization(p: np.ndarray, iz: np.ndarray) -> float:
    """``P_n = 2 sum_m p_m <m|Iz|m>`` (Eq. 26 with the factor 2 of docs/physics.md section 5).

    In [-1, 1]; comparable with ``tanh(beta_s w_n / 2)`` (Eq. 1).
    """
    return float(2.0 * np.dot(p, iz))


def mean_energy(p: np.ndarray, energy: np.ndarray) -> float:
    """``<H> = sum_n p_n eps_n`` (Eq. 18a), in the unit of ``energy``."""
    return float(np.dot(p, energy))


def mean_magnetization(p: np.ndarray, magnetization: np.ndarray) -> float:
    """``<Sz> = sum_n p_n s_n`` (Eq. 18b)."""
    return float(np.dot(p, magnetization))


def gibbs_state(energy: np.ndarray, beta: float) -> np.ndarray:
    """``exp(-beta eps) / Z`` computed with a shifted exponent (no overflow)."""
    x = -beta * (energy - energy.min())
    w = np.exp(x - x.max())
    return w / w.sum()
