"""Command line: recompute one realization from a JSON file.

    python -m dnpmbl example --n-spins 6 --u-mhz 15 --seed 1 --realization 0 > one.json
    python -m dnpmbl solve one.json [-o result.json] [--states states.csv] [--backend gpu]

The input holds ``params`` (the fields of :class:`dnpmbl.Parameters`: rad/s, seconds),
``u_ij`` (N x N, rad/s), ``d_i`` (N, rad/s) and ``omega_mw`` (one or several, rad/s): what
every per-realization result of the workflow records.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

from . import __version__
from .backend import BACKENDS, BackendError, get_backend
from .files import atomic_path
from .model import realization_couplings
from .params import Parameters
from .realization import solve_realization
from .runtime import retain_freed_memory
from .stationary import StationaryStateError

REQUIRED = ("params", "u_ij", "d_i", "omega_mw")


def load_problem(path: str) -> dict:
    """Read and validate a JSON problem file; errors name the file and the key."""
    try:
        with open(path) as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise SystemExit(f"error: {path}: no such file")
    except json.JSONDecodeError as exc:
        raise SystemExit(f"error: {path}: not valid JSON ({exc})")
    if not isinstance(data, dict):
        raise SystemExit(f"error: {path}: expected a JSON object with keys {', '.join(REQUIRED)}")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise SystemExit(f"error: {path}: missing key(s) {', '.join(missing)}")
    try:
        params = Parameters.from_dict(data["params"])
        return {
            "params": params,
            "u_ij": np.asarray(data["u_ij"], dtype=float),
            "d_i": np.asarray(data["d_i"], dtype=float),
            "omega_mw": np.atleast_1d(np.asarray(data["omega_mw"], dtype=float)),
        }
    except (TypeError, ValueError) as exc:
        raise SystemExit(f"error: {path}: {exc}")


def example_problem(args) -> dict:
    params = Parameters.from_units(args.n_spins, b_tesla=args.b_tesla, u_mhz=args.u_mhz, d_mhz=args.d_mhz)
    u_ij, d_i = realization_couplings(params, args.seed, args.realization)
    return {
        "params": params.as_dict(),
        "u_ij": u_ij.tolist(),
        "d_i": d_i.tolist(),
        "omega_mw": [params.microwave_frequency(o) for o in args.offset],
        "seed": args.seed,
        "realization": args.realization,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dnpmbl", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"dnpmbl {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser(
        "example",
        help="write a problem file for one realization drawn from a seed",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    ex.add_argument("--n-spins", type=int, default=6, help="number of electron spins N")
    ex.add_argument("--u-mhz", type=float, default=15.0, help="dipolar scale U / 2 pi, MHz")
    ex.add_argument("--d-mhz", type=float, default=1.0, help="hyperfine scale D / 2 pi, MHz")
    ex.add_argument("--b-tesla", type=float, default=3.35, help="field B, T (Zeeman frequencies scale from 3.35 T)")
    ex.add_argument("--seed", type=int, default=1, help="base seed of the disorder")
    ex.add_argument("--realization", type=int, default=0, help="realization index r")
    ex.add_argument("--offset", type=float, nargs="+", default=[-0.5], help="microwave offsets (w_MW - w_e) / dw_e")
    so = sub.add_parser("solve", help="solve one realization from a problem file")
    so.add_argument("problem", help="JSON file with params, u_ij, d_i, omega_mw")
    so.add_argument("-o", "--output", help="write the result as JSON here (default: stdout)")
    so.add_argument("--states", help="write per-state arrays (energy, magnetization, <Iz>, p) as CSV")
    so.add_argument(
        "--backend", choices=BACKENDS, default="cpu",
        help="where to compute: cpu (numpy/SciPy, the reference) or gpu (CuPy); default cpu",
    )  # fmt: skip
    so.add_argument(
        "--stationary-solver", choices=("auto", "gth", "lu"), default="auto",
        help="lu (pivoted LU, the faster), gth (subtraction-free, the reference, CPU only) or auto (lu)",
    )  # fmt: skip
    args = parser.parse_args(argv)

    if args.command == "example":
        try:
            json.dump(example_problem(args), sys.stdout, indent=1)
        except ValueError as exc:
            raise SystemExit(f"error: {exc}")
        sys.stdout.write("\n")
        return 0

    for option, path in (("--output", args.output), ("--states", args.states)):
        if path and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
            raise SystemExit(f"error: {option} {path}: no such directory")
    problem = load_problem(args.problem)
    solver = "lu" if args.stationary_solver == "auto" else args.stationary_solver
    try:
        backend = get_backend(args.backend, stationary=solver)
    except BackendError as exc:
        raise SystemExit(f"error: {exc}")
    retain_freed_memory()  # a job process: keep freed memory for reuse (dnpmbl/runtime.py)
    start = time.perf_counter()
    try:
        # Overflow in absurd inputs (|D_i| ~ 1e300) ends in a StationaryStateError reported
        # below; numpy's warnings on the way would only add noise to that one line.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            result = solve_realization(
                problem["params"], problem["u_ij"], problem["d_i"], problem["omega_mw"], label=args.problem, backend=backend
            )
    except (ValueError, StationaryStateError) as exc:
        raise SystemExit(f"error: {args.problem}: {exc}")
    elapsed = time.perf_counter() - start
    out = {
        "dnpmbl_version": __version__,
        "n_spins": result.params.n_spins,
        "omega_mw_rad_s": result.omega_mw.tolist(),
        "p_n": result.p_n.tolist(),
        "mean_energy_rad_s": result.mean_energy.tolist(),
        "mean_reduced_energy_rad_s": result.mean_reduced_energy.tolist(),
        "mean_magnetization": result.mean_magnetization.tolist(),
        "relative_residual": result.residual.tolist(),
        "most_negative_clipped": result.negative.tolist(),
        "backend": backend.name,
        "stationary_solver": backend.stationary,
        "wall_time_s": elapsed,
    }
    text = json.dumps(out, indent=1)
    if args.states:
        header = "energy_rad_s,reduced_energy_rad_s,magnetization,iz," + ",".join(
            f"p_{i}" for i in range(result.omega_mw.size)
        )
        table = np.column_stack([result.energy, result.reduced_energy, result.magnetization, result.iz, result.populations.T])
        with atomic_path(args.states) as tmp:
            np.savetxt(tmp, table, delimiter=",", header=header, comments="", fmt="%.17g")
    if args.output:
        with atomic_path(args.output) as tmp:
            tmp.write_text(text + "\n")
    else:
        print(text)
    return 0
