"""Aggregation of per-point tables into the table behind each figure (pandas in, pandas out)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..eth import EigenstateDiagnostics
from .io import EIGENSTATE_SCHEMA, DataFileError, read_point_table, read_table

POINT_KEYS = ["n_spins", "b_tesla", "u_mhz", "offset"]


def read_frames(paths, kind: str) -> pd.DataFrame:
    """Concatenate the point tables of one kind (``fit``, ``fluctuations``, ``kl``, ``pe``),
    each checked against its schema (errors name the file)."""
    frames = [read_point_table(p, kind).to_pandas() for p in paths]
    if not frames:
        raise DataFileError("no input tables")
    return pd.concat(frames, ignore_index=True)


def join_points(fit=None, fluctuations=None, pe=None, kl=None) -> pd.DataFrame:
    """Join the per-point analyses on (N, B, U, offset). Offsets are canonical
    (:func:`dnpmbl.pipeline.config.canonical_offset`) in every table, so they join exactly."""
    frames = [f for f in (fluctuations, fit, pe, kl) if f is not None]
    keys = list(POINT_KEYS)
    out = None
    for frame in frames:
        if out is None:
            out = frame.copy()
            continue
        dup = [c for c in frame.columns if c in out.columns and c not in keys]
        out = out.merge(frame.drop(columns=dup), on=keys, how="left", validate="one_to_one", indicator=True)
        unmatched = out[out["_merge"] != "both"]
        if len(unmatched):
            row = unmatched.iloc[0]
            raise DataFileError(
                f"no matching analysis row for N = {row['n_spins']}, B = {row['b_tesla']} T, U = {row['u_mhz']} MHz, "
                f"offset {row['offset']!r}: the point tables disagree on their offsets"
            )
        out = out.drop(columns=["_merge"])
    return out.sort_values(["b_tesla", "u_mhz", "offset"]).reset_index(drop=True)


def at_offset(frame: pd.DataFrame, offset: float) -> pd.DataFrame:
    """Rows whose microwave offset is ``offset`` (canonical: compared exactly)."""
    return frame[frame["offset"].to_numpy() == offset].reset_index(drop=True)


def read_eigenstate_frames(paths) -> list[pd.DataFrame]:
    """The eigenstate tables of Fig. 4, each checked against :data:`EIGENSTATE_SCHEMA` and
    for its ``sz_1`` .. ``sz_N`` columns."""
    frames = []
    for path in paths:
        table = read_table(path, EIGENSTATE_SCHEMA)
        n = table.column("n_spins")[0].as_py() if table.num_rows else 0
        missing = [f"sz_{i + 1}" for i in range(n) if f"sz_{i + 1}" not in table.schema.names]
        if missing:
            raise DataFileError(f"{path}: missing column(s) {', '.join(missing)}: not an eigenstate table")
        frames.append(table.to_pandas())
    return frames


def with_provenance(frame: pd.DataFrame, provenance: dict) -> pd.DataFrame:
    """Add the config hash, package version and git commit as constant columns."""
    frame = frame.copy()
    for key, value in sorted(provenance.items()):
        frame[key] = value
    return frame


def fig4_tables(frames: list[pd.DataFrame], *, example_n_spins: int, example_realization: int, spin: int) -> pd.DataFrame:
    """Panel (a): <n|Sz_spin|n> of one realization per U; panel (b): disorder-averaged
    delta M (spin ``spin`` and averaged over spins) and <r> per (N, U)."""
    rows_a, rows_b = [], []
    per_point: dict = {}
    for df in frames:
        n = int(df["n_spins"].iloc[0])
        u = float(df["u_mhz"].iloc[0])
        r = int(df["realization"].iloc[0])
        sz = df[[f"sz_{i + 1}" for i in range(n)]].to_numpy()
        energies = df["energy_rad_s"].to_numpy()
        diag = EigenstateDiagnostics(energies, sz)
        per_point.setdefault((n, u), []).append((diag.delta_m(spin - 1), diag.delta_m(None), diag.level_spacing_ratio()))
        if n == example_n_spins and r == example_realization:
            rows_a.append(
                pd.DataFrame(
                    {
                        "panel": "a",
                        "n_spins": n,
                        "u_mhz": u,
                        "realization": r,
                        "eigenstate": np.arange(sz.shape[0]),
                        "energy_rad_s": energies,
                        "sz_spin": sz[:, spin - 1],
                    }
                )
            )
    if not rows_a:
        raise DataFileError(
            f"Fig. 4(a): no eigenstate file of realization {example_realization} at N = {example_n_spins} among the inputs"
        )
    for (n, u), values in sorted(per_point.items()):
        values = np.array(values)
        count = values.shape[0]
        sem = values.std(axis=0, ddof=1) / np.sqrt(count) if count > 1 else np.full(3, np.nan)
        rows_b.append(
            {
                "panel": "b",
                "n_spins": n,
                "u_mhz": u,
                "realizations": count,
                "delta_m": values[:, 0].mean(),
                "delta_m_se": sem[0],
                "delta_m_all_spins": values[:, 1].mean(),
                "delta_m_all_spins_se": sem[1],
                "r_mean": values[:, 2].mean(),
                "r_mean_se": sem[2],
            }
        )
    return pd.concat(rows_a + [pd.DataFrame(rows_b)], ignore_index=True)


# --- the table behind each figure: one function per figure, one dispatch table ------------


def fig2_table(inputs, settings: dict) -> pd.DataFrame:
    """DNP profile: exact, FM and PE P_n against w_MW - w_e, per U (inputs: fit,
    fluctuations, pe of the Fig. 2 points)."""
    return join_points(
        fit=read_frames(inputs["fit"], "fit"),
        fluctuations=read_frames(inputs["fluctuations"], "fluctuations"),
        pe=read_frames(inputs["pe"], "pe"),
    )


def fig3_table(inputs, settings: dict) -> pd.DataFrame:
    """P_n against U (panel "U") and against B (panel "B") at the config's microwave offset:
    exact mean, FM and PE values (inputs: left_ and right_ fit, fluctuations, pe)."""
    panels = []
    for panel, side in (("U", "left"), ("B", "right")):
        joined = join_points(
            fit=read_frames(inputs[f"{side}_fit"], "fit"),
            fluctuations=read_frames(inputs[f"{side}_fluctuations"], "fluctuations"),
            pe=read_frames(inputs[f"{side}_pe"], "pe"),
        )
        rows = at_offset(joined, float(settings["offset"]))
        rows.insert(0, "panel", panel)
        panels.append(rows)
    table = pd.concat(panels, ignore_index=True)
    order = int(settings["pe_order"])
    table["p_n_pe"] = table[f"p_n_pe{order}_continuum"]
    table["pe_order"] = order
    return table


def fig4_table(inputs, settings: dict) -> pd.DataFrame:
    """Eigenstate diagnostics: panel (a) one realization, panel (b) the disorder average of
    delta M and <r> against N (inputs: eigenstates)."""
    return fig4_tables(
        read_eigenstate_frames(inputs["eigenstates"]),
        example_n_spins=int(settings["example_n_spins"]),
        example_realization=int(settings["example_realization"]),
        spin=int(settings["spin"]),
    )


def fig5_table(inputs, settings: dict) -> pd.DataFrame:
    """Mean KL divergence and sample-to-sample spread of P_n against U at the config's
    offset (inputs: kl, fluctuations of the Fig. 3 U scan)."""
    kl = read_frames(inputs["kl"], "kl").drop(columns=["kl_per_realization", "realizations"])
    joined = join_points(fluctuations=read_frames(inputs["fluctuations"], "fluctuations"), kl=kl)
    return at_offset(joined, float(settings["offset"]))


FIGURE_TABLES = {"fig2": fig2_table, "fig3": fig3_table, "fig4": fig4_table, "fig5": fig5_table}


def figure_table(fig: str, inputs, settings: dict, provenance: dict) -> pd.DataFrame:
    """The table behind figure ``fig`` from its rule's named inputs and settings, with the
    run's provenance as constant columns."""
    if fig not in FIGURE_TABLES:
        raise ValueError(f"unknown figure {fig!r}; one of {sorted(FIGURE_TABLES)}")
    return with_provenance(FIGURE_TABLES[fig](inputs, settings), provenance)
