"""A long run computed in pieces: the paper config on a small machine, stopped and resumed.

A campaign is one run directory (Snakemake's ``--directory``) filled by the same command
again and again, each call a *piece* that Snakemake resumes where the last one stopped
(``--rerun-incomplete``). The work is split into *stages* run in order of importance, so
that a stop costs at most the unfinished figure:

1. the U scan without the points the DNP profiles share (Fig. 3 left and Fig. 5, one
   microwave frequency per realization, the cheap part);
2. the U scan's shared points, with every offset of Fig. 2; then Figs. 5 and 2 are drawn;
3. the B scan (Fig. 3 right, both microwave conventions where the config asks for them);
   then Fig. 3 is drawn;
4. the eigenstates of Fig. 4; then Fig. 4 is drawn.

Progress is read from the run directory alone: which result files exist, and the per-job
``benchmarks/`` Snakemake writes (wall seconds, CPU seconds, peak memory). The pieces are
recorded in ``campaign.jsonl`` (start, commit, cores); a piece killed without warning ends
at the last file it wrote. Nothing here computes physics; :mod:`workflow/scripts/campaign.py`
is the command line.
"""

from __future__ import annotations

import json
import math
import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from .config import PAPER_MODEL, fig4_realizations, figure_points, fmt, realization_points
from .costs import eigenstates_job_seconds, realization_job_seconds
from .paths import benchmark_of, eigenstate_file, figure_files, path, realization_file  # noqa: F401 (the builders: part of this module's interface)

#: The file of the run directory that records each piece.
PIECES = "campaign.jsonl"


@dataclass
class Stage:
    """One step of a campaign: the result files it computes (``jobs``, one per Snakemake
    job: realization tables or eigenstate files, relative to the run directory), the
    figures drawn once it is done, and the estimated core-seconds of each job."""

    name: str
    jobs: list[str]
    figures: list[str]
    estimate_s: dict[str, float] = field(default_factory=dict)

    @property
    def targets(self) -> list[str]:
        """What Snakemake is asked for: the jobs, then the figures' PDF, PNG and CSV."""
        return self.jobs + [file for fig in self.figures for file in figure_files(fig)]


def _point_jobs(config: dict, points) -> tuple[list[str], dict[str, float]]:
    """Realization files of the paper model's (B, U) ``points`` and the estimated seconds
    of each (the cost model, :mod:`.costs`)."""
    everything = realization_points(config)
    n = config["n_spins"]
    jobs, estimate = [], {}
    for b, u in points:
        key = (PAPER_MODEL, str(n), fmt(b), fmt(u))
        point = everything[key]
        per_job = realization_job_seconds(n, len(point["offsets"]))
        for r in range(point["realizations"]):
            path = realization_file(PAPER_MODEL, n, b, u, r)
            if path not in estimate:
                jobs.append(path)
                estimate[path] = per_job
    return jobs, estimate


def stages(config: dict) -> list[Stage]:
    """The stages of a campaign over a validated config (the paper's figures it asks for;
    S1-S4 are not staged)."""
    wanted = set(config["figures"])
    points = figure_points(config)
    shared = {(fmt(b), fmt(u)) for b, u in points["fig2"]} if "fig2" in wanted else set()
    u_scan = points["fig3_u"] if wanted & {"fig3", "fig5"} else []
    out: list[Stage] = []
    alone = [p for p in u_scan if (fmt(p[0]), fmt(p[1])) not in shared]
    jobs, estimate = _point_jobs(config, alone)
    out.append(Stage("U scan, one frequency per realization (Figs. 3 left, 5)", jobs, [], estimate))
    rest = [p for p in u_scan if (fmt(p[0]), fmt(p[1])) in shared]
    rest += [p for p in points["fig2"] if "fig2" in wanted and p not in rest]
    jobs, estimate = _point_jobs(config, rest)
    figures = [f for f in ("fig5", "fig2") if f in wanted]
    out.append(Stage("U scan points of the DNP profiles, every offset (Figs. 5, 2)", jobs, figures, estimate))
    if "fig3" in wanted:
        done = set(out[0].jobs) | set(out[1].jobs)
        jobs, estimate = _point_jobs(config, points["fig3_b"])
        jobs = [j for j in jobs if j not in done]
        out.append(Stage("B scan (Fig. 3 right)", jobs, ["fig3"], {j: estimate[j] for j in jobs}))
    if "fig4" in wanted:
        fig4 = config["fig4"]
        jobs, estimate = [], {}
        for n in sorted(fig4["n_spins"]):
            for u in fig4["u_mhz"]:
                for r in range(fig4_realizations(config, n)):
                    path = eigenstate_file(n, u, r)
                    jobs.append(path)
                    estimate[path] = eigenstates_job_seconds(n)
        out.append(Stage("eigenstates (Fig. 4)", jobs, ["fig4"], estimate))
    return [s for s in out if s.jobs or s.figures]


def read_benchmark(path: Path) -> dict | None:
    """``{"s", "cpu_time", "max_rss"}`` of a Snakemake benchmark file (None if absent or
    unreadable: a job killed before it finished)."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return None
    if len(lines) < 2:
        return None
    header, values = lines[0].split("\t"), lines[-1].split("\t")
    row = dict(zip(header, values))
    try:
        return {key: float(row[key]) for key in ("s", "cpu_time", "max_rss") if row.get(key, "-") != "-"}
    except ValueError:
        return None


@dataclass
class StageProgress:
    name: str
    done: int
    total: int
    seconds_done: float  # wall seconds of the finished jobs (single-threaded: core-seconds)
    cpu_seconds_done: float
    seconds_left: float  # estimate for the jobs not finished
    figures: list[str]
    figures_drawn: list[str]


def progress(run_dir, config: dict) -> list[StageProgress]:
    """How far each stage is, from the files of ``run_dir``.

    The seconds left of a stage are its unfinished jobs times the median CPU time of the
    finished jobs of the same point (same N, B, U: the same work; wall time where a
    benchmark lacks it), or the estimate model's where none of that point has finished. The
    jobs are single-threaded, so their CPU time is the core-seconds of their work, whatever
    else shared the machine; their wall time also counts the time they waited (a paused
    piece, other load), which would inflate the estimate.
    """
    run_dir = Path(run_dir)
    out = []
    for stage in stages(config):
        done, seconds, cpu, left = _jobs_progress(run_dir, stage.jobs, stage.estimate_s)
        drawn = [f for f in stage.figures if (run_dir / path("figure", fig=f, ext="png")).exists()]
        out.append(StageProgress(stage.name, done, len(stage.jobs), seconds, cpu, left, stage.figures, drawn))
    return out


def _jobs_progress(
    run_dir: Path, jobs: list[str], estimate_s: dict[str, float], key: str = "cpu_time"
) -> tuple[int, float, float, float]:
    """Jobs finished in ``run_dir``, their wall and CPU seconds, and the seconds left: each
    unfinished job at the median of ``key`` (``"cpu_time"``, or ``"s"``: wall time) over
    the finished jobs of its point, or at ``estimate_s`` where none of its point has
    finished (:func:`progress`)."""
    done = 0
    seconds = cpu = 0.0
    measured: dict[str, list[float]] = {}
    unfinished: list[str] = []
    for job in jobs:
        bench = read_benchmark(run_dir / benchmark_of(job)) if (run_dir / job).exists() else None
        if bench is None:
            unfinished.append(job)
            continue
        done += 1
        seconds += bench.get("s", 0.0)
        cpu += bench.get("cpu_time", 0.0)
        measured.setdefault(job.rsplit("/", 1)[0], []).append(bench.get(key, bench.get("s", 0.0)))
    left = 0.0
    for job in unfinished:
        same = measured.get(job.rsplit("/", 1)[0])
        left += statistics.median(same) if same else estimate_s[job]
    return done, seconds, cpu, left


def format_progress(rows: list[StageProgress], cores: int) -> str:
    """The progress as a few lines of text: per stage and in all."""
    lines = []
    for i, row in enumerate(rows, 1):
        figures = ", ".join(f"{f} {'drawn' if f in row.figures_drawn else 'not yet'}" for f in row.figures) or "-"
        lines.append(
            f"{i}. {row.name}: {row.done:,}/{row.total:,} jobs, {row.cpu_seconds_done:,.0f} CPU-s done "
            f"({row.seconds_done:,.0f} s of job wall time), ~{row.seconds_left:,.0f} CPU-s left; figures: {figures}"
        )
    done = sum(r.done for r in rows)
    total = sum(r.total for r in rows)
    cpu = sum(r.cpu_seconds_done for r in rows)
    seconds = sum(r.seconds_done for r in rows)
    left = sum(r.seconds_left for r in rows)
    lines.append(
        f"all: {done:,}/{total:,} jobs, {cpu:,.0f} CPU-s done ({cpu / 3600:.1f} core-h; {seconds:,.0f} s of job "
        f"wall time), ~{left:,.0f} CPU-s left: ~{left / 3600 / max(1, cores):.1f} h on {cores} cores"
    )
    return "\n".join(lines)


def record_piece(run_dir, **fields) -> None:
    """Append a piece's start (time, commit, cores...) to ``campaign.jsonl``."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / PIECES, "a") as f:
        f.write(json.dumps({"start": time.time(), **fields}, sort_keys=True) + "\n")


def pieces(run_dir) -> list[dict]:
    """The recorded pieces, each with ``end``: the last modification of a result, log or
    benchmark file before the next piece started (a piece killed at once ends there)."""
    run_dir = Path(run_dir)
    try:
        rows = [json.loads(line) for line in (run_dir / PIECES).read_text().splitlines() if line.strip()]
    except FileNotFoundError:
        return []
    stamps = sorted(
        p.stat().st_mtime for folder in ("results", "benchmarks", "logs") for p in (run_dir / folder).rglob("*") if p.is_file()
    )
    import bisect

    for i, row in enumerate(rows):
        limit = rows[i + 1]["start"] if i + 1 < len(rows) else float("inf")
        j = bisect.bisect_left(stamps, limit)
        last = stamps[j - 1] if j > 0 and stamps[j - 1] >= row["start"] else row["start"]
        row["end"] = last
    return rows


def run_record(run_dir) -> list[dict]:
    """The measured run, one row per rule (the first folder under ``benchmarks/``): jobs,
    core-seconds (wall seconds of single-threaded jobs), CPU seconds, median and largest
    job seconds, largest peak memory (MB)."""
    run_dir = Path(run_dir)
    rows = []
    for folder in sorted(p for p in (run_dir / "benchmarks").iterdir() if p.is_dir()):
        benches = [b for b in (read_benchmark(p) for p in folder.rglob("*.tsv")) if b]
        if not benches:
            continue
        seconds = [b.get("s", 0.0) for b in benches]
        rows.append(
            {
                "rule": folder.name,
                "jobs": len(benches),
                "core_seconds": round(sum(seconds), 1),
                "cpu_seconds": round(sum(b.get("cpu_time", 0.0) for b in benches), 1),
                "median_job_s": round(statistics.median(seconds), 2),
                "max_job_s": round(max(seconds), 2),
                "max_rss_mb": round(max(b.get("max_rss", 0.0) for b in benches), 1),
            }
        )
    return rows


def publish(run_dir, config: dict, folder) -> list[str]:
    """Copy ``results/figures/<fig>.png`` and ``.csv`` of each figure whose stage has
    finished every job into ``folder``; return the figures copied. A figure whose jobs are
    not all done is left out even if an older drawing of it exists."""
    import shutil

    from ..files import atomic_path

    run_dir, folder = Path(run_dir), Path(folder)
    copied = []
    for stage, row in zip(stages(config), progress(run_dir, config)):
        if row.done < row.total:
            continue
        for fig in stage.figures:
            sources = [run_dir / path("figure", fig=fig, ext=ext) for ext in ("png", "csv")]
            if not all(p.exists() for p in sources):
                continue
            folder.mkdir(parents=True, exist_ok=True)
            for source in sources:
                with atomic_path(folder / source.name) as tmp:  # a regular file or a new one
                    shutil.copyfile(source, tmp)
            copied.append(fig)
    return copied


def _part_jobs(part_config: Path, root) -> tuple[list[str], dict[str, float]]:
    """The realization jobs of a part of Fig. 2 (its config ``part_config`` over the
    checkout at ``root``) and the cost model's seconds of each (:func:`_point_jobs`)."""
    from .config import load_config

    config = load_config([part_config], root)
    return _point_jobs(config, figure_points(config)["fig2"])


def _part_offsets(part_config: Path, offsets) -> str:
    """How many offsets a part of Fig. 2 solved, as its row of the measured run says it: its
    grid's (``offset_min``, ``offset_max``, ``offset_points`` under ``fig2`` of its config)
    and, where its table (``offsets``) has one more, off the grid, the U scan's offset,
    which every part solves besides its grid; without a config, its table's count."""
    from .config import canonical_offset, fig2_offsets

    offsets = [canonical_offset(o) for o in offsets]
    if not part_config.is_file():
        return f"{len(offsets)} offsets"
    import yaml

    grid = set(fig2_offsets(yaml.safe_load(part_config.read_text())))
    extra = set(offsets) - grid
    if len(offsets) != len(set(offsets)) or not grid <= set(offsets) or len(extra) > 1:
        raise ValueError(
            f"{part_config.name}: a grid of {len(grid)} offsets, but its table has {len(offsets)} rows, "
            f"{len(grid - set(offsets))} of the grid missing and {len(extra)} off it"
        )
    return f"{len(grid)} offsets" + (" and the U scan's" if extra else "")


# --- a figure computed over grids of microwave offsets --------------------------------------

# Fig. 2's table has one row per point and microwave offset, each computed from the
# stationary states at that offset alone: the exact statistics at one frequency, the fit of
# Eq. (18) at it (which starts from the neighbouring offset's fit but converges to its own
# tolerance) and the expansion. Computed over grids of offsets, in as many runs, the tables
# join into the table over the union (:func:`assemble_offset_grids`).

#: The columns that name a row: one point at one offset.
GRID_KEY = ("n_spins", "b_tesla", "u_mhz", "offset")
#: Columns every part must agree on: the same realizations, computed by the same code.
GRID_SAME = ("n_realizations", "dnpmbl_version", "git_commit")
#: Columns of the fit of Eq. (18), which may differ within its tolerance between two runs
#: that solved the same offset (from another neighbour), and the run's config digest.
GRID_FIT = ("beta_fm_s", "beta_fm_over_lattice", "a_fm", "h_fm_rad_s", "h_plus_omega_mw_rad_s", "p_n_fm", "p_n_fm_se",
            "p_n_fm_low", "p_n_fm_high")  # fmt: skip
GRID_FREE = ("iterations", "moment_mismatch", "config_sha256")
#: How far two runs' fits of one offset may differ (relative; the fit's moment mismatch is
#: at most 1e-9 of each moment's spread).
GRID_FIT_RTOL = 1e-7
#: How far two runs' other numbers of one offset may differ (relative): rounding. Parts
#: computed on machines whose kernels round differently (an AVX-512 one and the earlier
#: ones, with OpenBLAS's kernels pinned alike) gave the mean, SE, SD, least and largest P_n
#: within a relative 1e-15 (one U's parts bit for bit) and bootstrap interval bounds one
#: unit in the last place apart (an order statistic of resample means).
GRID_EXACT_RTOL = 1e-14


def read_figure_csv(path):
    """A figure's CSV (``plot_figure``'s) as written: floats read back bit for bit, text
    columns as text."""
    import pandas as pd

    from .readers import DataFileError

    try:
        return pd.read_csv(path, dtype={c: str for c in ("config_sha256", "dnpmbl_version", "git_commit")})
    except (OSError, ValueError) as exc:
        raise DataFileError(f"{path}: not a figure's table ({getattr(exc, 'strerror', None) or exc})", path) from None


def fig2_point_offsets(config: dict) -> dict:
    """``{(N, B, U): offsets}`` of each Fig. 2 point: the offsets its table has in a run of
    ``config`` (Fig. 2's and those other figures solve the point at)."""
    everything = realization_points(config)
    n = int(config["n_spins"])
    return {(n, float(b), float(u)): everything[(PAPER_MODEL, str(n), fmt(b), fmt(u))]["offsets"] for b, u in figure_points(config)["fig2"]}


def _same_row(a, b) -> str | None:
    """The first column in which rows ``a`` and ``b`` (Series) of one offset disagree."""
    for column in a.index:
        if column in GRID_FREE:
            continue
        x, y = a[column], b[column]
        if isinstance(x, float) and isinstance(y, float):
            if math.isnan(x) and math.isnan(y):
                continue
            rtol = GRID_FIT_RTOL if column in GRID_FIT else GRID_EXACT_RTOL
            if math.isclose(x, y, rel_tol=rtol, abs_tol=0.0):
                continue
        if x != y:
            return column
    return None


def assemble_offset_grids(parts: dict, point_offsets: dict, *, partial: bool = False):
    """Fig. 2's table over every offset of its points, joined from tables of it computed
    over grids of those offsets.

    A part has the rows of its grid and of the offsets its points were solved at for other
    figures (Fig. 3's ``mw_offset``): a row two parts have must agree, the fit within
    :data:`GRID_FIT_RTOL`, every other number to rounding (:data:`GRID_EXACT_RTOL`) and
    every other column exactly; the first part's is kept.

    Parameters
    ----------
    parts : {name: DataFrame}
        Each part's table (``name``, e.g. its file, is what errors cite).
    point_offsets : {(N, B, U): offsets}
        The offsets each point has in the table of a whole run (:func:`fig2_point_offsets`).
    partial : bool
        Accept offsets and points that no part has yet (the table then has fewer rows).

    Returns
    -------
    DataFrame sorted by point and offset; each row as its part wrote it, its provenance
    columns included (a part's ``config_sha256`` is its grid's config).

    Raises
    ------
    DataFileError
        Naming the part at fault: a table without Fig. 2's key, provenance or P_n
        columns; columns that differ from the first part's; realizations,
        version or commit (:data:`GRID_SAME`) other than the first part's; a point or an
        offset that is not the figure's; a row that disagrees with another part's; without
        ``partial``, the points and offsets that no part has.
    """
    import pandas as pd

    from .config import canonical_offset
    from .readers import DataFileError

    if not parts:
        raise DataFileError("no parts to assemble")
    wanted = {(int(n), float(b), float(u)): {canonical_offset(o) for o in offsets} for (n, b, u), offsets in point_offsets.items()}
    first_name, first = next(iter(parts.items()))
    kept: dict[tuple, tuple[str, object]] = {}
    for name, frame in parts.items():
        lacking = [c for c in (*GRID_KEY, *GRID_SAME, "p_n_mean") if c not in frame.columns]
        if lacking:
            raise DataFileError(f"{name}: not a table of Fig. 2 (no column {', '.join(lacking)})", name)
        if list(frame.columns) != list(first.columns):
            extra = sorted(set(frame.columns) ^ set(first.columns))
            raise DataFileError(f"{name}: its columns differ from those of {first_name} ({', '.join(extra) or 'their order'})", name)
        if frame.empty:
            raise DataFileError(f"{name}: no rows", name)
        for column in GRID_SAME:
            values = set(frame[column].astype(str)) | set(first[column].astype(str))
            if len(values) > 1:
                raise DataFileError(f"{name}: {column} {', '.join(sorted(values))}: the parts must share it with {first_name}", name)
        for _, row in frame.iterrows():
            point = (int(row["n_spins"]), float(row["b_tesla"]), float(row["u_mhz"]))
            offset = canonical_offset(row["offset"])
            where = f"N = {point[0]}, B = {point[1]:g} T, U = {point[2]:g} MHz"
            if point not in wanted:
                raise DataFileError(f"{name}: {where}: not a point of the figure", name)
            if offset not in wanted[point]:
                raise DataFileError(f"{name}: {where}, offset {offset:g}: not one of the point's {len(wanted[point])} offsets", name)
            if (*point, offset) in kept:
                other, other_row = kept[(*point, offset)]
                column = _same_row(other_row, row)
                if column is not None:
                    raise DataFileError(
                        f"{name}: {where}, offset {offset:g}: {column} {row[column]} where {other} has {other_row[column]}", name
                    )
                continue
            kept[(*point, offset)] = (name, row)
    table = pd.DataFrame([row for _, row in kept.values()]).astype(first.dtypes.to_dict())
    table = table.sort_values(list(GRID_KEY), kind="stable", ignore_index=True)
    if not partial:
        for point, offsets in sorted(wanted.items()):
            missing = sorted(offsets - {key[3] for key in kept if key[:3] == point})
            if missing:
                where = f"N = {point[0]}, B = {point[1]:g} T, U = {point[2]:g} MHz"
                shown = ", ".join(f"{o:g}" for o in missing[:6]) + (", ..." if len(missing) > 6 else "")
                raise DataFileError(f"{where}: {len(missing)} of {len(offsets)} offsets in no part ({shown})")
    return table


#: In a gallery folder: the totals of campaign stages whose run directory is gone.
STAGE_RECORD = "record-stages.csv"
#: In a gallery folder: the parts of Fig. 2, each a table ``PART.csv`` with its config
#: ``PART.yaml`` and the records of its run, :data:`PART_RECORDS`.
PARTS_FOLDER = "fig2-parts"
#: Beside a part's table: its cost per rule (``campaign.py record``) and its pieces.
PART_RECORDS = (".record.csv", ".pieces.csv")


def measured_run(folder, root=None):
    """The measured run of a gallery folder (``docs/paper``), one row per piece of work:
    the stages of :data:`STAGE_RECORD` (totals only), then each part of Fig. 2 that has its
    table and both records (:data:`PART_RECORDS`; a part with one of them only is an error).

    Columns: ``work``, ``git_commit``; ``jobs``, the realization or eigenstate jobs (a
    part's one fit is left out); ``cpu_seconds``, their CPU time as Snakemake's benchmarks
    sampled it (every 30 s: a lower bound); ``core_seconds``, their wall time, the
    core-seconds single-threaded jobs held; ``median_job_s``, of the jobs' wall times;
    ``max_rss_mib``, the largest job's peak resident memory; ``pieces`` and ``wall_s``,
    summed over the pieces; NaN where not kept. With ``root``, a checkout whose
    ``config/config.yaml`` computed the folder, also ``estimate_s``: the cost model's
    core-seconds of the same jobs at that checkout (:mod:`.costs`; a stage's as
    :func:`stages` plans it, matched by name and checked to have the same jobs, a part's
    for ``PART.yaml`` over that config)."""
    import pandas as pd

    from .config import load_config

    folder = Path(folder)
    rows = []
    if (folder / STAGE_RECORD).exists():
        rows += pd.read_csv(folder / STAGE_RECORD, dtype={"git_commit": str}).to_dict("records")
        if root is not None:
            planned = {stage.name: stage for stage in stages(load_config([], root))}
            for row in rows:
                stage = planned.get(row["stage"])
                if stage is None or len(stage.jobs) != row["jobs"]:
                    raise ValueError(f"{folder / STAGE_RECORD}: {row['stage']!r} with {row['jobs']} jobs is no stage of {root}'s config")
                row["estimate_s"] = sum(stage.estimate_s.values())
    parts = folder / PARTS_FOLDER
    for table in sorted(parts.glob("*.csv"), key=lambda p: _part_order(p.name.split(".")[0], strict=False)):
        if table.name.endswith(PART_RECORDS):
            continue
        part = table.name[: -len(".csv")]
        found = [(parts / f"{part}{suffix}").exists() for suffix in PART_RECORDS]
        if not any(found):
            continue  # a part whose run has not been recorded
        if not all(found):
            have, lack = ([f"{part}{x}" for x, f in zip(PART_RECORDS, found) if f is want] for want in (True, False))
            raise FileNotFoundError(f"{parts}: {', '.join(have)} without {', '.join(lack)}")
        record = pd.read_csv(parts / f"{part}.record.csv").set_index("rule")
        piece_rows = pd.read_csv(parts / f"{part}.pieces.csv")
        figure = pd.read_csv(table, dtype={"git_commit": str})
        (u,) = figure["u_mhz"].unique()
        (commit,) = figure["git_commit"].unique()
        jobs = record.loc["realization"]
        estimate = math.nan
        if root is not None:
            estimate = sum(_part_jobs(parts / f"{part}.yaml", root)[1].values())
        rows.append(
            {
                "work": f"Fig. 2, part {part}: U = {u:g} MHz, {_part_offsets(parts / f'{part}.yaml', figure['offset'])}",
                "git_commit": commit,
                "jobs": int(jobs["jobs"]),
                "cpu_seconds": float(jobs["cpu_seconds"]),
                "core_seconds": float(jobs["core_seconds"]),
                "median_job_s": float(jobs["median_job_s"]),
                "max_rss_mib": float(jobs["max_rss_mb"]),  # Snakemake's "MB" are MiB
                "pieces": len(piece_rows),
                "wall_s": float(piece_rows["wall_s"].sum()),
                "estimate_s": estimate,
            }
        )
    columns = ["work", "git_commit", "jobs", "cpu_seconds", "core_seconds", "median_job_s", "max_rss_mib", "pieces", "wall_s"]
    return pd.DataFrame(rows).reindex(columns=columns + (["estimate_s"] if root is not None else []))


def _hours(seconds: float) -> str:
    minutes = math.floor(seconds / 60 + 0.5)
    return f"{minutes // 60} h {minutes % 60:02d} min"


def measured_run_markdown(table) -> str:
    """:func:`measured_run` as the README's table, with a total row: "-" where a number was
    not kept; the total sums the jobs, CPU and core seconds and estimate of every row that
    kept them, the pieces and wall time of the rows that kept those."""
    import pandas as pd

    def number(value, unit=""):
        return "-" if pd.isna(value) else f"{value:,.0f}{unit}"

    def memory(mib):
        return "-" if pd.isna(mib) else (f"{mib / 1024:.1f} GiB" if mib >= 1024 else f"{mib:.0f} MiB")

    estimated = "estimate_s" in table
    head = "| work | commit | jobs | CPU-s | core-s | median job | largest job's memory | pieces | wall time |"
    lines = [head + (" estimate (core-s) |" if estimated else ""), "|" + " --- |" * (head.count("|") - 1 + estimated)]
    for row in table.itertuples():
        wall = "-" if pd.isna(row.wall_s) else _hours(row.wall_s)
        lines.append(
            f"| {row.work} | {row.git_commit[:7]} | {number(row.jobs)} | {number(row.cpu_seconds)} | {number(row.core_seconds)} "
            f"| {number(row.median_job_s, ' s')} | {memory(row.max_rss_mib)} | {number(row.pieces)} | {wall} |"
            + (f" {number(row.estimate_s)} |" if estimated else "")
        )
    walled = table.dropna(subset=["wall_s"])
    cored = table.dropna(subset=["core_seconds"])
    lines.append(
        f"| total | | {number(table['jobs'].sum())} | {number(table['cpu_seconds'].sum())} "
        f"| {number(cored['core_seconds'].sum())} | | | {number(walled['pieces'].sum())} | {_hours(walled['wall_s'].sum())} "
        f"({len(walled)} of {len(table)} rows) |" + (f" {number(table['estimate_s'].sum())} |" if estimated else "")
    )
    return "\n".join(lines) + "\n"


@dataclass
class PartProgress:
    """How far one part of Fig. 2 is (:func:`parts_progress`)."""

    part: str
    state: str  # "done" (its table is in the parts folder), "computing" or "waiting"
    done: int  # realization jobs finished
    total: int
    cpu_seconds: float  # of the finished realization jobs (Snakemake's samples: a lower bound)
    core_seconds: float  # their wall time (single-threaded jobs), paused time included
    core_seconds_left: float  # an estimate (see parts_progress)


#: A part's name: its grid (a letter, then a half's first offset if it is one) and its U in
#: MHz, as ``A-U2``, ``A0-U15``.
PART_NAME = re.compile(r"^([A-Z])(\d*)-U(\d+(?:\.\d+)?)$")


def _part_order(name: str, strict: bool = True) -> tuple:
    """Parts in the order ``compute.sh`` runs them: by grid, then U, then half. A name that
    is no part's is an error, or with ``strict=False`` sorts after every part."""
    match = PART_NAME.match(name)
    if match is None:
        if strict:
            raise ValueError(f"{name!r} is not a part's name (GRID-U<MHz>, as A-U2 or A0-U15)")
        return ("~", math.inf, name)
    grid, half, u = match.groups()
    return grid, float(u), half


def _scale_keys(u: float, estimate: dict[str, float]) -> tuple:
    """The groups of done parts whose measured-over-estimated core-seconds price a part
    at ``u``, nearest first: the same U and offsets (one job's estimate), the same U, all."""
    return (u, max(estimate.values())), (u,), ()


def parts_progress(parts_folder, runs, root) -> list[PartProgress]:
    """The progress of Fig. 2 computed in parts (``fig2-parts/compute.sh``), one row per
    part config ``PART.yaml`` of ``parts_folder`` (``PART`` as :data:`PART_NAME`), in the
    order the script runs them.

    A part whose table ``PART.csv`` is in ``parts_folder`` is *done*: its numbers are its
    record's (``PART.record.csv``, the realization rule; a table without it is an error).
    One with a run directory ``runs/PART`` is *computing*: its finished jobs are read from
    their benchmarks. The others are *waiting*. Core-seconds are the jobs' wall time, so a
    job that spanned a paused piece counts the pause in the seconds done, as in the
    parts' records. What is left is in core-seconds too, so that it divides into hours on
    the cores: a computing part's unfinished jobs at the median wall time of its finished
    ones (a median, so that a job that spanned a pause does not move it). Where a part has
    no finished job, its jobs are estimated by the cost model of the checkout at ``root``
    (:mod:`.costs`), scaled by the ratio of measured core-seconds to that model's estimate
    over the done parts of the same U and as many offsets (else of the same U, else all
    done parts; unscaled where none is done): on a machine slower than the model's, the
    model alone would promise too little, and the model's share of a job's fixed cost
    differs from the measured one. A done part is measured there as its jobs times their
    median wall time, not its total core-seconds, so that the pauses a part sat through
    do not raise the price of the parts after it.
    """
    import pandas as pd

    parts_folder, runs = Path(parts_folder), Path(runs)
    names = [p.stem for p in parts_folder.glob("*.yaml") if PART_NAME.match(p.stem)]
    if not names:
        raise FileNotFoundError(f"{parts_folder}: no part configs (GRID-U<MHz>.yaml, as A-U2.yaml)")
    names.sort(key=_part_order)
    plans = {name: (_part_order(name)[1], *_part_jobs(parts_folder / f"{name}.yaml", root)) for name in names}
    measured: dict[tuple, list[float]] = {}  # [core-s, estimate] of the done parts, by _scale_keys
    rows: dict[str, PartProgress] = {}
    for name, (u, jobs, estimate) in plans.items():
        if not (parts_folder / f"{name}.csv").exists():
            continue
        if not (parts_folder / f"{name}.record.csv").exists():
            raise FileNotFoundError(f"{parts_folder}: {name}.csv without {name}.record.csv")
        record = pd.read_csv(parts_folder / f"{name}.record.csv").set_index("rule").loc["realization"]
        done = int(record["jobs"])
        rows[name] = PartProgress(name, "done", done, len(jobs), float(record["cpu_seconds"]), float(record["core_seconds"]), 0.0)
        for key in _scale_keys(u, estimate):
            pair = measured.setdefault(key, [0.0, 0.0])
            pair[0] += float(record["median_job_s"]) * done
            pair[1] += sum(estimate.values()) * done / len(jobs)
    for name, (u, jobs, estimate) in plans.items():
        if name in rows:
            continue
        core, model = next((measured[k] for k in _scale_keys(u, estimate) if k in measured), (1.0, 1.0))
        scale = core / model if model > 0 else 1.0
        scaled = {job: seconds * scale for job, seconds in estimate.items()}
        if (runs / name).is_dir():
            done, seconds, cpu_done, left = _jobs_progress(runs / name, jobs, scaled, key="s")
            rows[name] = PartProgress(name, "computing", done, len(jobs), cpu_done, seconds, left)
        else:
            rows[name] = PartProgress(name, "waiting", 0, len(jobs), 0.0, 0.0, sum(scaled.values()))
    return [rows[name] for name in names]


def format_parts_progress(rows: list[PartProgress], cores: int) -> str:
    """:func:`parts_progress` as a table of text, with the totals and the hours left on
    ``cores`` (the parts' jobs are single-threaded, one per core)."""
    lines = [f"{'part':<8} {'state':<10} {'realizations':>12} {'CPU-s':>8} {'core-s':>8} {'core-s left':>12}"]
    for r in rows:
        left = f"~{r.core_seconds_left:,.0f}" if r.core_seconds_left else "0"
        lines.append(
            f"{r.part:<8} {r.state:<10} {f'{r.done}/{r.total}':>12} {r.cpu_seconds:>8,.0f} {r.core_seconds:>8,.0f} {left:>12}"
        )
    done, total = sum(r.done for r in rows), sum(r.total for r in rows)
    cpu, core, left = (sum(getattr(r, k) for r in rows) for k in ("cpu_seconds", "core_seconds", "core_seconds_left"))
    lines.append(
        f"Fig. 2, all parts: {done:,}/{total:,} realizations, {cpu:,.0f} CPU-s ({core:,.0f} core-s) done, ~{left:,.0f} core-s left: "
        f"~{left / 3600 / max(1, cores):.1f} h on {cores} cores"
    )
    return "\n".join(lines)
