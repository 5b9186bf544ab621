"""Every figure draws from a tiny table of the columns its table function writes, with its
axes labelled, and is saved as PDF and PNG (dnpmbl.pipeline.plotting)."""

import numpy as np
import pandas as pd
import pytest

from dnpmbl.pipeline import plotting
from dnpmbl.pipeline.figures import FIGURES

U = [2.0, 15.0, 45.0]


def _fig2():
    rows = [
        {"u_mhz": u, "detuning_mhz": d, "p_n_mean": 0.1 * d / 50, "p_n_mean_se": 0.01, "p_n_fm": 0.1, "p_n_pe2_continuum": 0.12,
         "n_spins": 6, "n_realizations": 3}
        for u in (2.0, 15.0) for d in (-50.0, 0.0, 50.0)
    ]  # fmt: skip
    return pd.DataFrame(rows)


def _fig3():
    base = {"p_n_mean": 0.2, "p_n_mean_se": 0.01, "p_n_std": 0.05, "p_n_fm": 0.21, "p_n_fm_se": 0.002, "p_n_pe": 0.22,
            "pe_order": 2, "n_spins": 6, "n_realizations": 3}  # fmt: skip
    rows = [dict(base, panel="U", convention="scaled", u_mhz=u, b_tesla=3.35) for u in U]
    rows += [dict(base, panel="B", convention=c, u_mhz=15.0, b_tesla=b) for c in ("scaled", "fixed") for b in (2.5, 3.35, 5.0)]
    return pd.DataFrame(rows)


def _fig4():
    a = pd.DataFrame({"panel": "a", "n_spins": 6, "u_mhz": np.repeat([2.0, 45.0], 20), "realization": 0,
                      "eigenstate": np.tile(np.arange(20), 2), "energy_rad_s": 0.0, "sz_spin": np.linspace(-0.5, 0.5, 40)})  # fmt: skip
    b = pd.DataFrame([{"panel": "b", "n_spins": n, "u_mhz": u, "realizations": 3, "delta_m": 0.3 / n, "delta_m_se": 0.01}
                      for n in (4, 6, 8) for u in (2.0, 45.0)])  # fmt: skip
    return pd.concat([a, b], ignore_index=True)


def _fig5():
    return pd.DataFrame({"u_mhz": U, "kl_mean": [0.1, 0.01, 0.005], "kl_mean_se": 0.001, "p_n_std": [0.1, 0.01, 0.005],
                         "p_n_std_se": 0.001, "n_spins": 6, "n_realizations": 3})  # fmt: skip


def _s1():
    rows = [{"n_spins": n, "u_mhz": u, "n_realizations": 10, **{f"{c}{s}": v for c, v in (("ratio", 0.9), ("p_n_std", 0.05),
             ("kl_mean", 0.02)) for s, v in (("", v), ("_se", v / 10))}} for n in (4, 6) for u in U]  # fmt: skip
    return pd.DataFrame(rows)


def _s2():
    rows = [{"marker": m, "n_spins": n, "threshold": 0.5, "u_c": 10.0 - n / 2, "u_c_se": 0.5, "inverse_n": 1 / n}
            for m in plotting.MARKER_LABELS for n in (4, 6, 8)]  # fmt: skip
    return pd.DataFrame(rows)


def _s3():
    rows = [{"variant": v, "u_mhz": u, "ratio": 0.9, "ratio_se": 0.02, "u_c_ratio": c, "u_c_ratio_se": 1.0, "n_spins": 6,
             "n_realizations": 5} for v, c in (("paper model, offset -0.5", 8.0), ("w_n = 13.5 MHz", float("nan"))) for u in U]  # fmt: skip
    return pd.DataFrame(rows)


def _s4():
    rows = [{"convention": c, "b_tesla": b, "u_mhz": 15.0, "p_n_mean": 0.2, "p_n_std": 0.05, "p_n_mean_se": 0.01, "p_n_fm": 0.2,
             "p_n_fm_se": 0.01, "pe_order": 2, "p_n_pe": 0.21, "p_n_pe_sz": 0.19, "detuning_mhz": -27.0 * b / 3.35,
             "n_spins": 6, "n_realizations": 4} for c in ("scaled", "fixed") for b in (2.5, 3.35, 5.0)]  # fmt: skip
    return pd.DataFrame(rows)


def _s5():
    rows = [{"variant": v, "u_mhz": 2.0, "b_tesla": 3.35, "detuning_mhz": d, "p_n_mean": 0.1 * d / 30, "p_n_mean_se": 0.01,
             "p_n_std": 0.1, "p_n_fm": 0.1, "n_spins": 6, "n_realizations": 4}
            for v in ("paper model", "random Zeeman shifts") for d in (-30.0, 0.0, 30.0)]  # fmt: skip
    return pd.DataFrame(rows)


TABLES = {"fig2": _fig2, "fig3": _fig3, "fig4": _fig4, "fig5": _fig5, "s1": _s1, "s2": _s2, "s3": _s3, "s4": _s4, "s5": _s5}


def test_every_specified_figure_has_a_table_here():
    assert set(TABLES) == set(FIGURES)


@pytest.mark.parametrize("name", sorted(TABLES))
def test_each_figure_draws_and_labels_its_axes(name, tmp_path):
    fig = plotting.draw(name, TABLES[name]())
    axes = fig.get_axes()
    assert axes
    for ax in axes:
        assert ax.get_xlabel(), f"{name}: an axis without x label"
        assert ax.lines or ax.collections, f"{name}: an empty panel"
    assert axes[0].get_ylabel(), f"{name}: no y label"
    plotting.save(fig, tmp_path / "f.pdf", tmp_path / "f.png")
    assert (tmp_path / "f.pdf").read_bytes()[:4] == b"%PDF"
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.pdf", "f.png"]  # written atomically, nothing beside


def test_fig3_draws_each_convention_of_the_b_scan_with_its_legend():
    table = _fig3()
    fig = plotting.draw("fig3", table)
    legend = fig.get_axes()[1].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [plotting.CONVENTION_LABELS[c] for c in ("scaled", "fixed")]
    fig = plotting.draw("fig3", table[table["convention"] != "fixed"])
    assert [t.get_text() for t in fig.get_axes()[1].get_legend().get_texts()] == [plotting.CONVENTION_LABELS["scaled"]]


def test_s3_draws_the_paired_differences_below_when_the_table_has_them():
    assert len(plotting.draw("s3", _s3()).get_axes()) == 1  # a table without pairing (before the columns existed)
    table = _s3()
    paired = table["variant"] != "paper model, offset -0.5"
    table["p_n_mean_diff"] = np.where(paired, 0.01, np.nan)
    table["p_n_mean_diff_se"] = np.where(paired, 0.002, np.nan)
    upper, lower = plotting.draw("s3", table).get_axes()
    assert (len(upper.containers), len(lower.containers)) == (2, 1)  # the paper model has no difference from itself
    assert "paired" in lower.get_ylabel() and not lower.texts
    table.loc[table["variant"] == "w_n = 13.5 MHz", "p_n_mean_diff"] = np.nan  # e.g. 12 realizations beside 30
    table = pd.concat([table, _s3().assign(variant="offset -0.3", p_n_mean_diff=0.01, p_n_mean_diff_se=0.002)])
    lower = plotting.draw("s3", table).get_axes()[1]
    assert [t.get_text() for t in lower.texts] == ["not paired (other numbers of realizations): w_n = 13.5 MHz"]
    table["p_n_mean_diff"] = np.nan
    assert len(plotting.draw("s3", table).get_axes()) == 1


def test_fig2_draws_the_continuum_expansion_not_the_finite_n_one():
    table = _fig2().assign(p_n_pe2_finite=-0.5)  # a finite-N value nowhere near the others
    ax = plotting.draw("fig2", table).get_axes()[0]
    dotted = [line for line in ax.lines if line.get_linestyle() == ":"]
    assert len(dotted) == 2 and all(np.allclose(line.get_ydata(), 0.12) for line in dotted)


def test_summary_names_one_n_and_one_count():
    assert plotting._summary(_fig5()) == "N = 6, 3 realizations per point"
    assert plotting._summary(_s1()) == "10 realizations per point"  # two N: none named
