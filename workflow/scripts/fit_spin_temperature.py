"""Rule fit_spin_temperature: fitting method (Eq. 18) for every offset of a point, with
bootstrap errors of P_n^FM at the offsets the figures draw with error bars."""

import _setup

_setup.blas_threads(snakemake.threads)  # noqa: F821 (before numpy loads)

import numpy as np  # noqa: E402

from dnpmbl.pipeline.io import write_point_table  # noqa: E402
from dnpmbl.pipeline.readers import load_point  # noqa: E402
from dnpmbl.pipeline.jobs import point_columns, start_log  # noqa: E402
from dnpmbl.spin_temperature import bootstrap_fm_polarization, fit_spin_temperature  # noqa: E402


def main(smk):
    log = start_log(smk.log[0], "fit_spin_temperature")
    w = smk.wildcards
    data = load_point(smk.input.tables, smk.input.states, seed=smk.params.seed, set_aside_damaged=True)
    p = data.params
    n_real = data.realizations.size
    error_offsets = [float(o) for o in smk.params.error_offsets]
    rows = []
    start = None
    for f, offset in enumerate(data.offsets):
        label = f"N={w.n} B={w.b} T U={w.u} MHz offset {offset:+.4f}"
        pops = data.populations[:, f, :]
        fit = fit_spin_temperature(data.reduced_energy, data.magnetization, pops, p.omega_e, start=start, label=label)
        start = (fit.beta_s, fit.a)
        se = lo = hi = np.nan
        if offset in error_offsets:  # canonical offsets: exact
            boot = bootstrap_fm_polarization(
                data.reduced_energy, data.magnetization, pops, p.omega_e, p.omega_n, fit,
                n_resamples=int(smk.params.resamples), label=label,
            )
            se, lo, hi = boot.std_error, boot.low, boot.high
        rows.append(
            {
                **point_columns(p.n_spins, w, offset),
                "omega_mw_rad_s": float(data.omega_mw[f]),
                "n_realizations": n_real,
                "beta_fm_s": fit.beta_s,
                "beta_fm_over_lattice": fit.beta_s / p.beta,
                "a_fm": fit.a,
                "h_fm_rad_s": fit.h,
                # fit.h = a / beta_s - w_e, NaN at infinite spin temperature (beta_s = 0)
                "h_plus_omega_mw_rad_s": fit.h + float(data.omega_mw[f]),
                "iterations": fit.iterations,
                "moment_mismatch": fit.gradient,
                "p_n_fm": fit.nuclear_polarization(p.omega_n),
                "p_n_fm_se": se,
                "p_n_fm_low": lo,
                "p_n_fm_high": hi,
            }
        )
        log.info("%s: beta_s/beta = %.2f, P_n^FM = %.4f (%d Newton steps)", label, fit.beta_s / p.beta, rows[-1]["p_n_fm"], fit.iterations)
    write_point_table(rows, smk.output[0], "fit")


if __name__ == "__main__":
    _setup.run(main, snakemake)  # noqa: F821
