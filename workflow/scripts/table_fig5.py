"""Rule table_fig5: mean KL divergence and sample-to-sample spread of P_n against U."""

import _setup  # noqa: F401 (this checkout's dnpmbl first on the path)

import pyarrow as pa

from dnpmbl.pipeline.io import write_table
from dnpmbl.pipeline.jobs import start_log
from dnpmbl.pipeline.tables import at_offset, join_points, read_frames, with_provenance


def main(smk):
    log = start_log(smk.log[0], "table_fig5")
    kl = read_frames(smk.input.kl, "kl").drop(columns=["kl_per_realization", "realizations"])
    joined = join_points(fluctuations=read_frames(smk.input.fluctuations, "fluctuations"), kl=kl)
    table = with_provenance(at_offset(joined, float(smk.params.offset)), smk.params.provenance)
    log.info("%d rows", len(table))
    write_table(pa.Table.from_pandas(table, preserve_index=False), smk.output[0], metadata={"table": "fig5"})


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
