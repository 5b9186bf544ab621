"""The cost model of the workflow: what each job takes, in one place.

The per-job seconds measured on a 2-core machine (:data:`REALIZATION_S_N12` ...) give

* the estimate ``make run`` and the campaign print (:func:`estimate_core_seconds`,
  :func:`realization_job_seconds`, :func:`eigenstates_job_seconds`), and
* the runtime each rule declares to a scheduler: :data:`RUNTIME_MARGIN` times the estimate,
  plus a start-up allowance (:func:`realization_runtime`, :func:`eigenstates_runtime`,
  :func:`level_statistics_runtime`).

The memory each rule declares grows with the arrays it holds (:func:`realization_mem_mb`
...). Everything grows with the sector dimensions of Eq. (9), :func:`sector_dims`. The
workflow multiplies the declared resources by Snakemake's ``attempt`` (a retried job gets
twice as much).
"""

from __future__ import annotations

import math

from .config import fig4_realizations, level_statistics_points, realization_points

#: Per-job seconds measured on a 2-core machine (two single-threaded jobs at a time) in the
#: quick config: a realization at N = 12 with one microwave frequency, each further one
#: (pivoted LU, measured warm by bench/core.py), and the Fig. 4 eigenstates per N. Other N
#: scale with sum_k d_k^3 (realizations) or C(N, N/2)^3 (eigenstates).
REALIZATION_S_N12 = 13.0
FURTHER_FREQUENCY_S_N12 = 1.8
EIGENSTATES_S = {8: 0.64, 10: 0.64, 12: 0.8, 14: 7.4, 16: 600.0}
#: The analyses of the paper config: ~2,000 core-seconds for 21 points of 100 realizations
#: at N = 12.
ANALYSES_S_PAPER = 2000.0

#: The level statistics of one realization (eigenvalues of the Sz = 0 sector only) take
#: about this fraction of its eigenstate job (the estimate counts them whole).
LEVELS_FRACTION = 1 / 3

#: Declared runtimes are this many times the estimate (a slower machine, a busy node) ...
RUNTIME_MARGIN = 5
#: ... plus these minutes for start-up (imports, reading and writing files).
REALIZATION_STARTUP_MIN = 10
EIGENSTATES_STARTUP_MIN = 2


def sector_dims(n: int, nucleus: bool = True) -> list[int]:
    """Dimensions of the magnetization sectors of N electron spins (times 2 with the nucleus)."""
    return [(2 if nucleus else 1) * math.comb(n, k) for k in range(n + 1)]


def _cube_sum(n: int) -> float:
    return float(sum(d**3 for d in sector_dims(int(n))))


def realization_job_seconds(n: int, offsets: int) -> float:
    """Estimated core-seconds of one realization job of N spins solving ``offsets``
    microwave frequencies (scaled from N = 12 with sum_k d_k^3)."""
    per = REALIZATION_S_N12 + FURTHER_FREQUENCY_S_N12 * (offsets - 1)
    return per * _cube_sum(int(n)) / _cube_sum(12)


def eigenstates_job_seconds(n: int) -> float:
    """Estimated core-seconds of one Fig. 4 eigenstate job of N spins."""
    return EIGENSTATES_S.get(n, EIGENSTATES_S[16] * (math.comb(n, n // 2) / 12870) ** 3)


def analyses_seconds(n: int, realizations: int) -> float:
    """Estimated core-seconds of the analyses of one point (fit, fluctuations, D_KL, PE)."""
    return ANALYSES_S_PAPER / 21 * realizations / 100 * 2 ** (int(n) - 12)


def estimate_core_seconds(config: dict) -> dict:
    """Rough core-seconds of a validated config, from the per-job times measured on 2
    cores: ``{"realizations": ..., "eigenstates": ..., "analyses": ..., "total": ...}``."""
    realizations = 0.0
    analyses = 0.0
    for (_, n, _, _), point in realization_points(config).items():
        realizations += point["realizations"] * realization_job_seconds(int(n), len(point["offsets"]))
        analyses += analyses_seconds(int(n), point["realizations"])
    eigenstates = 0.0
    fig4 = config["fig4"]
    if "fig4" in config["figures"]:
        for n in fig4["n_spins"]:
            eigenstates += fig4_realizations(config, n) * len(fig4["u_mhz"]) * eigenstates_job_seconds(n)
    for (n, _), count in level_statistics_points(config).items():
        eigenstates += count * eigenstates_job_seconds(int(n))
    total = realizations + eigenstates + analyses
    return {"realizations": realizations, "eigenstates": eigenstates, "analyses": analyses, "total": total}


# --- what each rule declares (before Snakemake's attempt multiplies it) -------------------


def _minutes(seconds: float) -> int:
    return math.ceil(RUNTIME_MARGIN * seconds / 60)


def realization_runtime(n: int, offsets: int) -> int:
    """Minutes declared by a realization job (ED, strengths and ``offsets`` stationary states)."""
    return REALIZATION_STARTUP_MIN + _minutes(realization_job_seconds(n, offsets))


def realization_mem_mb(n: int) -> int:
    """Eigenvectors, strengths and work arrays: ~4x the operator bytes, plus Python (the
    eigenvectors are freed before the rates)."""
    d = sector_dims(int(n))
    words = 2 * sum(x * x for x in d) + 2 * sum(a * b for a, b in zip(d, d[1:]))
    return int(400 + 4 * 8 * words / 1e6)


def point_mem_mb(n: int, offsets: int, realizations: int) -> int:
    """An analysis of one point: the populations of its realizations at every offset."""
    per_realization = 8 * 2 ** (int(n) + 1) * (offsets + 6)
    return int(500 + 3 * per_realization * realizations / 1e6)


def scan_mem_mb(n: int, realizations: int) -> int:
    """A scan: the populations of one point's realizations at a time, and the resamples' copies."""
    per_point = 8 * 2 ** (int(n) + 1) * realizations * 8
    return int(500 + 3 * per_point / 1e6)


def eigenstates_mem_mb(n: int) -> int:
    """The Sz = 0 sector of the electrons alone: its eigenvectors and work arrays."""
    d = math.comb(int(n), int(n) // 2)
    return int(300 + 4 * 8 * d * d / 1e6)


def eigenstates_runtime(n: int) -> int:
    """Minutes declared by one Fig. 4 eigenstate job."""
    return EIGENSTATES_STARTUP_MIN + _minutes(eigenstates_job_seconds(int(n)))


def level_statistics_runtime(n: int, realizations: int) -> int:
    """Minutes declared by the level statistics of one (N, U): eigenvalues of
    ``realizations`` Sz = 0 sectors, each :data:`LEVELS_FRACTION` of an eigenstate job."""
    return EIGENSTATES_STARTUP_MIN + _minutes(realizations * LEVELS_FRACTION * eigenstates_job_seconds(int(n)))
