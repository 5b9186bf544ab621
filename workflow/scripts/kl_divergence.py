"""Rule kl_divergence: Eq. (27) per realization with the point's fitted (beta_s, h), its
realization mean, and a bootstrap error (refitting on each resample,
:func:`dnpmbl.statistics.point_statistics`) where figures need it."""

import _setup

_setup.blas_threads(snakemake.threads)  # noqa: F821 (before numpy loads)

import numpy as np  # noqa: E402

from dnpmbl.pipeline.io import write_point_table  # noqa: E402
from dnpmbl.pipeline.readers import load_point, read_fits  # noqa: E402
from dnpmbl.pipeline.jobs import point_columns, start_log  # noqa: E402
from dnpmbl.statistics import point_statistics  # noqa: E402


def main(smk):
    log = start_log(smk.log[0], "kl_divergence")
    w = smk.wildcards
    data = load_point(smk.input.tables, smk.input.states, seed=smk.params.seed, set_aside_damaged=True)
    fits = read_fits(smk.input.fit)
    params = data.params
    error_offsets = [float(o) for o in smk.params.error_offsets]
    rows = []
    for f, offset in enumerate(data.offsets):
        fit_offset, fit = fits[f]
        if fit_offset != offset:
            raise RuntimeError(f"{smk.input.fit}: row {f} is offset {fit_offset}, expected {offset}")
        stats = point_statistics(
            data.p_n[:, f], int(smk.params.resamples),
            reduced_energy=data.reduced_energy, magnetization=data.magnetization, populations=data.populations[:, f, :],
            omega_e=params.omega_e, omega_n=params.omega_n, fit=fit,
            refit=offset in error_offsets,  # canonical offsets: exact
        )  # fmt: skip
        low, high = stats.interval("kl_mean")
        rows.append(
            {
                **point_columns(params.n_spins, w, offset),
                "n_realizations": data.realizations.size,
                "kl_mean": stats.estimate("kl_mean"),
                "kl_mean_se": stats.std_error("kl_mean"),
                "kl_mean_low": low,
                "kl_mean_high": high,
                "kl_per_realization": stats.kl_per_realization.tolist(),
                "realizations": data.realizations.tolist(),
            }
        )
    log.info("mean D_KL over offsets: %s", np.round([r["kl_mean"] for r in rows][:8], 4))
    write_point_table(rows, smk.output[0], "kl")


if __name__ == "__main__":
    _setup.run(main, snakemake)  # noqa: F821
