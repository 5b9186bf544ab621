"""The one module that builds and parses the workflow's paths (dnpmbl.pipeline.paths)."""

import re
from pathlib import Path

import pytest

from dnpmbl.pipeline import paths
from dnpmbl.pipeline.readers import path_values

ROOT = Path(__file__).resolve().parents[1]

#: Values of every wildcard, of the kinds a config gives them (floats, ints, texts).
VALUES = {
    "realization": {"model": "paper", "n": 12, "b": 3.35, "u": 15.0, "r": 7},
    "states": {"model": "d0.5", "n": 6, "b": 1e-05, "u": 2.5, "r": 9999},
    "point": {"analysis": "fit", "model": "wn13.5", "n": 8, "b": 7.0, "u": 0.125},
    "eigenstates": {"n": 16, "u": 45.0, "r": 0},
    "scan": {"scan": "u_N12_zrandom"},
    "levels": {"n": 14, "u": 30.0},
    "table": {"fig": "s3"},
    "figure": {"fig": "fig2", "ext": "png"},
}


def test_every_kind_has_values_here():
    assert set(VALUES) == set(paths.TEMPLATES)


@pytest.mark.parametrize("kind", sorted(VALUES))
def test_build_then_parse_gives_back_the_values(kind):
    built = paths.path(kind, **VALUES[kind])
    assert paths.parse(built) == (kind, VALUES[kind])
    # under a run directory of its own, as a Path
    assert paths.parse(Path("/scratch/run") / built) == (kind, VALUES[kind])
    assert paths.parse(built, kind) == (kind, VALUES[kind])


@pytest.mark.parametrize("kind", sorted(VALUES))
def test_built_paths_satisfy_the_wildcard_constraints(kind):
    """What the rules' wildcards would match in a built path is what the constraints allow."""
    regex = paths.TEMPLATES[kind]
    constraints = {**paths.WILDCARD_CONSTRAINTS, "analysis": r"[a-z]+", "fig": r"fig[2-5]|s[1-4]", "ext": r"pdf|png|csv"}
    pattern = re.escape(regex).replace(r"\{", "{").replace(r"\}", "}")
    pattern = re.sub(r"{(\w+)}", lambda m: f"(?P<{m.group(1)}>{constraints[m.group(1)]})", pattern)
    match = re.fullmatch(pattern, paths.path(kind, **VALUES[kind]))
    assert match is not None


def test_numbers_are_written_as_in_every_path():
    assert paths.realization_file("paper", "6", "3.35", "15", 3) == "results/realizations/paper/N6/B3.35/U15/r0003.parquet"
    assert paths.states_file("paper", 6, 3.35, 15.0, 3) == "results/realizations/paper/N6/B3.35/U15/r0003.states.parquet"
    assert paths.point_file("kl", "paper", 12, 1e-5, 100000) == "results/points/paper/N12/B0.00001/U100000/kl.parquet"
    assert paths.eigenstate_file(8, 2, 1) == "results/eigenstates/N8/U2/r0001.parquet"
    assert paths.scan_file("b_N12") == "results/scans/b_N12.parquet"
    assert paths.levels_file(8, 2.0) == "results/level_statistics/N8/U2.parquet"
    assert paths.table_file("fig3") == "results/tables/fig3.parquet"
    assert paths.figure_files("s1") == ["results/figures/s1.pdf", "results/figures/s1.png", "results/figures/s1.csv"]
    assert paths.fmt(3.35) == "3.35" and paths.fmt(15.0) == "15" and paths.fmt(1e-5) == "0.00001"


def test_paths_outside_the_layout_parse_to_none():
    for text in (
        "results/realizations/paper/N6/B3.35/U15/r1.parquet",  # three digits short
        "results/realizations/Paper/N6/B3.35/U15/r0001.parquet",  # no upper case in a model
        "results/points/paper/N6/B3.35/U15/fit.csv",
        "results/scans/x_N8.parquet",
        "elsewhere/fit.parquet",
    ):
        assert paths.parse(text) is None, text
    # a states file is not a realization table, nor the other way round
    states = paths.states_file("paper", 6, 3.35, 15, 0)
    assert paths.parse(states)[0] == "states" and paths.parse(states, "realization") is None


def test_builders_refuse_what_a_kind_does_not_have():
    with pytest.raises(KeyError, match="give"):
        paths.path("realization", model="paper", n=6, b=3.35, u=15)
    with pytest.raises(KeyError, match="have no"):
        paths.pattern("scan", n=6)


def test_rule_patterns_logs_and_benchmarks():
    assert paths.pattern("point", analysis="fit") == "results/points/{model}/N{n}/B{b}/U{u}/fit.parquet"
    assert paths.pattern("figure", ext="pdf") == "results/figures/{fig}.pdf"
    assert paths.log("fit_spin_temperature", "point") == "logs/fit_spin_temperature/{model}/N{n}/B{b}/U{u}.log"
    assert paths.benchmark("realization", "realization") == "benchmarks/realization/{model}/N{n}/B{b}/U{u}/r{r}.tsv"
    assert paths.log("tables", "table") == "logs/tables/{fig}.log"
    assert paths.benchmark("scan", "scan") == "benchmarks/scan/{scan}.tsv"
    assert paths.log("eigenstates", "eigenstates", n=8, u=2, r=1) == "logs/eigenstates/N8/U2/r0001.log"


def test_benchmark_of_a_job_file():
    job = paths.realization_file("d0.5", 12, 5, 15, 42)
    assert paths.benchmark_of(job) == "benchmarks/realization/d0.5/N12/B5/U15/r0042.tsv"
    assert paths.benchmark_of(paths.eigenstate_file(14, 45, 2)) == "benchmarks/eigenstates/N14/U45/r0002.tsv"
    with pytest.raises(ValueError, match="not the file of a timed job"):
        paths.benchmark_of(paths.scan_file("u_N8"))


def test_scan_names_round_trip():
    for args, name in (((("u", 8)), "u_N8"), (("b", 12), "b_N12"), (("u", 12, "d0.5"), "u_N12_d0.5"), (("u", 10, "paper"), "u_N10")):
        assert paths.scan_name(*args) == name
        direction, n, model = paths.parse_scan_name(name)
        assert (direction, n) == args[:2] and model == (args[2] if len(args) > 2 else paths.PAPER_MODEL)
    with pytest.raises(ValueError):
        paths.parse_scan_name("s_N8")


def test_readers_take_what_a_path_names():
    assert path_values(paths.realization_file("paper", 6, 3.35, 15, 2), "realization") == {
        "model": "paper", "n_spins": 6, "b_tesla": 3.35, "u_mhz": 15.0, "realization": 2,
    }  # fmt: skip
    assert path_values(paths.scan_file("u_N12_d0.5"), "scan") == {"scan": "u_N12_d0.5", "n_spins": 12}
    assert path_values(paths.point_file("pe", "paper", 8, 2.5, 4), "point") == {"n_spins": 8, "b_tesla": 2.5, "u_mhz": 4.0}
    assert path_values("/tmp/fit.parquet", "point") is None


def test_rules_take_their_result_patterns_from_the_module():
    """No result, log or benchmark path is spelt out in the rules this module serves."""
    for name in ("analysis", "beyond", "eigenstates", "figures"):
        text = (ROOT / "workflow" / "rules" / f"{name}.smk").read_text()
        assert not re.search(r'"(results|logs|benchmarks)/', text), name
