"""Interrupted runs, determinism across --cores, and bad data."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from conftest import ROOT, SMOKE, exclusive, lock_of, run_snakemake
from dnpmbl.pipeline.io import REALIZATION_SCHEMA
from dnpmbl.pipeline.readers import DataFileError, load_point, read_table
from tablecompare import tables_equal


def numerical_tables(workdir):
    """Every Parquet table under results/, as pyarrow tables keyed by relative path."""
    root = Path(workdir) / "results"
    return {str(p.relative_to(root)): pq.read_table(p) for p in sorted(root.rglob("*.parquet"))}


def assert_same_tables(a, b):
    ta, tb = numerical_tables(a), numerical_tables(b)
    assert sorted(ta) == sorted(tb)
    different = [name for name in ta if not tables_equal(ta[name], tb[name])]
    assert different == [], f"tables differ: {different[:5]}"
    for fig in ("fig2", "fig3", "fig4", "fig5"):
        csv = f"results/figures/{fig}.csv"
        assert (Path(a) / csv).read_text() == (Path(b) / csv).read_text(), csv


@pytest.mark.slow
def test_cores_one_and_two_give_identical_tables(smoke, tmp_path):
    """Same config, --cores 1 instead of 2 (another job order): bit-identical tables."""
    run_snakemake(tmp_path, "--cores", "1", "--configfile", str(SMOKE))
    assert_same_tables(smoke, tmp_path)


def _start(workdir):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--directory", str(workdir),
           "--cores", "2", "--configfile", str(SMOKE)]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True)


def _kill_when(workdir, condition, timeout=300):
    proc = _start(workdir)
    start = time.monotonic()
    try:
        while not condition(Path(workdir)):
            if proc.poll() is not None:
                raise AssertionError("the run finished before the moment to interrupt it")
            if time.monotonic() - start > timeout:
                raise AssertionError("the moment to interrupt never came")
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # snakemake and every job it started
        proc.wait()


def _finished_realization_files(workdir):
    """Realization files present and not marked incomplete by Snakemake (a job killed after
    writing its outputs but before Snakemake recorded it as done is rerun, rightly)."""
    from base64 import urlsafe_b64encode

    marks = workdir / ".snakemake" / "incomplete"
    out = {}
    for path in (workdir / "results").glob("realizations/**/*.parquet"):
        key = urlsafe_b64encode(str(path.relative_to(workdir)).encode()).decode()
        if not (marks / key).exists():
            out[path] = path.stat().st_mtime_ns
    return out


def _count(pattern):
    return lambda root: len(list((root / "results").glob(pattern)))


MOMENTS = {
    "early": lambda root: (root / ".snakemake").exists() and _count("eigenstates/**/*.parquet")(root) >= 1,
    "mid-ED": lambda root: _count("realizations/**/r*.states.parquet")(root) >= 4,
    "aggregation": lambda root: _count("points/**/*.parquet")(root) >= 3,
}


@pytest.mark.slow
def test_sigkill_at_several_moments_then_resume(smoke, tmp_path):
    """SIGKILL the run early, during the realization jobs and during aggregation; after each
    kill resume it (--unlock, then --rerun-incomplete). Finished realizations are not
    recomputed, and the final tables equal those of an uninterrupted run."""
    workdir = tmp_path / "run"
    workdir.mkdir()
    survived = 0
    for name, moment in MOMENTS.items():
        _kill_when(workdir, moment)
        # Nothing half-written under a final name: every Parquet file present is readable.
        for path in (workdir / "results").glob("realizations/**/*.parquet"):
            pq.read_metadata(path)
        finished = _finished_realization_files(workdir)
        assert finished or name == "early"
        run_snakemake(workdir, "--unlock", "--configfile", str(SMOKE))
        if name != "aggregation":
            # Resume only part of the way, so that the next moment can still be reached.
            continue
        run_snakemake(workdir, "--cores", "2", "--rerun-incomplete", "--configfile", str(SMOKE))
        for path, mtime in finished.items():
            assert path.stat().st_mtime_ns == mtime, f"{path} was recomputed"
        survived += 1
    assert survived == 1
    assert_same_tables(smoke, workdir)


def test_truncated_and_foreign_parquet_name_the_file(smoke, tmp_path):
    """A truncated or foreign file fails with its name, not a traceback inside pyarrow."""
    source = next((smoke / "results" / "realizations").rglob("r0000.parquet"))
    truncated = tmp_path / "r0000.parquet"
    truncated.write_bytes(source.read_bytes()[:300])
    with pytest.raises(DataFileError, match="r0000.parquet: not a readable Parquet file"):
        read_table(truncated, REALIZATION_SCHEMA)
    foreign = tmp_path / "foreign.parquet"
    pq.write_table(pq.read_table(next((smoke / "results" / "points").rglob("fit.parquet"))), foreign)
    with pytest.raises(DataFileError, match="foreign.parquet: missing column"):
        read_table(foreign, REALIZATION_SCHEMA)
    with pytest.raises(DataFileError, match="missing.parquet: no such file"):
        load_point([tmp_path / "missing.parquet"], [tmp_path / "missing.states.parquet"])


@pytest.mark.slow
def test_corrupt_input_fails_its_rule_with_the_file_name_and_keep_going_finishes_the_rest(smoke, tmp_path):
    """Truncate one realization of one point: its analysis rules fail naming the file; with
    --keep-going every other job still finishes."""
    workdir = tmp_path / "run"
    with exclusive(lock_of(smoke)):  # not while a test runs Snakemake in the shared run
        shutil.copytree(smoke, workdir, symlinks=True)
    bad = workdir / "results" / "realizations" / "paper" / "N6" / "B5" / "U15" / "r0002.parquet"
    bad.write_bytes(bad.read_bytes()[:200])
    # Remove the figures, so that jobs independent of the bad point have work to do.
    for path in list((workdir / "results" / "tables").glob("*")) + list((workdir / "results" / "figures").glob("*")):
        path.unlink()
    proc = run_snakemake(workdir, "--cores", "2", "--keep-going", "--configfile", str(SMOKE), check=False)
    assert proc.returncode != 0
    logs = "".join(p.read_text() for p in (workdir / "logs").rglob("*.log") if "B5/U15" in str(p))
    assert "r0002.parquet: not a readable Parquet file" in logs
    assert "Traceback" in logs or "DataFileError" in logs
    # Figures that do not need the point (5 T, 15 MHz) are rebuilt: fig2, fig4, fig5.
    for fig in ("fig2", "fig4", "fig5"):
        assert (workdir / "results" / "figures" / f"{fig}.png").exists(), fig
    assert not (workdir / "results" / "figures" / "fig3.png").exists()


def test_tables_equal_is_exact_and_nan_aware():
    import numpy as np
    import pyarrow as pa

    t = pa.table({"x": [1.0, float("nan")], "l": [[0.5, float("nan")], [2.0]]})
    assert tables_equal(t, t) and not t.equals(t)  # pyarrow alone calls NaN unequal
    bumped = pa.table({"x": [np.nextafter(1.0, 2.0), float("nan")], "l": [[0.5, float("nan")], [2.0]]})
    assert not tables_equal(t, bumped)
    assert not tables_equal(t, pa.table({"x": [1.0, float("nan")], "l": [[0.5, 0.0], [2.0]]}))
