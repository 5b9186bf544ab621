"""Rule steady_state: stationary states of one realization at every microwave offset of
its point (Eqs. 11, 12, 16), written as Parquet with the parameters and couplings."""

import _setup

_setup.blas_threads(snakemake.threads)  # noqa: F821 (before numpy loads)

from dnpmbl.files import check_output  # noqa: E402
from dnpmbl.backend import get_backend  # noqa: E402
from dnpmbl.pipeline.readers import load_operators  # noqa: E402
from dnpmbl.realization import solve_from_operators  # noqa: E402
from dnpmbl.pipeline.jobs import Stopwatch, frequency_progress, realization_request, start_log, write_realization  # noqa: E402


def main(smk):
    log = start_log(smk.log[0], "steady_state")
    for path in smk.output:  # where the result goes, before hours of computing
        check_output(path)
    backend = get_backend(smk.params.backend, stationary=smk.params.stationary_solver)
    with Stopwatch(log, "read operators"):
        params, spectrum, strengths, extra = load_operators(smk.input.operators, backend=backend)
    offsets, omegas, label = realization_request(smk, params)
    with Stopwatch(log, f"{len(omegas)} stationary states ({backend.name}, {backend.stationary})"):
        result = solve_from_operators(
            spectrum, strengths, omegas, extra["u_ij"], extra["d_i"], label=label, progress=frequency_progress(log, len(omegas))
        )
    with Stopwatch(log, "write tables"):
        write_realization(smk, result, offsets, backend, log)


if __name__ == "__main__":
    _setup.run(main, snakemake)  # noqa: F821
