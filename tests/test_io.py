"""The schemas and writers of dnpmbl.pipeline.io, the read side of a renamed column, and the
helpers of the rule scripts (dnpmbl.pipeline.jobs)."""

import json
import logging
from types import SimpleNamespace

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import dnpmbl
from dnpmbl.pipeline import jobs, paths
from dnpmbl.pipeline.io import (
    POINT_SCHEMAS,
    REALIZATION_SCHEMA,
    params_columns,
    realization_table,
    states_table,
    write_point_table,
    write_table,
)
from dnpmbl.pipeline.readers import DataFileError, load_point, params_from_row, read_point_table, read_table

SEED = 7


@pytest.fixture(scope="module")
def solved():
    """One realization at N = 4, two microwave frequencies."""
    params = dnpmbl.Parameters.from_units(4, u_mhz=15.0)
    u_ij, d_i = dnpmbl.realization_couplings(params, base_seed=SEED, realization=0)
    offsets = [-0.5, 0.25]
    result = dnpmbl.solve_realization(params, u_ij, d_i, [params.microwave_frequency(o) for o in offsets])
    return params, offsets, result


def _write_realization(root, solved, rename=None):
    params, offsets, result = solved
    table = realization_table(result, b_tesla=3.35, u_mhz=15.0, seed=SEED, realization=0, offsets=offsets)
    if rename:
        table = table.rename_columns([rename.get(name, name) for name in table.schema.names])
    tpath = root / paths.realization_file("paper", 4, 3.35, 15, 0)
    spath = root / paths.states_file("paper", 4, 3.35, 15, 0)
    tpath.parent.mkdir(parents=True, exist_ok=True)
    write_table(table, tpath, metadata={"backend": "cpu"})
    write_table(states_table(result), spath)
    return tpath, spath


def test_realization_table_has_its_schema_and_the_parameters_round_trip(solved):
    params, offsets, result = solved
    table = realization_table(result, b_tesla=3.35, u_mhz=15.0, seed=SEED, realization=0, offsets=offsets)
    assert table.schema.equals(REALIZATION_SCHEMA)
    assert table.num_rows == len(offsets)
    row = table.slice(0, 1).to_pylist()[0]
    assert row["model"] == paths.PAPER_MODEL and row["zeeman_shifts"] == "equal"
    assert params_from_row(row) == params
    assert row["beta_lattice_s"] == params.beta  # the lattice's, not the spin temperature
    assert np.allclose(table.column("p_n").to_numpy(), result.p_n)
    assert set(params_columns(params)) == {f.name for f in REALIZATION_SCHEMA if f.name in params_columns(params)}


def test_written_realization_reads_back(tmp_path, solved):
    params, offsets, result = solved
    tpath, spath = _write_realization(tmp_path, solved)
    point = load_point([tpath], [spath], seed=SEED)
    assert point.params == params
    assert list(point.offsets) == offsets
    assert np.allclose(point.p_n[0], result.p_n)
    meta = json.loads(pq.read_schema(tpath).metadata[b"dnpmbl"])
    assert meta == {"backend": "cpu"}


def test_a_file_with_the_former_name_of_a_column_reads_as_the_new(tmp_path, solved):
    """Realization files of 0.4.0 call the lattice's beta ``beta_s``: they stay readable."""
    params, _, _ = solved
    tpath, spath = _write_realization(tmp_path, solved, rename={"beta_lattice_s": "beta_s"})
    assert "beta_s" in pq.read_schema(tpath).names and "beta_lattice_s" not in pq.read_schema(tpath).names
    assert load_point([tpath], [spath], seed=SEED).params == params
    whole = read_table(tpath, REALIZATION_SCHEMA)  # every column, without a list of them
    assert "beta_lattice_s" in whole.schema.names and "beta_s" not in whole.schema.names
    only = read_table(tpath, REALIZATION_SCHEMA, columns=["beta_lattice_s", "n_spins"])
    assert only.column("beta_lattice_s")[0].as_py() == params.beta


def test_a_realization_without_the_z_channel_keeps_the_flag_through_its_file(tmp_path, solved):
    """A model with ``bath_z_channel: false`` writes the flag in every row and reads back
    with it; the paper model's file says true."""
    params, offsets, result = solved
    paper_path, _ = _write_realization(tmp_path / "on", solved)
    assert set(pq.read_table(paper_path).column("bath_z_channel").to_pylist()) == {True}
    off = params.with_(bath_z_channel=False)
    u_ij, d_i = dnpmbl.realization_couplings(off, base_seed=SEED, realization=0)
    solved_off = (off, offsets, dnpmbl.solve_realization(off, u_ij, d_i, [off.microwave_frequency(o) for o in offsets]))
    tpath, spath = _write_realization(tmp_path / "off", solved_off)
    table = pq.read_table(tpath)
    assert table.schema.field("bath_z_channel").type == pa.bool_()
    assert table.column("bath_z_channel").to_pylist() == [False] * len(offsets)
    assert params_from_row(table.slice(0, 1).to_pylist()[0]) == off
    point = load_point([tpath], [spath], seed=SEED)
    assert point.params == off and point.params.bath_z_channel is False
    assert not np.allclose(point.p_n[0], result.p_n, rtol=1e-6, atol=0.0)  # another model's numbers


def test_a_file_written_before_the_z_channel_option_reads_as_the_paper_model(tmp_path, solved):
    """Realization files of earlier versions (a campaign's) have no ``bath_z_channel``
    column: they computed the z channel, and read as ``bath_z_channel = True``, whether the
    reader asks for every column or for a list of them."""
    params, _, _ = solved
    tpath, spath = _write_realization(tmp_path, solved)
    pq.write_table(pq.read_table(tpath).drop_columns(["bath_z_channel"]), tpath)
    assert "bath_z_channel" not in pq.read_schema(tpath).names
    point = load_point([tpath], [spath], seed=SEED)
    assert point.params == params and point.params.bath_z_channel is True
    whole = read_table(tpath, REALIZATION_SCHEMA)
    assert whole.column("bath_z_channel").to_pylist() == [True] * whole.num_rows
    only = read_table(tpath, REALIZATION_SCHEMA, columns=["bath_z_channel", "n_spins"])
    assert only.column("bath_z_channel").to_pylist() == [True] * only.num_rows
    row = pq.read_table(tpath).slice(0, 1).to_pylist()[0]
    assert params_from_row(row) == params
    # such a file and one of the variant are not one point: they differ in the flag
    off = params.with_(bath_z_channel=False)
    solved_off = (off, solved[1], dnpmbl.solve_realization(off, *dnpmbl.realization_couplings(off, SEED, 1),
                                                           [off.microwave_frequency(o) for o in solved[1]]))  # fmt: skip
    other = realization_table(solved_off[2], b_tesla=3.35, u_mhz=15.0, seed=SEED, realization=1, offsets=solved[1])
    opath = tmp_path / paths.realization_file("paper", 4, 3.35, 15, 1)
    write_table(other, opath)
    write_table(states_table(solved_off[2]), tmp_path / paths.states_file("paper", 4, 3.35, 15, 1))
    with pytest.raises(DataFileError, match="parameters or offsets differ"):
        load_point([tpath, opath], [spath, tmp_path / paths.states_file("paper", 4, 3.35, 15, 1)], seed=SEED)


def test_a_file_without_the_column_under_either_name_is_refused(tmp_path, solved):
    tpath, _ = _write_realization(tmp_path, solved)
    table = pq.read_table(tpath).drop_columns(["beta_lattice_s"])
    pq.write_table(table, tpath)
    with pytest.raises(DataFileError, match="beta_lattice_s"):
        read_table(tpath, REALIZATION_SCHEMA, columns=["beta_lattice_s"])


@pytest.mark.parametrize("kind", sorted(POINT_SCHEMAS))
def test_point_tables_round_trip_with_their_tag(tmp_path, kind):
    schema = POINT_SCHEMAS[kind]
    row = {}
    for field in schema:
        if pa.types.is_list(field.type):
            row[field.name] = [1.0] if pa.types.is_floating(field.type.value_type) else [1]
        elif pa.types.is_boolean(field.type):
            row[field.name] = True
        elif pa.types.is_integer(field.type):
            row[field.name] = 4
        elif pa.types.is_string(field.type):
            row[field.name] = {"scan": "u_N4", "model": "paper", "zeeman_shifts": "equal"}.get(field.name, "x")
        else:
            row[field.name] = 0.5
    path = tmp_path / "results" / ("scans/u_N4.parquet" if kind == "scan" else f"points/paper/N4/B0.5/U0.5/{kind}.parquet")
    if kind == "levels":
        path = tmp_path / paths.levels_file(4, 0.5)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_point_table([row], path, kind)
    table = read_point_table(path, kind)
    assert table.schema.equals(schema) and table.to_pylist() == [row]
    other = next(k for k in POINT_SCHEMAS if k != kind)
    with pytest.raises(DataFileError, match=f"{path.name}: (missing column|a {kind} table where a {other} table)"):
        read_point_table(path, other)


def test_writers_leave_nothing_beside_their_target(tmp_path):
    write_table(pa.table({"x": [1.0]}), tmp_path / "a.parquet", metadata={"table": "fig2"})
    assert [p.name for p in tmp_path.iterdir()] == ["a.parquet"]
    assert json.loads(pq.read_schema(tmp_path / "a.parquet").metadata[b"dnpmbl"]) == {"table": "fig2"}


# --- jobs: the helpers of the rule scripts ----------------------------------------------------


def test_parameters_from_config_are_those_of_the_units():
    physics = dict(dnpmbl.params.PHYSICS_DEFAULTS, d_mhz=0.5)
    params = jobs.parameters_from_config(physics, "6", "5", "15")
    units = {k: v for k, v in physics.items() if k != "zeeman_shifts"}
    assert params == dnpmbl.Parameters.from_units(6, b_tesla=5.0, u_mhz=15.0, **units)


def test_point_columns_and_the_label_of_a_realization():
    w = SimpleNamespace(model="paper", n="6", b="3.35", u="15", r="0002")
    assert jobs.point_columns(6, w, -0.5) == {"n_spins": 6, "b_tesla": 3.35, "u_mhz": 15.0, "offset": -0.5}
    params = dnpmbl.Parameters.from_units(6)
    smk = SimpleNamespace(wildcards=w, params=SimpleNamespace(offsets=[-0.5, 0]))
    offsets, omegas, label = jobs.realization_request(smk, params)
    assert offsets == [-0.5, 0.0] and omegas == [params.microwave_frequency(-0.5), params.omega_e]
    assert label == "N=6 B=3.35 T U=15 MHz realization 2"
    smk.wildcards = SimpleNamespace(model="d0.5", n="6", b="3.35", u="15", r="0002")
    assert jobs.realization_request(smk, params)[2].startswith("model d0.5 N=6")


def test_frequency_progress_logs_about_ten_times(caplog):
    logger = logging.getLogger("test_progress")
    progress = jobs.frequency_progress(logger, 100)
    with caplog.at_level(logging.INFO, logger="test_progress"):
        for i in range(1, 101):
            progress(i, 100)
    assert 9 <= len(caplog.records) <= 11
    assert caplog.records[-1].getMessage() == "solved 100/100 microwave frequencies"


def test_code_provenance_and_git_commit(tmp_path):
    record = jobs.code_provenance("abc")
    assert record["source_sha256"] == "abc" and record["dnpmbl_version"] == dnpmbl.__version__
    assert jobs.git_commit(tmp_path) == "unknown"  # not a checkout


def test_start_log_writes_to_the_rule_log(tmp_path):
    import sys

    stderr = sys.stderr
    try:
        logger = jobs.start_log(str(tmp_path / "rule.log"), "test_rule")
        logger.info("hello")
    finally:
        sys.stderr = stderr
        logging.basicConfig(force=True)
    text = (tmp_path / "rule.log").read_text()
    assert "test_rule: started" in text and "test_rule: hello" in text


def test_stopwatch_logs_the_time(caplog):
    logger = logging.getLogger("test_stopwatch")
    with caplog.at_level(logging.INFO, logger="test_stopwatch"):
        with jobs.Stopwatch(logger, "ED") as watch:
            pass
    assert watch.seconds >= 0 and caplog.records[0].getMessage().startswith("ED: ")
