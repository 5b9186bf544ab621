"""Rule fluctuations: realization mean and sample-to-sample spread of P_n per offset
(Figs. 3 and 5b), with bootstrap errors of both."""

import _setup  # this checkout's dnpmbl first on the path

import numpy as np

from dnpmbl.pipeline.io import write_point_table
from dnpmbl.pipeline.readers import load_point
from dnpmbl.pipeline.jobs import point_columns, start_log
from dnpmbl.spin_temperature import bootstrap, sample_std


def main(smk):
    log = start_log(smk.log[0], "fluctuations")
    w = smk.wildcards
    data = load_point(
        smk.input.tables, smk.input.states, with_populations=False, seed=smk.params.seed, set_aside_damaged=True
    )
    n_real = data.realizations.size
    rows = []
    for f, offset in enumerate(data.offsets):
        values = data.p_n[:, f]
        mean = bootstrap(lambda idx: values[idx].mean(), n_real, n_resamples=int(smk.params.resamples), seed=0)
        std = bootstrap(lambda idx: sample_std(values[idx]), n_real, n_resamples=int(smk.params.resamples), seed=1)
        rows.append(
            {
                **point_columns(data.params.n_spins, w, offset),
                "omega_mw_rad_s": float(data.omega_mw[f]),
                "detuning_mhz": (float(data.omega_mw[f]) - data.params.omega_e) / (2e6 * np.pi),
                "n_realizations": n_real,
                "p_n_mean": float(values.mean()),
                "p_n_mean_se": mean.std_error,
                "p_n_mean_low": mean.low,
                "p_n_mean_high": mean.high,
                "p_n_std": sample_std(values),
                "p_n_std_se": std.std_error,
                "p_n_min": float(values.min()),
                "p_n_max": float(values.max()),
            }
        )
    log.info("P_n mean over offsets: %s", np.round([r["p_n_mean"] for r in rows][:8], 4))
    write_point_table(rows, smk.output[0], "fluctuations")


if __name__ == "__main__":
    _setup.run(main, snakemake)  # noqa: F821
