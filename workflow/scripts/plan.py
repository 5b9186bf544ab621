"""Print what a config will cost before ``make run`` starts it: jobs and an estimate.

    python workflow/scripts/plan.py CONFIG CORES JOBS
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from dnpmbl.pipeline.config import ConfigError, config_error_line, load_config  # noqa: E402
from dnpmbl.pipeline.costs import estimate_core_seconds  # noqa: E402


def main(argv) -> int:
    if len(argv) != 4:
        print("usage: plan.py CONFIG CORES JOBS", file=sys.stderr)
        return 2
    path, cores, jobs = argv[1], max(1, int(argv[2]) if argv[2].isdigit() else 1), argv[3].strip()
    try:
        config = load_config([path], ROOT)
    except ConfigError as exc:
        print(config_error_line(path, exc), file=sys.stderr)
        return 2
    cost = estimate_core_seconds(config)
    hours = cost["total"] / 3600
    print(
        f"{path}: {jobs + ' jobs, ' if jobs else ''}about {hours:.1f} core-hours "
        f"(~{hours / cores:.1f} h on {cores} cores, from per-job times measured on a 2-core machine)"
    )
    if hours > 2 and Path(path).name != "quick.yaml":
        print("First time? `make run CONFIG=config/quick.yaml` draws all four figures at N = 12 in ~18 min on 2 cores.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
