"""Helpers shared by the workflow's rule scripts (logging, parameters, provenance).

The rule scripts that compute with BLAS (realization and the split pair, eigenstates,
level_statistics, fit_spin_temperature, kl_divergence, scan) set ``OPENBLAS_NUM_THREADS``
(and friends) to the rule's ``threads`` before anything imports numpy
(``workflow/scripts/_setup.py``, ``blas_threads``); fluctuations, perturbative_expansion,
table_figure and plot_figure leave the BLAS settings as the environment gives them. Every
rule script then calls :func:`start_log`.
"""

from __future__ import annotations

import logging
import sys
import time

from ..params import PHYSICS_DEFAULTS, Parameters
from .paths import PAPER_MODEL


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
    """Parameters of one (N, B, U) point from the config's ``physics`` slice (every key of
    :data:`dnpmbl.params.PHYSICS_DEFAULTS` that :meth:`Parameters.from_units` takes: all
    but ``zeeman_shifts``, which the realization draws with its couplings)."""
    units = {key: physics[key] for key in PHYSICS_DEFAULTS if key != "zeeman_shifts"}
    return Parameters.from_units(int(n_spins), b_tesla=float(b_tesla), u_mhz=float(u_mhz), **units)


def point_columns(n_spins: int, wildcards, offset: float) -> dict:
    """The key columns of a per-point table row: N, B, U and the microwave offset."""
    return {"n_spins": int(n_spins), "b_tesla": float(wildcards.b), "u_mhz": float(wildcards.u), "offset": float(offset)}


def frequency_progress(logger: logging.Logger, total: int):
    """A ``progress(i, n)`` callback that logs about ten times over ``total`` frequencies."""
    step = max(1, total // 10)
    last = [0]

    def progress(i, n):
        if i // step > last[0] // step or i == n:
            logger.info("solved %d/%d microwave frequencies", i, n)
        last[0] = i

    return progress


def write_realization(smk, result, offsets, backend, logger: logging.Logger) -> None:
    """Write the realization and states tables of one solved realization (the outputs
    ``table`` and ``states`` of its rule), recording how it was computed."""
    from .io import realization_table, states_table, write_table

    w = smk.wildcards
    clipped = float(result.negative.min()) if result.negative is not None else 0.0
    logger.info(
        "P_n = %s; largest relative residual %.2e; most negative population %.1e of the largest (clipped)",
        result.p_n[:5], result.residual.max(), clipped,
    )  # fmt: skip
    table = realization_table(
        result, b_tesla=float(w.b), u_mhz=float(w.u), seed=int(smk.params.seed), realization=int(w.r), offsets=offsets,
        model=w.model, zeeman=smk.params.physics["zeeman_shifts"],
    )  # fmt: skip
    how = {"backend": backend.name, "stationary_solver": backend.stationary, "most_negative_clipped": clipped}
    write_table(table, smk.output.table, metadata={**how, **code_provenance(smk.params.source)})
    write_table(states_table(result), smk.output.states)


def git_commit(directory) -> str:
    """The commit checked out at ``directory``, or "unknown" outside a git checkout."""
    import subprocess

    try:
        return subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "HEAD"], capture_output=True, text=True, check=True, timeout=30
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def code_provenance(source_sha256: str) -> dict:
    """What computed a result: the package version, the source digest of its computing
    modules (a rule parameter) and the git commit of the checkout, when there is one."""
    from pathlib import Path

    from .. import __version__

    root = Path(__file__).resolve().parents[2]
    return {"dnpmbl_version": __version__, "source_sha256": str(source_sha256), "git_commit": git_commit(root)}


def realization_request(smk, params: Parameters) -> tuple[list[float], list[float], str]:
    """The microwave offsets a realization rule is asked for, their frequencies (rad/s) and
    a label naming the realization in logs and errors."""
    w = smk.wildcards
    offsets = [float(o) for o in smk.params.offsets]
    omegas = [params.microwave_frequency(o) for o in offsets]
    model = "" if w.model == PAPER_MODEL else f"model {w.model} "
    return offsets, omegas, f"{model}N={w.n} B={w.b} T U={w.u} MHz realization {int(w.r)}"


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
