"""Rule table_fig3: P_n against U (panel "U") and against B (panel "B") at the config's
microwave offset: exact mean, FM and PE values."""

import _setup  # noqa: F401 (this checkout's dnpmbl first on the path)

import pandas as pd
import pyarrow as pa

from dnpmbl.pipeline.io import write_table
from dnpmbl.pipeline.jobs import start_log
from dnpmbl.pipeline.tables import at_offset, join_points, read_frames, with_provenance


def main(smk):
    log = start_log(smk.log[0], "table_fig3")
    panels = []
    for panel, side in (("U", "left"), ("B", "right")):
        joined = join_points(
            fit=read_frames(smk.input[f"{side}_fit"], "fit"),
            fluctuations=read_frames(smk.input[f"{side}_fluctuations"], "fluctuations"),
            pe=read_frames(smk.input[f"{side}_pe"], "pe"),
        )
        rows = at_offset(joined, float(smk.params.offset))
        rows.insert(0, "panel", panel)
        panels.append(rows)
    table = pd.concat(panels, ignore_index=True)
    order = int(smk.params.pe_order)
    table["p_n_pe"] = table[f"p_n_pe{order}_continuum"]
    table["pe_order"] = order
    table = with_provenance(table, smk.params.provenance)
    log.info("%d rows", len(table))
    write_table(pa.Table.from_pandas(table, preserve_index=False), smk.output[0], metadata={"table": "fig3"})


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
