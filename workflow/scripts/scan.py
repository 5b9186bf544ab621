"""Rule scan: the statistics of one scan of Figures S1-S5 (one model at one N over several
(B, U) points), with one bootstrap over realizations shared by all its points
(:func:`dnpmbl.statistics.point_statistics`: the same resamples at every point with the same
realizations)."""

import _setup

_setup.blas_threads(snakemake.threads)  # noqa: F821 (before numpy loads)

import numpy as np  # noqa: E402

from dnpmbl.pipeline.config import fmt  # noqa: E402
from dnpmbl.pipeline.io import SCAN_STATISTICS, write_point_table  # noqa: E402
from dnpmbl.pipeline.readers import load_point  # noqa: E402
from dnpmbl.pipeline.jobs import start_log  # noqa: E402
from dnpmbl.statistics import point_statistics  # noqa: E402


def main(smk):
    log = start_log(smk.log[0], "scan")
    settings = smk.params.settings
    physics = smk.params.physics
    count = int(settings["realizations"])
    rows = []
    for k, (b, u, offsets) in enumerate(settings["points"]):
        tables = smk.input.tables[k * count : (k + 1) * count]
        states = smk.input.states[k * count : (k + 1) * count]
        data = load_point(tables, states, seed=smk.params.seed, set_aside_damaged=True)
        params = data.params
        for offset in offsets:
            (f,) = np.flatnonzero(data.offsets == offset)  # canonical offsets: exact
            label = f"{smk.wildcards.scan} B={fmt(b)} T U={fmt(u)} MHz offset {offset:+.4f}"
            stats = point_statistics(
                data.p_n[:, f], int(smk.params.resamples),
                reduced_energy=data.reduced_energy, magnetization=data.magnetization, populations=data.populations[:, f, :],
                omega_e=params.omega_e, omega_n=params.omega_n, label=label,
            )  # fmt: skip
            row = {
                "scan": smk.wildcards.scan,
                "model": settings["model"],
                "n_spins": params.n_spins,
                "b_tesla": float(b),
                "u_mhz": float(u),
                "offset": float(offset),
                "n_realizations": count,
                "omega_n_mhz": float(physics["omega_n_mhz"]),
                "d_mhz": float(physics["d_mhz"]),
                "zeeman_shifts": physics["zeeman_shifts"],
            }
            for name in SCAN_STATISTICS:
                row[name] = stats.estimate(name)
                row[f"{name}_se"] = stats.std_error(name)
                row[f"{name}_boot"] = stats.resamples(name).tolist()
            rows.append(row)
            log.info(
                "%s: P_n %.4f, P_n^FM %.4f, ratio %.3f +- %.3f, std %.4f, D_KL %.4f",
                label, row["p_n_mean"], row["p_n_fm"], row["ratio"], row["ratio_se"], row["p_n_std"], row["kl_mean"],
            )  # fmt: skip
    write_point_table(rows, smk.output[0], "scan")


if __name__ == "__main__":
    _setup.run(main, snakemake)  # noqa: F821
