# The table behind each figure from the per-point Parquet tables (table_figure), then the
# figure (plot_figure: PDF, PNG and the table as CSV): one rule each, the figure a
# wildcard. On a cluster these run on the submitting machine.


localrules:
    all,
    table_figure,
    plot_figure,


rule table_figure:
    input:
        unpack(figure_table_inputs),
    output:
        "results/tables/{fig}.parquet",
    log:
        "logs/tables/{fig}.log",
    conda:
        "../../envs/physics.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        provenance=provenance(),
        settings=figure_table_settings,
    script:
        "../scripts/table_figure.py"


rule plot_figure:
    input:
        "results/tables/{fig}.parquet",
    output:
        pdf=report(
            "results/figures/{fig}.pdf",
            caption="../report/figure.rst",
            category="Figures",
        ),
        png=report(
            "results/figures/{fig}.png",
            caption="../report/figure.rst",
            category="Figures (PNG)",
        ),
        csv=report(
            "results/figures/{fig}.csv",
            caption="../report/figure.rst",
            category="Tables behind the figures",
        ),
    log:
        "logs/plot/{fig}.log",
    conda:
        "../../envs/plot.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/plot_figure.py"
