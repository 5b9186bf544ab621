"""Aggregation of per-point tables into the table behind each figure (pandas in, pandas out)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..crossover import R_MIDPOINT, crossing_with_error, mean_statistic
from ..eth import EigenstateDiagnostics
from ..statistics import resample_indices
from .figures import FIGURES, figure
from .paths import PAPER_MODEL, fmt
from .io import EIGENSTATE_SCHEMA, SCAN_STATISTICS
from .readers import DataFileError, check_path_identity, read_point_table, read_table

POINT_KEYS = ["n_spins", "b_tesla", "u_mhz", "offset"]


def read_frames(paths, kind: str) -> pd.DataFrame:
    """Concatenate the point tables of one kind (``fit``, ``fluctuations``, ``kl``, ``pe``),
    each checked against its schema and its path (errors name the file); two files with a
    row of the same point and offset are refused, naming both."""
    frames = [read_point_table(p, kind).to_pandas() for p in paths]
    if not frames:
        raise DataFileError("no input tables")
    keys = [k for k in POINT_KEYS if k in frames[0].columns] + (["scan"] if kind == "scan" else [])
    first: dict = {}
    for path, frame in zip(paths, frames):
        for row in set(frame[keys].itertuples(index=False, name=None)):
            if row in first:
                raise DataFileError(f"{path}: holds the rows of {first[row]} ({', '.join(keys)} = {row}): a copy of another point's table", path)
            first[row] = path
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
        try:
            out = out.merge(frame.drop(columns=dup), on=keys, how="left", validate="one_to_one", indicator=True)
        except pd.errors.MergeError as exc:
            raise DataFileError(f"the point tables hold a point and offset twice ({exc})") from None
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
        check_path_identity(path, table, "eigenstates")
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


# --- the table behind each figure: one function per figure (named by its specification) --


def fig2_table(inputs, settings: dict) -> pd.DataFrame:
    """DNP profile: exact, FM and PE P_n against w_MW - w_e, per U (inputs: fit,
    fluctuations, pe of the Fig. 2 points)."""
    return join_points(
        fit=read_frames(inputs["fit"], "fit"),
        fluctuations=read_frames(inputs["fluctuations"], "fluctuations"),
        pe=read_frames(inputs["pe"], "pe"),
    )


#: The convention of Fig. 3's U scan: its offset is mw_offset in units of dw_e at its field
#: (``fig3.b_tesla``), i.e. the B scan's ``scaled`` convention at one B.
U_SCAN_CONVENTION = "scaled"


def b_scan_point_rows(point: pd.DataFrame, b_offsets: dict, source) -> pd.DataFrame:
    """The rows of one B-scan point (one field) under each convention of ``b_offsets``
    (``{convention: {b_text: offset}}``), with a ``convention`` column, in the order of
    ``b_offsets``. A field where both conventions meet (b_ref) gives the same row twice.

    Raises
    ------
    DataFileError
        Naming ``source`` (the point's file) when the point lacks a convention's offset:
        its realizations were not solved at that microwave frequency.
    """
    if point.empty:
        raise DataFileError(f"{source}: no rows: not a point of the B scan")
    b_text = fmt(point["b_tesla"].iloc[0])
    parts = []
    for convention, offsets in b_offsets.items():
        if b_text not in offsets:
            raise DataFileError(f"{source}: B = {b_text} T is not a field of the B scan ({convention}: {', '.join(offsets)} T)")
        rows = at_offset(point, float(offsets[b_text]))
        if len(rows) != 1:
            raise DataFileError(
                f"{source}: no row at offset {fmt(offsets[b_text])} (B = {b_text} T, {convention} convention of "
                f"fig3.b_scan_offset; offsets here: {', '.join(fmt(o) for o in point['offset'])}): "
                "its realizations were not solved at this microwave frequency"
            )
        rows.insert(0, "convention", convention)
        parts.append(rows)
    return pd.concat(parts, ignore_index=True)


def fig3_table(inputs, settings: dict) -> pd.DataFrame:
    """P_n against U (panel "U", at the config's offset) and against B (panel "B", one row
    per field and convention of ``fig3.b_scan_offset``: scaled, fixed or both): exact mean,
    FM and PE values (inputs: left_ and right_ fit, fluctuations, pe). The ``convention``
    column is the B scan's convention, :data:`U_SCAN_CONVENTION` for the U scan."""
    left = join_points(
        fit=read_frames(inputs["left_fit"], "fit"),
        fluctuations=read_frames(inputs["left_fluctuations"], "fluctuations"),
        pe=read_frames(inputs["left_pe"], "pe"),
    )
    u_rows = at_offset(left, float(settings["offset"]))
    u_rows.insert(0, "convention", U_SCAN_CONVENTION)
    u_rows.insert(0, "panel", "U")
    b_offsets = settings["b_offsets"]
    b_parts = []
    for fit, fluctuations, pe in zip(inputs["right_fit"], inputs["right_fluctuations"], inputs["right_pe"]):
        point = join_points(
            fit=read_frames([fit], "fit"), fluctuations=read_frames([fluctuations], "fluctuations"), pe=read_frames([pe], "pe")
        )
        b_parts.append(b_scan_point_rows(point, b_offsets, fit))
    if not b_parts:
        raise DataFileError("Fig. 3: no B-scan point among the inputs")
    b_rows = pd.concat(b_parts, ignore_index=True)
    # One convention after the other (in the order of the settings), each by field.
    b_rows = pd.concat([b_rows[b_rows["convention"] == c].sort_values("b_tesla") for c in b_offsets], ignore_index=True)
    b_rows.insert(0, "panel", "B")
    table = pd.concat([u_rows, b_rows], ignore_index=True)
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


# --- Figures S1-S5 ---------------------------------------------------------------------


def read_scans(paths) -> pd.DataFrame:
    return read_frames(paths, "scan")


def _without_resamples(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[f"{name}_boot" for name in SCAN_STATISTICS])


def s1_table(inputs, settings: dict) -> pd.DataFrame:
    """Finite-size scaling: mean exact P_n, P_n^FM, their ratio, std(P_n) and mean D_KL
    against U per N, paper model, at the config's offset (inputs: scans)."""
    scans = read_scans(inputs["scans"])
    scans = scans[scans["model"] == PAPER_MODEL]
    return _without_resamples(at_offset(scans, float(settings["offset"]))).sort_values(["n_spins", "u_mhz"]).reset_index(drop=True)


#: The markers of Figure S2: (statistic, rising through the threshold?, threshold key).
STATIONARY_MARKERS = {
    "ratio": ("ratio", True, "ratio"),
    "p_n_std": ("p_n_std", False, "p_n_std"),
    "kl": ("kl_mean", False, "kl"),
}


def scan_crossings(scan: pd.DataFrame, statistic: str, level: float, rising: bool) -> dict:
    """U_c of one statistic in one scan (rows of one N and offset), with its bootstrap error
    from the resamples shared by the scan's points."""
    scan = scan.sort_values("u_mhz")
    replicates = np.vstack([scan[statistic].to_numpy(), np.vstack(scan[f"{statistic}_boot"].to_numpy()).T])
    return crossing_with_error(scan["u_mhz"].to_numpy(), replicates, level, rising=rising)


def level_crossings(frames: list[pd.DataFrame], n_resamples: int) -> list[dict]:
    """Marker (b): U_c where <r> rises through the Poisson-GOE midpoint, per N, with one
    bootstrap over realizations shared by the U points of that N."""
    table = pd.concat(frames, ignore_index=True)
    out = []
    for n, rows in table.groupby("n_spins"):
        us = np.sort(rows["u_mhz"].unique())
        per_u = [rows[rows["u_mhz"] == u].sort_values("realization") for u in us]
        counts = {len(frame) for frame in per_u}
        if len(counts) != 1 or any((f["realization"].to_numpy() != per_u[0]["realization"].to_numpy()).any() for f in per_u):
            raise DataFileError(f"level statistics of N = {n}: the U points do not share their realizations")
        indices = resample_indices(counts.pop(), n_resamples)
        replicates = np.column_stack([mean_statistic(f["r_mean"].to_numpy(), indices) for f in per_u])
        result = crossing_with_error(us, replicates, R_MIDPOINT, rising=True)
        out.append({"marker": "level_statistics", "n_spins": int(n), "threshold": R_MIDPOINT, "realizations": len(per_u[0]), **result,
                    "u_points": len(us)})  # fmt: skip
    return out


def s2_table(inputs, settings: dict) -> pd.DataFrame:
    """Crossover U_c per marker and N, with bootstrap errors (inputs: scans, levels)."""
    scans = at_offset(read_scans(inputs["scans"]), float(settings["offset"]))
    scans = scans[scans["model"] == PAPER_MODEL]
    thresholds = settings["thresholds"]
    rows = []
    for n, scan in scans.groupby("n_spins"):
        for marker, (statistic, rising, key) in STATIONARY_MARKERS.items():
            result = scan_crossings(scan, statistic, float(thresholds[key]), rising)
            rows.append({"marker": marker, "n_spins": int(n), "threshold": float(thresholds[key]),
                         "realizations": int(scan["n_realizations"].iloc[0]), **result, "u_points": len(scan)})  # fmt: skip
    frames = [read_point_table(path, "levels").to_pandas() for path in inputs["levels"]]
    n_resamples = len(scans["ratio_boot"].iloc[0]) if len(scans) else 200
    rows += level_crossings(frames, n_resamples)
    table = pd.DataFrame(rows)
    table["inverse_n"] = 1.0 / table["n_spins"]
    return table.sort_values(["marker", "n_spins"]).reset_index(drop=True)


#: How a model's change reads in a figure: key -> (text, unit).
_CHANGE_TEXT = {"omega_n_mhz": ("w_n", "MHz"), "d_mhz": ("D", "MHz"), "delta_omega_e_mhz": ("dw_e", "MHz"), "omega_1_khz": ("w_1", "kHz")}


def describe_change(key: str, value) -> str:
    """'w_n = 13.5 MHz', 'random Zeeman shifts', 'no bath Sz channel', or 'key = value' for
    the others."""
    if key == "zeeman_shifts":
        return f"{value} Zeeman shifts" if value != "equal" else "equally spaced Zeeman shifts"
    if key == "bath_z_channel":
        return "bath Sz channel" if value else "no bath Sz channel"
    text, unit = _CHANGE_TEXT.get(key, (key, ""))
    return f"{text} = {value:g} {unit}".strip() if isinstance(value, (int, float)) else f"{text} = {value}"


def describe_model(changes: dict) -> str:
    """A model variant named by what it changes: 'w_n = 13.5 MHz, random Zeeman shifts'."""
    return ", ".join(describe_change(key, value) for key, value in sorted(changes.items()))


def detuning_mhz(offset, b_tesla, delta_omega_e_mhz: float, b_ref_tesla: float):
    """w_MW - w_e in MHz: the offset is in units of dw_e, given at ``b_ref_tesla`` and
    scaled with B."""
    return offset * delta_omega_e_mhz * b_tesla / b_ref_tesla


#: The statistics whose paired difference from the paper model Figure S3's table gives.
PAIRED_STATISTICS = ("p_n_mean", "p_n_fm", "ratio")


def paired_differences(rows: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """``{stat}_diff`` and ``{stat}_diff_se`` of :data:`PAIRED_STATISTICS`: the rows' value
    minus the reference's at the same (B, U), and the SD (ddof 1) of that difference over the
    resamples.

    Two scans with the same number of realizations hold the same realizations 0..R-1 and
    the same resampled realizations (:func:`dnpmbl.statistics.resample_indices`), so the
    difference of their resamples is a paired bootstrap: its SE leaves out the scatter
    between realizations that both share (common random numbers). NaN where the reference
    has no row at that point, or another number of realizations or of resamples.
    """
    ref = {(b, u): row for b, u, row in zip(reference["b_tesla"], reference["u_mhz"], reference.itertuples(index=False))}
    out = {f"{stat}_{part}": [] for stat in PAIRED_STATISTICS for part in ("diff", "diff_se")}
    for row in rows.itertuples(index=False):
        other = ref.get((row.b_tesla, row.u_mhz))
        for stat in PAIRED_STATISTICS:
            diff = se = np.nan
            mine = np.asarray(getattr(row, f"{stat}_boot"), dtype=float)
            if other is not None and other.n_realizations == row.n_realizations:
                theirs = np.asarray(getattr(other, f"{stat}_boot"), dtype=float)
                if mine.shape == theirs.shape:
                    diff = getattr(row, stat) - getattr(other, stat)
                    se = float(np.std(mine - theirs, ddof=1)) if mine.size > 1 else np.nan
            out[f"{stat}_diff"].append(diff)
            out[f"{stat}_diff_se"].append(se)
    return pd.DataFrame(out, index=rows.index)


def s3_table(inputs, settings: dict) -> pd.DataFrame:
    """Sensitivity of the crossover at one N: mean exact / FM against U for the paper model
    at each offset and for each variant model at the config's offset, U_c of marker (a)
    per variant, and each variant's paired difference from the paper model at the config's
    offset (:func:`paired_differences`: NaN in the rows of that reference itself, and for a
    variant with another number of realizations; the paper model's other offsets are
    paired) (inputs: scans)."""
    scans = read_scans(inputs["scans"])
    scans = scans[scans["n_spins"] == int(settings["n_spins"])]
    offset = float(settings["offset"])
    reference = scans[(scans["model"] == PAPER_MODEL) & (scans["offset"] == offset)]
    parts = []
    for (model, off), rows in scans.groupby(["model", "offset"]):
        if model != PAPER_MODEL and off != offset:
            continue
        if model == PAPER_MODEL:
            variant = f"paper model, offset {fmt(off)}" if off == offset else f"offset {fmt(off)}"
        else:
            changes = settings["models"][model]
            variant = describe_model(changes)
        result = scan_crossings(rows, "ratio", float(settings["ratio"]), True)
        rows = rows.sort_values("u_mhz")
        part = _without_resamples(rows).copy()
        part.insert(0, "variant", variant)
        part["u_c_ratio"] = result["u_c"]
        part["u_c_ratio_se"] = result["u_c_se"]
        part["u_c_ratio_censored"] = result["censored"]
        is_reference = model == PAPER_MODEL and off == offset
        paired = paired_differences(rows, reference.iloc[:0] if is_reference else reference)
        parts.append(pd.concat([part, paired], axis=1))
    if not parts:
        raise DataFileError("Figure S3: no scan at the sensitivity N among the inputs")
    return pd.concat(parts, ignore_index=True)


def s4_table(inputs, settings: dict) -> pd.DataFrame:
    """The B scan under both microwave conventions (scaled and fixed, fig3.b_scan_offset):
    exact, FM and PE P_n per field (inputs: scans, pe)."""
    scans = read_scans(inputs["scans"])
    pe = read_frames(inputs["pe"], "pe")
    parts = []
    for convention in ("scaled", "fixed"):
        wanted = scans["b_tesla"].map(lambda b: settings[convention][fmt(b)])
        rows = _without_resamples(scans[scans["offset"].to_numpy() == wanted.to_numpy()])
        rows = rows.merge(pe, on=POINT_KEYS, how="left", validate="one_to_one")
        rows.insert(0, "convention", convention)
        parts.append(rows)
    table = pd.concat(parts, ignore_index=True)
    order = int(settings["pe_order"])
    table["p_n_pe"] = table[f"p_n_pe{order}_continuum"]
    table["p_n_pe_sz"] = table["p_n_pe2z_continuum"]
    table["pe_order"] = order
    table["detuning_mhz"] = detuning_mhz(table["offset"], table["b_tesla"], settings["delta_omega_e_mhz"], settings["b_ref_tesla"])
    return table.sort_values(["convention", "b_tesla"]).reset_index(drop=True)


def s5_table(inputs, settings: dict) -> pd.DataFrame:
    """The DNP profile at one U inside the line under the config's model and each model of
    ``beyond.profile.models``: exact mean, FM and std(P_n) per offset, with w_MW - w_e in
    MHz (each model's own dw_e), and per model ``profile_ratio``, the mean over the
    offsets of |exact P_n| over that of |P_n^FM|, with its SE from the scan's bootstrap
    (the offsets share their realizations and their resamples, so the ratio is taken in
    each resample) (inputs: scans)."""
    scans = read_scans(inputs["scans"])
    if scans.empty:
        raise DataFileError("Figure S5: no profile scan among the inputs")
    names = {PAPER_MODEL: "paper model"}
    for model, changes in settings["models"].items():
        names[model] = describe_model(changes)
    unknown = sorted(set(scans["model"]) - set(names))
    if unknown:
        raise DataFileError(f"Figure S5: scans of models {unknown} that beyond.profile.models does not name")
    if len(set(names.values())) < len(names):
        raise DataFileError(f"Figure S5: two models change the same keys alike and could not be told apart: {names}")
    parts = []
    for model, rows in scans.groupby("model", sort=False):
        rows = rows.sort_values("offset").copy()
        own = {**settings, **settings["models"].get(model, {})}  # the model's own dw_e and reference field
        rows["detuning_mhz"] = detuning_mhz(rows["offset"], rows["b_tesla"], own["delta_omega_e_mhz"], own["b_ref_tesla"])
        exact = np.abs(np.array(rows["p_n_mean_boot"].tolist(), dtype=float)).mean(axis=0)
        fm = np.abs(np.array(rows["p_n_fm_boot"].tolist(), dtype=float)).mean(axis=0)
        rows["profile_ratio"] = rows["p_n_mean"].abs().mean() / rows["p_n_fm"].abs().mean()
        rows["profile_ratio_se"] = float(np.std(exact / fm, ddof=1))
        rows.insert(0, "variant", names[model])
        parts.append(_without_resamples(rows))
    order = {model: k for k, model in enumerate(names)}
    table = pd.concat(parts, ignore_index=True)
    return table.sort_values(["model", "offset"], key=lambda c: c.map(order) if c.name == "model" else c).reset_index(drop=True)


#: The table function of each figure, as its specification names it (:mod:`.figures`).
FIGURE_TABLES = {name: globals()[spec.table] for name, spec in FIGURES.items()}


def figure_table(fig: str, inputs, settings: dict, provenance: dict) -> pd.DataFrame:
    """The table behind figure ``fig`` from its rule's named inputs and settings, with the
    run's provenance as constant columns."""
    return with_provenance(FIGURE_TABLES[figure(fig).name](inputs, settings), provenance)
