"""The pip pins (requirements.txt) and the conda env files (envs/*.yaml) agree."""

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
