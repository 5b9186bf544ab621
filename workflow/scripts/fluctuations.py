"""Rule fluctuations: realization mean and sample-to-sample spread of P_n per offset
(Figs. 3 and 5b), with bootstrap errors of both (:func:`dnpmbl.statistics.point_statistics`)."""

import _setup  # this checkout's dnpmbl first on the path

import numpy as np

from dnpmbl.pipeline.io import write_point_table
from dnpmbl.pipeline.readers import load_point
from dnpmbl.pipeline.jobs import point_columns, start_log
from dnpmbl.statistics import point_statistics


def main(smk):
    log = start_log(smk.log[0], "fluctuations")
    w = smk.wildcards
    data = load_point(
        smk.input.tables, smk.input.states, with_populations=False, seed=smk.params.seed, set_aside_damaged=True
    )
    params = data.params
    rows = []
    for f, offset in enumerate(data.offsets):
        p_n = data.p_n[:, f]
        stats = point_statistics(p_n, int(smk.params.resamples))
        low, high = stats.interval("p_n_mean")
        rows.append(
            {
                **point_columns(params.n_spins, w, offset),
                "omega_mw_rad_s": float(data.omega_mw[f]),
                "detuning_mhz": (float(data.omega_mw[f]) - params.omega_e) / (2e6 * np.pi),
                "n_realizations": data.realizations.size,
                "p_n_mean": stats.estimate("p_n_mean"),
                "p_n_mean_se": stats.std_error("p_n_mean"),
                "p_n_mean_low": low,
                "p_n_mean_high": high,
                "p_n_std": stats.estimate("p_n_std"),
                "p_n_std_se": stats.std_error("p_n_std"),
                "p_n_min": float(p_n.min()),
                "p_n_max": float(p_n.max()),
            }
        )
    log.info("P_n mean over offsets: %s", np.round([r["p_n_mean"] for r in rows][:8], 4))
    write_point_table(rows, smk.output[0], "fluctuations")


if __name__ == "__main__":
    _setup.run(main, snakemake)  # noqa: F821
