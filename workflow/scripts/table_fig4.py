"""Rule table_fig4: eigenstate diagnostics, panel (a) one realization and panel (b) the
disorder average of delta M against N."""

import _setup  # noqa: F401 (this checkout's dnpmbl first on the path)

import pyarrow as pa

from dnpmbl.pipeline.io import write_table
from dnpmbl.pipeline.jobs import start_log
from dnpmbl.pipeline.tables import fig4_tables, read_eigenstate_frames, with_provenance


def main(smk):
    log = start_log(smk.log[0], "table_fig4")
    frames = read_eigenstate_frames(smk.input)
    table = fig4_tables(
        frames,
        example_n_spins=int(smk.params.example_n_spins),
        example_realization=int(smk.params.example_realization),
        spin=int(smk.params.spin),
    )
    table = with_provenance(table, smk.params.provenance)
    log.info("%d files, %d rows", len(frames), len(table))
    write_table(pa.Table.from_pandas(table, preserve_index=False), smk.output[0], metadata={"table": "fig4"})


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
