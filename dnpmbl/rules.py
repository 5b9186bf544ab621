"""Small helpers shared by the workflow's rule scripts (logging, parameters, provenance).

Rule scripts set ``OPENBLAS_NUM_THREADS`` (and friends) from ``snakemake.threads`` before
anything imports numpy, then call :func:`start_log`.
"""

from __future__ import annotations

import logging
import sys
import time

from .params import Parameters


def start_log(log_path: str, name: str) -> logging.Logger:
    """Send this script's logging and uncaught tracebacks to the rule's log file."""
    handle = open(log_path, "w", buffering=1)
    sys.stderr = handle
    logging.basicConfig(
        stream=handle,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    logger = logging.getLogger(name)
    logger.info("started")
    return logger


def parameters_from_config(physics: dict, n_spins: int, b_tesla: float, u_mhz: float) -> Parameters:
    """Parameters of one (N, B, U) point from the config's ``physics`` slice."""
    return Parameters.from_units(
        int(n_spins),
        b_tesla=float(b_tesla),
        u_mhz=float(u_mhz),
        d_mhz=physics["d_mhz"],
        omega_e_ghz=physics["omega_e_ghz"],
        delta_omega_e_mhz=physics["delta_omega_e_mhz"],
        omega_n_mhz=physics["omega_n_mhz"],
        omega_1_khz=physics["omega_1_khz"],
        t1e_s=physics["t1e_s"],
        t2e_s=physics["t2e_s"],
        beta_per_kelvin=physics["beta_per_kelvin"],
        b_ref_tesla=physics["b_ref_tesla"],
    )


def point_columns(n_spins: int, wildcards, offset: float) -> dict:
    """The key columns of a per-point table row: N, B, U and the microwave offset."""
    return {"n_spins": int(n_spins), "b_tesla": float(wildcards.b), "u_mhz": float(wildcards.u), "offset": float(offset)}


class Stopwatch:
    """``with Stopwatch(logger, "ED"):`` logs the wall time of a block."""

    def __init__(self, logger: logging.Logger, what: str):
        self.logger, self.what = logger, what

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        if exc[0] is None:
            self.logger.info("%s: %.2f s", self.what, self.seconds)
        return False
