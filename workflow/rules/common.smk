# Helpers of the workflow: config validation, the points each figure needs, resources.
from pathlib import Path

from snakemake.logging import logger

from dnpmbl.files import set_aside_marked

from dnpmbl.pipeline import costs, paths
from dnpmbl.pipeline.config import (
    ConfigError,
    beyond_scans,
    check_config_files,
    error_bar_offsets,
    level_statistics_points,
    model_physics,
    realization_points,
    source_digest,
    validate_config,
)
from dnpmbl.pipeline.figures import (
    FIGURE_WILDCARD,
    table_inputs,
    table_settings,
    targets,
)

try:
    # Snakemake's YAML keeps the last of a key given twice: read the files again, strictly.
    check_config_files([*workflow.configfiles, *workflow.overwrite_configfiles])
    config = validate_config(
        config, Path(workflow.basedir) / "workflow" / "schemas" / "config.schema.yaml"
    )
except ConfigError as exc:
    raise WorkflowError(str(exc)) from None

# Realization files an analysis rule found damaged in an earlier run are set aside (bytes
# kept) before this run plans, so that it recomputes them; a dry run moves nothing.
if not workflow.dryrun:
    for aside in set_aside_marked(Path.cwd()):
        logger.warning(f"set aside damaged {aside} (recomputing it)")


wildcard_constraints:
    **paths.WILDCARD_CONSTRAINTS,
    fig=FIGURE_WILDCARD,


POINTS = realization_points(config)
SCANS = beyond_scans(config)
LEVEL_POINTS = level_statistics_points(config)
# The source of the modules that compute results: a parameter of every computing rule, so
# that their results are recomputed when that code changes (README, "Results and code").
SOURCE = source_digest(Path(workflow.basedir) / "dnpmbl")
# Heavy rules on the gpu backend ask for one GPU each: --resources gpu=K shares one among K
# jobs; on a SLURM cluster the plugin turns it into --gpus=1.
GPUS_PER_JOB = 1 if config["backend"] == "gpu" else 0
# The conda env of the rules that run on the backend (with CuPy on the gpu backend); the
# path is relative to the rule files.
PHYSICS_ENV = (
    "../../envs/physics-gpu.yaml"
    if config["backend"] == "gpu"
    else "../../envs/physics.yaml"
)


def physics_params():
    """The physics slice of the config (the paper model), as the scripts take it."""
    return dict(config["physics"])


def model_params(wildcards):
    """The physics of the model ``wildcards.model`` (the config's, or a variant's)."""
    return model_physics(config, wildcards.model)


def point_key(wildcards):
    return (wildcards.model, wildcards.n, wildcards.b, wildcards.u)


def point_offsets(wildcards):
    return POINTS[point_key(wildcards)]["offsets"]


def error_offsets(wildcards):
    """Offsets of a point at which the figures draw error bars: mw_offset, and the B scan's
    offset at this field under each convention of fig3.b_scan_offset (both: two)."""
    return error_bar_offsets(config, float(wildcards.b), point_offsets(wildcards))


def realizations_of(model, n, b, u, count):
    """Table and states files of realizations 0..count-1 of one point."""
    return {
        "tables": [paths.realization_file(model, n, b, u, r) for r in range(count)],
        "states": [paths.states_file(model, n, b, u, r) for r in range(count)],
    }


def realization_files(wildcards):
    count = POINTS[point_key(wildcards)]["realizations"]
    return realizations_of(
        wildcards.model, wildcards.n, wildcards.b, wildcards.u, count
    )


def figure_table_inputs(wildcards):
    """Named inputs of the table behind figure ``wildcards.fig`` (its specification,
    ``dnpmbl.pipeline.figures``)."""
    return table_inputs(wildcards.fig, config)


def scan_inputs(wildcards):
    """The realizations 0..R-1 of every point of scan ``wildcards.scan``."""
    scan = SCANS[wildcards.scan]
    files = {"tables": [], "states": []}
    for b, u in scan["points"]:
        point = realizations_of(
            scan["model"], scan["n_spins"], b, u, scan["realizations"]
        )
        files["tables"] += point["tables"]
        files["states"] += point["states"]
    return files


def scan_settings(wildcards):
    """What a scan computes (its model, N, points, offsets and realizations)."""
    scan = SCANS[wildcards.scan]
    return {
        "model": scan["model"],
        "n_spins": scan["n_spins"],
        "realizations": scan["realizations"],
        "points": [
            [b, u, scan["offsets"][(paths.fmt(b), paths.fmt(u))]]
            for b, u in scan["points"]
        ],
    }


def figure_table_settings(wildcards):
    """The config values the table behind figure ``wildcards.fig`` depends on."""
    return table_settings(wildcards.fig, config)


def all_targets():
    return targets(config)


# --- resources that grow with the problem size (dnpmbl.pipeline.costs) --------------------


def realization_mem_mb(wildcards, attempt):
    return costs.realization_mem_mb(int(wildcards.n)) * attempt


def realization_runtime(wildcards, attempt):
    n_offsets = len(point_offsets(wildcards))
    return costs.realization_runtime(int(wildcards.n), n_offsets) * attempt


def point_mem_mb(wildcards, attempt):
    point = POINTS[point_key(wildcards)]
    n_offsets = len(point["offsets"])
    return (
        costs.point_mem_mb(int(wildcards.n), n_offsets, point["realizations"]) * attempt
    )


def scan_mem_mb(wildcards, attempt):
    scan = SCANS[wildcards.scan]
    return costs.scan_mem_mb(scan["n_spins"], scan["realizations"]) * attempt


def eth_mem_mb(wildcards, attempt):
    return costs.eigenstates_mem_mb(int(wildcards.n)) * attempt


def eth_runtime(wildcards, attempt):
    return costs.eigenstates_runtime(int(wildcards.n)) * attempt


def level_runtime(wildcards, attempt):
    count = LEVEL_POINTS[(wildcards.n, wildcards.u)]
    return costs.level_statistics_runtime(int(wildcards.n), count) * attempt


# --- provenance recorded in every figure table -------------------------------------------


def provenance():
    import hashlib
    import json

    import dnpmbl
    from dnpmbl.pipeline.jobs import git_commit

    return {
        "config_sha256": hashlib.sha256(
            json.dumps(config, sort_keys=True).encode()
        ).hexdigest(),
        "git_commit": git_commit(workflow.basedir),
        "dnpmbl_version": dnpmbl.__version__,
    }
