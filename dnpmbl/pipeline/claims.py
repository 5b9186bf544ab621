"""The paper's statements against the numbers of the figure tables (Figs. 2-5).

Each statement of the paper that the figures test is read off the tables behind them
(``results/figures/fig*.csv``, shipped as ``docs/fig*.csv``) and given a verdict by a
stated rule, whichever way it comes out. Differences are measured in standard errors of
the mean over realizations (the tables' ``*_se`` columns, combined in quadrature); "within
2 SE" means the table cannot tell the two apart. The rules:

1. Sec. IV, Fig. 3 left: at large U "the polarization of the nuclear spin collapses with the
   prediction" of the fitting method. For every U >= 15 MHz, z = (exact - FM) / SE.
2. Fig. 3 left: "for U <~ 10 MHz the observed polarization is much smaller than" FM; tested
   at U = 2 MHz against half of FM.
3. Sec. I: a maximum of P_n at a threshold U, below which it is "strongly suppressed"; the U
   of the largest mean exact P_n, and the U whose means lie within 2 SE of it.
4. Fig. 5 right: "vastly enhanced fluctuations" of P_n in the localized phase: std(P_n) at
   2 MHz against 15 MHz.
5. Fig. 5 left: D_KL large at small U, "much smaller" at large U: 2 MHz against the largest U.
6. Fig. 4(b): delta M decays exponentially with N at large U (ETH) and saturates at small U
   (MBL): its ratio between the largest and the smallest N, at the largest and smallest U.
7. Fig. 3 right: "at large fields, the internal thermalization of the electron system breaks
   down": exact against FM at the largest B, in each microwave convention the table holds.
8. Fig. 2: at U = 15 MHz exact and FM "are consistent" across the DNP profile: z at every
   offset; it holds where at least 90 % of the offsets lie within 2 SE (95 % would by chance
   alone if the two were equal). The fit is resampled only at the offsets whose figures draw
   its error bar (the U scan's), so at the other offsets its SE is NaN and z uses the exact
   mean's SE alone: the rule is stricter there than the combined SE would make it.
9. Fig. 2: at U = 2 MHz "a small hyperpolarization, with the exception of a window of width
   O(w_n) around w_MW = w_e ± dw_e" (the solid effect): inside the line, |w_MW - w_e| <
   dw_e - w_n, the mean over offsets of |exact P_n| against that of |P_n^FM|, by the rule of
   2 (below half); the largest |exact P_n| inside and in the windows are given beside it.
   The offsets share their realizations, so this mean has no SE here.
"""

from __future__ import annotations

import math

import pandas as pd

#: Columns of the claims table.
COLUMNS = ["claim", "figure", "paper", "measured", "verdict"]
#: Column headings of the Markdown table where they say more than the column's name: every
#: ± of the measured column is a standard error of the mean over realizations.
HEADINGS = {"measured": "measured (± is SE)"}


def _z(a: float, se_a: float, b: float, se_b: float) -> float:
    se = math.hypot(se_a if math.isfinite(se_a) else 0.0, se_b if math.isfinite(se_b) else 0.0)
    return (a - b) / se if se > 0 else math.copysign(math.inf, a - b) if a != b else 0.0


def _pm(value: float, se: float, digits: int = 3) -> str:
    return f"{value:.{digits}f} ± {se:.{digits}f}"


def _u_scan(fig3: pd.DataFrame) -> pd.DataFrame:
    rows = fig3[fig3["panel"] == "U"].sort_values("u_mhz")
    if rows.empty:
        raise ValueError("the Fig. 3 table has no U-scan rows (panel U)")
    return rows.reset_index(drop=True)


def fm_agreement_at_large_u(fig3: pd.DataFrame, u_min: float = 15.0) -> dict:
    rows = _u_scan(fig3)
    rows = rows[rows["u_mhz"] >= u_min]
    z = [_z(r.p_n_mean, r.p_n_mean_se, r.p_n_fm, r.p_n_fm_se) for r in rows.itertuples()]
    ratios = rows["p_n_mean"] / rows["p_n_fm"]
    off = [f"{u:g}" for u, zi in zip(rows["u_mhz"], z) if abs(zi) > 2]
    return {
        "claim": f"exact P_n equals FM at U >= {u_min:g} MHz",
        "measured": f"exact/FM {ratios.min():.3f}-{ratios.max():.3f} over U = {rows['u_mhz'].min():g}-{rows['u_mhz'].max():g} MHz; z within ±{max(abs(x) for x in z):.1f}",
        "verdict": "holds (every U within 2 SE)" if not off else f"differs beyond 2 SE at U = {', '.join(off)} MHz",
    }


def suppression_at_small_u(fig3: pd.DataFrame, u: float = 2.0) -> dict:
    rows = _u_scan(fig3)
    row = rows[rows["u_mhz"] == u]
    if row.empty:
        raise ValueError(f"the Fig. 3 table has no U = {u:g} MHz row")
    r = row.iloc[0]
    half = 0.5 * r.p_n_fm
    z = _z(r.p_n_mean, r.p_n_mean_se, half, 0.5 * r.p_n_fm_se)
    verdict = "holds: below half of FM" if z < -2 else "does not hold: above half of FM" if z > 2 else "not resolved: within 2 SE of half of FM"
    return {
        "claim": f"exact P_n at U = {u:g} MHz much below FM",
        "measured": f"exact {_pm(r.p_n_mean, r.p_n_mean_se)} vs FM {r.p_n_fm:.3f} (half: {half:.3f}); z = {z:.1f}",
        "verdict": verdict,
    }


def peak_of_p_n(fig3: pd.DataFrame) -> dict:
    rows = _u_scan(fig3)
    top = rows.loc[rows["p_n_mean"].idxmax()]
    near = [
        f"{r.u_mhz:g}" for r in rows.itertuples() if r.u_mhz != top.u_mhz and abs(_z(r.p_n_mean, r.p_n_mean_se, top.p_n_mean, top.p_n_mean_se)) <= 2
    ]
    interior = rows["u_mhz"].min() < top.u_mhz < rows["u_mhz"].max()
    return {
        "claim": "P_n(U) has a maximum at a threshold U",
        "measured": f"largest mean exact P_n {_pm(top.p_n_mean, top.p_n_mean_se)} at U = {top.u_mhz:g} MHz"
        + (f"; within 2 SE of it: U = {', '.join(near)} MHz" if near else "; no other U within 2 SE"),
        "verdict": (f"an interior maximum at U = {top.u_mhz:g} MHz" if interior else "no: the largest value is at the end of the scan")
        + (f", not resolved from U = {', '.join(near)} MHz" if near else ""),
    }


def _at_u(table: pd.DataFrame, u: float, what: str) -> pd.Series:
    row = table[table["u_mhz"] == u]
    if row.empty:
        raise ValueError(f"the {what} table has no U = {u:g} MHz row")
    return row.iloc[0]


def _larger_at_small_u(fig5, column: str, small: float, large: float, digits: tuple[int, int]) -> tuple[float, str, float, str]:
    """``column`` of the Fig. 5 table at ``small`` against ``large`` U: their ratio, the two
    values with their SE as text, z (small minus large, in SE) and the verdict of "larger at
    small U"."""
    a, b = _at_u(fig5, small, "Fig. 5"), _at_u(fig5, large, "Fig. 5")
    z = _z(a[column], a[f"{column}_se"], b[column], b[f"{column}_se"])
    verdict = "holds" if z > 2 else "not resolved (within 2 SE)" if z >= -2 else "does not hold"
    measured = f"{_pm(a[column], a[f'{column}_se'], digits[0])} vs {_pm(b[column], b[f'{column}_se'], digits[1])}"
    return a[column] / b[column], measured, z, verdict


def fluctuations_enhanced(fig5: pd.DataFrame, small: float = 2.0, large: float = 15.0) -> dict:
    ratio, measured, z, verdict = _larger_at_small_u(fig5, "p_n_std", small, large, (3, 4))
    return {
        "claim": f"std(P_n) larger at U = {small:g} than at {large:g} MHz",
        "measured": f"std {measured}: ratio {ratio:.0f}; z = {z:.1f}",
        "verdict": verdict,
    }


def kl_larger_at_small_u(fig5: pd.DataFrame, small: float = 2.0) -> dict:
    large = float(fig5["u_mhz"].max())
    ratio, measured, z, verdict = _larger_at_small_u(fig5, "kl_mean", small, large, (4, 4))
    return {
        "claim": f"D_KL larger at U = {small:g} than at {large:g} MHz",
        "measured": f"D_KL {measured}: ratio {ratio:.1f}; z = {z:.1f}",
        "verdict": verdict,
    }


def delta_m_scaling(fig4: pd.DataFrame) -> dict:
    b = fig4[fig4["panel"] == "b"]
    if b.empty:
        raise ValueError("the Fig. 4 table has no panel (b) rows")
    small, large = float(b["u_mhz"].min()), float(b["u_mhz"].max())
    n_lo, n_hi = int(b["n_spins"].min()), int(b["n_spins"].max())

    def ratio(u):
        lo = b[(b["u_mhz"] == u) & (b["n_spins"] == n_lo)].iloc[0]
        hi = b[(b["u_mhz"] == u) & (b["n_spins"] == n_hi)].iloc[0]
        r = hi.delta_m / lo.delta_m
        se = r * math.hypot(hi.delta_m_se / hi.delta_m, lo.delta_m_se / lo.delta_m)
        return r, se

    r_large, se_large = ratio(large)
    r_small, se_small = ratio(small)
    per_spin = r_large ** (1.0 / (n_hi - n_lo))
    z = _z(r_small, se_small, r_large, se_large)
    return {
        "claim": f"delta M decays with N at U = {large:g} MHz, much less at {small:g} MHz",
        "measured": f"delta M(N = {n_hi}) / delta M(N = {n_lo}): {_pm(r_large, se_large)} at U = {large:g} "
        f"({per_spin:.2f} per added spin), {_pm(r_small, se_small)} at U = {small:g} MHz",
        "verdict": "holds: faster decay at large U" if z > 2 else "not resolved (within 2 SE)" if z >= -2 else "does not hold",
    }


def large_field_breakdown(fig3: pd.DataFrame) -> list[dict]:
    rows = fig3[fig3["panel"] == "B"]
    if rows.empty:
        raise ValueError("the Fig. 3 table has no B-scan rows (panel B)")
    conventions = sorted(rows["convention"].unique()) if "convention" in rows else ["scaled"]
    out = []
    for convention in conventions:
        sel = rows[rows["convention"] == convention] if "convention" in rows else rows
        r = sel.loc[sel["b_tesla"].idxmax()]
        z = _z(r.p_n_mean, r.p_n_mean_se, r.p_n_fm, r.p_n_fm_se)
        verdict = "holds: exact below FM" if z < -2 else "does not hold: exact above FM" if z > 2 else "not resolved: within 2 SE of FM"
        out.append(
            {
                "claim": f"spin temperature breaks down at large B (w_MW - w_e {'fixed in MHz' if convention == 'fixed' else 'scaled with dw_e'})",
                "measured": f"B = {r.b_tesla:g} T: exact {_pm(r.p_n_mean, r.p_n_mean_se)} vs FM {r.p_n_fm:.3f}; z = {z:.1f}",
                "verdict": verdict,
            }
        )
    return out


class NotComputed(ValueError):
    """What a rule needs is not in its table yet (a campaign publishes in pieces): the
    claims table gives the rule a "pending" row with this message."""


def _profile(fig2: pd.DataFrame, u: float) -> pd.DataFrame:
    rows = fig2[fig2["u_mhz"] == u].sort_values("detuning_mhz")
    if rows.empty:
        raise NotComputed(f"the U = {u:g} MHz profile is not computed yet")
    return rows.reset_index(drop=True)


def profile_follows_fm(fig2: pd.DataFrame, u: float = 15.0) -> dict:
    rows = _profile(fig2, u)
    z = pd.Series([_z(r.p_n_mean, r.p_n_mean_se, r.p_n_fm, r.p_n_fm_se) for r in rows.itertuples()])
    inside = int((z.abs() <= 2).sum())
    worst = rows.loc[z.abs().idxmax()]
    return {
        "claim": f"exact P_n equals FM across the DNP profile at U = {u:g} MHz",
        "measured": f"{inside} of {len(rows)} offsets within 2 SE; farthest at {worst.detuning_mhz:+.1f} MHz: "
        f"exact {_pm(worst.p_n_mean, worst.p_n_mean_se)} vs FM {worst.p_n_fm:.3f} (z = {z[z.abs().idxmax()]:.1f})",
        "verdict": "holds" if inside >= 0.9 * len(rows) else f"does not hold: beyond 2 SE at {len(rows) - inside} of {len(rows)} offsets",
    }


def small_polarization_inside_the_line(fig2: pd.DataFrame, u: float = 2.0, omega_n_mhz: float = 20.0) -> dict:
    """Rule 9; ``omega_n_mhz``: the nuclear Zeeman frequency (Table I), the width of the
    solid-effect windows. dw_e is read off the table (detuning over offset)."""
    rows = _profile(fig2, u)
    scaled = rows[rows["offset"] != 0]
    half_width = float((scaled["detuning_mhz"] / scaled["offset"]).median())
    detuning = rows["detuning_mhz"].abs()
    inner = rows[detuning < half_width - omega_n_mhz]
    window = rows[(detuning >= half_width - omega_n_mhz) & (detuning <= half_width + omega_n_mhz)]
    if inner.empty or window.empty:
        raise ValueError(f"the Fig. 2 table at U = {u:g} MHz has no offsets inside the line or near its edges")
    exact, fm = inner["p_n_mean"].abs().mean(), inner["p_n_fm"].abs().mean()
    top = inner.loc[inner["p_n_mean"].abs().idxmax()]
    edge = window.loc[window["p_n_mean"].abs().idxmax()]
    return {
        "claim": f"small P_n at U = {u:g} MHz but within w_n of w_e ± dw_e",
        "measured": f"inside the line (w_MW - w_e within ±{half_width - omega_n_mhz:.0f} MHz, {len(inner)} of the profile's {len(rows)} offsets): mean magnitude "
        f"exact {exact:.3f} vs FM {fm:.3f} (ratio {exact / fm:.2f}), largest exact {top.p_n_mean:+.3f} at {top.detuning_mhz:+.1f} MHz; "
        f"within w_n of w_e ± dw_e: largest magnitude {edge.p_n_mean:+.3f} at {edge.detuning_mhz:+.1f} MHz",
        "verdict": "holds: below half of FM inside the line" if exact < 0.5 * fm else "does not hold: above half of FM inside the line",
    }


#: The rules in table order: (rule, table it reads, claim, figure, the paper's words). The
#: figure and the paper's words go on every row of the rule; the claim names the row of a
#: rule whose table is not computed yet (the rule words its own, with its parameters).
RULES = [
    (fm_agreement_at_large_u, "fig3", "exact P_n equals FM at U >= 15 MHz", "3 left", "collapses with the FM prediction"),
    (suppression_at_small_u, "fig3", "exact P_n at U = 2 MHz much below FM", "3 left", "much smaller than FM for U <~ 10 MHz"),
    (peak_of_p_n, "fig3", "P_n(U) has a maximum at a threshold U", "3 left", "maximum where the spin temperature breaks down (U ~ 10 MHz)"),
    (fluctuations_enhanced, "fig5", "std(P_n) larger at U = 2 than at 15 MHz", "5 right", "vastly enhanced fluctuations in the localized phase"),
    (kl_larger_at_small_u, "fig5", "D_KL larger at U = 2 MHz than at the largest U", "5 left", "large at small U, much smaller at large U"),
    (delta_m_scaling, "fig4", "delta M decays with N at large U, much less at small U", "4(b)", "exponential decay (ETH) at large U, saturation (MBL) at small U"),
    (large_field_breakdown, "fig3", "spin temperature breaks down at large B", "3 right", "thermalization breaks down at large fields"),
    (profile_follows_fm, "fig2", "exact P_n equals FM across the DNP profile at U = 15 MHz", "2", "consistent at U = 15 MHz"),
    (small_polarization_inside_the_line, "fig2", "small P_n at U = 2 MHz but within w_n of w_e ± dw_e", "2",
     "small hyperpolarization at U = 2 MHz, but in windows of width O(w_n) around w_e ± dw_e (solid effect)"),
]  # fmt: skip


def _pending(claim: str, why: str) -> dict:
    return {"claim": claim, "measured": "-", "verdict": f"pending: {why}"}


def claims_table(fig3: pd.DataFrame | None, fig4: pd.DataFrame | None, fig5: pd.DataFrame | None, fig2: pd.DataFrame | None = None) -> pd.DataFrame:
    """The paper's statements against the tables behind Figs. 2-5 (module docstring).

    A table that is not computed yet (None), a Fig. 3 table without its B-scan panel, a
    B scan of a single field, or a Fig. 2 table without the U of a rule, gives its claims a
    row whose verdict says "pending" and why: a campaign publishes its figures in pieces.
    """
    tables = {"fig2": fig2, "fig3": fig3, "fig4": fig4, "fig5": fig5}
    rows = []
    for rule, name, claim, figure, paper in RULES:
        table = tables[name]
        if table is None:
            out = [_pending(claim, f"the {name} table is not computed yet")]
        elif rule is large_field_breakdown and table[table["panel"] == "B"]["b_tesla"].nunique() < 2:
            out = [_pending(claim, "the B scan is not computed yet")]
        else:
            try:
                out = rule(table)
            except NotComputed as exc:
                out = _pending(claim, str(exc))
            out = out if isinstance(out, list) else [out]
        rows.extend({**row, "figure": figure, "paper": paper} for row in out)
    return pd.DataFrame(rows, columns=COLUMNS)


def markdown(table: pd.DataFrame) -> str:
    """The claims table as a Markdown table (what the README shows)."""
    names = [HEADINGS.get(name, name) for name in COLUMNS]
    head = "| " + " | ".join(names) + " |\n| " + " | ".join("---" for _ in COLUMNS) + " |\n"
    return head + "".join("| " + " | ".join(str(v).replace("|", "/") for v in row) + " |\n" for row in table.itertuples(index=False))
