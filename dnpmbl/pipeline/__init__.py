"""Support for the Snakemake workflow: what the rules exchange and how they run.

* :mod:`~dnpmbl.pipeline.config`: the config's validation, its points and the source digest
  (needs pyyaml and jsonschema, no linear algebra: the Snakefile loads it);
* :mod:`~dnpmbl.pipeline.io`: Parquet and array files with their declared schemas;
* :mod:`~dnpmbl.pipeline.jobs`: logging, parameters and provenance of the rule scripts;
* :mod:`~dnpmbl.pipeline.tables`: the tables behind the figures;
* :mod:`~dnpmbl.pipeline.plotting`: the figures.

The physics lives in the package above and imports nothing from here.
"""
