"""The campaign: the paper config computed in pieces (dnpmbl.pipeline.campaign and
workflow/scripts/campaign.py). Its stages cover every job once, in the order of the
figures' importance; progress and the run record are read from the run directory alone;
a second piece after a finished one computes nothing."""

import dataclasses
import json
import os
import subprocess
import sys
import time

import pytest

from dnpmbl.pipeline.campaign import (
    eigenstate_file,
    pieces,
    format_progress,
    progress,
    realization_file,
    record_piece,
    run_record,
    stages,
)
from dnpmbl.pipeline.config import fig4_realizations, realization_points, validate_config

from conftest import ROOT

SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"
SMOKE = ROOT / "config" / "smoke.yaml"
SCRIPT = ROOT / "workflow" / "scripts" / "campaign.py"


def config_of(path):
    import yaml

    default = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    override = yaml.safe_load(path.read_text()) if path != ROOT / "config" / "config.yaml" else {}
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(default.get(key), dict):
            default[key].update(value)
        else:
            default[key] = value
    return validate_config(default, SCHEMA)


def every_job(config):
    jobs = []
    for (model, n, b, u), point in realization_points(config).items():
        jobs += [realization_file(model, n, b, u, r) for r in range(point["realizations"])]
    for n in config["fig4"]["n_spins"]:
        for u in config["fig4"]["u_mhz"]:
            jobs += [eigenstate_file(n, u, r) for r in range(fig4_realizations(config, n))]
    return jobs


@pytest.mark.parametrize("name", ["config.yaml", "quick.yaml", "smoke.yaml"])
def test_stages_cover_every_job_once_most_important_first(name):
    config = config_of(ROOT / "config" / name)
    staged = [job for stage in stages(config) for job in stage.jobs]
    assert len(staged) == len(set(staged))
    assert sorted(staged) == sorted(every_job(config))
    first, second = stages(config)[:2]
    points = realization_points(config)
    # Stage 1: the U scan's points with one offset; stage 2: those with the DNP profile's.
    offsets = lambda job: len(points[("paper", job.split("/N")[1].split("/")[0], job.split("/B")[1].split("/")[0], job.split("/U")[1].split("/")[0])]["offsets"])  # noqa: E731
    assert {offsets(j) for j in first.jobs} == {1}
    # (the DNP profile's grid, plus mw_offset where the grid misses it)
    assert {offsets(j) for j in second.jobs} <= {config["fig2"]["offset_points"], config["fig2"]["offset_points"] + 1}
    assert [s.figures for s in stages(config)] == [[], ["fig5", "fig2"], ["fig3"], ["fig4"]]
    assert all(seconds > 0 for stage in stages(config) for seconds in stage.estimate_s.values())


def write_job(run, job, seconds, mtime=None):
    (run / job).parent.mkdir(parents=True, exist_ok=True)
    (run / job).write_text("x")
    bench = run / ("benchmarks/realization/" + job[len("results/realizations/") :].replace(".parquet", ".tsv"))
    bench.parent.mkdir(parents=True, exist_ok=True)
    bench.write_text("s\th:m:s\tmax_rss\tcpu_time\n" f"{seconds}\t0:00:01\t900.5\t{seconds - 0.5}\n")
    if mtime is not None:
        for path in (run / job, bench):
            os.utime(path, (mtime, mtime))


def test_progress_counts_finished_jobs_and_estimates_the_rest(tmp_path):
    config = config_of(SMOKE)
    first = stages(config)[0]
    jobs = first.jobs
    a, b = jobs[0], jobs[1]  # realizations 0 and 1 of the same point
    assert a.rsplit("/", 1)[0] == b.rsplit("/", 1)[0]
    write_job(tmp_path, a, 10.0)
    (tmp_path / b).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / b).write_text("x")  # a result without its benchmark: a job cut short
    row = progress(tmp_path, config)[0]
    assert (row.done, row.total) == (1, len(jobs))
    assert row.seconds_done == 10.0 and row.cpu_seconds_done == 9.5
    same_point = [j for j in jobs if j.rsplit("/", 1)[0] == a.rsplit("/", 1)[0]]
    others = [j for j in jobs if j not in same_point]
    # the finished job's CPU time (9.5 s), not its wall time (10 s), stands for the rest of its point
    expected = 9.5 * (len(same_point) - 1) + sum(first.estimate_s[j] for j in others)
    assert row.seconds_left == pytest.approx(expected)
    # the report gives the CPU time as the work done and the wall time beside it
    text = format_progress([dataclasses.replace(row, cpu_seconds_done=7.0, seconds_done=30.0)], cores=2)
    assert f"1/{len(jobs)} jobs, 7 CPU-s done (30 s of job wall time)" in text


def test_pieces_end_at_their_last_file(tmp_path):
    t0 = time.time() - 1000
    config = config_of(SMOKE)
    jobs = stages(config)[0].jobs
    record_piece(tmp_path, commit="abc", cores=2)
    rows = [json.loads(line) for line in (tmp_path / "campaign.jsonl").read_text().splitlines()]
    rows[0]["start"] = t0
    (tmp_path / "campaign.jsonl").write_text(json.dumps(rows[0]) + "\n" + json.dumps({**rows[0], "start": t0 + 500}) + "\n")
    write_job(tmp_path, jobs[0], 3.0, mtime=t0 + 100)
    write_job(tmp_path, jobs[1], 3.0, mtime=t0 + 600)
    first, second = pieces(tmp_path)
    assert first["end"] == pytest.approx(t0 + 100) and second["end"] == pytest.approx(t0 + 600)
    record = run_record(tmp_path)
    assert record == [
        {"rule": "realization", "jobs": 2, "core_seconds": 6.0, "cpu_seconds": 5.0, "median_job_s": 3.0, "max_job_s": 3.0, "max_rss_mb": 900.5}
    ]


def run_campaign(*args):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=1200)


@pytest.mark.slow
def test_campaign_on_the_smoke_config_draws_every_figure_and_resumes_with_nothing_to_do(tmp_path):
    """The smoke config, made smaller (2 realizations, 2 B in the B scan, Fig. 4 at N = 4
    and 6: 45 Snakemake jobs instead of 58, 18 realizations and eigenstates instead of 31)
    because the campaign's mechanics, not the figures, are under test here and the slow
    tests are CI's largest cost; each of the 4 stages still has jobs."""
    import yaml

    smaller = yaml.safe_load(SMOKE.read_text())
    smaller["realizations"] = 2
    smaller["fig3"].update(b_scan_tesla=[2.5, 5.0])
    smaller["fig4"].update(n_spins=[4, 6], realizations={"4": 2, "6": 2}, example_n_spins=6)
    configfile = tmp_path / "smaller.yaml"
    configfile.write_text(yaml.safe_dump(smaller))
    config = config_of(configfile)
    assert [bool(stage.jobs) for stage in stages(config)] == [True] * 4
    assert len(every_job(config)) == 18
    run = tmp_path / "run"
    args = ["--directory", str(run), "--configfile", str(configfile), "--cores", "2"]
    first = run_campaign("run", *args)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    for fig in ("fig2", "fig3", "fig4", "fig5"):
        assert (run / "results" / "figures" / f"{fig}.png").stat().st_size > 1000
    status = run_campaign("status", *args)
    total = len(every_job(config))
    assert f"all: {total:,}/{total:,} jobs" in status.stdout and "~0 CPU-s left" in status.stdout
    stamps = {p: p.stat().st_mtime for p in (run / "benchmarks").rglob("*.tsv")}
    second = run_campaign("run", *args)
    assert second.returncode == 0, second.stderr[-3000:]
    assert {p: p.stat().st_mtime for p in (run / "benchmarks").rglob("*.tsv")} == stamps  # nothing recomputed
    assert len(pieces(run)) == 2
    record = run_campaign("record", *args)
    rules = {line.split(",")[0]: int(line.split(",")[1]) for line in record.stdout.splitlines()[1:]}
    assert rules["realization"] + rules["eigenstates"] == total


def test_campaign_refuses_a_bad_config_in_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("n_spins: 15\n")
    proc = run_campaign("status", "--directory", str(tmp_path / "run"), "--configfile", str(bad))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "n_spins" in proc.stderr


def test_a_second_piece_is_refused_while_one_runs(tmp_path):
    import fcntl

    run = tmp_path / "run"
    run.mkdir()
    with open(run / "campaign.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        proc = run_campaign("run", "--directory", str(run), "--configfile", str(SMOKE), "--cores", "1")
    assert proc.returncode == 2 and "another piece of this campaign is running" in proc.stderr
    assert not (run / "campaign.jsonl").exists()


def test_publish_copies_only_figures_whose_stage_is_complete(tmp_path):
    from dnpmbl.pipeline.campaign import publish

    config = config_of(SMOKE)
    run = tmp_path / "run"
    for fig in ("fig2", "fig3", "fig4", "fig5"):
        for ext in ("png", "csv"):
            (run / "results" / "figures").mkdir(parents=True, exist_ok=True)
            (run / "results" / "figures" / f"{fig}.{ext}").write_text(fig)
    first, second, third, _ = stages(config)
    for job in first.jobs + second.jobs + third.jobs:
        write_job(run, job, 1.0)
    assert publish(run, config, tmp_path / "gallery") == ["fig5", "fig2", "fig3"]
    assert sorted(p.name for p in (tmp_path / "gallery").iterdir()) == sorted(f"{f}.{e}" for f in ("fig2", "fig3", "fig5") for e in ("png", "csv"))


def test_record_and_publish_write_regular_files_only_and_fail_in_one_line(tmp_path):
    """`record -o /dev/null` wrote into the device, and record of a directory without a
    run ended in a traceback; publish into a FIFO would have waited forever."""
    run = tmp_path / "run"
    (run / "benchmarks" / "realization").mkdir(parents=True)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for args, words in (
        (["--directory", str(run), "-o", "/dev/null"], "/dev/null: is a character device"),
        (["--directory", str(run), "-o", str(fifo)], "is a FIFO"),
        (["--directory", str(tmp_path / "none")], "no run there"),
    ):
        proc = run_campaign("record", *args)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and words in proc.stderr, proc.stderr
    assert os.path.exists("/dev/null") and not os.path.isfile("/dev/null")
    proc = run_campaign("record", "--directory", str(run), "-o", str(tmp_path / "record.csv"))
    assert proc.returncode == 0 and (tmp_path / "record.csv").read_text().startswith("rule")
    from dnpmbl.files import OutputPathError
    from dnpmbl.pipeline.campaign import publish

    config = config_of(SMOKE)
    for job in [j for stage in stages(config) for j in stage.jobs]:
        write_job(run, job, 1.0)
    (run / "results" / "figures").mkdir(parents=True)
    for ext in ("png", "csv"):
        (run / "results" / "figures" / f"fig5.{ext}").write_text("fig5")
    gallery = tmp_path / "gallery"
    gallery.mkdir()
    os.mkfifo(gallery / "fig5.png")
    with pytest.raises(OutputPathError, match="fig5.png: is a FIFO"):
        publish(run, config, gallery)


# --- Fig. 2 over disjoint grids of offsets (campaign.py assemble) -----------------------------


def fig2_like(offsets, us=(2.0, 15.0), commit="c0ffee"):
    """A table shaped like Fig. 2's: one row per (U, offset), values that name their row."""
    import pandas as pd

    rows = [
        {"n_spins": 12, "b_tesla": 3.35, "u_mhz": u, "offset": o, "n_realizations": 100, "p_n_mean": u + o / 3,
         "p_n_fm": 1 / 3 + o, "converged_pe2_continuum": o > 0, "config_sha256": "0123", "dnpmbl_version": "0.6.1",
         "git_commit": commit}
        for u in us for o in offsets
    ]  # fmt: skip
    return pd.DataFrame(rows)


GRID = [-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5]


def test_assembled_grids_are_the_whole_grid_bit_for_bit_through_csv(tmp_path):
    from dnpmbl.pipeline.campaign import assemble_offset_grids, read_figure_csv

    whole = fig2_like(GRID)
    parts = {}
    for name, offsets, us in (("a", GRID[::2], (2.0, 15.0)), ("b2", GRID[1::2], (2.0,)), ("b15", GRID[1::2], (15.0,))):
        fig2_like(offsets, us).to_csv(tmp_path / f"{name}.csv", index=False)
        parts[name] = read_figure_csv(tmp_path / f"{name}.csv")
    table = assemble_offset_grids(parts, {(12, 3.35, 2): GRID, (12, 3.35, 15): GRID})
    expected = whole.sort_values(["u_mhz", "offset"], ignore_index=True)
    assert table.equals(expected)
    assert (table["p_n_fm"].to_numpy() == expected["p_n_fm"].to_numpy()).all()  # 1/3 + o: bit for bit


def test_assemble_keeps_agreeing_overlaps_and_refuses_the_rest_naming_the_part():
    import numpy as np
    import pandas as pd

    from dnpmbl.pipeline.campaign import assemble_offset_grids
    from dnpmbl.pipeline.readers import DataFileError

    even, odd = fig2_like(GRID[::2]), fig2_like(GRID[1::2])
    points = {(12, 3.35, 2): GRID, (12, 3.35, 15): GRID}
    # A row two parts have (the offset of Fig. 3 in every grid's run): the fit may differ
    # within its tolerance, the first part's row is kept.
    again = fig2_like([0.5]).assign(p_n_fm=lambda f: f["p_n_fm"] * (1 + 1e-9), config_sha256="4567")
    # ... and the other numbers by rounding: a unit in the last place (another machine's kernels)
    again["p_n_mean"] = np.nextafter(again["p_n_mean"].to_numpy(), 10.0)
    table = assemble_offset_grids({"even": even, "odd": odd, "again": again}, points)
    assert table.equals(fig2_like(GRID).sort_values(["u_mhz", "offset"], ignore_index=True))
    cases = [
        ({"even": even, "again": fig2_like([0.5]).assign(p_n_mean=0.1)}, "again: N = 12, B = 3.35 T, U = 2 MHz, offset 0.5: p_n_mean 0.1 where even has 2.1666"),
        ({"even": even, "again": fig2_like([0.5]).assign(p_n_mean=lambda f: f["p_n_mean"] * (1 + 1e-12))}, "again: .* offset 0.5: p_n_mean"),
        ({"even": even, "again": fig2_like([0.5]).assign(p_n_fm=lambda f: f["p_n_fm"] * 1.001)}, "again: .* offset 0.5: p_n_fm"),
        ({"even": even, "odd": fig2_like([0.25])}, "odd: N = 12, B = 3.35 T, U = 2 MHz, offset 0.25: not one of the point's 7 offsets"),
        ({"even": even, "odd": fig2_like(GRID[1::2], commit="beef")}, "odd: git_commit beef, c0ffee"),
        ({"even": even, "odd": odd.drop(columns="p_n_fm")}, "odd: its columns differ from those of even (p_n_fm)"),
        ({"even": even, "record": pd.DataFrame({"rule": ["realization"], "jobs": [100]})}, "record: not a table of Fig. 2 (no column n_spins, b_tesla"),
        ({"even": even, "odd": fig2_like(GRID[1::2], us=(2.0, 15.0, 30.0))}, "odd: N = 12, B = 3.35 T, U = 30 MHz: not a point"),
        ({"even": even}, "U = 2 MHz: 3 of 7 offsets in no part (-1, 0, 1)"),
        ({"even": fig2_like(GRID[::2], us=(2.0,)), "odd": fig2_like(GRID[1::2], us=(2.0,))}, "U = 15 MHz: 7 of 7 offsets in no part"),
    ]
    for parts, message in cases:
        with pytest.raises(DataFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
            assemble_offset_grids(parts, points)
    partial = assemble_offset_grids({"even": even}, points, partial=True)
    assert len(partial) == 8 and list(partial["offset"][:4]) == GRID[::2]


def test_assemble_command_writes_the_csv_and_png_and_fails_in_one_line(tmp_path):
    import pandas as pd

    from dnpmbl.pipeline.config import fig2_offsets

    grid = fig2_offsets(config_of(SMOKE))
    table = pd.read_csv(ROOT / "docs" / "fig2.csv")  # a real Fig. 2 table, drawn below
    table = pd.concat([table[table["u_mhz"] == u].head(len(grid)).assign(offset=grid, n_spins=6) for u in (2.0, 15.0)])
    first, second = table[table["offset"] < 0], table[table["offset"] >= 0]
    first.to_csv(tmp_path / "first.csv", index=False)
    second.to_csv(tmp_path / "second.csv", index=False)
    args = ["--configfile", str(SMOKE), "--to", str(tmp_path / "out")]
    proc = run_campaign("assemble", "--parts", str(tmp_path / "first.csv"), *args)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "4 of 7 offsets in no part" in proc.stderr, proc.stderr
    proc = run_campaign("assemble", "--parts", str(tmp_path / "first.csv"), "--partial", *args)
    assert proc.returncode == 0 and "U = 2 MHz: 3 of 7 offsets" in proc.stdout, proc.stderr
    proc = run_campaign("assemble", "--parts", str(tmp_path / "first.csv"), str(tmp_path / "second.csv"), *args)
    assert proc.returncode == 0 and "U = 15 MHz: 7 of 7 offsets" in proc.stdout, proc.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["fig2.csv", "fig2.png"]
    assert len(pd.read_csv(tmp_path / "out" / "fig2.csv")) == 14
    # A folder stands for its part tables; the records of the parts' runs beside them
    # (*.record.csv, *.pieces.csv) are left out, and a folder without a table is an error.
    pd.DataFrame({"rule": ["realization"], "jobs": [1]}).to_csv(tmp_path / "first.record.csv", index=False)
    pd.DataFrame({"piece": [1], "wall_s": [60]}).to_csv(tmp_path / "first.pieces.csv", index=False)
    (tmp_path / "empty").mkdir()
    proc = run_campaign("assemble", "--parts", str(tmp_path), *args)
    assert proc.returncode == 0 and "from 2 parts" in proc.stdout and "U = 15 MHz: 7 of 7 offsets" in proc.stdout, proc.stderr
    proc = run_campaign("assemble", "--parts", str(tmp_path / "empty"), *args)
    assert proc.returncode == 2 and "empty: no part tables" in proc.stderr, proc.stderr
    proc = run_campaign("assemble", "--parts", str(tmp_path / "none.csv"), *args)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "none.csv" in proc.stderr, proc.stderr
    proc = run_campaign("status")
    assert proc.returncode == 2 and "status needs --directory RUN" in proc.stderr


def test_fig2_computed_over_two_grids_and_by_point_assembles_into_the_whole_grids_table(smoke, tmp_path):
    """The smoke config's Fig. 2 (7 offsets) against its grids -1.5, -0.5, 0.5, 1.5 (both U)
    and -1, 0, 1 (U = 2 and 15 MHz apart), each a run of its own: the exact statistics and
    the expansion are equal bit for bit (each frequency is solved alone, the resamples depend
    on the realizations alone), the fit to its tolerance (it starts from the neighbouring
    offset's fit, which differs between grids)."""
    import numpy as np
    import pandas as pd
    import yaml

    from conftest import run_snakemake

    parts = []
    for name, fig2 in (
        ("even", {"offset_min": -1.5, "offset_max": 1.5, "offset_points": 4}),
        ("odd2", {"u_mhz": [2], "offset_min": -1.0, "offset_max": 1.0, "offset_points": 3}),
        ("odd15", {"u_mhz": [15], "offset_min": -1.0, "offset_max": 1.0, "offset_points": 3}),
    ):
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump({"fig2": fig2}))
        run = tmp_path / name
        run_snakemake(run, "results/figures/fig2.csv", "--cores", "2", "--configfile", str(SMOKE), str(tmp_path / f"{name}.yaml"))
        parts.append(str(run / "results" / "figures" / "fig2.csv"))
    proc = run_campaign("assemble", "--parts", *parts, "--configfile", str(SMOKE), "--to", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    whole = pd.read_csv(smoke / "results" / "figures" / "fig2.csv")
    joined = pd.read_csv(tmp_path / "out" / "fig2.csv")
    whole = whole.sort_values(["u_mhz", "offset"], ignore_index=True)
    assert list(joined.columns) == list(whole.columns) and len(joined) == len(whole) == 14
    fitted = {c for c in whole.columns if c.endswith("_fm") or "_fm_" in c or c in ("a_fm", "h_plus_omega_mw_rad_s")}
    fitted |= {"iterations", "moment_mismatch", "config_sha256"}
    for column in whole.columns:
        if column in fitted:
            continue
        assert joined[column].equals(whole[column]), column
    for column in sorted(fitted - {"iterations", "moment_mismatch", "config_sha256"}):
        np.testing.assert_allclose(joined[column], whole[column], rtol=1e-9, atol=0, err_msg=column, equal_nan=True)


def test_the_fig2_parts_cover_the_paper_configs_profile_once():
    """docs/paper/fig2-parts: each U on interleaved grids; together every offset of the
    paper config's Fig. 2 once, at its realizations."""
    from dnpmbl.pipeline.config import fig2_offsets, figure_points

    paper = config_of(ROOT / "config" / "config.yaml")
    folder = ROOT / "docs" / "paper" / "fig2-parts"
    covered = {}
    for part in sorted(folder.glob("*.yaml")):
        config = config_of(part)
        assert config["realizations"] == paper["realizations"] and config["seed"] == paper["seed"]
        (point,) = figure_points(config)["fig2"]
        for offset in fig2_offsets(config):
            assert (point, offset) not in covered, f"{part.name} and {covered[(point, offset)]}: {point}, {offset}"
            covered[(point, offset)] = part.name
    assert sorted(covered) == sorted((point, o) for point in figure_points(paper)["fig2"] for o in fig2_offsets(paper))
    assert len(covered) == 242


def test_each_committed_fig2_part_comes_with_its_run_record_from_the_commit_that_computed_it():
    """docs/paper/fig2-parts: beside each part's table, its cost per rule (``.record.csv``,
    100 realization jobs) and its pieces (``.pieces.csv``), every piece run by the commit in
    the table's ``git_commit`` column, with a positive wall time."""
    import pandas as pd

    folder = ROOT / "docs" / "paper" / "fig2-parts"
    tables = [p for p in sorted(folder.glob("*.csv")) if not p.name.endswith((".record.csv", ".pieces.csv"))]
    assert tables, "no part computed yet"
    for table in tables:
        part = table.name[: -len(".csv")]
        assert (folder / f"{part}.yaml").is_file(), part
        record = pd.read_csv(folder / f"{part}.record.csv").set_index("rule")
        assert record.loc["realization", "jobs"] == config_of(folder / f"{part}.yaml")["realizations"], part
        pieces = pd.read_csv(folder / f"{part}.pieces.csv")
        assert len(pieces) >= 1 and (pieces["wall_s"] > 0).all(), part
        assert set(pieces["git_commit"]) == set(pd.read_csv(table)["git_commit"]), part
        assert pieces["start_utc"].is_monotonic_increasing, part


def _record_folder(folder):
    """A folder as measured_run reads it: one stage with totals only (10 jobs, 100 CPU-s) in
    record-stages.csv, and an empty fig2-parts/ (returned)."""
    import pandas as pd

    pd.DataFrame(
        {"stage": ["U scan"], "work": ["stage 1"], "git_commit": ["0" * 40], "jobs": [10], "cpu_seconds": [100.0],
         "core_seconds": [None], "max_rss_mib": [None]}
    ).to_csv(folder / "record-stages.csv", index=False)  # fmt: skip
    parts = folder / "fig2-parts"
    parts.mkdir()
    return parts


def test_measured_run_sums_each_parts_record_and_pieces_and_marks_what_was_not_kept(tmp_path):
    """measured_run: a stage with totals only, and a Fig. 2 part whose realization jobs,
    seconds and memory are its record's and whose pieces and wall time sum its pieces file
    (the part's one fit left out); what a stage did not keep is "-" in the table, and the
    total's wall time counts only the rows that kept it. A part with one of its two
    records only is an error, one with neither is left out."""
    import pandas as pd

    from dnpmbl.pipeline.campaign import measured_run, measured_run_markdown

    parts = _record_folder(tmp_path)
    pd.DataFrame({"u_mhz": [2.0, 2.0, 2.0], "offset": [-1.0, 0.0, 1.0], "git_commit": ["1" * 40] * 3}).to_csv(parts / "X-U2.csv", index=False)
    pd.DataFrame(
        {"rule": ["fit_spin_temperature", "realization"], "jobs": [1, 4], "core_seconds": [5.0, 400.0],
         "cpu_seconds": [4.0, 300.0], "median_job_s": [5.0, 90.0], "max_job_s": [5.0, 130.0], "max_rss_mb": [4000.0, 1536.0]}
    ).to_csv(parts / "X-U2.record.csv", index=False)  # fmt: skip
    pd.DataFrame({"piece": [1, 2], "start_utc": ["2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z"], "wall_s": [630, 3000]}).to_csv(
        parts / "X-U2.pieces.csv", index=False
    )
    pd.DataFrame({"u_mhz": [15.0], "git_commit": ["2" * 40]}).to_csv(parts / "Y-U15.csv", index=False)  # no record yet: left out
    table = measured_run(tmp_path)
    assert list(table["work"]) == ["stage 1", "Fig. 2, part X-U2: U = 2 MHz, 3 offsets"]
    part = table.iloc[1]
    assert (part.jobs, part.cpu_seconds, part.core_seconds, part.median_job_s, part.max_rss_mib, part.pieces, part.wall_s) == (
        4, 300.0, 400.0, 90.0, 1536.0, 2, 3630.0
    )
    text = measured_run_markdown(table)
    assert "| stage 1 | 0000000 | 10 | 100 | - | - | - | - | - |" in text
    assert "| Fig. 2, part X-U2: U = 2 MHz, 3 offsets | 1111111 | 4 | 300 | 400 | 90 s | 1.5 GiB | 2 | 1 h 01 min |" in text
    assert text.endswith("| total | | 14 | 400 | 400 | | | 2 | 1 h 01 min (1 of 2 rows) |\n")
    (parts / "X-U2.pieces.csv").unlink()
    with pytest.raises(FileNotFoundError, match="X-U2.record.csv without X-U2.pieces.csv"):
        measured_run(tmp_path)


def test_measured_run_names_a_parts_grid_and_the_u_scans_offset_apart(tmp_path):
    """A part's row counts its grid's offsets (its config's fig2 offset_min, offset_max,
    offset_points) and names one more offset off the grid, the U scan's, which every part
    solves besides its grid, apart; a table with more off the grid is an error."""
    import pandas as pd

    from dnpmbl.pipeline.campaign import measured_run

    parts = _record_folder(tmp_path)
    pd.DataFrame({"u_mhz": [2.0] * 3, "offset": [-1.0, 0.0, 1.0], "git_commit": ["1" * 40] * 3}).to_csv(parts / "X-U2.csv", index=False)
    pd.DataFrame(
        {"rule": ["realization"], "jobs": [4], "core_seconds": [400.0], "cpu_seconds": [300.0], "median_job_s": [90.0],
         "max_job_s": [130.0], "max_rss_mb": [1536.0]}
    ).to_csv(parts / "X-U2.record.csv", index=False)  # fmt: skip
    pd.DataFrame({"piece": [1], "start_utc": ["2026-01-01T00:00:00Z"], "wall_s": [630]}).to_csv(parts / "X-U2.pieces.csv", index=False)
    for points, work in ((3, "3 offsets"), (2, "2 offsets and the U scan's")):
        (parts / "X-U2.yaml").write_text(f"fig2:\n  u_mhz: [2]\n  offset_min: -1\n  offset_max: 1\n  offset_points: {points}\n")
        assert measured_run(tmp_path)["work"].iloc[1] == f"Fig. 2, part X-U2: U = 2 MHz, {work}"
    (parts / "X-U2.yaml").write_text("fig2:\n  u_mhz: [2]\n  offset_min: -1\n  offset_max: 1\n  offset_points: 1\n")
    with pytest.raises(ValueError, match="X-U2.yaml: a grid of 1 offsets, but its table has 3 rows, 0 of the grid missing and 2 off it"):
        measured_run(tmp_path)


def test_readme_record_block_is_the_shipped_record():
    """The README's measured run (between its record markers) is what measured_run makes of
    the folder it names now: rerun workflow/scripts/claims.py --readme README.md after a part."""
    import re

    from dnpmbl.pipeline.campaign import measured_run, measured_run_markdown

    blocks = re.findall(r"<!-- record: (\S+) -->\n(.*?)<!-- /record -->", (ROOT / "README.md").read_text(), flags=re.S)
    assert blocks
    for folder, block in blocks:
        table = measured_run(ROOT / folder, root=ROOT)
        assert block == measured_run_markdown(table), folder
        # The README names the parts that ran on the faster (AVX-512) machine: grid D's.
        faster = table.work.str.contains("part D-")
        # "every row's core-s are above it, but for the parts computed on the faster machine"
        assert (table.core_seconds > table.estimate_s)[~faster].all()
        assert (table.core_seconds < table.estimate_s)[faster].all()
        parts = table[table.work.str.startswith("Fig. 2") & ~faster]
        # its quick start: "the parts of Fig. 2 two to five times more, in CPU time one and a
        # half to three times"
        assert (parts.core_seconds / parts.estimate_s).between(2.0, 5.0).all()
        assert (parts.cpu_seconds / parts.estimate_s).between(1.5, 3.0).all()


def test_measured_run_sets_each_row_beside_the_cost_models_estimate_of_its_jobs(tmp_path):
    """With the checkout, each row of docs/paper's measured run carries the estimate of its
    jobs: a stage's is the campaign's plan for it (the cost model of this commit: 1,100 U
    scan realizations at one frequency, 13 s each; 800 B scan ones at two, 13 + 1.8 s; the
    eigenstates at N = 8-16 for three U), a part's its realizations times the seconds of one
    job at the part's offsets (the U scan's among them). A stage the config does not plan,
    or plans with other jobs, is an error."""
    import pandas as pd

    from dnpmbl.pipeline.campaign import measured_run
    from dnpmbl.pipeline.config import fig2_offsets
    from dnpmbl.pipeline.costs import EIGENSTATES_S, realization_job_seconds

    table = measured_run(ROOT / "docs" / "paper", root=ROOT).set_index("work")
    stages_ = table[table.index.str.startswith("stage ")]
    eigenstates = 3 * sum(r * EIGENSTATES_S[n] for n, r in {8: 400, 10: 200, 12: 100, 14: 30, 16: 4}.items())
    assert stages_.estimate_s.tolist() == pytest.approx([1100 * 13.0, 800 * (13.0 + 1.8), eigenstates])
    for work, row in table.drop(stages_.index).iterrows():
        part = work.split("part ")[1].split(":")[0]
        config = config_of(ROOT / "docs" / "paper" / "fig2-parts" / f"{part}.yaml")
        offsets = set(fig2_offsets(config)) | {-0.5}
        assert row.estimate_s == config["realizations"] * realization_job_seconds(12, len(offsets)), work
    stage = pd.read_csv(ROOT / "docs" / "paper" / "record-stages.csv").head(1)
    stage.assign(jobs=1000).to_csv(tmp_path / "record-stages.csv", index=False)
    (tmp_path / "fig2-parts").mkdir()
    with pytest.raises(ValueError, match="with 1000 jobs is no stage"):
        measured_run(tmp_path, root=ROOT)


def test_parts_progress_reads_done_records_running_benchmarks_and_scales_the_model_for_the_rest(tmp_path):
    """parts_progress: a done part is its record; a computing one counts the jobs its run
    finished and prices the rest at their median wall time (a job that spanned a pause
    does not move it); a waiting one is the cost model's estimate times the measured
    core-seconds (jobs times median job) over the estimate of the done parts of its U and
    offsets, else of its U, else of all; a done part's pauses (its core-seconds above that)
    do not enter. The parts run in compute.sh's order; the command prints the same."""
    import shutil

    import pandas as pd

    from dnpmbl.pipeline.campaign import _point_jobs, benchmark_of, format_parts_progress, parts_progress
    from dnpmbl.pipeline.config import figure_points, load_config

    parts, runs = tmp_path / "parts", tmp_path / "runs"
    parts.mkdir()
    for name in ("B-U15", "C-U2", "B-U2", "A-U2", "A0-U15"):
        shutil.copy(ROOT / "docs" / "paper" / "fig2-parts" / f"{name}.yaml", parts)
    (parts / "A-U45.yaml").write_text("fig2:\n  u_mhz: [45]\n  offset_min: -1.4\n  offset_max: 1.4\n  offset_points: 15\n")
    (parts / "notes.yaml").write_text("x: 1\n")  # not a part's name: not a part
    # 2 and 3 times the model at their median jobs; A-U2's core-seconds also hold a pause
    for name, core, cpu, median in (("A-U2", 20000.0, 10000.0, 134.0), ("A0-U15", 12000.0, 9000.0, 120.0)):
        (parts / f"{name}.csv").write_text("u_mhz\n2\n")
        pd.DataFrame(
            {"rule": ["realization"], "jobs": [100], "core_seconds": [core], "cpu_seconds": [cpu], "median_job_s": [median],
             "max_job_s": [150.0], "max_rss_mb": [800.0]}
        ).to_csv(parts / f"{name}.record.csv", index=False)  # fmt: skip
    config = load_config([parts / "B-U2.yaml"], ROOT)
    jobs, estimate = _point_jobs(config, figure_points(config)["fig2"])
    assert len(jobs) == 100 and sum(estimate.values()) == pytest.approx(6700.0)  # the model: 67 s a job at 31 offsets
    for job, wall in zip(jobs, (100.0, 120.0, 5000.0)):  # the third job spanned a paused piece
        for file, text in ((job, "table"), (benchmark_of(job), f"s\tcpu_time\tmax_rss\n{wall}\t{wall - 20}\t800\n")):
            (runs / "B-U2" / file).parent.mkdir(parents=True, exist_ok=True)
            (runs / "B-U2" / file).write_text(text)
    rows = {r.part: r for r in parts_progress(parts, runs, ROOT)}
    assert list(rows) == ["A-U2", "A0-U15", "A-U45", "B-U2", "B-U15", "C-U2"]  # by grid, then U
    a, a0, a45, b, b15, c = rows.values()
    assert (a.state, a.done, a.total, a.cpu_seconds, a.core_seconds, a.core_seconds_left) == ("done", 100, 100, 10000.0, 20000.0, 0.0)
    assert a0.state == "done"
    assert (b.state, b.done, b.cpu_seconds, b.core_seconds) == ("computing", 3, 5160.0, 5220.0)
    assert b.core_seconds_left == pytest.approx(97 * 120.0)
    assert (c.state, c.done) == ("waiting", 0) and c.core_seconds_left == pytest.approx(2.0 * 6700.0)  # A-U2's ratio
    assert b15.core_seconds_left == pytest.approx(3.0 * 6700.0)  # no U = 15 MHz part at 31 offsets: A0-U15's ratio
    assert a45.core_seconds_left == pytest.approx(25400.0 / 10700.0 * 4000.0)  # no U = 45 MHz part: all done parts'
    text = format_parts_progress(list(rows.values()), cores=2)
    left = 97 * 120.0 + 2.0 * 6700.0 + 3.0 * 6700.0 + 25400.0 / 10700.0 * 4000.0
    assert text.splitlines()[-1] == (
        f"Fig. 2, all parts: 203/600 realizations, 24,160 CPU-s (37,220 core-s) done, ~{left:,.0f} core-s left: "
        f"~{left / 7200:.1f} h on 2 cores"
    )
    script = ROOT / "workflow" / "scripts" / "campaign.py"
    proc = subprocess.run([sys.executable, str(script), "parts", "--parts", str(parts), "--directory", str(runs), "--cores", "2"],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == text
    (parts / "A0-U15.record.csv").unlink()
    proc = subprocess.run([sys.executable, str(script), "parts", "--parts", str(parts), "--directory", str(runs)],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 2 and "A0-U15.csv without A0-U15.record.csv" in proc.stderr


def test_compute_sh_runs_the_parts_in_the_order_parts_progress_lists_them():
    """compute.sh's list of parts is the folder's part configs, in _part_order's order."""
    import re

    from dnpmbl.pipeline.campaign import _part_order

    folder = ROOT / "docs" / "paper" / "fig2-parts"
    (listed,) = re.findall(r"^for unit in ([^;]+); do$", (folder / "compute.sh").read_text(), flags=re.M)
    names = listed.split()
    assert names == sorted((p.stem for p in folder.glob("*.yaml")), key=_part_order)
