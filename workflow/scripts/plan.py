"""Print what a config will cost before ``make run`` starts it: jobs and an estimate.

    python workflow/scripts/plan.py CONFIG CORES JOBS
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from dnpmbl.pipeline.config import ConfigError, estimate_core_seconds, validate_config  # noqa: E402


def main(argv) -> int:
    path, cores, jobs = argv[1], int(argv[2]), argv[3]
    default = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    override = yaml.safe_load(Path(path).read_text()) or {}

    def merge(base, extra):
        for key, value in extra.items():
            base[key] = merge(base.get(key, {}), value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
        return base

    try:
        config = validate_config(merge(default, override), ROOT / "workflow" / "schemas" / "config.schema.yaml")
    except ConfigError as exc:
        print(f"error: {path}: {exc}")
        return 2
    cost = estimate_core_seconds(config)
    hours = cost["total"] / 3600
    print(
        f"{path}: {jobs} jobs, about {hours:.1f} core-hours "
        f"(~{hours / cores:.1f} h on {cores} cores, from per-job times measured on a 2-core machine)"
    )
    if hours > 2 and Path(path).name != "quick.yaml":
        print("First time? `make run CONFIG=config/quick.yaml` draws all four figures at N = 12 in ~18 min on 2 cores.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
