"""The figures' specification (dnpmbl.pipeline.figures): one entry per figure, followed by the
schema, the workflow, the tables and the plots."""

import json
from pathlib import Path

import pytest
import yaml

from dnpmbl.pipeline import figures, paths, plotting, tables
from dnpmbl.pipeline.config import ConfigError, completed_schema, load_config, realization_points, validate_config

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted(p.name for p in (ROOT / "config").glob("*.yaml"))


def test_the_config_takes_the_specified_figures_in_their_order():
    """The schema file names no figure; the validated schema names those of the figure
    specification, so that a name missing from it is refused and a new entry is accepted."""
    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())
    assert "enum" not in schema["properties"]["figures"]["items"]
    assert completed_schema(schema)["properties"]["figures"]["items"]["enum"] == list(figures.FIGURES)
    with pytest.raises(ConfigError, match="s6"):
        validate_config({"figures": ["fig2", "s6"]}, ROOT / "workflow" / "schemas" / "config.schema.yaml")


def test_each_figure_names_a_table_and_a_drawing_that_exist():
    for name, spec in figures.FIGURES.items():
        assert spec.name == name and spec.caption
        assert callable(getattr(tables, spec.table)), spec.table
        assert callable(getattr(plotting, spec.plot)), spec.plot
    assert tables.FIGURE_TABLES == {n: getattr(tables, s.table) for n, s in figures.FIGURES.items()}
    assert plotting.FIGURES == {n: getattr(plotting, s.plot) for n, s in figures.FIGURES.items()}


def test_an_unknown_figure_is_refused_everywhere():
    for call in (lambda: figures.figure("fig6"), lambda: tables.figure_table("fig6", {}, {}, {}),
                 lambda: plotting.draw("fig6", None)):  # fmt: skip
        with pytest.raises(ValueError, match="unknown figure 'fig6'"):
            call()


def test_the_wildcard_takes_exactly_the_figures():
    import re

    for name in figures.FIGURES:
        assert re.fullmatch(figures.FIGURE_WILDCARD, name)
    for name in ("fig6", "s6", "fig", "fig2x"):
        assert not re.fullmatch(figures.FIGURE_WILDCARD, name)


@pytest.mark.parametrize("config_name", CONFIGS)
def test_inputs_settings_and_points_of_every_shipped_config(config_name):
    config = load_config([ROOT / "config" / config_name], ROOT)
    planned = realization_points(config)
    kinds = {"point", "scan", "levels", "eigenstates"}
    for name in config["figures"]:
        spec = figures.figure(name)
        inputs = figures.table_inputs(name, config)
        assert inputs and all(isinstance(files, list) and files for files in inputs.values()), name
        for files in inputs.values():
            for file in files:
                kind, values = paths.parse(file)
                assert kind in kinds, file
                if kind == "point":  # an analysis of a point whose realizations are planned
                    key = (values["model"], str(values["n"]), paths.fmt(values["b"]), paths.fmt(values["u"]))
                    assert key in planned, file
        json.dumps(figures.table_settings(name, config))  # a rule parameter: plain data
        for model, n, b, u, offsets, realizations in spec.points(config):
            point = planned[(model, str(n), paths.fmt(b), paths.fmt(u))]
            assert {paths.fmt(o) for o in offsets} <= {paths.fmt(o) for o in point["offsets"]}
            assert realizations <= point["realizations"]
    assert figures.targets(config) == [f for name in config["figures"] for f in paths.figure_files(name)]


def test_points_of_two_figures_are_the_union_of_each():
    config = load_config([ROOT / "config" / "smoke.yaml"], ROOT)
    both = realization_points(config)
    alone = {}
    for name in config["figures"]:
        one = dict(config, figures=[name])
        for key, point in realization_points(one).items():
            entry = alone.setdefault(key, {"offsets": set(), "realizations": 0})
            entry["offsets"] |= set(point["offsets"])
            entry["realizations"] = max(entry["realizations"], point["realizations"])
    assert {k: (sorted(v["offsets"]), v["realizations"]) for k, v in alone.items()} == {
        k: (v["offsets"], v["realizations"]) for k, v in both.items()
    }


def test_fig4_reads_panel_a_realization_beside_panel_b():
    config = load_config([ROOT / "config" / "smoke.yaml"], ROOT)
    config["fig4"] = dict(config["fig4"], n_spins=[4], example_n_spins=6, example_realization=2, u_mhz=[2])
    files = figures.fig4_files(config)
    assert paths.eigenstate_file(6, 2, 2) in files
    assert files == sorted(set(files))
