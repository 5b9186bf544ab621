"""Rule table_figure: the table behind one figure (the table function that its specification
in ``dnpmbl.pipeline.figures`` names) from the per-point, scan and eigenstate tables, with
the run's provenance."""

import _setup  # this checkout's dnpmbl first on the path

import pyarrow as pa

from dnpmbl.pipeline.io import write_table
from dnpmbl.pipeline.jobs import start_log
from dnpmbl.pipeline.tables import figure_table


def main(smk):
    fig = smk.wildcards.fig
    log = start_log(smk.log[0], f"table_{fig}")
    table = figure_table(fig, smk.input, dict(smk.params.settings), smk.params.provenance)
    log.info("%s: %d rows", fig, len(table))
    write_table(pa.Table.from_pandas(table, preserve_index=False), smk.output[0], metadata={"table": fig})


if __name__ == "__main__":
    _setup.run(main, snakemake)  # noqa: F821
