"""Rule steady_state: stationary states of one realization at every microwave offset of
its point (Eqs. 11, 12, 16), written as Parquet with the parameters and couplings."""

import _setup

_setup.blas_threads(snakemake.threads)  # noqa: F821 (before numpy loads)

from dnpmbl.io import load_operators, realization_table, states_table, write_table  # noqa: E402
from dnpmbl.realization import solve_from_operators  # noqa: E402
from dnpmbl.rules import Stopwatch, start_log  # noqa: E402


def main(smk):
    log = start_log(smk.log[0], "steady_state")
    w = smk.wildcards
    with Stopwatch(log, "read operators"):
        params, spectrum, strengths, extra = load_operators(smk.input.operators)
    offsets = [float(o) for o in smk.params.offsets]
    omegas = [params.microwave_frequency(o) for o in offsets]
    label = f"N={w.n} B={w.b} T U={w.u} MHz realization {w.r}"
    step = max(1, len(omegas) // 10)

    def progress(i, n):
        if i % step == 0 or i == n:
            log.info("solved %d/%d microwave frequencies", i, n)

    with Stopwatch(log, f"{len(omegas)} stationary states"):
        result = solve_from_operators(spectrum, strengths, omegas, extra["u_ij"], extra["d_i"], label=label, progress=progress)
    log.info("P_n = %s; largest relative residual %.2e", result.p_n[:5], result.residual.max())
    table = realization_table(
        result, b_tesla=float(w.b), u_mhz=float(w.u), seed=int(smk.params.seed), realization=int(w.r), offsets=offsets
    )
    write_table(table, smk.output.table)
    write_table(states_table(result), smk.output.states)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
