"""Rule realization: one realization from its couplings to its stationary states (sector ED
of Eq. 9, transition strengths, Eqs. 11, 12, 16) through :func:`dnpmbl.solve_realization`,
the path the command line takes too; written as Parquet with the parameters and couplings."""

import _setup

_setup.blas_threads(snakemake.threads)  # noqa: F821 (before numpy loads)

from dnpmbl.files import check_output  # noqa: E402
from dnpmbl.backend import get_backend  # noqa: E402
from dnpmbl.model import realization_couplings, realization_shifts  # noqa: E402
from dnpmbl.realization import solve_realization  # noqa: E402
from dnpmbl.pipeline.jobs import (  # noqa: E402
    Stopwatch,
    frequency_progress,
    parameters_from_config,
    realization_request,
    start_log,
    write_realization,
)


def main(smk):
    log = start_log(smk.log[0], "realization")
    for path in smk.output:  # where the result goes, before hours of computing
        check_output(path)
    w = smk.wildcards
    with Stopwatch(log, "backend start-up"):
        backend = get_backend(smk.params.backend, stationary=smk.params.stationary_solver)
    params = parameters_from_config(smk.params.physics, int(w.n), float(w.b), float(w.u))
    seed, realization = int(smk.params.seed), int(w.r)
    u_ij, d_i = realization_couplings(params, seed, realization)
    shifts = realization_shifts(params, seed, realization, smk.params.physics["zeeman_shifts"])
    offsets, omegas, label = realization_request(smk, params)
    log.info("%s (seed %d), %d threads, backend %s, solver %s", label, seed, smk.threads, backend.name, backend.stationary)
    # The eigenvectors are freed before the stationary solves (solve_realization's default).
    result = solve_realization(
        params, u_ij, d_i, omegas, label=label, shifts=shifts, backend=backend,
        progress=frequency_progress(log, len(omegas)), stage=lambda name: Stopwatch(log, name),
    )  # fmt: skip
    with Stopwatch(log, "write tables"):
        write_realization(smk, result, offsets, backend, log)


if __name__ == "__main__":
    _setup.run(main, snakemake)  # noqa: F821
