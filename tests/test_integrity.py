"""Integrity of inputs and results: no silent wrong numbers, no late or unclear errors.

One test (or a few) per failure found by trying bad inputs and faults as an adversarial user
would; each failed on the code before it was fixed. Their names follow the failures.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys

import numpy as np
import pyarrow.parquet as pq
import pytest

import dnpmbl
from conftest import ROOT, SMOKE, run_snakemake
from dnpmbl.diagonalization import diagonalize
from dnpmbl.pipeline.readers import DataFileError, load_point, read_point_table
from dnpmbl.model import HYPERFINE_MIN_RATIO, hyperfine_scale
from dnpmbl.pipeline.tables import read_frames
from dnpmbl.pipeline.config import ConfigError, validate_config

SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"


# --- 1. D = 0 or a D too small to resolve -------------------------------------------------


@pytest.mark.parametrize("d_rad_s", [0.0, 1e-9, 1e-3])
def test_tiny_hyperfine_is_refused_by_the_library(d_rad_s):
    """D = 1e-9 rad/s gave P_n = -0.078 (D -> 0 limit +0.094) with a residual of 1e-16;
    every entry point (diagonalize, solve_realization) now refuses D below the threshold."""
    params = dnpmbl.Parameters.from_units(6, u_mhz=15.0).with_(d=d_rad_s)
    u_ij, d_i = dnpmbl.realization_couplings(params.with_(d=1.0), 2016, 0)
    d_i = d_i * d_rad_s
    with pytest.raises(ValueError, match="(too small to resolve|all zero)"):
        diagonalize(params, u_ij, d_i)
    with pytest.raises(ValueError, match="(too small to resolve|all zero)"):
        dnpmbl.solve_realization(params, u_ij, d_i, params.microwave_frequency(-0.5))


def test_hyperfine_just_above_the_threshold_gives_the_small_d_limit():
    """Twice the threshold, P_n is the D -> 0 limit (Richardson from D = 1 and 2 kHz, where
    P_n(D) = P_0 - c D^2) to 1e-6, closer to it than at D = 1 kHz."""
    params = dnpmbl.Parameters.from_units(6, u_mhz=15.0, d_mhz=1e-3)
    u_ij, d_i = dnpmbl.realization_couplings(params, 2016, 0)
    om = params.microwave_frequency(-0.5)
    p1 = dnpmbl.solve_realization(params, u_ij, d_i, om).p_n[0]
    p2 = dnpmbl.solve_realization(params, u_ij, 2 * d_i, om).p_n[0]
    limit = (4 * p1 - p2) / 3
    edge_scale = 2 * HYPERFINE_MIN_RATIO * hyperfine_scale(params) / np.abs(d_i).max()
    edge = dnpmbl.solve_realization(params, u_ij, d_i * edge_scale, om).p_n[0]
    assert abs(edge - limit) < min(1e-6 * abs(limit), abs(p1 - limit))


@pytest.mark.parametrize("d_mhz", [0, 1e-6, 1e-3])
def test_tiny_hyperfine_is_refused_by_the_config(d_mhz):
    with pytest.raises(ConfigError, match="physics.d_mhz"):
        validate_config({"physics": {"d_mhz": d_mhz}}, SCHEMA)
    validate_config({"physics": {"d_mhz": 2e-3}}, SCHEMA)  # 1e-5 of 113 MHz (dw_e at 7 T)


def test_tiny_hyperfine_is_refused_by_the_cli(tmp_path):
    problem = json.loads(_cli("example", "--n-spins", "4").stdout)
    problem["d_i"] = [1e-9] * 4
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(problem))
    res = _cli("solve", str(path))
    assert res.returncode != 0 and "too small to resolve" in res.stderr and "Traceback" not in res.stderr


# --- 2. a realization file that is not what its name says ---------------------------------


def _point_copy(smoke, tmp_path):
    src = smoke / "results" / "realizations" / "paper" / "N6" / "B5" / "U15"
    dst = tmp_path / "results" / "realizations" / "paper" / "N6" / "B5" / "U15"
    shutil.copytree(src, dst)
    tables = [dst / f"r{r:04d}.parquet" for r in range(3)]
    return tables, [t.with_name(t.name.replace(".parquet", ".states.parquet")) for t in tables]


def test_realization_file_copied_over_another_is_refused(smoke, tmp_path):
    tables, states = _point_copy(smoke, tmp_path)
    load_point(tables, states, seed=7)  # as written: accepted
    shutil.copy(tables[0], tables[1])
    shutil.copy(states[0], states[1])
    with pytest.raises(DataFileError, match="r0001.parquet: records realization = 0"):
        load_point(tables, states, seed=7)


def test_realization_files_swapped_or_given_twice_are_refused(smoke, tmp_path):
    tables, states = _point_copy(smoke, tmp_path)
    with pytest.raises(DataFileError, match="realization 0 again"):
        load_point([tables[0], tables[0]], [states[0], states[0]])
    with pytest.raises(DataFileError, match="not the states file"):
        load_point(tables[:2], [states[1], states[0]])
    # A states file swapped under its table's name: its energies betray it.
    shutil.copy(states[0], tmp_path / "s0")
    shutil.copy(states[1], states[0])
    shutil.copy(tmp_path / "s0", states[1])
    with pytest.raises(DataFileError, match="energies disagree"):
        load_point(tables, states)
    with pytest.raises(DataFileError, match="seed"):
        shutil.copy(tmp_path / "s0", states[0])
        load_point(tables[:1], states[:1], seed=8)


# --- 3. a point table of the wrong kind ----------------------------------------------------


def test_point_table_of_the_wrong_kind_is_refused(smoke, tmp_path):
    point = smoke / "results" / "points" / "paper" / "N6" / "B3.35" / "U15"
    wrong = tmp_path / "fluctuations.parquet"
    shutil.copy(point / "kl.parquet", wrong)
    with pytest.raises(DataFileError, match="fluctuations.parquet"):
        read_frames([point / "fluctuations.parquet", wrong], "fluctuations")
    assert read_point_table(point / "fit.parquet", "fit").num_rows == 7  # the 7 offsets, -0.5 among them
    # Same columns, other kind: the tag written with the table refuses it too.
    table = pq.read_table(point / "fit.parquet")
    meta = {b"dnpmbl": json.dumps({"table": "pe"}).encode()}
    pq.write_table(table.replace_schema_metadata(meta), tmp_path / "fit.parquet")
    with pytest.raises(DataFileError, match="a pe table where a fit table is expected"):
        read_point_table(tmp_path / "fit.parquet", "fit")


def test_figure_table_of_another_figure_is_refused(smoke, tmp_path):
    from dnpmbl.pipeline.readers import read_figure_table

    tables = smoke / "results" / "tables"
    assert read_figure_table(tables / "fig3.parquet", "fig3").num_rows > 0
    shutil.copy(tables / "fig3.parquet", tmp_path / "fig2.parquet")
    with pytest.raises(DataFileError, match="fig2.parquet: the table of fig3 where the table of fig2 is expected"):
        read_figure_table(tmp_path / "fig2.parquet", "fig2")


def test_wrong_kind_of_table_stops_the_figure_rule(smoke, tmp_path):
    """The copy of kl.parquet as fluctuations.parquet used to give Figs. 2, 3, 5 with NaN
    exact P_n; now the figure table rule fails and names the file."""
    work = tmp_path / "run"
    shutil.copytree(smoke, work, ignore=shutil.ignore_patterns(".snakemake"))
    point = work / "results" / "points" / "paper" / "N6" / "B3.35" / "U15"
    shutil.copy(point / "kl.parquet", point / "fluctuations.parquet")
    proc = run_snakemake(
        work, "results/tables/fig3.parquet", "--cores", "1", "--configfile", str(SMOKE), "--forcerun", "table_figure",
        check=False,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "B3.35/U15/fluctuations.parquet" in (work / "logs" / "tables" / "fig3.log").read_text()


# --- 4. fig4.example_realization out of range ----------------------------------------------


def test_fig4_example_realization_out_of_range_is_refused():
    config = {"fig4": {"n_spins": [8], "realizations": {"8": 3}, "example_n_spins": 8, "example_realization": 3}}
    with pytest.raises(ConfigError, match="fig4.example_realization"):
        validate_config(config, SCHEMA)
    config["fig4"]["example_realization"] = 2
    validate_config(config, SCHEMA)


def test_fig4_table_without_the_example_realization_fails():
    import pandas as pd

    from dnpmbl.pipeline.tables import fig4_tables

    frame = pd.DataFrame(
        {"n_spins": 4, "u_mhz": 2.0, "realization": 1, "energy_rad_s": [0.0, 1.0, 3.0]}
        | {f"sz_{i}": [0.1, -0.1, 0.0] for i in range(1, 5)}
    )
    with pytest.raises(DataFileError, match="Fig. 4\\(a\\)"):
        fig4_tables([frame], example_n_spins=4, example_realization=0, spin=1)


# --- 5. results that go stale with the code ------------------------------------------------


def test_results_go_stale_when_the_physics_changes(smoke, tmp_path):
    """Editing a computing module reruns the computing rules (its source digest is their
    parameter), editing a plotting module, a reader or the config's checks does not; each
    realization file records the version, source digest and commit that computed it."""
    from dnpmbl.pipeline.config import source_digest

    meta = json.loads(pq.read_schema(next(smoke.rglob("r0000.parquet"))).metadata[b"dnpmbl"])
    assert meta["source_sha256"] == source_digest() and meta["dnpmbl_version"] == dnpmbl.__version__
    assert len(meta["git_commit"]) == 40 or meta["git_commit"] == "unknown"
    # A copy of the checkout, one realization computed, then its code edited.
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    for name in ("Snakefile", "workflow", "dnpmbl", "config", "profiles", "envs"):
        copy_ = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        copy_(ROOT / name, checkout / name, **({"ignore": shutil.ignore_patterns("__pycache__")} if (ROOT / name).is_dir() else {}))
    work = tmp_path / "work"
    target = "results/realizations/paper/N6/B5/U15/r0000.parquet"

    def snakemake(*args, **kw):
        env = dict(__import__("os").environ, OPENBLAS_NUM_THREADS="1")
        cmd = [sys.executable, "-m", "snakemake", target, "-s", str(checkout / "Snakefile"), "--directory", str(work),
               *args, "--configfile", str(SMOKE)]  # fmt: skip
        return subprocess.run(cmd, capture_output=True, text=True, env=env, **kw)

    assert snakemake("--cores", "1").returncode == 0
    assert "Nothing to be done" in (lambda p: p.stdout + p.stderr)(snakemake("-n", "--cores", "1"))
    # A figure, a reader's checks or the config's validation edited: nothing reruns.
    for name in ("plotting.py", "readers.py", "config.py"):
        module = checkout / "dnpmbl" / "pipeline" / name
        module.write_text(module.read_text() + "\n# an edit that changes no number\n")
        assert "Nothing to be done" in (lambda p: p.stdout + p.stderr)(snakemake("-n", "--cores", "1")), name
    stationary = checkout / "dnpmbl" / "stationary.py"
    stationary.write_text(stationary.read_text() + "\n# a physics edit\n")
    dry = snakemake("-n", "--cores", "1")
    assert "rule realization:" in dry.stdout and "Nothing to be done" not in dry.stdout + dry.stderr


# --- 6. values that failed late or unclearly ------------------------------------------------

UNCLEAR = [
    ({"realizations": 3.0}, "realizations"),
    ({"fig2": {"offset_points": 7.0}}, "fig2.offset_points"),
    ({"n_spins": 6.0}, "n_spins"),
    ({"fig4": {"realizations": {8: 40}}}, "fig4.realizations.8"),
    ({"fig3": {"u_mhz": [2, float("nan")]}}, "fig3.u_mhz[1]"),
    ({"fig3": {"b_scan_tesla": [3.35, float("inf")]}}, "fig3.b_scan_tesla[1]"),
    ({"physics": {"t1e_s": float("nan")}}, "physics.t1e_s"),
    ({"physics": {"d_mhz": float("nan")}}, "physics.d_mhz"),
    ({"seed": 2**63}, "seed"),
    ({"threads": True}, "threads"),
]


@pytest.mark.parametrize("override, key", UNCLEAR, ids=[k for _, k in UNCLEAR])
def test_unclear_values_fail_at_once_naming_the_key(override, key):
    with pytest.raises(ConfigError) as info:
        validate_config(copy.deepcopy(override), SCHEMA)
    message = str(info.value)
    assert "\n" not in message and f"config key {key}" in message, message


def test_exponent_formatted_values_make_plain_paths(tmp_path):
    """U = 1e-05 MHz used to name a path U1e-05 that no wildcard matched
    (MissingInputException); paths are now plain decimals."""
    import yaml

    from dnpmbl.pipeline.config import fmt, realization_points

    config = validate_config({"fig3": {"u_mhz": [1e-05, 15]}}, SCHEMA)
    assert ("paper", "12", "3.35", "0.00001") in realization_points(config)
    assert fmt(1e-05) == "0.00001" and fmt(3.35) == "3.35" and fmt(15.0) == "15"
    smoke = yaml.safe_load(SMOKE.read_text())
    smoke["fig3"]["u_mhz"] = [1e-05, 15]
    cfg = tmp_path / "small_u.yaml"
    cfg.write_text(yaml.safe_dump(smoke))
    proc = run_snakemake(tmp_path, "-n", "--cores", "1", "--configfile", str(cfg), check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "U0.00001" in proc.stdout


# --- 7. counts without an upper bound -------------------------------------------------------

BOUNDS = [
    ({"realizations": 10**8}, "realizations"),
    ({"analysis": {"bootstrap_resamples": 10**9}}, "analysis.bootstrap_resamples"),
    ({"fig2": {"offset_points": 10**6}}, "fig2.offset_points"),
    ({"fig4": {"realizations": {"8": 10**6}}}, "fig4.realizations.8"),
    ({"fig4": {"default_realizations": 10**6}}, "fig4.default_realizations"),
    ({"fig4": {"example_realization": 10**4}}, "fig4.example_realization"),
    ({"threads": 10**4}, "threads"),
    ({"fig3": {"u_mhz": [1e7]}}, "fig3.u_mhz[0]"),
]


@pytest.mark.parametrize("override, key", BOUNDS, ids=[k for _, k in BOUNDS])
def test_counts_and_values_are_bounded(override, key):
    with pytest.raises(ConfigError) as info:
        validate_config(copy.deepcopy(override), SCHEMA)
    assert f"config key {key}" in str(info.value)


def test_every_count_in_the_schema_has_a_bound_it_states():
    """Every integer key has a maximum, and its description (or its list's) states it."""
    import yaml

    def walk(node, path="", described=""):
        if isinstance(node, dict):
            described = node.get("description", described) if isinstance(node.get("description"), str) else described
            if node.get("type") == "integer" and "enum" not in node:
                yield path, node, described
            for key, sub in node.items():
                if key != "default":
                    yield from walk(sub, f"{path}.{key}" if path else key, described if key in ("items", "additionalProperties") else "")

    schema = yaml.safe_load(SCHEMA.read_text())
    found = 0
    for path, node, description in walk(schema):
        found += 1
        assert "maximum" in node, path
        bound = node["maximum"]
        texts = {str(bound), {2**63 - 1: "2^63 - 1", 100000: "1e5"}.get(bound, str(bound))}
        assert any(t in description for t in texts), (path, bound, description)
    assert found >= 12


# --- 8. the command line ------------------------------------------------------------------


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "dnpmbl", *args], capture_output=True, text=True)


def test_cli_stationary_failure_is_one_line(tmp_path):
    problem = json.loads(_cli("example", "--n-spins", "4").stdout)
    problem["d_i"] = [1e300] * 4
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(problem))
    res = _cli("solve", str(path))
    assert res.returncode != 0 and "Traceback" not in res.stderr
    assert res.stderr.startswith("error:") and len(res.stderr.strip().splitlines()) == 1


def test_cli_output_into_a_missing_directory_fails_before_solving(tmp_path):
    path = tmp_path / "one.json"
    path.write_text(_cli("example", "--n-spins", "4").stdout)
    for option in ("-o", "--states"):
        res = _cli("solve", str(path), option, str(tmp_path / "no" / "such" / "file"))
        assert res.returncode != 0 and "no such directory" in res.stderr and "Traceback" not in res.stderr
        assert res.stdout == ""


def test_cli_writes_are_atomic_and_complete(tmp_path):
    path = tmp_path / "one.json"
    path.write_text(_cli("example", "--n-spins", "4").stdout)
    out, states = tmp_path / "out.json", tmp_path / "states.csv"
    res = _cli("solve", str(path), "-o", str(out), "--states", str(states))
    assert res.returncode == 0, res.stderr
    assert json.loads(out.read_text())["p_n"] and np.loadtxt(states, delimiter=",", skiprows=1).shape == (32, 5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.json", "out.json", "states.csv"]  # no temporaries


def test_cli_example_options_have_help_units_and_defaults():
    text = _cli("example", "--help").stdout
    for option, words in (("--u-mhz", "MHz"), ("--d-mhz", "MHz"), ("--b-tesla", "T"), ("--seed", "seed")):
        line = text[text.index(option) :].split("\n--")[0]
        assert words in line and "default" in line, (option, line)


# --- 9. files edited, relabelled or copied over another point's ---------------


def _realizations(root, *, n=4, b=3.35, u=15.0, seed=7, count=2, offsets=(-0.5, 0.5)):
    """Realization and states files of one point at N = 4 in the workflow's layout under
    ``root``, as the realization rule writes them; (tables, states)."""
    from dnpmbl.model import realization_couplings
    from dnpmbl.pipeline.config import fmt
    from dnpmbl.pipeline.io import realization_table, states_table, write_table

    params = dnpmbl.Parameters.from_units(n, b_tesla=b, u_mhz=u)
    base = root / "results" / "realizations" / "paper" / f"N{n}" / f"B{fmt(b)}" / f"U{fmt(u)}"
    tables, states = [], []
    for r in range(count):
        u_ij, d_i = realization_couplings(params, seed, r)
        result = dnpmbl.solve_realization(params, u_ij, d_i, [params.microwave_frequency(o) for o in offsets])
        tables.append(base / f"r{r:04d}.parquet")
        states.append(base / f"r{r:04d}.states.parquet")
        write_table(realization_table(result, b_tesla=b, u_mhz=u, seed=seed, realization=r, offsets=offsets), tables[-1])
        write_table(states_table(result), states[-1])
    return tables, states


def _edit(path, column, change):
    """Rewrite one column of a Parquet file (its metadata kept), as a hand edit would."""
    import pyarrow as pa

    table = pq.read_table(path)
    values = change(table.column(column).to_pylist())
    table = table.set_column(table.schema.get_field_index(column), table.schema.field(column), pa.array(values, table.schema.field(column).type))
    pq.write_table(table, path)


def test_realization_with_an_edited_p_n_is_refused(tmp_path):
    """P_n edited in the file (metadata kept) used to change the figure: it is now checked
    against the populations and <Iz> that are read anyway, also where the rule keeps only
    P_n (fluctuations)."""
    tables, states = _realizations(tmp_path)
    load_point(tables, states, seed=7)  # as written: accepted
    _edit(tables[1], "p_n", lambda v: [x + 1e-3 for x in v])
    for keep in (True, False):
        with pytest.raises(DataFileError, match=r"r0001.parquet: p_n disagrees with its populations"):
            load_point(tables, states, seed=7, with_populations=keep)


def test_realization_of_another_realization_relabelled_is_refused(tmp_path):
    """Realization 0's files under realization 1's names, their labels edited to 1: the
    couplings they record are not those seed 7 gives realization 1."""
    tables, states = _realizations(tmp_path)
    shutil.copy(tables[0], tables[1])
    shutil.copy(states[0], states[1])
    _edit(tables[1], "realization", lambda v: [1] * len(v))
    with pytest.raises(DataFileError, match=r"r0001.parquet: the couplings u_ij_rad_s are not those seed 7 gives realization 1"):
        load_point(tables, states, seed=7)


def test_nan_populations_are_blamed_on_their_own_file(tmp_path):
    """NaN populations were reported as a states file that disagrees with the table."""
    tables, states = _realizations(tmp_path)
    _edit(tables[0], "populations", lambda v: [[float("nan")] * len(row) for row in v])
    with pytest.raises(DataFileError, match=r"r0000.parquet: the populations at offset -0.5 are not finite") as info:
        load_point(tables, states, seed=7)
    assert info.value.path == tables[0]


def test_damaged_realization_is_set_aside_for_the_next_run(tmp_path):
    """A truncated realization file was named, but the next run failed on it again: the
    analysis rules mark it, and the next run sets it aside (its bytes kept) before it plans,
    so that it recomputes it. The file stays until then: other jobs reading it fail naming
    it instead of finding an input gone."""
    from dnpmbl.files import set_aside_marked

    tables, states = _realizations(tmp_path)
    damaged = tables[1].read_bytes()[:300]
    tables[1].write_bytes(damaged)
    with pytest.raises(DataFileError, match="r0001.parquet: not a readable Parquet file"):
        load_point(tables, states, seed=7)
    assert not list(tables[1].parent.glob("*.damaged*"))  # a reader alone marks nothing
    with pytest.raises(DataFileError, match=r"r0001.parquet: not a readable Parquet file .*marked r0001.parquet.damaged"):
        load_point(tables, states, seed=7, set_aside_damaged=True)
    assert tables[1].read_bytes() == damaged
    (aside,) = set_aside_marked(tmp_path)
    assert aside.name.startswith("r0001.parquet.damaged-") and aside.read_bytes() == damaged
    assert not tables[1].exists() and states[1].exists() and not list(tables[1].parent.glob("*.damaged"))
    assert set_aside_marked(tmp_path) == []


def test_point_table_copied_over_another_points_is_refused_naming_it(tmp_path):
    """A fit table copied over another point's used to end in a pandas MergeError that
    named no file."""
    from dnpmbl.pipeline.io import write_point_table
    from dnpmbl.pipeline.tables import read_frames

    paths = {}
    for u in (2, 15):
        paths[u] = tmp_path / "results" / "points" / "paper" / "N4" / "B3.35" / f"U{u}" / "fit.parquet"
        rows = [{"n_spins": 4, "b_tesla": 3.35, "u_mhz": float(u), "offset": o} for o in (-0.5, 0.5)]
        write_point_table(rows, paths[u], "fit")
    assert len(read_frames([paths[2], paths[15]], "fit")) == 4
    shutil.copy(paths[15], paths[2])
    with pytest.raises(DataFileError, match=r"U2/fit.parquet: records u_mhz = 15.0, but its path says 2.0"):
        read_frames([paths[2], paths[15]], "fit")
    # Outside the workflow's layout, the second copy of a point is refused naming both files.
    elsewhere = tmp_path / "fit.parquet"
    shutil.copy(paths[15], elsewhere)
    with pytest.raises(DataFileError, match=r"fit.parquet: holds the rows of .*U15/fit.parquet"):
        read_frames([paths[15], elsewhere], "fit")


# --- 10. staleness: a check or a reader changes no result ---------------


def test_source_digest_follows_the_computing_code_only(tmp_path):
    """A fix to a reader's checks (readers.py), to the config's validation, to where files
    go (files.py) or to the command line leaves the digest, and so every result, as it is;
    an edit to the physics or to a writer changes it."""
    from dnpmbl.pipeline.config import source_digest

    package = tmp_path / "dnpmbl"
    shutil.copytree(ROOT / "dnpmbl", package, ignore=shutil.ignore_patterns("__pycache__"))
    before = source_digest(package)
    for name in ("pipeline/readers.py", "pipeline/config.py", "pipeline/tables.py", "files.py", "cli.py", "runtime.py"):
        module = package / name
        module.write_text(module.read_text() + "\n# a check edited\n")
        assert source_digest(package) == before, name
    for name in ("stationary.py", "pipeline/io.py", "pipeline/jobs.py"):
        module = package / name
        module.write_text(module.read_text() + "\n# a computing edit\n")
        assert source_digest(package) != before, name
        before = source_digest(package)


TINY = "n_spins: 4\nrealizations: 2\nfigures: [fig5]\nfig3: {u_mhz: [2, 15]}\nanalysis: {bootstrap_resamples: 10}\n"


def test_next_run_recomputes_a_damaged_realization(tmp_path):
    """End to end: the fit rule fails naming the truncated file and sets it aside; the
    next run recomputes that realization alone and the fit succeeds."""
    config = tmp_path / "tiny.yaml"
    config.write_text(TINY)
    work = tmp_path / "run"
    target = "results/points/paper/N4/B3.35/U2/fit.parquet"
    run_snakemake(work, target, "--cores", "1", "--configfile", str(config))
    point = work / "results" / "realizations" / "paper" / "N4" / "B3.35" / "U2"
    kept = (point / "r0000.parquet").stat().st_mtime_ns
    (point / "r0001.parquet").write_bytes((point / "r0001.parquet").read_bytes()[:300])
    (work / target).unlink()
    failed = run_snakemake(work, target, "--cores", "1", "--configfile", str(config), check=False)
    assert failed.returncode != 0
    log = (work / "logs" / "fit_spin_temperature" / "paper" / "N4" / "B3.35" / "U2.log").read_text()
    assert "r0001.parquet: not a readable Parquet file" in log and "the next run sets it aside and recomputes it" in log
    run_snakemake(work, target, "--cores", "1", "--configfile", str(config))
    assert pq.read_table(point / "r0001.parquet").num_rows == 1 and (work / target).exists()
    assert (point / "r0000.parquet").stat().st_mtime_ns == kept
    assert len(list(point.glob("r0001.parquet.damaged-*"))) == 1
