"""Rule table_fig2: the DNP profile table (exact, FM and PE P_n against w_MW - w_e)."""

import _setup  # noqa: F401 (this checkout's dnpmbl first on the path)

from dnpmbl.pipeline.io import write_table
from dnpmbl.pipeline.jobs import start_log
from dnpmbl.pipeline.tables import join_points, read_frames, with_provenance

import pyarrow as pa


def main(smk):
    log = start_log(smk.log[0], "table_fig2")
    table = join_points(
        fit=read_frames(smk.input.fit, "fit"),
        fluctuations=read_frames(smk.input.fluctuations, "fluctuations"),
        pe=read_frames(smk.input.pe, "pe"),
    )
    table = with_provenance(table, smk.params.provenance)
    log.info("%d rows (U = %s MHz)", len(table), sorted(table["u_mhz"].unique()))
    write_table(pa.Table.from_pandas(table, preserve_index=False), smk.output[0], metadata={"table": "fig2"})


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
