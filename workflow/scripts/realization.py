"""Rule realization: one realization from its couplings to its stationary states in one
process (sector ED of Eq. 9, transition strengths, Eqs. 11, 12, 16), without the temporary
operator file of the split rules; written as Parquet with the parameters and couplings."""

import _setup

_setup.blas_threads(snakemake.threads)  # noqa: F821 (before numpy loads)

from dnpmbl.files import check_output  # noqa: E402
from dnpmbl.backend import get_backend  # noqa: E402
from dnpmbl.diagonalization import diagonalize  # noqa: E402
from dnpmbl.model import realization_couplings, realization_shifts  # noqa: E402
from dnpmbl.realization import solve_from_operators  # noqa: E402
from dnpmbl.pipeline.jobs import (  # noqa: E402
    Stopwatch,
    frequency_progress,
    parameters_from_config,
    realization_request,
    start_log,
    write_realization,
)
from dnpmbl.strengths import transition_strengths  # noqa: E402


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
    with Stopwatch(log, "sector diagonalization"):
        spectrum = diagonalize(params, u_ij, d_i, shifts=shifts, backend=backend)
        backend.synchronize()
    with Stopwatch(log, "transition strengths"):
        strengths = transition_strengths(spectrum)
        backend.synchronize()
    # The stationary solve needs energies and <Iz> only: free the eigenvectors first.
    spectrum = spectrum.without_vectors()
    with Stopwatch(log, f"{len(omegas)} stationary states"):
        result = solve_from_operators(
            spectrum, strengths, omegas, u_ij, d_i, label=label, progress=frequency_progress(log, len(omegas))
        )
    del strengths
    with Stopwatch(log, "write tables"):
        write_realization(smk, result, offsets, backend, log)


if __name__ == "__main__":
    _setup.run(main, snakemake)  # noqa: F821
