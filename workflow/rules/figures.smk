# Aggregation of the per-point Parquet tables into one table per figure, then one plotting
# rule per figure (PDF, PNG and the table behind it as CSV). On a cluster these run on the
# submitting machine.


localrules:
    all,
    table_fig2,
    table_fig3,
    table_fig4,
    table_fig5,
    plot_figure,


rule table_fig2:
    input:
        **point_inputs(fig2_points(), kinds=("fit", "fluctuations", "pe")),
    output:
        "results/tables/fig2.parquet",
    log:
        "logs/tables/fig2.log",
    conda:
        "../../envs/physics.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    params:
        provenance=provenance(),
    script:
        "../scripts/table_fig2.py"


rule table_fig3:
    input:
        **point_inputs(
            fig3_points()[0], kinds=("fit", "fluctuations", "pe"), prefix="left_"
        ),
        **point_inputs(
            fig3_points()[1], kinds=("fit", "fluctuations", "pe"), prefix="right_"
        ),
    output:
        "results/tables/fig3.parquet",
    log:
        "logs/tables/fig3.log",
    conda:
        "../../envs/physics.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    params:
        provenance=provenance(),
        offset=config["mw_offset"],
        pe_order=config["analysis"]["pe_order"],
    script:
        "../scripts/table_fig3.py"


rule table_fig4:
    input:
        fig4_files(),
    output:
        "results/tables/fig4.parquet",
    log:
        "logs/tables/fig4.log",
    conda:
        "../../envs/physics.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        provenance=provenance(),
        example_n_spins=FIG4_EXAMPLE,
        example_realization=config["fig4"]["example_realization"],
        spin=config["fig4"]["spin"],
    script:
        "../scripts/table_fig4.py"


rule table_fig5:
    input:
        **point_inputs(fig3_points()[0], kinds=("kl", "fluctuations")),
    output:
        "results/tables/fig5.parquet",
    log:
        "logs/tables/fig5.log",
    conda:
        "../../envs/physics.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    params:
        provenance=provenance(),
        offset=config["mw_offset"],
    script:
        "../scripts/table_fig5.py"


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
