"""The tables behind the figures (``dnpmbl.pipeline.tables``): exact joins on canonical offsets."""

import pandas as pd
import pytest

from dnpmbl.pipeline.io import DataFileError
from dnpmbl.pipeline.tables import FIGURE_TABLES, at_offset, figure_table, join_points


def _frame(offsets, column, value):
    return pd.DataFrame({"n_spins": 6, "b_tesla": 3.35, "u_mhz": 15.0, "offset": offsets, column: value})


def test_join_is_exact_and_refuses_offsets_that_do_not_match():
    fit = _frame([-0.5, 0.0], "p_n_fm", [0.2, 0.0])
    fluct = _frame([-0.5, 0.0], "p_n_mean", [0.19, 0.01])
    joined = join_points(fit=fit, fluctuations=fluct)
    assert list(joined["p_n_fm"]) == [0.2, 0.0] and list(joined["p_n_mean"]) == [0.19, 0.01]
    assert list(at_offset(joined, -0.5)["p_n_mean"]) == [0.19]
    assert at_offset(joined, -0.5 + 1e-12).empty  # not the same offset
    off = _frame([-0.49999999999999994, 0.0], "p_n_fm", [0.2, 0.0])
    with pytest.raises(DataFileError, match="disagree on their offsets"):
        join_points(fit=off, fluctuations=fluct)


def test_every_figure_has_a_table_function():
    assert sorted(FIGURE_TABLES) == ["fig2", "fig3", "fig4", "fig5", "s1", "s2", "s3", "s4"]
    with pytest.raises(ValueError, match="unknown figure"):
        figure_table("fig6", {}, {}, {})
