"""Schemas and writers of the Parquet files exchanged between workflow rules.

What is written here decides the numbers a result file holds, so this module is part of the
source digest of the computing rules (:func:`dnpmbl.pipeline.config.source_digest`); the
readers and their checks live in :mod:`dnpmbl.pipeline.readers`, outside it, so that a
change to a check does not mark computed results stale.

Every writer is atomic: it writes beside the target and renames, so a file appears complete
or not at all (:func:`dnpmbl.files.atomic_path`). Schemas are explicit
(:data:`REALIZATION_SCHEMA`, :data:`STATES_SCHEMA`, :data:`POINT_SCHEMAS`) and documented in
``workflow/README.md``.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .. import __version__
from ..files import atomic_path
from ..model import zeeman_shifts
from ..params import Parameters
from .paths import PAPER_MODEL


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
    pa.field("beta_lattice_s", pa.float64()),
    pa.field("bath_z_channel", pa.bool_()),
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
    "beta_lattice_s": "beta",
    "bath_z_channel": "bath_z_channel",
}
#: Parameter columns renamed since files were written with them: ``{name: former name}``.
#: The readers take a file with the former name as if it had the new one (files of earlier
#: versions, e.g. a campaign's, stay readable). ``beta_s`` is the spin temperature elsewhere.
RENAMED_COLUMNS = {"beta_lattice_s": "beta_s"}
#: Parameter columns added since files were written without them: ``{name: value}``, the
#: value such a file stands for. The readers give a file without the column that value in
#: every row (files of earlier versions, e.g. a campaign's, computed the z channel).
ADDED_COLUMNS = {"bath_z_channel": True}

#: One row per microwave frequency of one realization (written by the rule that solves it).
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


#: The statistics of a scan (:func:`dnpmbl.statistics.point_statistics`).
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
    # A scan (Figures S1-S5): one row per point and offset of one model at one N, with the
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


def params_columns(params: Parameters) -> dict:
    return {col: getattr(params, attr) for col, attr in _PARAM_NAMES.items()}


def write_table(table: pa.Table, path, *, metadata: dict | None = None) -> None:
    """Write a Parquet table atomically, with optional JSON metadata under ``dnpmbl``."""
    if metadata:
        meta = dict(table.schema.metadata or {})
        meta[b"dnpmbl"] = json.dumps(metadata, sort_keys=True).encode()
        table = table.replace_schema_metadata(meta)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def realization_table(result, *, b_tesla, u_mhz, seed, realization, offsets, model=PAPER_MODEL, zeeman="equal") -> pa.Table:
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
