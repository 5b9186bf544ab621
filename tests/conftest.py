"""Shared fixtures: the smoke workflow, run once per test session (once in all, when
pytest-xdist spreads the session over workers)."""

import fcntl
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

# One BLAS thread in the test process, as every workflow job has (its rule's threads): the
# bit-for-bit comparisons of library and workflow results then sum in the same order. With
# OpenBLAS's default two threads on a 2-core AVX2 machine P_n differed in the last bit.
os.environ["OPENBLAS_NUM_THREADS"] = "1"

import pytest

ROOT = Path(__file__).resolve().parents[1]
SMOKE = ROOT / "config" / "smoke.yaml"


def run_snakemake(workdir, *args, check=True, timeout=900, env=None):
    """Run the workflow of this checkout in ``workdir``; raise with its output on failure.
    ``env`` adds to the environment."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", **(env or {}))
    cmd = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--directory", str(workdir), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return proc


#: Fixtures that run a workflow end to end: a test that uses one is marked slow, so that
#: ``make test`` leaves it to ``make test-slow`` (CI runs both; README, "Tests").
WORKFLOW_FIXTURES = {"smoke", "beyond"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if WORKFLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@contextmanager
def exclusive(lock_path):
    """Hold an exclusive lock on ``lock_path`` (across processes: pytest-xdist's workers)."""
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def shared_run(tmp_path_factory, name, configfile):
    """The workflow run to completion with ``configfile`` and --cores 2, once per test session:
    under pytest-xdist the first worker that needs it runs it in the session's common
    temporary folder while the others wait on a lock, instead of each worker running it
    again. A test that runs Snakemake in it again holds ``lock_of(workdir)``."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # pytest-of-USER/pytest-N: the workers' folders sit in it
    workdir = root / name
    with exclusive(lock_of(workdir)):
        done = root / f"{name}.done"
        if not done.exists():
            shutil.rmtree(workdir, ignore_errors=True)  # a run that failed in another worker
            workdir.mkdir()
            run_snakemake(workdir, "--cores", "2", "--configfile", str(configfile))
            done.touch()
    return workdir


def lock_of(workdir):
    return Path(workdir).parent / f"{Path(workdir).name}.lock"


@pytest.fixture(scope="session")
def smoke(tmp_path_factory):
    """The smoke config run to completion with --cores 2 (shared: do not write into it
    without ``exclusive(lock_of(smoke))``)."""
    return shared_run(tmp_path_factory, "smoke", SMOKE)
