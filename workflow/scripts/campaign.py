"""Run the paper config as a campaign of pieces, and report how far it is.

    python workflow/scripts/campaign.py run    --directory RUN [--cores N] [--configfile CONFIG]
    python workflow/scripts/campaign.py status --directory RUN [--configfile CONFIG]
    python workflow/scripts/campaign.py record --directory RUN [-o record.csv]
    python workflow/scripts/campaign.py publish --directory RUN --to docs/paper
    python workflow/scripts/campaign.py assemble --parts FOLDER | A.csv B.csv ... --to docs/paper [--partial]
    python workflow/scripts/campaign.py parts --parts docs/paper/fig2-parts --directory RUNS [--cores N]

``run`` resumes where the last piece stopped (the same command every time): it computes the
stages of :mod:`dnpmbl.pipeline.campaign` in order, each one Snakemake call over this
checkout's Snakefile with RUN as its working directory, and prints the progress before and
after each. Kill it at any time; a job cut short is rerun by the next piece.
``status`` prints the progress only. ``record`` writes the measured run per rule as CSV.
``publish`` copies the PNG and CSV of every figure whose stage is complete into a folder
(the gallery), and nothing of a figure whose stage is not. ``assemble`` joins the CSVs of
Fig. 2 computed over grids of the config's microwave offsets, or one U at a time, one run
each (a piece a session can finish), into the CSV and PNG of the whole run: every offset
of every point once, the rows two parts share checked to agree
(:func:`dnpmbl.pipeline.campaign.assemble_offset_grids`); a folder given to ``--parts``
stands for its CSVs but the parts' records (``*.record.csv``, ``*.pieces.csv``).
``parts`` prints the progress of Fig. 2 computed in parts by ``fig2-parts/compute.sh``
(RUNS: its run directories; :func:`dnpmbl.pipeline.campaign.parts_progress`): each part
done, computing or waiting, its realizations, seconds done and core-seconds left.
"""

from __future__ import annotations

import argparse
import csv
import fcntl
import io
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from dnpmbl.files import OutputPathError, atomic_path, check_output  # noqa: E402
from dnpmbl.pipeline.campaign import (  # noqa: E402
    PART_RECORDS, assemble_offset_grids, fig2_point_offsets, format_parts_progress, format_progress, parts_progress, pieces,
    progress, publish, read_figure_csv, record_piece, run_record, stages,
)  # fmt: skip
from dnpmbl.pipeline.config import ConfigError, config_error_line, load_config  # noqa: E402
from dnpmbl.pipeline.readers import DataFileError  # noqa: E402
from dnpmbl.pipeline.jobs import git_commit  # noqa: E402


def snakemake_command(run_dir: Path, config_path: Path, cores: int, targets: list[str]) -> list[str]:
    return [
        sys.executable, "-m", "snakemake",
        "--snakefile", str(ROOT / "Snakefile"),
        "--directory", str(run_dir),
        "--configfile", str(config_path),
        "--cores", str(cores),
        "--rerun-incomplete",
        "--keep-going",
        "--scheduler", "greedy",
        "--show-failed-logs",
        *targets,
    ]  # fmt: skip


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("run", "status", "record", "publish", "assemble", "parts"))
    parser.add_argument(
        "--directory", help="the run directory (keep it outside any checkout; all but assemble); parts: compute.sh's RUNS"
    )
    parser.add_argument("--configfile", default=str(ROOT / "config" / "config.yaml"))
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    parser.add_argument("-o", "--output", help="record: the CSV to write (default: stdout)")
    parser.add_argument("--to", help="publish, assemble: the folder to write the figures into")
    parser.add_argument(
        "--parts", nargs="+", help="assemble: the CSVs of Fig. 2, one per grid of offsets and U, or a folder of them; parts: the folder"
    )
    parser.add_argument("--partial", action="store_true", help="assemble: draw the offsets the parts have so far")
    args = parser.parse_args(argv)
    if args.cores < 1:
        parser.error(f"--cores must be positive, got {args.cores}")
    if args.command != "assemble" and not args.directory:
        parser.error(f"{args.command} needs --directory RUN")
    config_path = Path(args.configfile).expanduser().resolve()
    try:
        config = load_config([config_path], ROOT)
    except ConfigError as exc:
        print(config_error_line(args.configfile, exc), file=sys.stderr)
        return 2
    if args.command == "parts":
        if not args.parts or len(args.parts) != 1 or not Path(args.parts[0]).is_dir():
            parser.error("parts needs --parts FOLDER (the parts' configs and tables) and --directory RUNS")
        try:
            rows = parts_progress(args.parts[0], Path(args.directory).expanduser(), ROOT)
        except (FileNotFoundError, KeyError, ValueError, ConfigError) as exc:
            print(f"error: --parts {args.parts[0]}: {exc}", file=sys.stderr)
            return 2
        print(format_parts_progress(rows, args.cores), flush=True)
        return 0
    if args.command == "assemble":
        if not (args.parts and args.to):
            parser.error("assemble needs --parts CSV ... and --to FOLDER")
        return assemble(config, args.parts, Path(args.to), args.partial)
    run_dir = Path(args.directory).expanduser().resolve()

    if args.command == "record":
        if args.output:
            try:
                check_output(args.output)
            except OutputPathError as exc:
                print(f"error: -o {exc}", file=sys.stderr)
                return 2
        if not (run_dir / "benchmarks").is_dir():
            print(f"error: --directory {args.directory}: no run there (no benchmarks/ folder)", file=sys.stderr)
            return 2
        rows = run_record(run_dir)
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=list(rows[0]) if rows else ["rule"])
        writer.writeheader()
        writer.writerows(rows)
        try:
            if args.output:
                with atomic_path(args.output) as tmp:
                    tmp.write_text(text.getvalue())
            else:
                sys.stdout.write(text.getvalue())
                sys.stdout.flush()
        except (OSError, OutputPathError) as exc:
            print(f"error: {args.output or 'standard output'}: not written ({getattr(exc, 'strerror', None) or exc})", file=sys.stderr)
            return 2
        span = pieces(run_dir)
        wall = sum(p["end"] - p["start"] for p in span)
        print(f"# {len(span)} pieces, {wall:,.0f} s of wall time, commits {sorted({p['commit'] for p in span})}", file=sys.stderr)
        return 0
    if args.command == "publish":
        if not args.to:
            parser.error("publish needs --to FOLDER")
        try:
            copied = publish(run_dir, config, Path(args.to))
        except (OSError, OutputPathError) as exc:
            print(f"error: --to {args.to}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
            return 2
        print(f"published {', '.join(copied) or 'nothing (no figure complete yet)'} to {args.to}")
        return 0
    print(format_progress(progress(run_dir, config), args.cores), flush=True)
    if args.command == "status":
        return 0

    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        lock = open(run_dir / "campaign.lock", "w")
    except OSError as exc:
        print(f"error: --directory {args.directory}: cannot hold a run ({exc.strerror})", file=sys.stderr)
        return 2
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        print(f"error: another piece of this campaign is running in {run_dir}", file=sys.stderr)
        return 2
    record_piece(run_dir, commit=git_commit(ROOT), cores=args.cores, config=str(config_path), checkout=str(ROOT))
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    # No other piece runs (the lock above): a Snakemake lock left by a killed piece is stale.
    base = snakemake_command(run_dir, config_path, args.cores, [])
    subprocess.run([*base, "--unlock"], env=env, capture_output=True)
    failed = 0
    for i, stage in enumerate(stages(config), 1):
        print(f"\n== stage {i}: {stage.name}: {len(stage.jobs):,} jobs, then {', '.join(stage.figures) or 'no figure'}", flush=True)
        code = subprocess.call(snakemake_command(run_dir, config_path, args.cores, stage.targets), env=env)
        print(format_progress(progress(run_dir, config), args.cores), flush=True)
        if code != 0:
            failed += 1
            print(f"stage {i} did not finish (snakemake exit {code}); going on with the next stage", flush=True)
    return 1 if failed else 0


def part_tables(paths: list[str]) -> list[str]:
    """The part CSVs named: a folder stands for its ``*.csv`` but the records of their runs
    (``*.record.csv``, ``*.pieces.csv``), sorted."""
    found = []
    for path in paths:
        if Path(path).is_dir():
            tables = sorted(str(p) for p in Path(path).glob("*.csv") if not p.name.endswith(PART_RECORDS))
            if not tables:
                raise OutputPathError(f"{path}: no part tables (*.csv) in this folder")
            found += tables
        else:
            found.append(path)
    return found


def assemble(config: dict, part_paths: list[str], folder: Path, partial: bool) -> int:
    """Fig. 2 over the config's offsets from its parts: ``folder/fig2.csv`` and ``.png``."""
    from dnpmbl.pipeline.plotting import draw, save

    fig2 = fig2_point_offsets(config)
    try:
        parts = {path: read_figure_csv(path) for path in part_tables(part_paths)}
        table = assemble_offset_grids(parts, fig2, partial=partial)
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(folder / "fig2.csv") as tmp:
            table.to_csv(tmp, index=False)
        figure = draw("fig2", table)
        save(figure, None, folder / "fig2.png")
    except (DataFileError, OSError, OutputPathError) as exc:
        print(f"error: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
        return 2
    per_point = table.groupby(["n_spins", "b_tesla", "u_mhz"]).size()
    print(
        f"assembled fig2 from {len(parts)} parts into {folder}: {len(table)} rows, "
        + ", ".join(f"U = {u:g} MHz: {k} of {len(fig2[(n, b, u)])} offsets" for (n, b, u), k in per_point.items())
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
