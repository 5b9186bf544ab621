"""The paper's statements against the figure tables (dnpmbl.pipeline.claims): each rule
gives the verdict its numbers call for, either way, and the README's claims table is the
one the shipped tables give."""

import re

import pandas as pd
import pytest

from dnpmbl.pipeline import claims

from conftest import ROOT


def fig3(u_rows, b_rows=()):
    rows = [dict(panel="U", convention="scaled", b_tesla=3.35, u_mhz=u, p_n_mean=m, p_n_mean_se=se, p_n_fm=fm, p_n_fm_se=0.001) for u, m, se, fm in u_rows]
    rows += [dict(panel="B", convention=c, b_tesla=b, u_mhz=15.0, p_n_mean=m, p_n_mean_se=se, p_n_fm=fm, p_n_fm_se=0.001) for c, b, m, se, fm in b_rows]
    return pd.DataFrame(rows)


THERMAL = [(2, 0.05, 0.01, 0.19), (6, 0.17, 0.01, 0.18), (15, 0.160, 0.002, 0.162), (45, 0.080, 0.002, 0.079)]


def test_fm_agreement_holds_or_names_the_u_where_it_fails():
    assert claims.fm_agreement_at_large_u(fig3(THERMAL))["verdict"].startswith("holds")
    off = [*THERMAL[:3], (45, 0.060, 0.002, 0.079)]
    assert claims.fm_agreement_at_large_u(fig3(off))["verdict"] == "differs beyond 2 SE at U = 45 MHz"


@pytest.mark.parametrize(
    "mean, se, verdict",
    [(0.05, 0.01, "holds"), (0.15, 0.01, "does not hold"), (0.10, 0.01, "not resolved")],
)
def test_suppression_at_small_u_against_half_of_fm(mean, se, verdict):
    table = fig3([(2, mean, se, 0.19), *THERMAL[1:]])
    assert claims.suppression_at_small_u(table)["verdict"].startswith(verdict)


def test_peak_is_interior_and_says_which_points_it_is_not_resolved_from():
    row = claims.peak_of_p_n(fig3(THERMAL))
    assert row["verdict"] == "an interior maximum at U = 6 MHz, not resolved from U = 15 MHz"
    rising = fig3([(2, 0.01, 0.001, 0.2), (6, 0.02, 0.001, 0.2), (45, 0.3, 0.001, 0.2)])
    assert claims.peak_of_p_n(rising)["verdict"].startswith("no: the largest value is at the end")


def test_large_field_breakdown_per_convention():
    table = fig3(THERMAL, [("scaled", 7.0, 0.27, 0.03, 0.274), ("fixed", 7.0, 0.10, 0.01, 0.30), ("fixed", 3.35, 0.16, 0.002, 0.162)])
    rows = {r["claim"]: r["verdict"] for r in claims.large_field_breakdown(table)}
    assert rows["spin temperature breaks down at large B (w_MW - w_e scaled with dw_e)"].startswith("not resolved")
    assert rows["spin temperature breaks down at large B (w_MW - w_e fixed in MHz)"] == "holds: exact below FM"


def test_fluctuations_kl_and_delta_m_either_way():
    fig5 = pd.DataFrame(
        dict(u_mhz=[2.0, 15.0, 45.0], p_n_std=[0.1, 0.004, 0.008], p_n_std_se=[0.01, 0.001, 0.001], kl_mean=[0.1, 0.02, 0.006], kl_mean_se=[0.005, 0.002, 0.001])
    )
    assert claims.fluctuations_enhanced(fig5)["verdict"] == "holds"
    assert claims.kl_larger_at_small_u(fig5)["verdict"] == "holds"
    flat = fig5.assign(p_n_std=[0.004, 0.004, 0.004])
    assert claims.fluctuations_enhanced(flat)["verdict"].startswith("not resolved")
    fig4 = pd.DataFrame(
        dict(panel="b", n_spins=[8, 8, 14, 14], u_mhz=[2.0, 45.0, 2.0, 45.0], delta_m=[0.40, 0.14, 0.34, 0.024], delta_m_se=[0.01, 0.006, 0.05, 0.003])
    )
    assert claims.delta_m_scaling(fig4)["verdict"] == "holds: faster decay at large U"
    same = fig4.assign(delta_m=[0.40, 0.40, 0.34, 0.34])
    assert claims.delta_m_scaling(same)["verdict"].startswith("not resolved")


def test_missing_rows_are_named():
    with pytest.raises(ValueError, match="U = 2 MHz"):
        claims.suppression_at_small_u(fig3(THERMAL[1:]))
    with pytest.raises(ValueError, match="panel B"):
        claims.large_field_breakdown(fig3(THERMAL))


def test_claims_of_tables_not_computed_yet_are_pending():
    """A campaign publishes its figures one by one: the claims of a missing table, and the
    large-B claim of a B scan with one field, are pending rows, the others evaluated."""
    fig5 = pd.DataFrame(dict(u_mhz=[2.0, 15.0], p_n_std=[0.1, 0.004], p_n_std_se=[0.01, 0.001], kl_mean=[0.1, 0.02], kl_mean_se=[0.005, 0.002]))
    one_field = fig3(THERMAL, [("scaled", 3.35, 0.160, 0.002, 0.162)])
    table = claims.claims_table(one_field, None, fig5)
    assert len(table) == len(claims.RULES)
    verdicts = dict(zip(table["figure"], table["verdict"]))
    assert verdicts["4(b)"] == "pending: the fig4 table is not computed yet"
    assert verdicts["3 right"] == "pending: the B scan is not computed yet"
    assert verdicts["5 right"] == "holds" and verdicts["3 left"].startswith("an interior maximum")
    nothing = claims.claims_table(None, None, None)
    assert nothing["verdict"].str.startswith("pending").all() and nothing["measured"].eq("-").all()


def test_readme_claims_tables_are_the_shipped_tables():
    """Every claims table in the README (between its markers, naming the CSV folder) is the
    one dnpmbl.pipeline.claims makes of those CSVs now."""
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"<!-- claims: (\S+) -->\n(.*?)<!-- /claims -->", readme, flags=re.S)
    for folder, block in blocks:
        tables = {f: pd.read_csv(ROOT / folder / f"{f}.csv") if (ROOT / folder / f"{f}.csv").exists() else None for f in ("fig3", "fig4", "fig5")}
        assert block == claims.markdown(claims.claims_table(tables["fig3"], tables["fig4"], tables["fig5"])), folder
