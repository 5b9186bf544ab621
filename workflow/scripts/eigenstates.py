"""Rule eigenstates: Fig. 4 diagnostics of one realization (electrons alone, Sz = 0)."""

import _setup

_setup.blas_threads(snakemake.threads)  # noqa: F821 (before numpy loads)

import pyarrow as pa  # noqa: E402

from dnpmbl.files import check_output  # noqa: E402
from dnpmbl.backend import get_backend  # noqa: E402
from dnpmbl.eth import eigenstate_diagnostics  # noqa: E402
from dnpmbl.pipeline.io import write_table  # noqa: E402
from dnpmbl.model import realization_couplings  # noqa: E402
from dnpmbl.pipeline.jobs import Stopwatch, code_provenance, parameters_from_config, start_log  # noqa: E402


def main(smk):
    log = start_log(smk.log[0], "eigenstates")
    for path in smk.output:  # where the result goes, before hours of computing
        check_output(path)
    w = smk.wildcards
    n = int(w.n)
    params = parameters_from_config(smk.params.physics, n, smk.params.physics["b_ref_tesla"], float(w.u))
    u_ij, _ = realization_couplings(params, int(smk.params.seed), int(w.r))
    backend = get_backend(smk.params.backend)
    with Stopwatch(log, f"Sz = 0 sector of N = {n} ({backend.name})"):
        diag = eigenstate_diagnostics(params, u_ij, backend=backend)
    dim = diag.energies.size
    columns = {
        "n_spins": pa.array([n] * dim, pa.int32()),
        "u_mhz": pa.array([float(w.u)] * dim, pa.float64()),
        "realization": pa.array([int(w.r)] * dim, pa.int32()),
        "seed": pa.array([int(smk.params.seed)] * dim, pa.int64()),
        "index": pa.array(range(dim), pa.int32()),
        "energy_rad_s": pa.array(diag.energies, pa.float64()),
    }
    for i in range(n):
        columns[f"sz_{i + 1}"] = pa.array(diag.local_sz[:, i], pa.float64())
    write_table(
        pa.table(columns),
        smk.output[0],
        metadata={
            "delta_m_spin1": diag.delta_m(0),
            "delta_m_all": diag.delta_m(None),
            "r_mean": diag.level_spacing_ratio(),
            "backend": backend.name,
            **code_provenance(smk.params.source),
        },
    )
    log.info("delta M (spin 1) %.4f, <r> %.4f", diag.delta_m(0), diag.level_spacing_ratio())


if __name__ == "__main__":
    _setup.run(main, snakemake)  # noqa: F821
