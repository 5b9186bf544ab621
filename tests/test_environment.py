"""The environment: the pip pins (requirements.txt) and the conda env files (envs/*.yaml)
agree, and what the package and the workflow load."""

import ast
import json
import os
import re
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


# Conda packages of the GPU env that pip installs through the extra dnpmbl[gpu] instead.
GPU_ONLY = {"cupy", "cuda-version"}


def test_conda_envs_pin_the_pip_versions():
    pins = pip_pins()
    envs = sorted((ROOT / "envs").glob("*.yaml"))
    assert envs
    for env in envs:
        spec = yaml.safe_load(env.read_text())
        assert spec["channels"][0] == "conda-forge", env
        for dep in spec["dependencies"]:
            name, version = [x.strip() for x in dep.split("=", 1)]
            if name == "python" or (env.name == "physics-gpu.yaml" and name in GPU_ONLY):
                continue
            assert name in pins, f"{env.name}: {name} is not pinned in requirements.txt"
            assert version == pins[name], f"{env.name}: {name} {version} != requirements.txt {pins[name]}"


# Import name -> conda package, where they differ.
CONDA_NAME = {"yaml": "pyyaml"}


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports (top level or inside functions), as dotted names;
    relative imports resolved against the file's package."""
    tree = ast.parse(path.read_text())
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def third_party_imports(script: Path) -> set[str]:
    """Top-level third-party packages a rule script needs: its own imports and those of
    every ``dnpmbl`` module it reaches, followed transitively."""
    seen, todo, packages = set(), [script], set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in imported_modules(path):
            top = name.split(".")[0]
            if top == "dnpmbl":
                module = ROOT.joinpath(*name.split("."))
                for candidate in (module.with_suffix(".py"), module / "__init__.py"):
                    if candidate.exists():
                        todo.append(candidate)
            elif top and top != "_setup" and top not in sys.stdlib_module_names:
                packages.add(CONDA_NAME.get(top, top))
    return packages


def rule_envs_and_scripts():
    """(rule, env file, script) for every rule of the workflow, read from its rule files."""
    common = (ROOT / "workflow" / "rules" / "common.smk").read_text()
    choices = {
        name: [gpu, cpu]
        for name, gpu, cpu in re.findall(
            r'^(\w+_ENV) = \(?\s*"([^"]+)"\s*if config\["backend"\] == "gpu"\s*else "([^"]+)"', common, re.M
        )
    }  # fmt: skip
    assert choices, "common.smk no longer chooses a physics env by backend"
    out = []
    for smk in sorted((ROOT / "workflow" / "rules").glob("*.smk")):
        for block in re.split(r"^\s*rule ", smk.read_text(), flags=re.M)[1:]:
            name = block.split(":")[0]
            script = re.search(r"script:\s*\n\s*\"([^\"]+)\"", block)
            env = re.search(r"conda:\s*\n\s*(\S+)", block)
            if script is None:
                continue
            assert env, f"rule {name} runs a script without a conda env"
            value = env.group(1).strip('"')
            for path in choices.get(value, [value]):
                out.append((name, (smk.parent / path).resolve(), (smk.parent / script.group(1)).resolve()))
    return out


def test_each_rules_conda_env_holds_what_its_script_imports():
    """Under --sdm conda a rule sees only its env: the env file lists every third-party
    package its script and the dnpmbl modules that script reaches import (the package
    itself is the workflow's own checkout, put first on the path by _setup.py)."""
    found = rule_envs_and_scripts()
    assert {name for name, _, _ in found} >= {"realization", "eigenstates", "plot_figure", "table_figure"}
    missing = []
    for name, env, script in found:
        deps = {dep.split("=")[0].strip() for dep in yaml.safe_load(env.read_text())["dependencies"]}
        needs = third_party_imports(script)
        if "physics-gpu" not in env.name:
            needs.discard("cupy")  # imported by the gpu backend only
            needs.discard("cupyx")
        else:
            needs.discard("cupyx")  # part of cupy
        missing += [f"{name} ({env.name}): {pkg}" for pkg in sorted(needs - deps)]
    assert not missing, missing


def test_import_analysis_sees_lazy_and_relative_imports():
    """The import walk above follows relative imports and imports inside functions: the
    plotting rule reaches matplotlib, the gpu backend CuPy."""
    assert "matplotlib" in third_party_imports(ROOT / "workflow" / "scripts" / "plot_figure.py")
    assert "cupy" in third_party_imports(ROOT / "dnpmbl" / "backend.py")
    assert "scipy" in third_party_imports(ROOT / "workflow" / "scripts" / "realization.py")


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
