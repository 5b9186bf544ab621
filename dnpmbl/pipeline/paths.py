"""Where the workflow keeps each kind of file: one module builds and parses every path.

Each kind of result file has one *template* here, with Snakemake's wildcards in braces
(``results/realizations/{model}/N{n}/B{b}/U{u}/r{r}.parquet``). The rules take their output
patterns from the templates (:func:`pattern`), the workflow's helpers and the campaign build
concrete paths from them (:func:`path` and the named builders below), and the readers parse
a path back into what it names (:func:`parse`) with a regular expression made from the same
template and :data:`WILDCARD_CONSTRAINTS`. A change of the layout is a change here.

Numbers in paths are written by :func:`fmt` (``3.35``, ``15``), realization indices with
four digits (``r0007``).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import numpy as np

#: A model's name: the config's own (``paper``) or a variant of ``models``.
MODEL_NAME = r"[a-z][a-z0-9._-]*"
#: A scan's name (:func:`scan_name`): direction, N and, for a variant, its model.
SCAN_NAME = rf"([ubw])_N(\d+)(?:_({MODEL_NAME}))?"

#: What each wildcard of a template may hold (the workflow's ``wildcard_constraints``; the
#: figure names are added by :mod:`dnpmbl.pipeline.figures`).
WILDCARD_CONSTRAINTS = {
    "model": MODEL_NAME,
    "scan": SCAN_NAME,
    "n": r"\d+",
    "b": r"[0-9.]+",
    "u": r"[0-9.]+",
    "r": r"\d{4}",
}

#: The name of the config's own model (its ``physics``) as a path segment, beside the
#: variants of ``models``.
PAPER_MODEL = "paper"

#: What names one file of each kind below its kind's folder: a parameter point, one of its
#: realizations, ... These are also the names of the logs and benchmarks of the rules that
#: write them (:func:`log`, :func:`benchmark`).
POINT_KEY = "{model}/N{n}/B{b}/U{u}"
REALIZATION_KEY = POINT_KEY + "/r{r}"
KEYS = {
    "realization": REALIZATION_KEY,
    "states": REALIZATION_KEY,
    "point": POINT_KEY,
    "eigenstates": "N{n}/U{u}/r{r}",
    "scan": "{scan}",
    "levels": "N{n}/U{u}",
    "table": "{fig}",
    "figure": "{fig}",
}

#: The result files, by kind: the template of each (relative to the run directory).
TEMPLATES = {
    "realization": f"results/realizations/{REALIZATION_KEY}.parquet",
    "states": f"results/realizations/{REALIZATION_KEY}.states.parquet",
    "point": f"results/points/{POINT_KEY}/{{analysis}}.parquet",
    "eigenstates": f"results/eigenstates/{KEYS['eigenstates']}.parquet",
    "scan": "results/scans/{scan}.parquet",
    "levels": f"results/level_statistics/{KEYS['levels']}.parquet",
    "table": "results/tables/{fig}.parquet",
    "figure": "results/figures/{fig}.{ext}",
}

#: The analyses of a point, each one file of ``results/points/<point>/`` (:data:`TEMPLATES`).
POINT_KINDS = ("fit", "fluctuations", "kl", "pe")
#: The files ``plot_figure`` writes per figure.
FIGURE_FORMATS = ("pdf", "png", "csv")

#: How each wildcard's text reads as a value when a path is parsed.
_TYPES = {"n": int, "r": int, "b": float, "u": float}
#: Constraints of the wildcards of :data:`TEMPLATES` that :data:`WILDCARD_CONSTRAINTS`
#: leaves to others (figure names) or that only the parser needs.
_PARSE_ONLY = {"analysis": r"[a-z]+", "fig": r"[a-z0-9]+", "ext": r"[a-z]+"}


def fmt(x) -> str:
    """A number as it is written in a path (and wherever the workflow names a point):
    3.35 -> '3.35', 15.0 -> '15', 1e-05 -> '0.00001'."""
    return np.format_float_positional(float(x), precision=10, unique=True, fractional=False, trim="-")


def _text(name: str, value) -> str:
    if name in ("b", "u"):
        return fmt(value)
    if name == "r":
        return f"{int(value):04d}"
    if name == "n":
        return str(int(value))
    return str(value)


def _fill(template: str, fixed: dict) -> str:
    for name, value in fixed.items():
        template = template.replace("{" + name + "}", _text(name, value))
    return template


def pattern(kind: str, **fixed) -> str:
    """The template of ``kind`` with the wildcards of ``fixed`` filled in and the others
    left as wildcards: a rule's output pattern (``pattern("point", analysis="fit")``)."""
    template = TEMPLATES[kind]
    unknown = set(fixed) - _wildcards(template)
    if unknown:
        raise KeyError(f"{kind} paths have no {', '.join(sorted(unknown))}")
    return _fill(template, fixed)


def path(kind: str, **values) -> str:
    """The path of one file of ``kind``; every wildcard of its template must be given.
    Numbers are written as in every path (:func:`fmt`, four-digit realizations)."""
    built = pattern(kind, **values)
    if "{" in built:
        raise KeyError(f"{kind} path {built!r}: give {', '.join(sorted(_wildcards(built)))}")
    return built


def log(folder: str, kind: str, extension: str = "log", **fixed) -> str:
    """``logs/<folder>/<key>.log`` of a rule writing files of ``kind`` (or, with
    ``extension="tsv"``, its ``benchmarks/`` file): the key is the part of the template
    below its kind's folder (``{model}/N{n}/B{b}/U{u}/r{r}`` for a realization)."""
    root = "benchmarks" if extension == "tsv" else "logs"
    key = KEYS[kind]
    return f"{root}/{folder}/{_fill(key, {k: v for k, v in fixed.items() if k in _wildcards(key)})}.{extension}"


def benchmark(folder: str, kind: str, **fixed) -> str:
    """``benchmarks/<folder>/<key>.tsv`` of a rule writing files of ``kind``."""
    return log(folder, kind, "tsv", **fixed)


def _regex(template: str) -> re.Pattern:
    """The template as a regular expression that finds it at the end of a path, from its
    kind's folder on (a copy of ``results/`` elsewhere is parsed too)."""
    template = template.removeprefix("results/")
    constraints = {**WILDCARD_CONSTRAINTS, **_PARSE_ONLY}
    out, pos = "", 0
    for match in re.finditer(r"{(\w+)}", template):
        out += re.escape(template[pos : match.start()])
        name = match.group(1)
        out += f"(?P<{name}>{constraints[name]})"
        pos = match.end()
    out += re.escape(template[pos:])
    return re.compile(r"(?:^|/)" + out + "$")


_REGEXES = {kind: _regex(template) for kind, template in TEMPLATES.items()}


def parse(file, kind: str | None = None) -> tuple[str, dict] | None:
    """What a path names: ``(kind, {wildcard: value})`` with numbers read (``n``, ``r`` as
    int, ``b``, ``u`` as float), or None for a path outside the layout. The path may lie
    under any run directory (``/scratch/run/results/...``). With ``kind``, only that kind
    is tried."""
    text = PurePosixPath(file).as_posix() if not isinstance(file, str) else file
    for name in [kind] if kind else TEMPLATES:
        match = _REGEXES[name].search(text)
        if match:
            return name, {k: _TYPES.get(k, str)(v) for k, v in match.groupdict().items()}
    return None


def _wildcards(template: str) -> set:
    return set(re.findall(r"{(\w+)}", template))


# --- the named builders -------------------------------------------------------------------


def realization_file(model: str, n, b, u, r: int) -> str:
    """The table of realization ``r`` of a point."""
    return path("realization", model=model, n=n, b=b, u=u, r=r)


def states_file(model: str, n, b, u, r: int) -> str:
    """The states file beside the table of realization ``r`` of a point."""
    return path("states", model=model, n=n, b=b, u=u, r=r)


def point_file(kind: str, model: str, n, b, u) -> str:
    """The ``kind`` analysis (:data:`POINT_KINDS`) of one (model, N, B, U) point."""
    return path("point", analysis=kind, model=model, n=n, b=b, u=u)


def eigenstate_file(n, u, r: int) -> str:
    """The Fig. 4 eigenstates of realization ``r`` at (N, U)."""
    return path("eigenstates", n=n, u=u, r=r)


def scan_file(name: str) -> str:
    return path("scan", scan=name)


def levels_file(n, u) -> str:
    return path("levels", n=n, u=u)


def table_file(fig: str) -> str:
    return path("table", fig=fig)


def figure_files(fig: str) -> list[str]:
    """The PDF, PNG and CSV of figure ``fig``."""
    return [path("figure", fig=fig, ext=ext) for ext in FIGURE_FORMATS]


def scan_name(direction: str, n: int, model: str | None = None) -> str:
    """The name of a scan of Figures S1-S5: ``u_N8``, ``b_N12``, ``u_N12_d0.5`` (a model
    variant's), ``w_N10`` (S5's offsets at one U); ``model`` None or ``paper`` for the
    config's own."""
    return f"{direction}_N{int(n)}" + (f"_{model}" if model and model != PAPER_MODEL else "")


def parse_scan_name(name: str) -> tuple[str, int, str]:
    """``(direction, N, model)`` of a scan's name (:func:`scan_name`): 'u_N12_d0.5' ->
    ('u', 12, 'd0.5'), 'b_N8' -> ('b', 8, 'paper')."""
    match = re.fullmatch(SCAN_NAME, name)
    if match is None:
        raise ValueError(f"{name!r} is not the name of a scan (u_N8, b_N12, w_N10, u_N12_<model>)")
    return match.group(1), int(match.group(2)), match.group(3) or PAPER_MODEL


#: The rule whose ``benchmarks/`` folder times each kind of job file of a campaign.
JOB_RULES = {"realization": "realization", "eigenstates": "eigenstates"}


def benchmark_of(file: str) -> str:
    """The ``benchmarks/`` file of the job that wrote result ``file`` (a realization or an
    eigenstates file)."""
    parsed = parse(file)
    if parsed is None or parsed[0] not in JOB_RULES:
        raise ValueError(f"{file}: not the file of a timed job ({', '.join(JOB_RULES)})")
    kind, values = parsed
    return benchmark(JOB_RULES[kind], kind, **values)


__all__ = [
    "PAPER_MODEL", "KEYS", "TEMPLATES", "WILDCARD_CONSTRAINTS", "POINT_KINDS", "FIGURE_FORMATS", "fmt", "pattern", "path", "log", "benchmark",
    "parse", "realization_file", "states_file", "point_file", "eigenstate_file", "scan_file", "levels_file", "table_file",
    "figure_files", "scan_name", "parse_scan_name", "benchmark_of",
]  # fmt: skip
