"""One specification per figure: what it computes, what its table reads, and how it is drawn.

Each entry of :data:`FIGURES` says, for one figure,

* ``points``: the realizations it needs, as ``(model, N, B, U, offsets, realizations)`` per
  parameter point (:func:`dnpmbl.pipeline.config.realization_points` merges them over the
  figures asked for);
* ``inputs``: the files its table is made from, named as the table function reads them;
* ``settings``: the config values its table depends on;
* ``table``: the name of its table function in :mod:`dnpmbl.pipeline.tables`;
* ``plot``: the name of its drawing function in :mod:`dnpmbl.pipeline.plotting`.

The workflow (``workflow/rules/common.smk`` and ``figures.smk``), the table and plot rules,
the names a config's ``figures`` list accepts (:func:`dnpmbl.pipeline.config.completed_schema`)
and the wildcard ``fig`` all follow this table. To add a figure: one entry here, its table function (or one of the generic ones) and
its drawing function.

This module imports neither the tables nor the plots, so that parsing the workflow stays
light and each rule's environment holds only what it runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import paths
from .config import (
    PAPER_MODEL,
    b_scan_offset,
    b_scan_offsets,
    beyond_scans,
    canonical_offset,
    fig2_offsets,
    fig3_b_offsets,
    fig4_realizations,
    figure_points,
    fmt,
    level_statistics_points,
)


@dataclass(frozen=True)
class Figure:
    """The specification of one figure (see the module's docstring)."""

    name: str
    caption: str
    points: Callable[[dict], list]
    inputs: Callable[[dict], dict]
    settings: Callable[[dict], dict]
    table: str
    plot: str


# --- what the figures read ------------------------------------------------------------------


def point_inputs(points, config: dict, kinds=paths.POINT_KINDS, prefix: str = "", n=None, model=PAPER_MODEL) -> dict:
    """Named inputs ``{prefix}{kind}``: the ``kind`` analysis of each (B, U) point of
    ``points`` (N: ``n``, or the config's ``n_spins``), in the order of ``points``."""
    n = config["n_spins"] if n is None else n
    return {f"{prefix}{kind}": [paths.point_file(kind, model, n, b, u) for b, u in points] for kind in kinds}


def scan_files(config: dict, figure: str) -> list[str]:
    """The scans of Figures S1-S5 that ``figure`` reads."""
    return [paths.scan_file(name) for name, scan in beyond_scans(config).items() if figure in scan["figures"]]


def level_files(config: dict) -> list[str]:
    return [paths.levels_file(n, u) for n, u in level_statistics_points(config)]


def fig4_files(config: dict) -> list[str]:
    """The eigenstate files of Fig. 4: panel (b)'s realizations of each (N, U), and panel
    (a)'s realization where its N is not among those of panel (b)."""
    fig4 = config["fig4"]
    files = [
        paths.eigenstate_file(n, u, r)
        for n in fig4["n_spins"]
        for u in fig4["u_mhz"]
        for r in range(fig4_realizations(config, n))
    ]
    if fig4["example_n_spins"] not in fig4["n_spins"]:
        files += [paths.eigenstate_file(fig4["example_n_spins"], u, fig4["example_realization"]) for u in fig4["u_mhz"]]
    return sorted(set(files))


def named_models(config: dict, names) -> dict:
    """``{name: the physics keys it changes}`` of the models ``names`` (from ``models``)."""
    return {name: config["models"][name] for name in names}


def mw_offset(config: dict) -> float:
    """The config's microwave offset, canonical (every offset passed to a rule is)."""
    return canonical_offset(config["mw_offset"])


# --- what the figures compute ----------------------------------------------------------------


def _paper_points(config: dict, points, offsets_of) -> list:
    n, r = config["n_spins"], config["realizations"]
    return [(PAPER_MODEL, n, b, u, list(offsets_of(b, u)), r) for b, u in points]


def _scan_points(config: dict, figure: str) -> list:
    return [
        (scan["model"], scan["n_spins"], b, u, scan["offsets"][(fmt(b), fmt(u))], scan["realizations"])
        for scan in beyond_scans(config).values()
        if figure in scan["figures"]
        for b, u in scan["points"]
    ]


def _u_scan_points(config: dict) -> list:
    return _paper_points(config, figure_points(config)["fig3_u"], lambda b, u: [config["mw_offset"]])


def _s4_points(config: dict) -> list:
    (scan,) = [scan for scan in beyond_scans(config).values() if "s4" in scan["figures"]]
    return scan["points"]


def _s4_settings(config: dict) -> dict:
    """The offsets of both B-scan conventions per field, and what the PE lines need."""
    return {
        "scaled": {fmt(b): b_scan_offset(config, b, "scaled") for b, _ in _s4_points(config)},
        "fixed": {fmt(b): b_scan_offset(config, b, "fixed") for b, _ in _s4_points(config)},
        "pe_order": config["analysis"]["pe_order"],
        "delta_omega_e_mhz": config["physics"]["delta_omega_e_mhz"],
        "b_ref_tesla": config["physics"]["b_ref_tesla"],
    }


_TABLE_KINDS = ("fit", "fluctuations", "pe")

#: The figures, in the order the schema lists them.
FIGURES = {
    figure.name: figure
    for figure in (
        Figure(
            "fig2",
            "DNP profile: P_n against w_MW - w_e at each U (paper, Fig. 2)",
            points=lambda c: _paper_points(c, figure_points(c)["fig2"], lambda b, u: fig2_offsets(c)),
            inputs=lambda c: point_inputs(figure_points(c)["fig2"], c, kinds=_TABLE_KINDS),
            settings=lambda c: {},
            table="fig2_table",
            plot="figure2",
        ),
        Figure(
            "fig3",
            "P_n against U and against B (paper, Fig. 3)",
            points=lambda c: _u_scan_points(c)
            + _paper_points(c, figure_points(c)["fig3_b"], lambda b, u: b_scan_offsets(c, b).values()),
            inputs=lambda c: {
                **point_inputs(figure_points(c)["fig3_u"], c, kinds=_TABLE_KINDS, prefix="left_"),
                **point_inputs(figure_points(c)["fig3_b"], c, kinds=_TABLE_KINDS, prefix="right_"),
            },
            settings=lambda c: {
                "offset": mw_offset(c),
                # {convention: {b_text: offset}}, one convention or both (fig3.b_scan_offset)
                "b_offsets": fig3_b_offsets(c),
                "pe_order": c["analysis"]["pe_order"],
            },
            table="fig3_table",
            plot="figure3",
        ),
        Figure(
            "fig4",
            "Eigenstates of the electrons alone: <n|Sz_1|n> and delta M against N (paper, Fig. 4)",
            points=lambda c: [],
            inputs=lambda c: {"eigenstates": fig4_files(c)},
            settings=lambda c: {
                "example_n_spins": c["fig4"]["example_n_spins"],
                "example_realization": c["fig4"]["example_realization"],
                "spin": c["fig4"]["spin"],
            },
            table="fig4_table",
            plot="figure4",
        ),
        Figure(
            "fig5",
            "D_KL and std(P_n) against U (paper, Fig. 5)",
            points=_u_scan_points,
            inputs=lambda c: point_inputs(figure_points(c)["fig3_u"], c, kinds=("kl", "fluctuations")),
            settings=lambda c: {"offset": mw_offset(c)},
            table="fig5_table",
            plot="figure5",
        ),
        Figure(
            "s1",
            "Finite-size scaling of exact / FM, std(P_n) and D_KL against U",
            points=lambda c: _scan_points(c, "s1"),
            inputs=lambda c: {"scans": scan_files(c, "s1")},
            settings=lambda c: {"offset": mw_offset(c)},
            table="s1_table",
            plot="figure_s1",
        ),
        Figure(
            "s2",
            "Crossover U_c of four markers against 1/N",
            # The scans of S1 (beyond_scans computes them for s1 and s2 alike).
            points=lambda c: _scan_points(c, "s1"),
            inputs=lambda c: {"scans": scan_files(c, "s1"), "levels": level_files(c)},
            settings=lambda c: {"offset": mw_offset(c), "thresholds": c["beyond"]["thresholds"]},
            table="s2_table",
            plot="figure_s2",
        ),
        Figure(
            "s3",
            "Sensitivity of the crossover to the model's choices and the microwave offset",
            points=lambda c: _scan_points(c, "s3"),
            inputs=lambda c: {"scans": scan_files(c, "s3")},
            settings=lambda c: {
                "offset": mw_offset(c),
                "n_spins": c["beyond"]["sensitivity"]["n_spins"],
                "ratio": c["beyond"]["thresholds"]["ratio"],
                "models": named_models(c, c["beyond"]["sensitivity"]["models"]),
            },
            table="s3_table",
            plot="figure_s3",
        ),
        Figure(
            "s4",
            "The B scan under both microwave conventions",
            points=lambda c: _scan_points(c, "s4"),
            inputs=lambda c: {
                "scans": scan_files(c, "s4"),
                **point_inputs(_s4_points(c), c, kinds=("pe",), n=c["beyond"]["b_scan"]["n_spins"]),
            },
            settings=_s4_settings,
            table="s4_table",
            plot="figure_s4",
        ),
        Figure(
            "s5",
            "The DNP profile inside the line at small U: the comb of solid-effect lines under other models",
            points=lambda c: _scan_points(c, "s5"),
            inputs=lambda c: {"scans": scan_files(c, "s5")},
            settings=lambda c: {
                "models": named_models(c, c["beyond"]["profile"]["models"]),
                "delta_omega_e_mhz": c["physics"]["delta_omega_e_mhz"],
                "b_ref_tesla": c["physics"]["b_ref_tesla"],
            },
            table="s5_table",
            plot="figure_s5",
        ),
    )
}

#: The figure names as the workflow's wildcard ``fig`` takes them.
FIGURE_WILDCARD = "|".join(FIGURES)


def figure(name: str) -> Figure:
    """The specification of figure ``name``."""
    if name not in FIGURES:
        raise ValueError(f"unknown figure {name!r}; one of {', '.join(FIGURES)}")
    return FIGURES[name]


def table_inputs(name: str, config: dict) -> dict:
    """Named inputs of the table behind figure ``name``."""
    return figure(name).inputs(config)


def table_settings(name: str, config: dict) -> dict:
    """The config values the table behind figure ``name`` depends on."""
    return figure(name).settings(config)


def targets(config: dict) -> list[str]:
    """The PDF, PNG and CSV of every figure the config asks for."""
    return [file for name in config["figures"] for file in paths.figure_files(name)]


__all__ = ["Figure", "FIGURES", "FIGURE_WILDCARD", "figure", "table_inputs", "table_settings", "targets", "point_inputs", "fig4_files"]
