# dnpmbl: De Luca, Rodriguez Arias, Mueller, Rosso, PRB 94, 014203 (2016), Figs. 2-5,
# and Figures S1-S4 beyond it.
#   snakemake --cores 2                            the paper's scale (config/config.yaml)
#   snakemake --cores 2 --configfile config/quick.yaml
#   snakemake --cores 2 --configfile config/beyond.yaml
from snakemake.utils import min_version

min_version("9.0")


# The checkout's defaults wherever the run starts (--directory or another working directory).
configfile: f"{workflow.basedir}/config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/realizations.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/eigenstates.smk"
include: "workflow/rules/beyond.smk"
include: "workflow/rules/figures.smk"


rule all:
    default_target: True
    input:
        all_targets(),
