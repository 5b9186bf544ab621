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
        paths.pattern("table"),
    log:
        paths.log("tables", "table"),
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
        paths.pattern("table"),
    output:
        pdf=report(
            paths.pattern("figure", ext="pdf"),
            caption="../report/figure.rst",
            category="Figures",
        ),
        png=report(
            paths.pattern("figure", ext="png"),
            caption="../report/figure.rst",
            category="Figures (PNG)",
        ),
        csv=report(
            paths.pattern("figure", ext="csv"),
            caption="../report/figure.rst",
            category="Tables behind the figures",
        ),
    log:
        paths.log("plot", "figure"),
    conda:
        "../../envs/plot.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/plot_figure.py"
