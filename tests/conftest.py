"""Shared fixtures: the smoke workflow, run once per test session."""

import os
import subprocess
import sys
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


@pytest.fixture(scope="session")
def smoke(tmp_path_factory):
    """The smoke config run to completion with --cores 2."""
    workdir = tmp_path_factory.mktemp("smoke")
    run_snakemake(workdir, "--cores", "2", "--configfile", str(SMOKE))
    return workdir
