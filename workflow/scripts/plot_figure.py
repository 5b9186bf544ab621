"""Rule plot_figure: draw one figure (PDF, PNG) and export the table behind it as CSV."""

import _setup  # this checkout's dnpmbl first on the path

from dnpmbl.files import atomic_path
from dnpmbl.pipeline.readers import read_figure_table
from dnpmbl.pipeline.plotting import draw, save
from dnpmbl.pipeline.jobs import start_log


def main(smk):
    log = start_log(smk.log[0], "plot_figure")
    table = read_figure_table(smk.input[0], smk.wildcards.fig).to_pandas()
    figure = draw(smk.wildcards.fig, table)
    save(figure, smk.output.pdf, smk.output.png)
    with atomic_path(smk.output.csv) as tmp:
        table.to_csv(tmp, index=False)
    log.info("%s: %d rows drawn", smk.wildcards.fig, len(table))


if __name__ == "__main__":
    _setup.run(main, snakemake)  # noqa: F821
