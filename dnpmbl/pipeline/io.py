"""Parquet and array files exchanged between workflow rules.

Every writer is atomic: it writes beside the target and renames, so a file appears complete
or not at all. Every reader turns a missing, truncated or foreign file into
:class:`DataFileError` naming the file, instead of a traceback deep inside pyarrow.
Schemas are explicit (:data:`REALIZATION_SCHEMA`, :data:`STATES_SCHEMA`) and documented in
``workflow/README.md``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .. import __version__
from ..backend import to_host
from ..diagonalization import Spectrum
from ..files import atomic_path
from ..model import zeeman_shifts
from ..params import Parameters
from ..spin_temperature import SpinTemperature
from ..strengths import Strengths


class DataFileError(RuntimeError):
    """An input file is missing, truncated, or not what the rule expects."""


PARAM_FIELDS = [
    pa.field("n_spins", pa.int32()),
    pa.field("omega_e_rad_s", pa.float64()),
    pa.field("delta_omega_e_rad_s", pa.float64()),
    pa.field("omega_n_rad_s", pa.float64()),
    pa.field("omega_1_rad_s", pa.float64()),
    pa.field("u_rad_s", pa.float64()),
    pa.field("d_rad_s", pa.float64()),
    pa.field("t1e_s", pa.float64()),
    pa.field("t2e_s", pa.float64()),
    pa.field("beta_s", pa.float64()),
]
_PARAM_NAMES = {
    "n_spins": "n_spins",
    "omega_e_rad_s": "omega_e",
    "delta_omega_e_rad_s": "delta_omega_e",
    "omega_n_rad_s": "omega_n",
    "omega_1_rad_s": "omega_1",
    "u_rad_s": "u",
    "d_rad_s": "d",
    "t1e_s": "t1e",
    "t2e_s": "t2e",
    "beta_s": "beta",
}

#: One row per microwave frequency of one realization (output of the steady-state rule).
REALIZATION_SCHEMA = pa.schema(
    [
        pa.field("model", pa.string()),
        pa.field("b_tesla", pa.float64()),
        pa.field("u_mhz", pa.float64()),
        pa.field("seed", pa.int64()),
        pa.field("realization", pa.int32()),
        pa.field("offset", pa.float64()),
        pa.field("omega_mw_rad_s", pa.float64()),
        pa.field("p_n", pa.float64()),
        pa.field("mean_energy_rad_s", pa.float64()),
        pa.field("mean_reduced_energy_rad_s", pa.float64()),
        pa.field("mean_magnetization", pa.float64()),
        pa.field("relative_residual", pa.float64()),
        *PARAM_FIELDS,
        pa.field("u_ij_rad_s", pa.list_(pa.float64())),
        pa.field("d_i_rad_s", pa.list_(pa.float64())),
        pa.field("zeeman_shifts", pa.string()),
        pa.field("zeeman_shifts_rad_s", pa.list_(pa.float64())),
        pa.field("populations", pa.list_(pa.float64())),
        pa.field("dnpmbl_version", pa.string()),
    ]
)

#: One row per eigenstate of one realization (flat order: sector, then energy).
STATES_SCHEMA = pa.schema(
    [
        pa.field("sector", pa.int32()),
        pa.field("energy_rad_s", pa.float64()),
        pa.field("reduced_energy_rad_s", pa.float64()),
        pa.field("magnetization", pa.float64()),
        pa.field("iz", pa.float64()),
    ]
)


_POINT_KEYS = [
    pa.field("n_spins", pa.int64()),
    pa.field("b_tesla", pa.float64()),
    pa.field("u_mhz", pa.float64()),
    pa.field("offset", pa.float64()),
]


def _doubles(*names) -> list:
    return [pa.field(name, pa.float64()) for name in names]


#: The perturbative expansions of a point: order 0, order 2 (the paper's), and order 2 with
#: the energy flow of the bath's Sz channel (``pe2z``, docs/physics.md section 9).
PE_VARIANTS = {"pe0": (0, False), "pe2": (2, False), "pe2z": (2, True)}


def _pe_fields() -> list:
    out = []
    for variant in PE_VARIANTS:
        for tag in ("continuum", "finite"):
            name = f"{variant}_{tag}"
            out += _doubles(f"beta_{name}_s", f"h_{name}_rad_s", f"p_n_{name}")
            out.append(pa.field(f"converged_{name}", pa.bool_()))
    return out


#: The statistics of a scan (:func:`dnpmbl.crossover.stationary_statistics`).
SCAN_STATISTICS = ("p_n_mean", "p_n_fm", "ratio", "p_n_std", "kl_mean")

#: One row per microwave offset of one (N, B, U) point, by analysis (``kind``). The
#: analyses write with these schemas and every reader checks a file against its kind's.
POINT_SCHEMAS = {
    "fit": pa.schema(
        [
            *_POINT_KEYS,
            *_doubles("omega_mw_rad_s"),
            pa.field("n_realizations", pa.int64()),
            *_doubles("beta_fm_s", "beta_fm_over_lattice", "a_fm", "h_fm_rad_s", "h_plus_omega_mw_rad_s"),
            pa.field("iterations", pa.int64()),
            *_doubles("moment_mismatch", "p_n_fm", "p_n_fm_se", "p_n_fm_low", "p_n_fm_high"),
        ]
    ),
    "fluctuations": pa.schema(
        [
            *_POINT_KEYS,
            *_doubles("omega_mw_rad_s", "detuning_mhz"),
            pa.field("n_realizations", pa.int64()),
            *_doubles("p_n_mean", "p_n_mean_se", "p_n_mean_low", "p_n_mean_high", "p_n_std", "p_n_std_se", "p_n_min", "p_n_max"),
        ]
    ),
    "kl": pa.schema(
        [
            *_POINT_KEYS,
            pa.field("n_realizations", pa.int64()),
            *_doubles("kl_mean", "kl_mean_se", "kl_mean_low", "kl_mean_high"),
            pa.field("kl_per_realization", pa.list_(pa.float64())),
            pa.field("realizations", pa.list_(pa.int64())),
        ]
    ),
    "pe": pa.schema([*_POINT_KEYS, *_doubles("omega_mw_rad_s"), *_pe_fields()]),
    # A scan (Figures S1-S4): one row per point and offset of one model at one N, with the
    # statistics on all realizations, their bootstrap errors and the resamples themselves
    # (the same resampled realizations at every point of the scan).
    "scan": pa.schema(
        [
            pa.field("scan", pa.string()),
            pa.field("model", pa.string()),
            *_POINT_KEYS,
            pa.field("n_realizations", pa.int64()),
            *_doubles("omega_n_mhz", "d_mhz"),
            pa.field("zeeman_shifts", pa.string()),
            *[f for name in SCAN_STATISTICS for f in _doubles(name, f"{name}_se")],
            *[pa.field(f"{name}_boot", pa.list_(pa.float64())) for name in SCAN_STATISTICS],
        ]
    ),
    # <r> of the electrons alone per realization at one (N, U) (marker (b) of Figure S2).
    "levels": pa.schema(
        [
            pa.field("n_spins", pa.int64()),
            *_doubles("b_tesla", "u_mhz"),
            pa.field("seed", pa.int64()),
            pa.field("realization", pa.int64()),
            pa.field("dimension", pa.int64()),
            *_doubles("r_mean"),
        ]
    ),
}

#: The columns every eigenstate file (Fig. 4) starts with; ``sz_1`` .. ``sz_N`` follow.
EIGENSTATE_SCHEMA = pa.schema(
    [
        pa.field("n_spins", pa.int32()),
        pa.field("u_mhz", pa.float64()),
        pa.field("realization", pa.int32()),
        pa.field("seed", pa.int64()),
        pa.field("index", pa.int32()),
        pa.field("energy_rad_s", pa.float64()),
    ]
)


def write_point_table(rows: list[dict], path, kind: str) -> None:
    """Write one analysis table of a point with its kind's schema (:data:`POINT_SCHEMAS`)."""
    write_table(pa.Table.from_pylist(rows, schema=POINT_SCHEMAS[kind]), path, metadata={"table": kind})


def _table_tag(table: pa.Table) -> str | None:
    """The ``table`` tag :func:`write_table` recorded in the ``dnpmbl`` metadata, if any."""
    raw = (table.schema.metadata or {}).get(b"dnpmbl")
    return json.loads(raw).get("table") if raw else None


def read_point_table(path, kind: str) -> pa.Table:
    """Read one analysis table of a point, refusing a file of another kind or schema."""
    table = read_table(path, POINT_SCHEMAS[kind])
    written = _table_tag(table)
    if written != kind:
        raise DataFileError(f"{path}: a {written or 'untagged'} table where a {kind} table is expected")
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
    """Read the table behind one figure (``fig2`` .. ``fig5``), refusing another figure's."""
    table = read_table(path)
    written = _table_tag(table)
    if written != fig:
        raise DataFileError(f"{path}: the table of {written or 'no figure'} where the table of {fig} is expected")
    return table


def params_columns(params: Parameters) -> dict:
    return {col: getattr(params, attr) for col, attr in _PARAM_NAMES.items()}


def params_from_row(row: dict) -> Parameters:
    return Parameters(**{attr: (int(row[col]) if attr == "n_spins" else float(row[col])) for col, attr in _PARAM_NAMES.items()})


def write_table(table: pa.Table, path, *, metadata: dict | None = None) -> None:
    """Write a Parquet table atomically, with optional JSON metadata under ``dnpmbl``."""
    if metadata:
        meta = dict(table.schema.metadata or {})
        meta[b"dnpmbl"] = json.dumps(metadata, sort_keys=True).encode()
        table = table.replace_schema_metadata(meta)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def read_table(path, schema: pa.Schema | None = None, *, columns=None) -> pa.Table:
    """Read a Parquet file; check the columns of ``schema`` are present with their types."""
    path = Path(path)
    if not path.exists():
        raise DataFileError(f"{path}: no such file")
    try:
        table = pq.read_table(path, columns=columns)
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise DataFileError(f"{path}: not a readable Parquet file ({type(exc).__name__}: {exc})") from None
    if schema is not None:
        for field in schema:
            if columns is not None and field.name not in columns:
                continue
            if field.name not in table.schema.names:
                raise DataFileError(f"{path}: missing column {field.name!r}: not a file this rule expects")
            if not table.schema.field(field.name).type.equals(field.type):
                raise DataFileError(
                    f"{path}: column {field.name!r} has type {table.schema.field(field.name).type}, expected {field.type}"
                )
    return table


def realization_table(result, *, b_tesla, u_mhz, seed, realization, offsets, model="paper", zeeman="equal") -> pa.Table:
    """Per-frequency table of one solved realization (:data:`REALIZATION_SCHEMA`), with its
    model's name and Zeeman model, and the Zeeman shifts it was computed with."""
    n_freq = result.omega_mw.size
    shifts = result.shifts if result.shifts is not None else zeeman_shifts(result.params.n_spins, result.params.delta_omega_e)
    columns = {
        "model": [str(model)] * n_freq,
        "b_tesla": [float(b_tesla)] * n_freq,
        "u_mhz": [float(u_mhz)] * n_freq,
        "seed": [int(seed)] * n_freq,
        "realization": [int(realization)] * n_freq,
        "offset": [float(o) for o in offsets],
        "omega_mw_rad_s": result.omega_mw,
        "p_n": result.p_n,
        "mean_energy_rad_s": result.mean_energy,
        "mean_reduced_energy_rad_s": result.mean_reduced_energy,
        "mean_magnetization": result.mean_magnetization,
        "relative_residual": result.residual,
        **{k: [v] * n_freq for k, v in params_columns(result.params).items()},
        "u_ij_rad_s": [result.u_ij.ravel().tolist()] * n_freq,
        "d_i_rad_s": [result.d_i.tolist()] * n_freq,
        "zeeman_shifts": [str(zeeman)] * n_freq,
        "zeeman_shifts_rad_s": [np.asarray(shifts, dtype=float).tolist()] * n_freq,
        "populations": [row.tolist() for row in result.populations],
        "dnpmbl_version": [__version__] * n_freq,
    }
    return pa.table(columns, schema=REALIZATION_SCHEMA)


def states_table(result) -> pa.Table:
    """Per-state table of one realization (:data:`STATES_SCHEMA`)."""
    n = result.params.n_spins
    sector = np.rint(result.magnetization + n / 2.0).astype(np.int32)
    return pa.table(
        {
            "sector": sector,
            "energy_rad_s": result.energy,
            "reduced_energy_rad_s": result.reduced_energy,
            "magnetization": result.magnetization,
            "iz": result.iz,
        },
        schema=STATES_SCHEMA,
    )


def save_operators(path, spectrum: Spectrum, strengths: Strengths, *, extra: dict | None = None) -> None:
    """Write what the steady-state step needs from ED (energies, <Iz>, strengths) as .npz."""
    arrays = {
        "params": np.array(json.dumps(spectrum.params.as_dict())),
        "n_sectors": np.array(len(spectrum.sectors)),
    }
    if spectrum.shifts is not None:
        arrays["shifts"] = np.asarray(spectrum.shifts, dtype=float)
    for k, sector in enumerate(spectrum.sectors):
        arrays[f"reduced_energies_{k}"] = sector.reduced_energies
        arrays[f"iz_{k}"] = sector.iz
        arrays[f"dephase_{k}"] = to_host(strengths.dephase[k])
        if k < len(strengths.flip):
            arrays[f"flip_{k}"] = to_host(strengths.flip[k])
            arrays[f"sx_{k}"] = to_host(strengths.sx[k])
    for key, value in (extra or {}).items():
        arrays[f"extra_{key}"] = np.asarray(value)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)


def load_operators(path, *, backend=None):
    """Inverse of :func:`save_operators`: (params, spectrum-like, strengths, extra).

    The returned spectrum has no eigenvectors (only energies and <Iz>), which is all the
    rates and observables need. Its strengths are arrays of ``backend`` (default: the CPU).
    """
    from ..backend import get_backend
    from ..diagonalization import Sector

    backend = get_backend(backend)
    path = Path(path)
    if not path.exists():
        raise DataFileError(f"{path}: no such file")
    try:
        with np.load(path, allow_pickle=False) as data:
            params = Parameters.from_dict(json.loads(str(data["params"])))
            n_sectors = int(data["n_sectors"])
            sectors, flip, sx, dephase = [], [], [], []
            for k in range(n_sectors):
                e = data[f"reduced_energies_{k}"]
                sectors.append(Sector(k, np.empty(0, dtype=np.int64), e, np.empty((0, 0)), data[f"iz_{k}"]))
                dephase.append(data[f"dephase_{k}"])
                if k < n_sectors - 1:
                    flip.append(data[f"flip_{k}"])
                    sx.append(data[f"sx_{k}"])
            extra = {key[6:]: data[key] for key in data.files if key.startswith("extra_")}
            shifts = data["shifts"] if "shifts" in data.files else None
    except Exception as exc:
        raise DataFileError(f"{path}: not a readable operator file ({type(exc).__name__}: {exc})") from None
    strengths = Strengths(tuple(flip), tuple(sx), tuple(dephase)).to_backend(backend)
    return params, Spectrum(params, tuple(sectors), backend, shifts), strengths, extra


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


#: Where the workflow keeps a realization: .../{model}/N{n}/B{b}/U{u}/r{rrrr}.parquet
_REALIZATION_PATH = re.compile(r"(?:^|/)([a-z][a-z0-9._-]*)/N(\d+)/B([0-9.]+)/U([0-9.]+)/r(\d+)\.parquet$")


def check_realization_identity(path, table: pa.Table, *, seed: int | None = None) -> None:
    """Check that a realization table is what its path says: the model, N, B, U and the
    realization index recorded in every row equal those of the path (where the path has the
    workflow's layout), and the seed is ``seed`` (if given). A file copied over another is
    refused."""
    recorded = {
        "model": set(table.column("model").to_pylist()),
        "n_spins": set(table.column("n_spins").to_pylist()),
        "b_tesla": set(table.column("b_tesla").to_pylist()),
        "u_mhz": set(table.column("u_mhz").to_pylist()),
        "realization": set(table.column("realization").to_pylist()),
        "seed": set(table.column("seed").to_pylist()),
    }
    for name, values in recorded.items():
        if len(values) != 1:
            raise DataFileError(f"{path}: rows disagree on {name} ({sorted(values)})")
    match = _REALIZATION_PATH.search(Path(path).as_posix())
    expected = {}
    if match:
        model, n, b, u, r = match.groups()
        expected = {"model": model, "n_spins": int(n), "b_tesla": float(b), "u_mhz": float(u), "realization": int(r)}
    if seed is not None:
        expected["seed"] = int(seed)
    for name, value in expected.items():
        (got,) = recorded[name]
        if got != value:
            raise DataFileError(f"{path}: records {name} = {got}, but its path (or the config) says {value}: not this file's result")


def load_point(table_paths, states_paths, *, with_populations: bool = True, seed: int | None = None) -> PointData:
    """Read and stack the per-realization files of one point, checking they agree and are
    what their paths say (:func:`check_realization_identity`, no realization twice, and each
    states file the one its table was computed with)."""
    if len(table_paths) != len(states_paths) or not table_paths:
        raise DataFileError("a point needs one states file per realization table, and at least one")
    columns = ["model", "offset", "omega_mw_rad_s", "p_n", "realization", "seed", "b_tesla", "u_mhz", "mean_reduced_energy_rad_s"]
    columns += [f.name for f in PARAM_FIELDS if f.name != "n_spins"] + ["n_spins"]
    if with_populations:
        columns.append("populations")
    params = offsets = omega = None
    reals, e_rows, s_rows, p_rows, pn_rows = [], [], [], [], []
    seen: dict = {}
    for tpath, spath in zip(table_paths, states_paths):
        if Path(spath).name != Path(tpath).name.replace(".parquet", ".states.parquet"):
            raise DataFileError(f"{spath}: not the states file of {tpath}")
        t = read_table(tpath, REALIZATION_SCHEMA, columns=columns)
        check_realization_identity(tpath, t, seed=seed)
        realization = int(t.column("realization")[0].as_py())
        if realization in seen:
            raise DataFileError(f"{tpath}: realization {realization} again (also in {seen[realization]})")
        seen[realization] = tpath
        st = read_table(spath, STATES_SCHEMA, columns=["reduced_energy_rad_s", "magnetization"])
        row = {name: t.column(name)[0].as_py() for name in [f.name for f in PARAM_FIELDS]}
        p_here = params_from_row(row)
        o = t.column("offset").to_numpy()
        if params is None:
            params, offsets, omega = p_here, o, t.column("omega_mw_rad_s").to_numpy()
        elif p_here != params or not np.array_equal(o, offsets):
            raise DataFileError(f"{tpath}: parameters or offsets differ from those of {table_paths[0]}")
        e = st.column("reduced_energy_rad_s").to_numpy()
        if e.size != 2 ** (params.n_spins + 1):
            raise DataFileError(f"{spath}: {e.size} states, expected {2 ** (params.n_spins + 1)}")
        e_rows.append(e)
        s_rows.append(st.column("magnetization").to_numpy())
        pn_rows.append(t.column("p_n").to_numpy())
        reals.append(int(t.column("realization")[0].as_py()))
        if with_populations:
            flat = t.column("populations").combine_chunks().values.to_numpy()
            if flat.size != o.size * e.size:
                raise DataFileError(f"{tpath}: populations have {flat.size} values, expected {o.size * e.size}")
            pops = flat.reshape(o.size, e.size)
            # <H - w_e Sz> recorded by the solve must follow from these populations and energies.
            recorded = t.column("mean_reduced_energy_rad_s").to_numpy()
            if not np.allclose(pops @ e, recorded, rtol=1e-9, atol=1e-12 * np.abs(e).max()):
                raise DataFileError(f"{spath}: energies disagree with {tpath}: not the states file it was computed with")
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
