"""The environment: the pip pins (requirements.txt) and the conda env files (envs/*.yaml)
agree, and what the package and the workflow load."""

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def pip_pins():
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower()] = version
    return pins


def test_conda_envs_pin_the_pip_versions():
    pins = pip_pins()
    envs = sorted((ROOT / "envs").glob("*.yaml"))
    assert envs
    for env in envs:
        spec = yaml.safe_load(env.read_text())
        assert spec["channels"][0] == "conda-forge", env
        for dep in spec["dependencies"]:
            name, version = [x.strip() for x in dep.split("=", 1)]
            if name == "python":
                continue
            assert name in pins, f"{env.name}: {name} is not pinned in requirements.txt"
            assert version == pins[name], f"{env.name}: {name} {version} != requirements.txt {pins[name]}"


def test_requirements_are_exact_pins():
    for name, version in pip_pins().items():
        assert version and all(part.isdigit() for part in version.split(".")), name


def test_import_loads_no_pipeline_or_numerical_library():
    """``import dnpmbl`` loads its public names on first use: neither the pipeline's
    libraries (pandas, pyarrow, matplotlib, jsonschema) nor numpy and scipy."""
    code = (
        "import json, sys; import dnpmbl; "
        "print(json.dumps(sorted(m for m in ('pandas', 'pyarrow', 'matplotlib', 'jsonschema', 'numpy', 'scipy') "
        "if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == []


def test_workflow_plans_without_scipy(tmp_path):
    """Loading the Snakefile (config validation, the DAG) needs snakemake, pyyaml,
    jsonschema and numpy, not scipy: tests/no_scipy makes ``import scipy`` fail."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tests" / "no_scipy"))
    check = subprocess.run([sys.executable, "-c", "import scipy"], capture_output=True, text=True, env=env)
    assert check.returncode != 0 and "hides it" in check.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--directory", str(tmp_path), "-n",
         "--cores", "2", "--configfile", str(ROOT / "config" / "smoke.yaml")],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "rule realization" in proc.stdout


def test_lock_holds_every_pin_and_all_it_pulls_in():
    """requirements.lock (what make env installs, without resolving) has each pin of
    requirements.txt at the same version, and every requirement of every locked package."""
    from importlib.metadata import PackageNotFoundError, requires

    from packaging.requirements import Requirement

    lock = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            lock[name.lower().replace("_", "-")] = version
    for name, version in pip_pins().items():
        assert lock.get(name.replace("_", "-")) == version, name
    missing = []
    for name in lock:
        try:
            needs = requires(name) or []
        except PackageNotFoundError:
            continue
        for text in needs:
            req = Requirement(text)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            if req.name.lower().replace("_", "-") not in lock:
                missing.append(f"{name} needs {req.name}")
    assert not missing, missing
