"""Aggregation of per-point tables into the table behind each figure (pandas in, pandas out)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .eth import EigenstateDiagnostics
from .io import DataFileError, read_table

POINT_KEYS = ["n_spins", "b_tesla", "u_mhz", "offset"]


def read_frames(paths) -> pd.DataFrame:
    """Concatenate Parquet tables (errors name the file)."""
    frames = [read_table(p).to_pandas() for p in paths]
    if not frames:
        raise DataFileError("no input tables")
    return pd.concat(frames, ignore_index=True)


def join_points(fit=None, fluctuations=None, pe=None, kl=None) -> pd.DataFrame:
    """Join the per-point analyses on (N, B, U, offset); offsets matched to 1e-9."""
    frames = [f for f in (fluctuations, fit, pe, kl) if f is not None]
    out = None
    for frame in frames:
        frame = frame.copy()
        frame["offset_key"] = np.round(frame["offset"].to_numpy(), 9)
        keep = [c for c in frame.columns if c not in ("offset", "omega_mw_rad_s", "n_realizations") or out is None]
        frame = frame[keep]
        if out is None:
            out = frame
        else:
            dup = [c for c in frame.columns if c in out.columns and c not in ("n_spins", "b_tesla", "u_mhz", "offset_key")]
            out = out.merge(frame.drop(columns=dup), on=["n_spins", "b_tesla", "u_mhz", "offset_key"], how="left", validate="one_to_one")
    return out.drop(columns=["offset_key"]).sort_values(["b_tesla", "u_mhz", "offset"]).reset_index(drop=True)


def at_offset(frame: pd.DataFrame, offset: float) -> pd.DataFrame:
    """Rows whose microwave offset equals ``offset`` (to 1e-9)."""
    return frame[np.isclose(frame["offset"].to_numpy(), offset, rtol=0, atol=1e-9)].reset_index(drop=True)


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
