"""Rule kl_divergence: Eq. (27) per realization with the point's fitted (beta_s, h), its
realization mean, and a bootstrap error (refitting on each resample) where figures need it."""

import _setup

_setup.blas_threads(snakemake.threads)  # noqa: F821 (before numpy loads)

import numpy as np  # noqa: E402

from dnpmbl.pipeline.io import write_point_table  # noqa: E402
from dnpmbl.pipeline.readers import load_point, read_fits  # noqa: E402
from dnpmbl.pipeline.jobs import point_columns, start_log  # noqa: E402
from dnpmbl.spin_temperature import bootstrap_mean_kl, kl_divergence  # noqa: E402


def main(smk):
    log = start_log(smk.log[0], "kl_divergence")
    w = smk.wildcards
    data = load_point(smk.input.tables, smk.input.states, seed=smk.params.seed, set_aside_damaged=True)
    fits = read_fits(smk.input.fit)
    p = data.params
    n_real = data.realizations.size
    error_offsets = [float(o) for o in smk.params.error_offsets]
    rows = []
    for f, offset in enumerate(data.offsets):
        fit_offset, fit = fits[f]
        if fit_offset != offset:
            raise RuntimeError(f"{smk.input.fit}: row {f} is offset {fit_offset}, expected {offset}")
        pops = data.populations[:, f, :]
        kl = kl_divergence(pops, data.reduced_energy, data.magnetization, fit)
        se = lo = hi = np.nan
        if offset in error_offsets:  # canonical offsets: exact
            boot = bootstrap_mean_kl(
                data.reduced_energy, data.magnetization, pops, p.omega_e, fit, n_resamples=int(smk.params.resamples)
            )
            se, lo, hi = boot.std_error, boot.low, boot.high
        rows.append(
            {
                **point_columns(p.n_spins, w, offset),
                "n_realizations": n_real,
                "kl_mean": float(kl.mean()),
                "kl_mean_se": se,
                "kl_mean_low": lo,
                "kl_mean_high": hi,
                "kl_per_realization": kl.tolist(),
                "realizations": data.realizations.tolist(),
            }
        )
    log.info("mean D_KL over offsets: %s", np.round([r["kl_mean"] for r in rows][:8], 4))
    write_point_table(rows, smk.output[0], "kl")


if __name__ == "__main__":
    _setup.run(main, snakemake)  # noqa: F821
