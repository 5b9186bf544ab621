"""Each constant has one source; where the config schema states it too (to document and
validate a config), the schema must say the same: the physics defaults, the size limits, the
stationary solvers, the figures. And the cost model behind the estimate and the resources."""

import math
from pathlib import Path

import pytest
import yaml

from dnpmbl.backend import AUTO_STATIONARY, STATIONARY_CHOICES, BackendError, resolve_stationary
from dnpmbl.eth import MAX_SPINS_ETH
from dnpmbl.params import PHYSICS_DEFAULTS, MAX_SPINS_STATIONARY, Parameters
from dnpmbl.pipeline import costs
from dnpmbl.pipeline.config import validate_config

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_PATH = ROOT / "workflow" / "schemas" / "config.schema.yaml"
SCHEMA = yaml.safe_load(SCHEMA_PATH.read_text())


def _at(schema, dotted):
    for part in dotted.split("."):
        schema = schema["properties"][part]
    return schema


def test_physics_defaults_of_the_schema_are_those_of_parameters():
    physics = _at(SCHEMA, "physics")["properties"]
    assert {key: sub["default"] for key, sub in physics.items()} == PHYSICS_DEFAULTS
    # and Parameters.from_units builds the same numbers from them as from the config
    config = validate_config({}, SCHEMA_PATH)["physics"]
    units = {k: v for k, v in config.items() if k != "zeeman_shifts"}
    assert Parameters.from_units(12) == Parameters.from_units(12, **units)


#: The config keys that hold N of a stationary solve, and of the electrons alone (Fig. 4, <r>).
STATIONARY_N = ["n_spins", "beyond.n_spins", "beyond.sensitivity.n_spins", "beyond.b_scan.n_spins"]
ETH_N = ["fig4.n_spins", "fig4.example_n_spins", "beyond.level_statistics.n_spins"]


@pytest.mark.parametrize(("keys", "limit"), [(STATIONARY_N, MAX_SPINS_STATIONARY), (ETH_N, MAX_SPINS_ETH)])
def test_size_limits_of_the_schema_are_those_of_the_solvers(keys, limit):
    for key in keys:
        sub = _at(SCHEMA, key)
        sub = sub.get("items", sub)
        assert sub["maximum"] == limit, key


def test_a_config_beyond_the_size_limit_is_refused_naming_the_key():
    from dnpmbl.pipeline.config import ConfigError

    with pytest.raises(ConfigError, match="config key n_spins: 16 is outside"):
        validate_config({"n_spins": MAX_SPINS_STATIONARY + 2}, SCHEMA_PATH)
    with pytest.raises(ConfigError, match=r"config key beyond.n_spins\[0\]"):
        validate_config({"beyond": {"n_spins": [MAX_SPINS_STATIONARY + 2]}}, SCHEMA_PATH)


def test_auto_solver_is_resolved_in_one_place():
    assert _at(SCHEMA, "stationary_solver")["enum"] == list(STATIONARY_CHOICES)
    assert resolve_stationary("auto") == AUTO_STATIONARY
    assert resolve_stationary("gth") == "gth"
    assert validate_config({}, SCHEMA_PATH)["stationary_solver"] == AUTO_STATIONARY
    with pytest.raises(BackendError, match="unknown stationary solver"):
        resolve_stationary("qr")


# --- the cost model ------------------------------------------------------------------------


def test_declared_runtimes_are_the_estimate_with_a_margin():
    for n, offsets in ((6, 1), (12, 1), (12, 121), (14, 1)):
        seconds = costs.realization_job_seconds(n, offsets)
        minutes = costs.realization_runtime(n, offsets)
        assert minutes * 60 >= costs.RUNTIME_MARGIN * seconds
        assert minutes - costs.REALIZATION_STARTUP_MIN == math.ceil(costs.RUNTIME_MARGIN * seconds / 60)
    # at N = 12: 13 s for one microwave frequency, 1.8 s for each further one
    assert costs.realization_job_seconds(12, 1) == pytest.approx(costs.REALIZATION_S_N12)
    assert costs.realization_job_seconds(12, 3) == pytest.approx(costs.REALIZATION_S_N12 + 2 * costs.FURTHER_FREQUENCY_S_N12)
    assert costs.realization_runtime(12, 1) == 12 and costs.realization_runtime(12, 121) == 30
    assert [costs.eigenstates_runtime(n) for n in (12, 14, 16)] == [3, 3, 52]
    assert costs.level_statistics_runtime(16, 3) < 3 * costs.eigenstates_runtime(16)


def test_costs_grow_with_n():
    for fn in (lambda n: costs.realization_job_seconds(n, 1), costs.realization_mem_mb, costs.eigenstates_mem_mb):
        values = [fn(n) for n in (4, 6, 8, 10, 12, 14)]
        assert values == sorted(values)
    assert costs.sector_dims(4) == [2, 8, 12, 8, 2] and costs.sector_dims(4, nucleus=False) == [1, 4, 6, 4, 1]
    assert costs.realization_mem_mb(12) == 1731  # docs/performance.md
    assert [costs.eigenstates_mem_mb(n) for n in (12, 14, 16)] == [327, 676, 5600]


def test_estimate_of_the_smoke_config():
    config = validate_config(yaml.safe_load((ROOT / "config" / "smoke.yaml").read_text()), SCHEMA_PATH)
    cost = costs.estimate_core_seconds(config)
    assert cost["total"] == pytest.approx(cost["realizations"] + cost["eigenstates"] + cost["analyses"])
    assert 0 < cost["total"] < 3600
