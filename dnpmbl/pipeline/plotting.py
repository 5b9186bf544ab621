"""Figures 2-5, and S1-S5 beyond the paper, in the style of a physics paper, from the
tables of the workflow."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from .figures import FIGURES as SPECIFICATIONS  # noqa: E402
from .figures import figure  # noqa: E402

STYLE = {
    "font.family": "serif",
    "font.size": 9,
    "axes.labelsize": 9,
    "legend.fontsize": 7.5,
    "xtick.direction": "in",
    "ytick.direction": "in",
    "xtick.top": True,
    "ytick.right": True,
    "axes.linewidth": 0.7,
    "lines.linewidth": 1.0,
    "lines.markersize": 4,
    "figure.dpi": 100,
    "legend.frameon": False,
    "mathtext.fontset": "dejavuserif",  # math in the serif of the text
}
#: Resolution of the PNGs (given to savefig: the style's context has closed by then).
PNG_DPI = 300
COLORS = ["tab:red", "tab:blue", "tab:green", "tab:purple", "tab:orange", "tab:brown"]


def _summary(frame: pd.DataFrame) -> str:
    """'N = 12, 100 realizations per point' when the table has one N and one count."""
    n = frame["n_spins"].dropna().unique() if "n_spins" in frame else []
    reals = frame["n_realizations"].dropna().unique() if "n_realizations" in frame else []
    bits = [f"N = {int(n[0])}"] if len(n) == 1 else []
    bits += [f"{int(reals[0])} realizations per point"] if len(reals) == 1 else []
    return ", ".join(bits)


def _note(ax, frame: pd.DataFrame):
    """The summary as a small right-aligned title of ``ax``."""
    ax.set_title(_summary(frame), fontsize=6.5, color="0.35", loc="right")


def figure2(table: pd.DataFrame):
    """DNP profile: P_n against (w_MW - w_e)/2pi for each U; symbols exact, dashed FM, dotted
    the U^2 PE in the continuum limit (the paper's, as in Fig. 3). The finite-N expansion is
    in the table but not drawn: within about a Zeeman spacing of a spin's frequency its U^2
    branch ends below U = 15 MHz (docs/physics.md section 9)."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(3.4, 3.1), constrained_layout=True)
        handles = []
        for color, (u, rows) in zip(COLORS, table.groupby("u_mhz")):
            rows = rows.sort_values("detuning_mhz")
            x = rows["detuning_mhz"]
            ax.errorbar(x, rows["p_n_mean"], yerr=rows["p_n_mean_se"], fmt="o", ms=2.5, color=color, elinewidth=0.6)
            ax.plot(x, rows["p_n_fm"], "--", color=color)
            if "p_n_pe2_continuum" in rows:
                ax.plot(x, rows["p_n_pe2_continuum"], ":", color=color, lw=0.9)
            handles.append(Line2D([], [], color=color, lw=2, label=f"U = {u:g} MHz"))
        # One legend for the colours (U) and one for the line styles, below the axes.
        handles += [
            Line2D([], [], color="0.2", marker="o", ms=2.5, ls="none", label="exact mean ± s.e."),
            Line2D([], [], color="0.2", ls="--", label=r"Eq. (1), $\beta_{FM}$"),
            Line2D([], [], color="0.2", ls=":", label=r"Eq. (1), $\beta_{PE}$ ($U^2$, $N\to\infty$)"),
        ]
        ax.axhline(0, color="0.6", lw=0.5)
        ax.set_xlabel(r"$(\omega_{MW} - \omega_e)/2\pi$ (MHz)")
        ax.set_ylabel(r"$P_n$")
        fig.legend(handles=handles, loc="outside lower center", ncol=2)
        _note(ax, table)
        return fig


#: How each microwave convention of Fig. 3 is drawn: ``scaled`` (and the U scan) as the
#: paper draws it; ``fixed`` with open squares, down triangles, a dotted PE, a hatched band.
CONVENTION_STYLES = {
    "scaled": {"exact": "o", "exact_face": None, "fm": "^", "pe": "--", "band": {"color": "tab:red", "alpha": 0.15, "lw": 0}},
    "fixed": {"exact": "s", "exact_face": "none", "fm": "v", "pe": ":",
              "band": {"facecolor": "none", "edgecolor": "tab:red", "hatch": "/////", "alpha": 0.35, "lw": 0}},
}  # fmt: skip
#: How Fig. 3's legend names each convention of the B scan.
CONVENTION_LABELS = {
    "scaled": r"$\omega_{MW}-\omega_e$ scaled with $\delta\omega_e$",
    "fixed": r"$\omega_{MW}-\omega_e$ fixed in MHz",
}


def _figure3_series(ax, rows: pd.DataFrame, xcol: str, convention: str) -> None:
    """One scan of Fig. 3 (one panel, one convention) in the convention's style: exact mean
    with its standard error and a band of +- the std over realizations, FM, PE."""
    style = CONVENTION_STYLES[convention]
    x = rows[xcol]
    if "p_n_std" in rows:
        ax.fill_between(x, rows["p_n_mean"] - rows["p_n_std"], rows["p_n_mean"] + rows["p_n_std"], **style["band"],
                        label="exact: ± std over realizations")
    ax.errorbar(x, rows["p_n_mean"], yerr=rows["p_n_mean_se"], fmt=style["exact"], color="tab:red", ms=4,
                mfc=style["exact_face"], elinewidth=0.7, capsize=1.5, label="exact, Eq. (26): mean ± s.e.")
    ax.errorbar(x, rows["p_n_fm"], yerr=rows.get("p_n_fm_se"), fmt=style["fm"], color="tab:blue", ms=4, mfc="none",
                elinewidth=0.7, label=r"Eq. (1), $\beta_{FM}$")
    order = int(rows["pe_order"].iloc[0]) if "pe_order" in rows else 2
    ax.plot(x, rows["p_n_pe"], style["pe"], color="k", label=rf"Eq. (1), $\beta_{{PE}}$ ($U^{order}$)")


def _convention_legend(ax, conventions) -> None:
    """Inside ``ax``: which symbols and PE line belong to which convention of the B scan."""
    handles = [
        Line2D([], [], color="0.2", marker=CONVENTION_STYLES[c]["exact"], mfc=CONVENTION_STYLES[c]["exact_face"],
               ls=CONVENTION_STYLES[c]["pe"], label=CONVENTION_LABELS[c])
        for c in conventions
    ]  # fmt: skip
    ax.legend(handles=handles, loc="best", fontsize=6.5, handlelength=2.6)


def figure3(table: pd.DataFrame):
    """P_n against U (left) and B (right): exact mean (red disks, bootstrap errors), FM (blue
    triangles), PE (black dashed). The B scan draws each microwave convention in the table's
    ``convention`` column: scaled so, fixed with open red squares, open down triangles and
    a dotted PE; a legend in the panel names them."""
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(6.8, 3.0), sharey=True, constrained_layout=True)
        for ax, (panel, xcol, xlabel) in zip(axes, (("U", "u_mhz", r"$U/2\pi$ (MHz)"), ("B", "b_tesla", r"$B$ (T)"))):
            rows = table[table["panel"] == panel].sort_values(xcol)
            if rows.empty:
                continue
            conventions = [c for c in CONVENTION_STYLES if c in set(rows["convention"])]
            for convention in conventions:
                _figure3_series(ax, rows[rows["convention"] == convention], xcol, convention)
            if panel == "B":
                _convention_legend(ax, conventions)
            ax.set_xlabel(xlabel)
            fixed = f"B = {rows['b_tesla'].iloc[0]:g} T" if panel == "U" else f"U = {rows['u_mhz'].iloc[0]:g} MHz"
            ax.set_title(fixed, fontsize=8)
        axes[0].set_ylabel(r"$P_n$")
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=4)
        fig.suptitle(_summary(table), fontsize=6.5, color="0.35", x=0.99, ha="right")
        return fig


def figure4(table: pd.DataFrame):
    """(a) <n|Sz_1|n> against eigenstate index for each U; (b) delta M against N (log scale)."""
    with plt.rc_context(STYLE):
        fig, (ax_a, ax_b) = plt.subplots(1, 2, figsize=(6.8, 3.0), constrained_layout=True)
        a = table[table["panel"] == "a"]
        for color, (u, rows) in zip(COLORS, a.groupby("u_mhz")):
            ax_a.plot(rows["eigenstate"], rows["sz_spin"], ".", ms=1.2, color=color, label=f"U = {u:g} MHz")
        if not a.empty:
            ax_a.set_title(f"N = {int(a['n_spins'].iloc[0])}, one realization", fontsize=8)
        ax_a.set_xlabel("eigenstate $n$ (increasing energy)")
        ax_a.set_ylabel(r"$\langle n | S^z_1 | n \rangle$")
        ax_a.set_ylim(-0.55, 0.55)

        b = table[table["panel"] == "b"]
        for color, (u, rows) in zip(COLORS, b.groupby("u_mhz")):
            rows = rows.sort_values("n_spins")
            ax_b.errorbar(rows["n_spins"], rows["delta_m"], yerr=rows["delta_m_se"], fmt="o-", color=color, ms=3,
                          elinewidth=0.7, label=f"U = {u:g} MHz")
        ax_b.set_yscale("log")
        ax_b.set_xlabel("$N$")
        ax_b.set_ylabel(r"$\overline{|\delta M_n^1|}$")
        # The colours mean the same U in both panels: one legend, below them.
        fig.legend(*ax_b.get_legend_handles_labels(), loc="outside lower center", ncol=len(b["u_mhz"].unique()) or 1)
        _panel_tags(ax_a, ax_b)
        return fig


def figure5(table: pd.DataFrame):
    """(a) mean D_KL against U; (b) standard deviation of P_n against U."""
    with plt.rc_context(STYLE):
        fig, (ax_a, ax_b) = plt.subplots(1, 2, figsize=(6.8, 2.6), constrained_layout=True)
        rows = table.sort_values("u_mhz")
        ax_a.errorbar(rows["u_mhz"], rows["kl_mean"], yerr=rows.get("kl_mean_se"), fmt="o-", color="tab:red", ms=3.5,
                      elinewidth=0.7, capsize=1.5)
        ax_a.set_xlabel(r"$U/2\pi$ (MHz)")
        ax_a.set_ylabel(r"$\overline{D_{KL}}$")
        ax_a.set_yscale("log")
        ax_b.errorbar(rows["u_mhz"], rows["p_n_std"], yerr=rows.get("p_n_std_se"), fmt="s-", color="tab:blue", ms=3.5,
                      elinewidth=0.7, capsize=1.5)
        ax_b.set_xlabel(r"$U/2\pi$ (MHz)")
        ax_b.set_ylabel(r"std$(P_n)$ over realizations")
        _panel_tags(ax_a, ax_b)
        _note(ax_b, table)
        return fig


def _panel_tags(*axes) -> None:
    """(a), (b), ... above the top-left corner of each panel, clear of the data."""
    for ax, tag in zip(axes, "abcdef"):
        ax.set_title(f"({tag})", loc="left", fontsize=9)


def figure_s1(table: pd.DataFrame):
    """Finite-size scaling against U, one colour per N: (a) mean exact P_n / P_n^FM,
    (b) std(P_n) over realizations, (c) mean D_KL; bootstrap standard errors."""
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 3, figsize=(7.0, 2.6), constrained_layout=True)
        panels = (("ratio", r"$\overline{P_n}\,/\,P_n^{FM}$", False), ("p_n_std", r"std$(P_n)$", True),
                  ("kl_mean", r"$\overline{D_{KL}}$", True))  # fmt: skip
        for color, (n, rows) in zip(COLORS, table.groupby("n_spins")):
            rows = rows.sort_values("u_mhz")
            label = f"N = {int(n)} ({int(rows['n_realizations'].iloc[0])} real.)"
            for ax, (col, ylabel, log) in zip(axes, panels):
                ax.errorbar(rows["u_mhz"], rows[col], yerr=rows[f"{col}_se"], fmt="o-", color=color, ms=3,
                            elinewidth=0.7, capsize=1.5, label=label)
                ax.set_ylabel(ylabel)
                if log:
                    ax.set_yscale("log")
        axes[0].axhline(1.0, color="0.6", lw=0.6, ls=":")
        for ax in axes:
            ax.set_xlabel(r"$U/2\pi$ (MHz)")
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=len(table["n_spins"].unique()) or 1)
        _panel_tags(*axes)
        return fig


#: How Figure S2 names each marker.
MARKER_LABELS = {
    "ratio": r"(a) $\overline{P_n}/P_n^{FM}$ reaches %s",
    "level_statistics": r"(b) $\langle r\rangle$ crosses Poisson-GOE midpoint",
    "p_n_std": r"(c) std$(P_n)$ falls below %s",
    "kl": r"(d) $\overline{D_{KL}}$ falls below %s",
}


def figure_s2(table: pd.DataFrame):
    """Crossover U_c against 1/N, one series per marker, bootstrap standard errors; a
    marker that does not cross within the scanned U at some N has no point there."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(3.6, 3.4), constrained_layout=True)
        for k, (marker, label) in enumerate(MARKER_LABELS.items()):
            rows = table[table["marker"] == marker].sort_values("n_spins")
            if rows.empty:
                continue
            threshold = rows["threshold"].iloc[0]
            text = label % f"{threshold:g}" if "%s" in label else label
            ax.errorbar(rows["inverse_n"], rows["u_c"], yerr=rows["u_c_se"], fmt="os^D"[k] + "-", color=COLORS[k], ms=3.5,
                        elinewidth=0.7, capsize=1.5, label=text)
        spins = sorted(table["n_spins"].unique())
        ax.set_xticks([1 / n for n in spins], [f"1/{n}" for n in spins], fontsize=7)
        ax.set_xlim(0.8 / max(spins), 1.08 / min(spins))
        ax.set_xlabel("$1/N$")
        ax.set_ylabel(r"$U_c/2\pi$ (MHz)")
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=1)
        return fig


def figure_s3(table: pd.DataFrame):
    """Mean exact / FM against U at one N under each variant (model, microwave offset), with
    U_c of marker (a) in the legend; below it, where the table pairs variants with the paper
    model (``p_n_mean_diff``), each variant's mean exact P_n minus the paper model's on the
    same realizations, with the paired SE."""
    paired = "p_n_mean_diff" in table and table["p_n_mean_diff"].notna().any()
    with plt.rc_context(STYLE):
        if paired:
            fig, (ax, low) = plt.subplots(2, 1, figsize=(6.4, 5.2), sharex=True, height_ratios=(3, 2), constrained_layout=True)
        else:
            fig, ax = plt.subplots(figsize=(6.4, 3.0), constrained_layout=True)
        styles = "os^Dv<>p"
        unpaired = []  # variants without a difference, other than the reference itself
        for k, (variant, rows) in enumerate(table.groupby("variant", sort=False)):
            rows = rows.sort_values("u_mhz")
            u_c, se = rows["u_c_ratio"].iloc[0], rows["u_c_ratio_se"].iloc[0]
            tag = f"$U_c$ = {u_c:.1f} ± {se:.1f}" if u_c == u_c else "$U_c$ outside the scan"
            style = dict(fmt=styles[k % 8] + "-", color=COLORS[k % len(COLORS)], ms=3, elinewidth=0.7, capsize=1.5)
            ax.errorbar(rows["u_mhz"], rows["ratio"], yerr=rows["ratio_se"], label=f"{variant} ({tag})", **style)
            if paired and rows["p_n_mean_diff"].notna().any():
                low.errorbar(rows["u_mhz"], rows["p_n_mean_diff"], yerr=rows["p_n_mean_diff_se"], **style)
            elif paired and not variant.startswith("paper model,"):
                unpaired.append(variant)
        ax.axhline(1.0, color="0.6", lw=0.6, ls=":")
        ax.set_xlabel("" if paired else r"$U/2\pi$ (MHz)")
        ax.set_ylabel(r"$\overline{P_n}\,/\,P_n^{FM}$")
        if paired:
            if unpaired:
                low.text(0.01, 0.02, "not paired (other numbers of realizations): " + "; ".join(unpaired),
                         transform=low.transAxes, fontsize=5.5, color="0.35", va="bottom")  # fmt: skip
            low.axhline(0.0, color="0.6", lw=0.6, ls=":")
            low.set_xlabel(r"$U/2\pi$ (MHz)")
            low.set_ylabel(r"$\overline{P_n} - \overline{P_n}^{\,\mathrm{paper}}$" + "\n(same realizations, paired s.e.)")
        fig.legend(*ax.get_legend_handles_labels(), loc="outside right center", ncol=1, fontsize=6.5)
        _note(ax, table)
        return fig


def figure_s4(table: pd.DataFrame):
    """The B scan with the microwave offset scaled with dw_e (left) or fixed in MHz (right):
    exact mean (disks, standard error; band: std over realizations), FM (triangles), the PE
    as printed (dashed) and with the bath's Sz channel (dash-dotted)."""
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(6.8, 3.0), sharey=True, constrained_layout=True)
        titles = {"scaled": r"$(\omega_{MW}-\omega_e)/\delta\omega_e$ fixed", "fixed": r"$\omega_{MW}-\omega_e$ fixed in MHz"}
        for ax, convention in zip(axes, ("scaled", "fixed")):
            rows = table[table["convention"] == convention].sort_values("b_tesla")
            if rows.empty:
                continue
            x = rows["b_tesla"]
            ax.fill_between(x, rows["p_n_mean"] - rows["p_n_std"], rows["p_n_mean"] + rows["p_n_std"], color="tab:red",
                            alpha=0.15, lw=0, label="exact: ± std over realizations")
            ax.errorbar(x, rows["p_n_mean"], yerr=rows["p_n_mean_se"], fmt="o", color="tab:red", ms=4, elinewidth=0.7,
                        capsize=1.5, label="exact, Eq. (26): mean ± s.e.")
            ax.errorbar(x, rows["p_n_fm"], yerr=rows["p_n_fm_se"], fmt="^", color="tab:blue", ms=4, mfc="none",
                        elinewidth=0.7, label=r"Eq. (1), $\beta_{FM}$")
            order = int(rows["pe_order"].iloc[0])
            ax.plot(x, rows["p_n_pe"], "k--", label=rf"Eq. (1), $\beta_{{PE}}$ ($U^{order}$)")
            ax.plot(x, rows["p_n_pe_sz"], "-.", color="0.35", label=r"$\beta_{PE}$ ($U^2$) + bath $S^z$ channel")
            ax.set_xlabel(r"$B$ (T)")
            detuning = ", ".join(f"{d:.0f}" for d in rows["detuning_mhz"].iloc[[0, -1]])
            ax.set_title(f"{titles[convention]}\n" + rf"($\omega_{{MW}}-\omega_e)/2\pi$ = {detuning} MHz at the ends", fontsize=7)
        axes[0].set_ylabel(r"$P_n$")
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=3)
        fig.suptitle(f"{_summary(table)}, U = {table['u_mhz'].iloc[0]:g} MHz", fontsize=6.5, color="0.35", x=0.99, ha="right")
        return fig


def figure_s5(table: pd.DataFrame):
    """The DNP profile at one U inside the electron line under each model: exact mean
    (symbols, standard error), FM (dashed) and the exact mean ± std over realizations
    (band), against (w_MW - w_e)/2pi."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 3.2), constrained_layout=True)
        exact, fitted = [], []
        for k, (variant, rows) in enumerate(table.groupby("variant", sort=False)):
            rows, color = rows.sort_values("detuning_mhz"), COLORS[k % len(COLORS)]
            x = rows["detuning_mhz"]
            ax.fill_between(x, rows["p_n_mean"] - rows["p_n_std"], rows["p_n_mean"] + rows["p_n_std"], color=color,
                            alpha=0.12, lw=0)  # fmt: skip
            exact.append(ax.errorbar(x, rows["p_n_mean"], yerr=rows["p_n_mean_se"], fmt="o-", color=color, ms=2.5, lw=0.6,
                                     elinewidth=0.7, capsize=1, label=f"{variant}: exact mean ± s.e. (band: ± std)"))  # fmt: skip
            fitted += ax.plot(x, rows["p_n_fm"], "--", color=color, lw=1.0, label=rf"{variant}: Eq. (1), $\beta_{{FM}}$")
        ax.axhline(0.0, color="0.6", lw=0.6, ls=":")
        ax.set_xlabel(r"$(\omega_{MW}-\omega_e)/2\pi$ (MHz)")
        ax.set_ylabel(r"$P_n$")
        handles = exact + fitted  # two columns: the exact means, then the fits
        fig.legend(handles, [h.get_label() for h in handles], loc="outside lower center", ncol=2, fontsize=6.5)
        ax.set_title(f"{_summary(table)}, U = {table['u_mhz'].iloc[0]:g} MHz, B = {table['b_tesla'].iloc[0]:g} T",
                     fontsize=6.5, color="0.35", loc="right")  # fmt: skip
        return fig


#: The drawing function of each figure, as its specification names it (:mod:`.figures`).
FIGURES = {name: globals()[spec.plot] for name, spec in SPECIFICATIONS.items()}


def draw(name: str, table: pd.DataFrame):
    """Figure ``name`` drawn from the table behind it."""
    return FIGURES[figure(name).name](table)


def save(fig, pdf_path, png_path) -> None:
    """Write ``fig`` as PDF and PNG (either path None: not that format), and close it."""
    from ..files import atomic_path

    for path, fmt in ((pdf_path, "pdf"), (png_path, "png")):
        if path is None:
            continue
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, dpi=PNG_DPI if fmt == "png" else "figure")
    plt.close(fig)


__all__ = ["draw", "save", "figure2", "figure3", "figure4", "figure5", "figure_s1", "figure_s2", "figure_s3", "figure_s4"]
