"""Rule fit_spin_temperature: fitting method (Eq. 18) for every offset of a point, with
bootstrap errors of P_n^FM (:func:`dnpmbl.statistics.point_statistics`) at the offsets the
figures draw with error bars."""

import _setup

_setup.blas_threads(snakemake.threads)  # noqa: F821 (before numpy loads)

from dnpmbl.pipeline.io import write_point_table  # noqa: E402
from dnpmbl.pipeline.readers import load_point  # noqa: E402
from dnpmbl.pipeline.jobs import point_columns, start_log  # noqa: E402
from dnpmbl.statistics import point_statistics  # noqa: E402


def main(smk):
    log = start_log(smk.log[0], "fit_spin_temperature")
    w = smk.wildcards
    data = load_point(smk.input.tables, smk.input.states, seed=smk.params.seed, set_aside_damaged=True)
    params = data.params
    error_offsets = [float(o) for o in smk.params.error_offsets]
    rows = []
    start = None
    for f, offset in enumerate(data.offsets):
        label = f"N={w.n} B={w.b} T U={w.u} MHz offset {offset:+.4f}"
        stats = point_statistics(
            data.p_n[:, f], int(smk.params.resamples),
            reduced_energy=data.reduced_energy, magnetization=data.magnetization, populations=data.populations[:, f, :],
            omega_e=params.omega_e, omega_n=params.omega_n, start=start,
            refit=offset in error_offsets,  # canonical offsets: exact
            label=label,
        )  # fmt: skip
        fit = stats.fit
        start = (fit.beta_s, fit.a)
        low, high = stats.interval("p_n_fm")
        rows.append(
            {
                **point_columns(params.n_spins, w, offset),
                "omega_mw_rad_s": float(data.omega_mw[f]),
                "n_realizations": data.realizations.size,
                "beta_fm_s": fit.beta_s,
                "beta_fm_over_lattice": fit.beta_s / params.beta,
                "a_fm": fit.a,
                "h_fm_rad_s": fit.h,
                # fit.h = a / beta_s - w_e, NaN at infinite spin temperature (beta_s = 0)
                "h_plus_omega_mw_rad_s": fit.h + float(data.omega_mw[f]),
                "iterations": fit.iterations,
                "moment_mismatch": fit.gradient,
                "p_n_fm": stats.estimate("p_n_fm"),
                "p_n_fm_se": stats.std_error("p_n_fm"),
                "p_n_fm_low": low,
                "p_n_fm_high": high,
            }
        )
        log.info("%s: beta_s/beta = %.2f, P_n^FM = %.4f (%d Newton steps)", label, fit.beta_s / params.beta, rows[-1]["p_n_fm"], fit.iterations)
    write_point_table(rows, smk.output[0], "fit")


if __name__ == "__main__":
    _setup.run(main, snakemake)  # noqa: F821
