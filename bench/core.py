"""Benchmark of the physics core: prints figures, asserts nothing.

    python bench/core.py [--sizes 8 10 12] [--repeats 3] [--frequencies 4]
    python bench/core.py --backend gpu [--sizes 12 14] [--eth-sizes 12 14 16]

For each N: median wall time of the sector ED, the transition strengths, the first
stationary state (bath rates included) and each further microwave frequency; peak resident
memory of a process that does one realization; for N <= 10 the brute-force dense path of
tests/bruteforce.py on the same realization and the ratio. Then the flop-limit efficiency:
the time the same eigendecompositions and matrix products would take at this machine's
measured GEMM, LU and eigh rates, over the time taken. Each N runs in its own process so
that its peak memory is its own.

With ``--backend gpu`` each N is timed on the GPU (device synchronized around every stage,
after one warm-up realization; the CUDA start-up is printed apart) with the peak of the
device memory pool, and again on this machine's CPU up to ``--cpu-max`` for the ratio;
``--eth-sizes`` times the Fig. 4 eigenstates (Sz = 0 sector, electrons alone) on both.
Targets on one H100: N = 12 with one frequency <= 0.3 s, each further frequency <= 20 ms,
N = 14 <= 5 s, Fig. 4 eigenstates at N = 16 <= 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from math import comb
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import dnpmbl  # noqa: E402  (first: it quiets the BLAS pools before numpy loads)
import numpy as np  # noqa: E402
import scipy.linalg  # noqa: E402
from dnpmbl.backend import AUTO_STATIONARY, STATIONARY_CHOICES, get_backend, resolve_stationary  # noqa: E402
from dnpmbl.diagonalization import diagonalize  # noqa: E402
from dnpmbl.eth import eigenstate_diagnostics  # noqa: E402
from dnpmbl.realization import stationary_all_frequencies  # noqa: E402
from dnpmbl.runtime import retain_freed_memory  # noqa: E402
from dnpmbl.strengths import transition_strengths  # noqa: E402

SEED = 2016


def sector_dims(n: int) -> list[int]:
    return [2 * comb(n, k) for k in range(n + 1)]


def strength_flops(n: int) -> float:
    d = sector_dims(n)
    flip = sum(2.0 * n * d[k] * d[k + 1] * (d[k] * (n - k) // n) for k in range(n))
    dephase = sum(n * (d[k] * min(k, n - k) // n) * d[k] ** 2 for k in range(1, n))  # syrk: r d^2
    return flip + dephase


def stationary_flops(n: int) -> tuple[float, float]:
    """(LU flops, GEMM-like flops: triangular solves and products) of one level reduction."""
    d = sector_dims(n)
    lu = sum(2.0 / 3.0 * d[k] ** 3 for k in range(1, n + 1))
    other = sum(2.0 * d[k] ** 2 * d[k - 1] + 2.0 * d[k - 1] ** 2 * d[k] for k in range(1, n + 1))
    return lu, other


def machine_rates(n: int) -> dict:
    """Measured GEMM and LU rates (flop/s) and eigh time for each sector size of N."""
    rng = np.random.default_rng(0)
    m = 1500
    a = rng.standard_normal((m, m))
    b = rng.standard_normal((m, m))
    a @ b
    t = time.perf_counter()
    a @ b
    gemm = 2.0 * m**3 / (time.perf_counter() - t)
    scipy.linalg.lu_factor(a)
    t = time.perf_counter()
    scipy.linalg.lu_factor(a)
    lu = 2.0 / 3.0 * m**3 / (time.perf_counter() - t)
    eigh = {}
    for dim in sorted(set(sector_dims(n))):
        s = rng.standard_normal((dim, dim))
        s += s.T
        t = time.perf_counter()
        scipy.linalg.eigh(s, driver="evd", check_finite=False)
        eigh[dim] = time.perf_counter() - t
    return {"gemm_flops": gemm, "lu_flops": lu, "eigh_s": eigh}


def fresh_memory_ms_per_mb(megabytes: int = 200) -> float:
    """Time to fault in memory the process has never touched, ms per MB (page faults; on a
    virtual machine whose host reclaims free guest memory this is several times bare metal)."""
    t = time.perf_counter()
    np.ones(megabytes * 131072)
    return (time.perf_counter() - t) * 1e3 / megabytes


def run_one(
    n: int, repeats: int, frequencies: int, dense: bool, retain: bool, backend: str = "cpu", solver: str | None = None
) -> dict:
    retained = retain_freed_memory() if retain else False
    t = time.perf_counter()
    be = get_backend(backend, stationary=solver)
    if be.name == "gpu":  # the CUDA context and library handles: once per process
        be.eigh(be.asarray(np.eye(4)))
        be.xp.linalg.solve(be.asarray(np.eye(4))[None], be.asarray(np.ones((1, 4, 1))))
        be.synchronize()
    startup = time.perf_counter() - t
    params = dnpmbl.Parameters.from_units(n, u_mhz=15.0)
    u_ij, d_i = dnpmbl.realization_couplings(params, SEED, 0)
    offsets = np.linspace(-0.5, 0.5, frequencies)
    omegas = [params.microwave_frequency(o) for o in offsets]
    times = {"ed": [], "strengths": [], "first_stationary": [], "further_stationary": []}

    def clock():
        be.synchronize()
        return time.perf_counter()

    peak_pool = 0
    for repeat in range(repeats + (1 if be.name == "gpu" else 0)):
        be.release_memory()
        t0 = clock()
        spectrum = diagonalize(params, u_ij, d_i, backend=be)
        t1 = clock()
        strengths = transition_strengths(spectrum)
        t2 = clock()
        stationary_all_frequencies(spectrum, strengths, omegas[:1])
        t3 = clock()
        # Each further frequency: warm (memory already faulted in, as in a Fig. 2 job after
        # its first frequency), one frequency against F, so the bath rates cancel.
        stationary_all_frequencies(spectrum, strengths, omegas[:1])
        t_one = clock()
        pops, _ = stationary_all_frequencies(spectrum, strengths, omegas)
        t4 = clock()
        peak_pool = max(peak_pool, be.pool_bytes())
        if be.name == "gpu" and repeat == 0:
            continue  # warm-up: kernels compiled and cached, memory pool grown
        times["ed"].append(t1 - t0)
        times["strengths"].append(t2 - t1)
        times["first_stationary"].append(t3 - t2)
        times["further_stationary"].append(((t4 - t_one) - (t_one - t3)) / max(1, frequencies - 1))
        iz = spectrum.iz
        del spectrum, strengths
    out = {k: statistics.median(v) for k, v in times.items()}
    out["n"] = n
    out["backend"] = be.name
    out["solver"] = be.stationary
    out["startup_s"] = startup
    out["peak_device_mb"] = peak_pool / 1e6
    out["retained"] = retained
    out["realization_one_frequency_s"] = out["ed"] + out["strengths"] + out["first_stationary"]
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    p_n = 2.0 * pops @ iz
    out["p_n"] = p_n.tolist()
    if dense:
        sys.path.insert(0, str(ROOT / "tests"))
        import bruteforce  # the independent dense implementation of the tests

        t = time.perf_counter()
        dense = bruteforce.solve(params, u_ij, d_i)
        p_dense = dense.stationary(omegas[0])
        out["dense_one_frequency_s"] = time.perf_counter() - t
        out["dense_p_n"] = float(dense.nuclear_polarization(p_dense))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[8, 10, 12])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--frequencies", type=int, default=4)
    parser.add_argument("--dense-max", type=int, default=10, help="largest N for the brute-force comparison")
    parser.add_argument(
        "--system-malloc",
        action="store_true",
        help="keep glibc's defaults instead of dnpmbl.runtime.retain_freed_memory() (what the workflow uses)",
    )
    parser.add_argument("--backend", choices=("cpu", "gpu"), default="cpu", help="where to run the physics core")
    parser.add_argument(
        "--stationary-solver", choices=STATIONARY_CHOICES, default="auto", help=f"auto: {AUTO_STATIONARY} (the production solver)"
    )
    parser.add_argument("--cpu-max", type=int, default=12, help="with --backend gpu: largest N also timed on the CPU")
    parser.add_argument("--eth-sizes", type=int, nargs="*", default=[], help="N of Fig. 4 eigenstate timings")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--eth", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    solver = resolve_stationary(args.stationary_solver)
    if args.one is not None:
        res = run_one(
            args.one, args.repeats, args.frequencies, args.one <= args.dense_max, not args.system_malloc, args.backend, solver
        )
        print(json.dumps(res))
        return 0
    if args.eth is not None:
        print(json.dumps(run_eth(args.eth, args.repeats, args.backend)))
        return 0
    if args.backend == "gpu":
        return main_gpu(args)
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    spin = os.environ.get("OPENBLAS_THREAD_TIMEOUT")
    print(f"dnpmbl {dnpmbl.__version__} core benchmark (cpu, stationary solver {args.stationary_solver}); "
          f"BLAS threads: {threads}; cores: {os.cpu_count()}; "
          f"OPENBLAS_THREAD_TIMEOUT={spin}")
    header = (
        f"{'N':>3} {'ED s':>7} {'strengths s':>11} {'1st w_MW s':>10} {'next w_MW s':>11} "
        f"{'total(1) s':>10} {'peak MB':>8} {'dense s':>8} {'dense/ours':>10}"
    )
    print(header)
    rows = []
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--one", str(n), "--repeats", str(args.repeats),
               "--frequencies", str(args.frequencies), "--dense-max", str(args.dense_max),
               "--stationary-solver", args.stationary_solver]
        if args.system_malloc:
            cmd.append("--system-malloc")
        res = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        rows.append(res)
        dense = res.get("dense_one_frequency_s")
        ratio = dense / res["realization_one_frequency_s"] if dense else None
        print(
            f"{n:>3} {res['ed']:>7.3f} {res['strengths']:>11.3f} {res['first_stationary']:>10.3f} "
            f"{res['further_stationary']:>11.3f} {res['realization_one_frequency_s']:>10.3f} "
            f"{res['peak_rss_mb']:>8.0f} {dense if dense else float('nan'):>8.2f} "
            f"{ratio if ratio else float('nan'):>10.1f}"
        )
        if dense:
            print(f"    P_n dnpmbl {res['p_n'][0]:.12f}  dense {res['dense_p_n']:.12f}")
    retained = all(res["retained"] for res in rows)
    print("allocator: " + ("freed memory retained (as in the workflow)" if retained else "glibc defaults"))
    # After the children: a child's peak RSS would start from the parent's.
    print(f"faulting in fresh memory costs {fresh_memory_ms_per_mb():.2f} ms/MB on this machine")
    print("\nflop-limit efficiency (time at this machine's measured rates / time taken):")
    for res in rows:
        n = res["n"]
        rates = machine_rates(n)
        ideal_ed = sum(rates["eigh_s"][d] for d in sector_dims(n))
        ideal_str = strength_flops(n) / rates["gemm_flops"]
        lu, other = stationary_flops(n)
        ideal_ss = lu / rates["lu_flops"] + other / rates["gemm_flops"]
        print(
            f"  N={n:>2}: GEMM {rates['gemm_flops'] / 1e9:.0f} GF/s, LU {rates['lu_flops'] / 1e9:.0f} GF/s; "
            f"ED {ideal_ed / res['ed']:.0%} ({ideal_ed:.2f} s ideal), "
            f"strengths {ideal_str / res['strengths']:.0%} ({ideal_str:.2f} s), "
            f"each further w_MW {ideal_ss / res['further_stationary']:.0%} ({ideal_ss:.2f} s)"
        )
        print(
            f"        level reduction: {(lu + other) / 1e9:.2f} GFLOP per frequency, "
            f"{(lu + other) / rates['gemm_flops']:.2f} s even if all of it ran at the GEMM rate"
        )
    print("\ntargets (2 cores): N=12 realization with one w_MW <= 8 s; each further w_MW <= 0.6 s; "
          "peak RSS <= 1500 MB; dense/ours >= 50 at N=10")
    if args.eth_sizes:
        print("\nFig. 4 eigenstates (Sz = 0 sector, one realization):")
        for n in args.eth_sizes:
            res = _child(args, "--eth", str(n), "--backend", "cpu")
            print(f"  N={n:>2}: {res['seconds']:.3f} s")
    return 0


def run_eth(n: int, repeats: int, backend: str) -> dict:
    """Median time of the Fig. 4 eigenstates of one realization (after a warm-up on a GPU)."""
    be = get_backend(backend)
    params = dnpmbl.Parameters.from_units(n, u_mhz=15.0)
    u_ij, _ = dnpmbl.realization_couplings(params, SEED, 0)
    times = []
    for repeat in range(repeats + (1 if be.name == "gpu" else 0)):
        be.release_memory()
        be.synchronize()
        t = time.perf_counter()
        eigenstate_diagnostics(params, u_ij, backend=be)
        be.synchronize()
        if be.name == "gpu" and repeat == 0:
            continue
        times.append(time.perf_counter() - t)
    return {"n": n, "seconds": statistics.median(times), "peak_device_mb": be.pool_bytes() / 1e6}


def _child(args, *extra) -> dict:
    cmd = [sys.executable, __file__, "--repeats", str(args.repeats), "--frequencies", str(args.frequencies),
           "--dense-max", "0", "--stationary-solver", args.stationary_solver, *extra]  # fmt: skip
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()[-1])


def main_gpu(args) -> int:
    """GPU timings, each beside the CPU path measured on this same machine."""
    import cupy

    props = cupy.cuda.runtime.getDeviceProperties(0)
    print(
        f"dnpmbl {dnpmbl.__version__} core benchmark on the GPU: {props['name'].decode()}, "
        f"{props['totalGlobalMem'] / 2**30:.0f} GiB; CPU cores: {os.cpu_count()}, "
        f"BLAS threads: {os.environ.get('OPENBLAS_NUM_THREADS', 'default')}; median of {args.repeats}"
    )
    print(
        f"{'N':>3} {'where':>5} {'start s':>8} {'ED s':>8} {'strengths s':>11} {'1st w_MW s':>10} {'next w_MW s':>11} "
        f"{'total(1) s':>10} {'peak MB':>8} {'CPU/GPU':>8}"
    )
    for n in args.sizes:
        gpu = _child(args, "--one", str(n), "--backend", "gpu")
        cpu = _child(args, "--one", str(n), "--backend", "cpu") if n <= args.cpu_max else None
        for res in (gpu, cpu):
            if res is None:
                continue
            ratio = ""
            if res is gpu and cpu is not None:
                ratio = f"{cpu['realization_one_frequency_s'] / gpu['realization_one_frequency_s']:>8.1f}"
            peak = res["peak_device_mb"] if res["backend"] == "gpu" else res["peak_rss_mb"]
            print(
                f"{n:>3} {res['backend']:>5} {res['startup_s']:>8.2f} {res['ed']:>8.3f} {res['strengths']:>11.3f} "
                f"{res['first_stationary']:>10.3f} {res['further_stationary']:>11.4f} "
                f"{res['realization_one_frequency_s']:>10.3f} {peak:>8.0f} {ratio}"
            )
        if cpu is not None:
            worst = max(abs(a - b) for a, b in zip(gpu["p_n"], cpu["p_n"]))
            print(f"    further-frequency ratio CPU/GPU {cpu['further_stationary'] / gpu['further_stationary']:.1f}; "
                  f"max |P_n(GPU) - P_n(CPU)| = {worst:.1e}")  # fmt: skip
    if args.eth_sizes:
        print("\nFig. 4 eigenstates (Sz = 0 sector, one realization):")
        for n in args.eth_sizes:
            gpu = _child(args, "--eth", str(n), "--backend", "gpu")
            cpu = _child(args, "--eth", str(n), "--backend", "cpu") if n <= args.cpu_max + 2 else None
            line = f"  N={n:>2}: GPU {gpu['seconds']:.3f} s (pool {gpu['peak_device_mb']:.0f} MB)"
            if cpu is not None:
                line += f", CPU {cpu['seconds']:.3f} s, CPU/GPU {cpu['seconds'] / gpu['seconds']:.1f}"
            print(line)
    print("\npeak MB: the device memory pool's high-water mark (GPU), peak resident memory (CPU)")
    print("targets (one H100): N=12 with one w_MW <= 0.3 s; each further w_MW <= 0.02 s; N=14 <= 5 s; "
          "Fig. 4 eigenstates at N=16 <= 3 s")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
