"""Readers of the files exchanged between workflow rules, and their checks.

Every reader turns a missing, truncated, foreign or edited file into :class:`DataFileError`
naming the file, instead of a traceback deep inside pyarrow or a silently wrong figure: a
file must be what its path says (:func:`check_path_identity`), a realization must be the one
its seed gives (:func:`check_realization_identity`) and agree with itself
(:func:`check_realization_content`).

This module is outside the source digest of the computing rules
(:func:`dnpmbl.pipeline.config.source_digest`): a change to a check or a reader leaves
computed results current. What is written, and so the numbers, is decided in
:mod:`dnpmbl.pipeline.io`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..model import realization_couplings, realization_shifts
from ..params import Parameters
from ..spin_temperature import SpinTemperature
from ..files import mark_damaged, set_aside, set_aside_marked  # noqa: F401 (part of this module's interface)
from . import paths
from .io import (
    _PARAM_NAMES,
    ADDED_COLUMNS,
    PARAM_FIELDS,
    POINT_SCHEMAS,
    REALIZATION_SCHEMA,
    RENAMED_COLUMNS,
    STATES_SCHEMA,
)


class DataFileError(RuntimeError):
    """An input file is missing, truncated, or not what the rule expects. ``path`` is the
    file at fault, where one file is (``None`` when files disagree with each other)."""

    def __init__(self, message: str, path=None):
        super().__init__(message)
        self.path = None if path is None else Path(path)


def read_table(path, schema: pa.Schema | None = None, *, columns=None) -> pa.Table:
    """Read a Parquet file; check the columns of ``schema`` are present with their types.

    A column of ``schema`` that files of earlier versions lack
    (:data:`~dnpmbl.pipeline.io.ADDED_COLUMNS`) is filled, where the file lacks it, with the
    value such a file stands for."""
    path = Path(path)
    if not path.exists():
        raise DataFileError(f"{path}: no such file")
    if not path.is_file():
        raise DataFileError(f"{path}: not a regular file", path)
    try:
        with pq.ParquetFile(path) as parquet:  # the footer, read once
            names = set(parquet.schema_arrow.names)
            wanted = _former_names(names, columns)
            added = _added_missing(names, schema, wanted)
            if added and wanted is not None:
                wanted = [name for name in wanted if name not in added]
            table = _renamed(parquet.read(columns=wanted))
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise DataFileError(f"{path}: not a readable Parquet file ({type(exc).__name__}: {exc})", path) from None
    for name in added:
        field = schema.field(name)
        table = table.append_column(field, pa.array([ADDED_COLUMNS[name]] * table.num_rows, field.type))
    if schema is not None:
        for field in schema:
            if columns is not None and field.name not in columns:
                continue
            if field.name not in table.schema.names:
                raise DataFileError(f"{path}: missing column {field.name!r}: not a file this rule expects", path)
            if not table.schema.field(field.name).type.equals(field.type):
                raise DataFileError(
                    f"{path}: column {field.name!r} has type {table.schema.field(field.name).type}, expected {field.type}", path
                )
    return table


def _former_names(names, columns):
    """``columns`` as a file with the columns ``names`` names them: a column renamed since
    the file was written (:data:`dnpmbl.pipeline.io.RENAMED_COLUMNS`) under its former name."""
    if columns is None or not any(name in RENAMED_COLUMNS for name in columns):
        return columns
    return [
        RENAMED_COLUMNS[name] if name in RENAMED_COLUMNS and name not in names and RENAMED_COLUMNS[name] in names else name
        for name in columns
    ]


def _added_missing(names, schema, columns) -> list[str]:
    """The columns of ``schema`` added since earlier versions
    (:data:`~dnpmbl.pipeline.io.ADDED_COLUMNS`) that are asked for (all of ``schema``'s when
    ``columns`` is None) and that a file with the columns ``names`` lacks."""
    if schema is None:
        return []
    asked = [name for name in ADDED_COLUMNS if name in schema.names and (columns is None or name in columns)]
    return [name for name in asked if name not in names]


def _renamed(table: pa.Table) -> pa.Table:
    """``table`` with each column of a former name (:data:`~dnpmbl.pipeline.io.RENAMED_COLUMNS`)
    under its current name, where the current one is not there already."""
    names = table.schema.names
    former = {old: new for new, old in RENAMED_COLUMNS.items() if old in names and new not in names}
    if not former:
        return table
    return table.rename_columns([former.get(name, name) for name in names])


def _table_tag(table: pa.Table) -> str | None:
    """The ``table`` tag :func:`dnpmbl.pipeline.io.write_table` recorded in the ``dnpmbl``
    metadata, if any."""
    raw = (table.schema.metadata or {}).get(b"dnpmbl")
    try:
        tag = json.loads(raw).get("table") if raw else None
    except (ValueError, AttributeError):
        return None
    return tag if isinstance(tag, str) else None


#: The columns whose value the path of each kind of file gives (:mod:`.paths`), by the
#: wildcard that holds it. A file copied over another is refused.
PATH_COLUMNS = {
    "realization": {"model": "model", "n_spins": "n", "b_tesla": "b", "u_mhz": "u", "realization": "r"},
    "point": {"n_spins": "n", "b_tesla": "b", "u_mhz": "u"},
    "scan": {"scan": "scan", "n_spins": "n"},
    "levels": {"n_spins": "n", "u_mhz": "u"},
    "eigenstates": {"n_spins": "n", "u_mhz": "u", "realization": "r"},
}


def path_values(path, layout: str) -> dict | None:
    """``{column: value}`` that ``path`` gives the rows of a file of ``layout`` (a key of
    :data:`PATH_COLUMNS`), or None for a path outside the workflow's layout."""
    parsed = paths.parse(Path(path).as_posix(), layout)
    if parsed is None:
        return None
    values = dict(parsed[1])
    if layout == "scan":
        values["n"] = paths.parse_scan_name(values["scan"])[1]
    return {column: values[wildcard] for column, wildcard in PATH_COLUMNS[layout].items()}


def check_path_identity(path, table: pa.Table, layout: str) -> None:
    """Check that the rows of ``table`` are what ``path`` says under ``layout`` (a key of
    :data:`PATH_COLUMNS`): every row records the model, N, B, U, realization or scan that
    the path names. A path outside the workflow's layout is not checked."""
    expected_values = path_values(path, layout)
    if expected_values is None:
        return
    for name, expected in expected_values.items():
        if name not in table.schema.names:
            continue
        values = set(table.column(name).to_pylist())
        if len(values) > 1:
            raise DataFileError(f"{path}: rows disagree on {name} ({sorted(values, key=str)})", path)
        if values and values != {expected}:
            (got,) = values
            raise DataFileError(f"{path}: records {name} = {got}, but its path says {expected}: not this file's result", path)


def check_unique(path, table: pa.Table, keys) -> None:
    """Each combination of the columns ``keys`` appears once in ``table``."""
    rows = list(zip(*(table.column(k).to_pylist() for k in keys)))
    if len(set(rows)) != len(rows):
        seen, twice = set(), None
        for row in rows:
            if row in seen:
                twice = row
                break
            seen.add(row)
        raise DataFileError(f"{path}: {', '.join(keys)} = {twice} appears twice", path)


#: The columns that key the rows of each kind of point table.
POINT_KEYS = {"scan": ("b_tesla", "u_mhz", "offset"), "levels": ("realization",)}


def read_point_table(path, kind: str) -> pa.Table:
    """Read one analysis table of a point, refusing a file of another kind or schema, of
    another point than its path names, or with a row twice."""
    table = read_table(path, POINT_SCHEMAS[kind])
    written = _table_tag(table)
    if written != kind:
        raise DataFileError(f"{path}: a {written or 'untagged'} table where a {kind} table is expected", path)
    check_path_identity(path, table, {"scan": "scan", "levels": "levels"}.get(kind, "point"))
    check_unique(path, table, POINT_KEYS.get(kind, ("offset",)))
    return table


def read_fits(path) -> list[tuple[float, SpinTemperature]]:
    """The fitted spin temperatures of one point (``fit.parquet``), as written by the
    fitting rule: ``(offset, SpinTemperature)`` per row, in the file's order."""
    rows = read_point_table(path, "fit").to_pylist()
    return [
        (
            row["offset"],
            SpinTemperature(
                row["beta_fm_s"], row["a_fm"], row["h_fm_rad_s"], row["iterations"], row["moment_mismatch"]
            ),
        )
        for row in rows
    ]


def read_figure_table(path, fig: str) -> pa.Table:
    """Read the table behind one figure (a name of :data:`dnpmbl.pipeline.figures.FIGURES`),
    refusing another figure's."""
    table = read_table(path)
    written = _table_tag(table)
    if written != fig:
        raise DataFileError(f"{path}: the table of {written or 'no figure'} where the table of {fig} is expected", path)
    return table


def params_from_row(row: dict) -> Parameters:
    """The :class:`~dnpmbl.Parameters` a realization row records (its parameter columns). A
    row without ``bath_z_channel`` (a file of an earlier version) has the z channel on."""
    row = {**ADDED_COLUMNS, **row}
    convert = {"n_spins": int, "bath_z_channel": bool}
    return Parameters(**{attr: convert.get(attr, float)(row[col]) for col, attr in _PARAM_NAMES.items()})


class PointData:
    """The realizations of one (N, B, U) point, stacked for the analysis rules.

    Attributes
    ----------
    params : Parameters (of the first realization; all must agree)
    offsets, omega_mw : (F,) arrays
    realizations : (R,) int array
    reduced_energy, magnetization : (R, S) arrays
    populations : (R, F, S) array
    p_n : (R, F) array
    """

    def __init__(self, params, offsets, omega_mw, realizations, reduced_energy, magnetization, populations, p_n):
        self.params = params
        self.offsets = offsets
        self.omega_mw = omega_mw
        self.realizations = realizations
        self.reduced_energy = reduced_energy
        self.magnetization = magnetization
        self.populations = populations
        self.p_n = p_n


def _one(path, table: pa.Table, name: str):
    values = set(table.column(name).to_pylist())
    if len(values) != 1:
        raise DataFileError(f"{path}: rows disagree on {name} ({sorted(values, key=str)})", path)
    return values.pop()


def check_realization_identity(path, table: pa.Table, *, seed: int | None = None) -> None:
    """Check that a realization table is what its path says: the model, N, B, U and the
    realization index recorded in every row equal those of the path (where the path has the
    workflow's layout), the seed is ``seed`` (if given), and the couplings and Zeeman shifts
    it records are those that seed gives the realization (where the table holds them). A
    file copied over another, or relabelled, is refused."""
    for name in ("model", "n_spins", "b_tesla", "u_mhz", "realization", "seed"):
        _one(path, table, name)
    check_path_identity(path, table, "realization")
    if seed is None:
        return
    recorded = _one(path, table, "seed")
    if recorded != int(seed):
        raise DataFileError(f"{path}: records seed = {recorded}, but the config says {int(seed)}: not this file's result", path)
    if "u_ij_rad_s" not in table.schema.names:
        return
    row = {name: table.column(name)[0].as_py() for name in [f.name for f in PARAM_FIELDS]}
    params = params_from_row(row)
    u_mhz = _one(path, table, "u_mhz")
    if not np.isclose(params.u, 2e6 * np.pi * u_mhz, rtol=1e-12, atol=0.0):
        raise DataFileError(f"{path}: records u_mhz = {u_mhz} but u_rad_s = {params.u:.9g}: edited", path)
    realization = int(_one(path, table, "realization"))
    u_ij, d_i = realization_couplings(params, int(seed), realization)
    got_u = np.asarray(table.column("u_ij_rad_s")[0].as_py(), dtype=float)
    got_d = np.asarray(table.column("d_i_rad_s")[0].as_py(), dtype=float)
    for name, got, expected in (("u_ij_rad_s", got_u, u_ij.ravel()), ("d_i_rad_s", got_d, d_i)):
        if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-12, atol=0.0):
            raise DataFileError(
                f"{path}: the couplings {name} are not those seed {int(seed)} gives realization {realization}: "
                "another realization's result, or edited",
                path,
            )
    if "zeeman_shifts_rad_s" in table.schema.names:
        zeeman = _one(path, table, "zeeman_shifts")
        try:
            expected = realization_shifts(params, int(seed), realization, zeeman)
        except ValueError as exc:
            raise DataFileError(f"{path}: {exc}", path) from None
        got = np.asarray(table.column("zeeman_shifts_rad_s")[0].as_py(), dtype=float)
        if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-12, atol=0.0):
            raise DataFileError(
                f"{path}: the Zeeman shifts are not those of the {zeeman} model for seed {int(seed)}, realization {realization}",
                path,
            )


def canonical_magnetization(n_spins: int) -> np.ndarray:
    """<Sz> of each state in the flat order of a realization (sector k = 0..N, each of
    2 C(N, k) states, magnetization k - N/2): what a states file's ``magnetization`` is."""
    from math import comb

    return np.concatenate([np.full(2 * comb(n_spins, k), k - n_spins / 2.0) for k in range(n_spins + 1)])


def check_realization_content(tpath, spath, table: pa.Table, states: pa.Table, n_spins: int) -> np.ndarray:
    """Check that a realization table agrees with itself and with its states file, and
    return its populations as an (F, S) array.

    The table alone: every population finite, non-negative (to 1e-9 of the largest) and each
    row summing to 1, and <Sz> equal to the populations times the magnetization of each
    state. The states file alone: the magnetization of each state as the flat order says.
    Together: P_n = 2 sum p <Iz> and <H - w_e Sz> = sum p (E - w_e m). Each error names the
    file at fault, or both where either could be."""
    size = 2 ** (n_spins + 1)
    m = states.column("magnetization").to_numpy()
    if m.size != size or not np.array_equal(m, canonical_magnetization(n_spins)):
        raise DataFileError(f"{spath}: {m.size} states whose magnetizations are not those of N = {n_spins}", spath)
    e = states.column("reduced_energy_rad_s").to_numpy()
    iz = states.column("iz").to_numpy()
    if not (np.all(np.isfinite(e)) and np.all(np.abs(iz) <= 0.5 + 1e-12)):
        raise DataFileError(f"{spath}: energies or <Iz> not finite or out of range: damaged", spath)
    offsets = table.column("offset").to_numpy()
    flat = table.column("populations").combine_chunks().values.to_numpy()
    if flat.size != offsets.size * size:
        raise DataFileError(f"{tpath}: populations have {flat.size} values, expected {offsets.size * size}", tpath)
    pops = flat.reshape(offsets.size, size)
    for f, p in enumerate(pops):
        if not np.all(np.isfinite(p)):
            raise DataFileError(f"{tpath}: the populations at offset {offsets[f]:g} are not finite: damaged or edited", tpath)
        if p.min() < -1e-9 * p.max() or abs(p.sum() - 1.0) > 1e-9:
            raise DataFileError(
                f"{tpath}: the populations at offset {offsets[f]:g} are not probabilities "
                f"(sum {p.sum():.12g}, smallest {p.min():.3g}): damaged or edited",
                tpath,
            )
    recorded_m = table.column("mean_magnetization").to_numpy()
    if not np.allclose(pops @ m, recorded_m, rtol=1e-9, atol=1e-12):
        raise DataFileError(f"{tpath}: <Sz> disagrees with its populations: damaged or edited", tpath)
    p_n = table.column("p_n").to_numpy()
    energy = table.column("mean_reduced_energy_rad_s").to_numpy()
    p_n_ok = np.allclose(2.0 * (pops @ iz), p_n, rtol=1e-9, atol=1e-12)
    energy_ok = np.allclose(pops @ e, energy, rtol=1e-9, atol=1e-12 * np.abs(e).max())
    if not p_n_ok and not energy_ok:
        raise DataFileError(f"{spath}: energies disagree with {tpath}, and so does <Iz>: not the states file it was computed with", spath)
    if not p_n_ok:
        raise DataFileError(f"{tpath}: p_n disagrees with its populations and the <Iz> of {spath}: one of them was edited", tpath)
    if not energy_ok:
        raise DataFileError(
            f"{tpath}: <H - w_e Sz> disagrees with its populations and the energies of {spath}: one of them was edited", tpath
        )
    return pops


def load_point(
    table_paths, states_paths, *, with_populations: bool = True, seed: int | None = None, set_aside_damaged: bool = False
) -> PointData:
    """Read and stack the per-realization files of one point, checking they agree and are
    what their paths say (:func:`check_realization_identity`, no realization twice, and
    each states file the one its table was computed with: :func:`check_realization_content`,
    also where the populations are not kept).

    With ``set_aside_damaged`` (the analysis rules), a realization file found damaged,
    edited or foreign is marked (:func:`mark_damaged`) before the error is raised, so that
    the next run sets it aside and recomputes it instead of failing on it again."""
    try:
        return _load_point(table_paths, states_paths, with_populations, seed)
    except DataFileError as exc:
        marker = mark_damaged(exc.path, str(exc)) if set_aside_damaged and exc.path is not None else None
        if marker is None:
            raise
        raise DataFileError(f"{exc} (marked {marker.name}: the next run sets it aside and recomputes it)", exc.path) from None


def _load_point(table_paths, states_paths, with_populations: bool, seed: int | None) -> PointData:
    if len(table_paths) != len(states_paths) or not table_paths:
        raise DataFileError("a point needs one states file per realization table, and at least one")
    columns = [
        "model", "offset", "omega_mw_rad_s", "p_n", "realization", "seed", "b_tesla", "u_mhz", "mean_reduced_energy_rad_s",
        "mean_magnetization", "u_ij_rad_s", "d_i_rad_s", "zeeman_shifts", "zeeman_shifts_rad_s", "populations",
    ]  # fmt: skip
    columns += [f.name for f in PARAM_FIELDS if f.name != "n_spins"] + ["n_spins"]
    params = offsets = omega = None
    reals, e_rows, s_rows, p_rows, pn_rows = [], [], [], [], []
    seen: dict = {}
    for tpath, spath in zip(table_paths, states_paths):
        if Path(spath).name != Path(tpath).name.replace(".parquet", ".states.parquet"):
            raise DataFileError(f"{spath}: not the states file of {tpath}")
        t = read_table(tpath, REALIZATION_SCHEMA, columns=columns)
        if t.num_rows == 0:
            raise DataFileError(f"{tpath}: no rows", tpath)
        check_realization_identity(tpath, t, seed=seed)
        realization = int(t.column("realization")[0].as_py())
        if realization in seen:
            raise DataFileError(f"{tpath}: realization {realization} again (also in {seen[realization]})", tpath)
        seen[realization] = tpath
        st = read_table(spath, STATES_SCHEMA, columns=["reduced_energy_rad_s", "magnetization", "iz"])
        row = {name: t.column(name)[0].as_py() for name in [f.name for f in PARAM_FIELDS]}
        p_here = params_from_row(row)
        o = t.column("offset").to_numpy()
        if params is None:
            params, offsets, omega = p_here, o, t.column("omega_mw_rad_s").to_numpy()
        elif p_here != params or not np.array_equal(o, offsets):
            raise DataFileError(f"{tpath}: parameters or offsets differ from those of {table_paths[0]}")
        pops = check_realization_content(tpath, spath, t, st, params.n_spins)
        e_rows.append(st.column("reduced_energy_rad_s").to_numpy())
        s_rows.append(st.column("magnetization").to_numpy())
        pn_rows.append(t.column("p_n").to_numpy())
        reals.append(realization)
        if with_populations:
            p_rows.append(pops)
    return PointData(
        params,
        offsets,
        omega,
        np.array(reals),
        np.stack(e_rows),
        np.stack(s_rows),
        np.stack(p_rows) if with_populations else None,
        np.stack(pn_rows),
    )
