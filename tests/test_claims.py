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
    only_u2 = claims.claims_table(None, None, None, fig2(lambda d: 0.3 * d / 80, lambda d: 0.3 * d / 80, us=(2.0,)))
    verdicts = dict(zip(only_u2["claim"], only_u2["verdict"]))
    assert verdicts["exact P_n equals FM across the DNP profile at U = 15 MHz"] == "pending: the U = 15 MHz profile is not computed yet"
    assert verdicts["small P_n at U = 2 MHz but within w_n of w_e ± dw_e"].startswith("does not hold")


def fig2(exact, fm, se=0.01, us=(2.0, 15.0), half_width=54.0):
    """A Fig. 2 table: P_n exact and FM as functions of w_MW - w_e in MHz, at 31 offsets."""
    rows = []
    for u in us:
        for offset in [k / 10 - 1.5 for k in range(31)]:
            d = offset * half_width
            rows.append(dict(u_mhz=u, offset=offset, detuning_mhz=d, p_n_mean=exact(d), p_n_mean_se=se, p_n_fm=fm(d), p_n_fm_se=float("nan")))
    return pd.DataFrame(rows)


def test_profile_follows_fm_counts_the_offsets_within_2_se():
    line = lambda d: -0.25 * d / 54  # noqa: E731
    assert claims.profile_follows_fm(fig2(line, line))["verdict"] == "holds"
    bent = fig2(lambda d: line(d) + (0.05 if abs(d) > 30 else 0.0), line)
    row = claims.profile_follows_fm(bent)
    assert row["verdict"] == "does not hold: beyond 2 SE at 20 of 31 offsets" and "11 of 31 offsets within 2 SE" in row["measured"]


def test_small_polarization_inside_the_line_either_way_with_its_windows():
    fm = lambda d: -0.25 * d / 54  # noqa: E731
    solid = lambda d: 0.3 * (abs(abs(d) - 54) < 20) * (1 if d < 0 else -1)  # noqa: E731  only near w_e ± dw_e
    row = claims.small_polarization_inside_the_line(fig2(solid, fm))
    assert row["verdict"] == "holds: below half of FM inside the line"
    assert "within ±34 MHz, 13 of the profile's 31 offsets" in row["measured"] and "largest magnitude +0.300 at -70.2 MHz" in row["measured"]
    row = claims.small_polarization_inside_the_line(fig2(lambda d: 0.6 * fm(d), fm))
    assert row["verdict"] == "does not hold: above half of FM inside the line" and "ratio 0.60" in row["measured"]
    with pytest.raises(ValueError, match="U = 2 MHz"):
        claims.small_polarization_inside_the_line(fig2(fm, fm, us=(15.0,)))


def test_readme_claims_tables_are_the_shipped_tables():
    """Every claims table in the README (between its markers, naming the CSV folder) is the
    one dnpmbl.pipeline.claims makes of those CSVs now."""
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"<!-- claims: (\S+) -->\n(.*?)<!-- /claims -->", readme, flags=re.S)
    for folder, block in blocks:
        names = ("fig2", "fig3", "fig4", "fig5")
        tables = {f: pd.read_csv(ROOT / folder / f"{f}.csv") if (ROOT / folder / f"{f}.csv").exists() else None for f in names}
        assert block == claims.markdown(claims.claims_table(tables["fig3"], tables["fig4"], tables["fig5"], tables["fig2"])), folder
