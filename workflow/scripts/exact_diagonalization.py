"""Rule exact_diagonalization: sector ED of Eq. (9) and transition strengths of one
realization, written as a temporary .npz for the steady-state rule."""

import _setup

_setup.blas_threads(snakemake.threads)  # noqa: F821 (before numpy loads)

from dnpmbl.files import check_output  # noqa: E402
from dnpmbl.backend import get_backend  # noqa: E402
from dnpmbl.diagonalization import diagonalize  # noqa: E402
from dnpmbl.pipeline.io import save_operators  # noqa: E402
from dnpmbl.model import realization_couplings, realization_shifts  # noqa: E402
from dnpmbl.pipeline.jobs import Stopwatch, parameters_from_config, start_log  # noqa: E402
from dnpmbl.strengths import transition_strengths  # noqa: E402


def main(smk):
    log = start_log(smk.log[0], "exact_diagonalization")
    for path in smk.output:  # where the result goes, before hours of computing
        check_output(path)
    w = smk.wildcards
    params = parameters_from_config(smk.params.physics, int(w.n), float(w.b), float(w.u))
    seed, realization = int(smk.params.seed), int(w.r)
    u_ij, d_i = realization_couplings(params, seed, realization)
    shifts = realization_shifts(params, seed, realization, smk.params.physics["zeeman_shifts"])
    backend = get_backend(smk.params.backend)
    log.info(
        "N=%s B=%s T U=%s MHz realization %d (seed %d), %d threads, backend %s",
        w.n, w.b, w.u, realization, seed, smk.threads, backend.name,
    )  # fmt: skip
    with Stopwatch(log, "sector diagonalization"):
        spectrum = diagonalize(params, u_ij, d_i, shifts=shifts, backend=backend)
    log.info("sector dimensions %s", spectrum.dims)
    with Stopwatch(log, "transition strengths"):
        strengths = transition_strengths(spectrum)
    with Stopwatch(log, "write operators"):
        save_operators(
            smk.output.operators,
            spectrum,
            strengths,
            extra={"u_ij": u_ij, "d_i": d_i, "seed": seed, "realization": realization, "b_tesla": float(w.b), "u_mhz": float(w.u)},
        )


if __name__ == "__main__":
    _setup.run(main, snakemake)  # noqa: F821
