"""Command line: recompute one realization from a JSON file.

    python -m dnpmbl example --n-spins 6 --u-mhz 15 --seed 1 --realization 0 > one.json
    python -m dnpmbl solve one.json [-o result.json] [--states states.csv] [--backend gpu]

The input holds ``params`` (the fields of :class:`dnpmbl.Parameters`: rad/s, seconds; the
boolean ``bath_z_channel`` may be left out, meaning true),
``u_ij`` (N x N, rad/s), ``d_i`` (N, rad/s) and ``omega_mw`` (one or several, rad/s): what
every per-realization result of the workflow records.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import re
import stat
import sys
import time
from pathlib import Path

import numpy as np

from . import __version__
from .backend import BACKENDS, STATIONARY_CHOICES, BackendError, get_backend, resolve_stationary
from .files import OutputPathError, atomic_path, check_output, file_kind
from .model import realization_couplings
from .params import MAX_SPINS_STATIONARY, Parameters
from .realization import solve_realization
from .runtime import retain_freed_memory
from .stationary import StationaryStateError

REQUIRED = ("params", "u_ij", "d_i", "omega_mw")
#: A problem file larger than this is refused before it is read (N = 14 takes ~10 kB).
MAX_PROBLEM_BYTES = 64 * 2**20


def _fail(message: str):
    """Stop with one line on stderr, ``error: <message>``, and exit status 1."""
    raise SystemExit(f"error: {message}")


def _read_problem_text(path: str) -> str:
    """The text of a problem file (``-``: standard input): a regular file or a pipe of at
    most :data:`MAX_PROBLEM_BYTES` of UTF-8 text."""
    if path == "-":
        raw = sys.stdin.buffer.read(MAX_PROBLEM_BYTES + 1) if sys.stdin is not None else b""
    else:
        try:
            info = os.stat(path)
        except FileNotFoundError:
            _fail(f"{path}: no such file")
        except OSError as exc:
            _fail(f"{path}: cannot be read ({exc.strerror})")
        if not (stat.S_ISREG(info.st_mode) or stat.S_ISFIFO(info.st_mode)):
            _fail(f"{path}: is {file_kind(info.st_mode)}, not a problem file")
        try:
            with open(path, "rb") as fh:
                raw = fh.read(MAX_PROBLEM_BYTES + 1)
        except OSError as exc:
            _fail(f"{path}: cannot be read ({exc.strerror})")
    if len(raw) > MAX_PROBLEM_BYTES:
        _fail(f"{path}: larger than {MAX_PROBLEM_BYTES >> 20} MiB: not a problem file")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        _fail(f"{path}: not UTF-8 text (byte {exc.start}): not a JSON problem file")


def _json_type(value) -> str:
    return {bool: "true/false", str: "a string", list: "a list", dict: "an object", type(None): "null"}.get(type(value), type(value).__name__)


def _number(value, key: str) -> float:
    """A JSON number as a float: ``true`` is no number (numpy would read it as 1)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"key {key}: expected a number, got {_json_type(value)}")
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"key {key}: {str(value)[:20]}... is too large for a number") from None


def _numbers(value, key: str, ndim: int) -> np.ndarray:
    """A JSON number (``ndim`` 0), list of numbers (1) or list of equally long lists of
    numbers (2) as a float array; anything else raises ``ValueError`` naming the key."""
    if ndim == 0:
        return np.asarray(_number(value, key))
    if not isinstance(value, list):
        raise ValueError(f"key {key}: expected {'a list' if ndim == 1 else 'a list of lists'} of numbers, got {_json_type(value)}")
    rows = [_numbers(item, f"{key}[{i}]", ndim - 1) for i, item in enumerate(value)]
    if ndim == 2 and len({row.shape for row in rows}) > 1:
        raise ValueError(f"key {key}: rows of different lengths")
    return np.array(rows, dtype=float).reshape((len(rows), *(rows[0].shape if rows else (0,) * (ndim - 1))))


def load_problem(path: str) -> dict:
    """Read and validate a JSON problem file; errors name the file and the key."""
    text = _read_problem_text(path)
    try:
        data = json.loads(text)
    except RecursionError:
        _fail(f"{path}: JSON nested too deeply: not a problem file")
    except ValueError as exc:  # JSONDecodeError, and integers of more than 4300 digits
        _fail(f"{path}: not valid JSON ({str(exc).splitlines()[0]})")
    if not isinstance(data, dict):
        _fail(f"{path}: expected a JSON object with keys {', '.join(REQUIRED)}")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        _fail(f"{path}: missing key(s) {', '.join(missing)}")
    try:
        if not isinstance(data["params"], dict):
            raise ValueError(f"key params: expected an object, got {_json_type(data['params'])}")
        for name, value in data["params"].items():
            if name == "bath_z_channel":
                if not isinstance(value, bool):
                    raise ValueError(f"key params.{name}: expected true or false, got {_json_type(value)}")
                continue
            _number(value, f"params.{name}")
        params = Parameters.from_dict(data["params"])
        omega = data["omega_mw"]
        return {
            "params": params,
            "u_ij": _numbers(data["u_ij"], "u_ij", 2),
            "d_i": _numbers(data["d_i"], "d_i", 1),
            "omega_mw": np.atleast_1d(_numbers(omega, "omega_mw", 1 if isinstance(omega, list) else 0)),
        }
    except (TypeError, ValueError) as exc:
        _fail(f"{path}: {exc}")


def _same_file(a: Path, b: str) -> bool:
    """Whether the output ``a`` (resolved) is the file ``b`` names, links included."""
    if b == "-":
        return False
    try:
        return a == Path(os.path.realpath(b)) or (a.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def check_outputs(args) -> dict:
    """``{option: target}`` of the files ``--output`` and ``--states`` name, each checked
    (:func:`dnpmbl.files.check_output`) before anything is computed: a new name or a regular
    file in a directory that takes it, not the problem file, not both the same file. ``-``
    (or no ``--output``) is standard output, which must be open."""
    targets = {}
    for option, path in (("--output", args.output), ("--states", args.states)):
        if path is None or path == "-":
            continue
        try:
            targets[option] = check_output(path)
        except OutputPathError as exc:
            _fail(f"{option} {exc}")
        if _same_file(targets[option], args.problem):
            _fail(f"{option} {path}: is the problem file {args.problem}; writing there would replace it")
    if len(targets) == 2 and (targets["--output"] == targets["--states"] or _same_file(targets["--output"], args.states)):
        _fail(f"--output {args.output} and --states {args.states} are the same file; each needs its own")
    to_stdout = [option for option, path in (("--output", args.output or "-"), ("--states", args.states)) if path == "-"]
    if len(to_stdout) == 2:
        _fail("--output and --states both name standard output (-); each needs its own")
    if to_stdout and sys.stdout is None:
        _fail(f"standard output is closed; give {to_stdout[0]} a file")
    return targets


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so that the interpreter's last flush of what
    could not be written does not fail again at exit."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.stdout.fileno())
        os.close(fd)
    except (OSError, ValueError, AttributeError):
        pass


def write_stdout(text: str) -> None:
    """Write ``text`` to standard output; a closed pipe (``| head``), a full device or a
    closed stream ends in one line, not a traceback."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        _fail("standard output: the reader closed the pipe before the end of the output")
    except OSError as exc:
        _silence_stdout()
        _fail(f"standard output: {exc.strerror}")
    except (AttributeError, ValueError):
        _fail("standard output is closed")


def example_problem(args) -> dict:
    """The problem file of one realization drawn from a seed; ``ValueError`` where it could
    not be solved (N beyond the memory limit, a microwave frequency that is not positive)."""
    if not 2 <= args.n_spins <= MAX_SPINS_STATIONARY:
        raise ValueError(f"--n-spins {args.n_spins}: from 2 to {MAX_SPINS_STATIONARY}, the sizes the exact stationary solve takes")
    params = Parameters.from_units(
        args.n_spins, b_tesla=args.b_tesla, u_mhz=args.u_mhz, d_mhz=args.d_mhz, bath_z_channel=args.bath_z_channel
    )
    u_ij, d_i = realization_couplings(params, args.seed, args.realization)
    omega_mw = [params.microwave_frequency(o) for o in args.offset]
    for offset, omega in zip(args.offset, omega_mw):
        if not (math.isfinite(omega) and omega > 0):
            raise ValueError(f"--offset {offset:g} gives the microwave frequency {omega:g} rad/s: not a positive frequency")
    return {
        "params": params.as_dict(),
        "u_ij": u_ij.tolist(),
        "d_i": d_i.tolist(),
        "omega_mw": omega_mw,
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
    ex.add_argument(
        "--no-bath-z-channel", dest="bath_z_channel", action="store_false",
        help="the bath acts through the spin flips only (bath_z_channel: false; docs/physics.md section 3)",
    )  # fmt: skip
    # "--offset -1e6": a negative number in exponent notation is a value, not an option.
    ex._negative_number_matcher = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
    so = sub.add_parser("solve", help="solve one realization from a problem file")
    so.add_argument("problem", help="JSON file with params, u_ij, d_i, omega_mw (-: standard input)")
    so.add_argument("-o", "--output", help="write the result as JSON here, a new file or a regular one (default or -: stdout)")
    so.add_argument("--states", help="write per-state arrays (energy, magnetization, <Iz>, p) as CSV here (-: stdout)")
    so.add_argument(
        "--backend", choices=BACKENDS, default="cpu",
        help="where to compute: cpu (numpy/SciPy, the reference) or gpu (CuPy); default cpu",
    )  # fmt: skip
    so.add_argument(
        "--stationary-solver", choices=STATIONARY_CHOICES, default="auto",
        help="lu (pivoted LU, the faster), gth (subtraction-free, the reference, CPU only) or auto (lu)",
    )  # fmt: skip
    args = parser.parse_args(argv)

    if args.command == "example":
        if sys.stdout is None:
            _fail("standard output is closed; redirect it to a file")
        try:
            text = json.dumps(example_problem(args), indent=1, allow_nan=False)
        except ValueError as exc:
            _fail(str(exc))
        write_stdout(text + "\n")
        return 0

    targets = check_outputs(args)
    problem = load_problem(args.problem)
    solver = resolve_stationary(args.stationary_solver)
    try:
        backend = get_backend(args.backend, stationary=solver)
    except BackendError as exc:
        _fail(str(exc))
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
        _fail(f"{args.problem}: {exc}")
    except MemoryError:
        _fail(f"{args.problem}: out of memory for N = {problem['params'].n_spins} on this machine")
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
    header = "energy_rad_s,reduced_energy_rad_s,magnetization,iz," + ",".join(f"p_{i}" for i in range(result.omega_mw.size))
    table = np.column_stack([result.energy, result.reduced_energy, result.magnetization, result.iz, result.populations.T])
    for option, path in (("--states", args.states), ("--output", args.output)):
        if option not in targets:
            continue
        try:
            with atomic_path(path) as tmp:
                if option == "--states":
                    np.savetxt(tmp, table, delimiter=",", header=header, comments="", fmt="%.17g")
                else:
                    tmp.write_text(text + "\n")
        except (OSError, OutputPathError) as exc:
            _fail(f"{option} {path}: not written ({getattr(exc, 'strerror', None) or exc})")
    if args.states == "-":
        buffer = io.StringIO()
        np.savetxt(buffer, table, delimiter=",", header=header, comments="", fmt="%.17g")
        write_stdout(buffer.getvalue())
    if args.output in (None, "-"):
        write_stdout(text + "\n")
    return 0


def run(argv=None) -> int:
    """:func:`main` as ``python -m dnpmbl`` runs it: a pipe closed under ``--help`` and an
    interrupt (Ctrl-C) end in one line, not a traceback."""
    try:
        return main(argv)
    except BrokenPipeError:
        _silence_stdout()
        raise SystemExit("error: standard output: the reader closed the pipe before the end of the output") from None
    except KeyboardInterrupt:
        try:
            print("error: interrupted", file=sys.stderr)
        except (OSError, ValueError, AttributeError):
            pass
        return 130
