"""Rule level_statistics: <r> of the electrons alone (Sz = 0 sector) for each realization
of one (N, U), marker (b) of Figure S2. Eigenvalues only: no eigenvectors."""

import _setup

_setup.blas_threads(snakemake.threads)  # noqa: F821 (before numpy loads)

from dnpmbl.eth import electron_energies, level_spacing_ratio  # noqa: E402
from dnpmbl.model import realization_couplings  # noqa: E402
from dnpmbl.pipeline.io import write_point_table  # noqa: E402
from dnpmbl.pipeline.jobs import Stopwatch, parameters_from_config, start_log  # noqa: E402


def main(smk):
    log = start_log(smk.log[0], "level_statistics")
    w = smk.wildcards
    n, b, seed = int(w.n), float(smk.params.b_tesla), int(smk.params.seed)
    params = parameters_from_config(smk.params.physics, n, b, float(w.u))
    count = int(smk.params.realizations)
    rows = []
    with Stopwatch(log, f"{count} realizations of N = {n}, U = {w.u} MHz"):
        for r in range(count):
            u_ij, _ = realization_couplings(params, seed, r)
            energies = electron_energies(params, u_ij)
            rows.append(
                {"n_spins": n, "b_tesla": b, "u_mhz": float(w.u), "seed": seed, "realization": r,
                 "dimension": int(energies.size), "r_mean": level_spacing_ratio(energies)}
            )  # fmt: skip
            if (r + 1) % max(1, count // 10) == 0:
                log.info("%d/%d realizations", r + 1, count)
    log.info("<r> = %.4f", sum(row["r_mean"] for row in rows) / count)
    write_point_table(rows, smk.output[0], "levels")


if __name__ == "__main__":
    _setup.run(main, snakemake)  # noqa: F821
