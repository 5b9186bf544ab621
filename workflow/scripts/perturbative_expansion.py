"""Rule perturbative_expansion: spin temperature of Sec. III B at orders U^0 and U^2 (and at
U^2 with the energy flow of the bath's Sz channel), for the N Zeeman shifts of the
simulation (C2-C5) and in the continuum limit (Eqs. 20, 23)."""

import _setup  # this checkout's dnpmbl first on the path

import math


from dnpmbl.pipeline.io import PE_VARIANTS, write_point_table
from dnpmbl.perturbative import spin_temperature_pe
from dnpmbl.pipeline.jobs import parameters_from_config, point_columns, start_log


def main(smk):
    log = start_log(smk.log[0], "perturbative_expansion")
    w = smk.wildcards
    params = parameters_from_config(smk.params.physics, int(w.n), float(w.b), float(w.u))
    rows = []
    for offset in smk.params.offsets:
        omega_mw = params.microwave_frequency(float(offset))
        row = {**point_columns(params.n_spins, w, offset), "omega_mw_rad_s": omega_mw}
        for variant, (order, sz_channel) in PE_VARIANTS.items():
            for continuum, tag in ((True, "continuum"), (False, "finite")):
                name = f"{variant}_{tag}"
                pe = None
                # C2-C5 sum over the equally spaced shifts (random ones differ per realization);
                # without the bath's Sz channel there is no flow of it to add (pe2z not defined).
                defined = continuum or smk.params.physics["zeeman_shifts"] == "equal"
                if defined and (params.bath_z_channel or not sz_channel):
                    try:
                        pe = spin_temperature_pe(params, omega_mw, order=order, continuum=continuum, sz_channel=sz_channel)
                    except RuntimeError as exc:
                        log.warning("offset %+.4f, %s, %s: %s", offset, variant, tag, exc)
                row[f"beta_{name}_s"] = pe.beta_s if pe is not None else math.nan
                row[f"h_{name}_rad_s"] = pe.h if pe is not None else math.nan
                row[f"p_n_{name}"] = pe.p_n if pe is not None else math.nan
                row[f"converged_{name}"] = pe is not None
        rows.append(row)
        log.info("offset %+.4f: P_n^PE U^0 %.4f, U^2 %.4f (continuum)", offset, row["p_n_pe0_continuum"], row["p_n_pe2_continuum"])
    write_point_table(rows, smk.output[0], "pe")


if __name__ == "__main__":
    _setup.run(main, snakemake)  # noqa: F821
