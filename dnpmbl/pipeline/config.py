"""Validation of the workflow configuration (schema defaults plus semantic checks).

Used by ``workflow/rules/common.smk`` before any job runs; importable without Snakemake so
that the checks are tested directly. Every failure is one line that names the key.
"""

from __future__ import annotations

import copy
import math
import re
from pathlib import Path

import jsonschema
import numpy as np
import yaml

from ..backend import resolve_stationary
from ..model import HYPERFINE_MIN_RATIO
from ..params import HBAR_OVER_KB, TWO_PI
from .paths import PAPER_MODEL, fmt, scan_name  # noqa: F401 (fmt, PAPER_MODEL: part of this module's interface)


class ConfigError(ValueError):
    """A configuration value is wrong; the message names the key."""




def _strict_integer(checker, instance) -> bool:
    """JSON Schema's ``integer`` without integer-valued floats (3.0) or booleans: a count
    written as 3.0 in YAML is refused instead of failing later inside a job."""
    return isinstance(instance, int) and not isinstance(instance, bool)


def _with_defaults(validator_class):
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, sub in properties.items():
                if "default" in sub and name not in instance:
                    instance[name] = copy.deepcopy(sub["default"])
        yield from validate_properties(validator, properties, instance, schema)

    type_checker = validator_class.TYPE_CHECKER.redefine("integer", _strict_integer)
    return jsonschema.validators.extend(validator_class, {"properties": set_defaults}, type_checker=type_checker)


def _check_keys_and_numbers(value, path: str = "") -> None:
    """Every mapping key a string and every number finite (NaN passes JSON Schema's bounds,
    and YAML reads ``8:`` as an integer key that a string default would not match)."""
    if isinstance(value, dict):
        for key, sub in value.items():
            here = f"{path}.{key}" if path else str(key)
            if not isinstance(key, str):
                raise ConfigError(
                    f"config key {here}: keys must be strings (write \"{key}\": YAML reads {key}: as a {type(key).__name__})"
                )
            _check_keys_and_numbers(sub, here)
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            _check_keys_and_numbers(sub, f"{path}[{i}]")
    elif isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"config key {path}: {value} is not a finite number")


def _key(error) -> str:
    path = ""
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"


def load_schema(path) -> dict:
    with open(path) as fh:
        return yaml.safe_load(fh)


class _StrictLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping (plain YAML keeps the
    last without a word)."""


def _strict_mapping(loader, node, deep=False):
    loader.flatten_mapping(node)
    seen: dict = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        line = key_node.start_mark.line + 1
        try:
            first = seen.get(key)
            seen.setdefault(key, line)
        except TypeError:  # an unhashable key: the constructor below refuses it
            continue
        if first is not None:
            raise ConfigError(f"line {line}: key {key!r} is given twice in one mapping (also line {first}); which one is meant?")
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _strict_mapping)


def read_config_file(path) -> dict:
    """A config file (YAML or JSON) as a mapping. A missing or unreadable file, invalid
    YAML, a key given twice or a file that is no mapping raises :class:`ConfigError` in one
    line naming the file."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file {name}: no such file") from None
    except IsADirectoryError:
        raise ConfigError(f"config file {name}: is a directory") from None
    except UnicodeDecodeError:
        raise ConfigError(f"config file {name}: not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"config file {name}: cannot be read ({exc.strerror})") from None
    try:
        data = yaml.load(text, Loader=_StrictLoader)
    except ConfigError as exc:
        raise ConfigError(f"config file {name} {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"config file {name}: not valid YAML{where} ({problem})") from None
    except RecursionError:
        raise ConfigError(f"config file {name}: nested too deeply") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        kind = {list: "a list", str: "a text", bool: "true/false"}.get(type(data), "a number")
        raise ConfigError(f"config file {name}: a config file is a mapping of keys, not {kind}")
    return data


def check_config_files(paths) -> None:
    """Read each config file as :func:`read_config_file` does (a key given twice, which
    Snakemake's own reading lets pass, raises :class:`ConfigError` naming the file)."""
    for path in dict.fromkeys(str(p) for p in paths):
        read_config_file(path)


def merge_config(base: dict, extra: dict) -> dict:
    """``base`` with ``extra`` merged in as Snakemake merges a ``--configfile`` into the
    default config: mappings key by key, any other value replaced."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = merge_config(base[key], value)
        else:
            base[key] = value
    return base


def load_config(paths, root) -> dict:
    """The validated config a run of the checkout at ``root`` with ``--configfile`` for
    each of ``paths`` uses: ``config/config.yaml`` overlaid with each file in order."""
    root = Path(root)
    config = read_config_file(root / "config" / "config.yaml")
    for path in paths:
        config = merge_config(config, read_config_file(path))
    return validate_config(config, root / "workflow" / "schemas" / "config.schema.yaml")


def config_error_line(path, exc: ConfigError) -> str:
    """The one-line error of a command that read the config file ``path``: the message as
    it is where it names the file already, else prefixed with ``path``."""
    message = str(exc)
    return f"error: {message}" if message.startswith("config file") else f"error: {path}: {message}"


def validate_config(config: dict, schema_path) -> dict:
    """Return a validated copy of ``config`` with every default filled in.

    Raises
    ------
    ConfigError
        One line: ``config key <path>: <problem>``.
    """
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise ConfigError(f"config must be a mapping, got {type(config).__name__}")
    schema = completed_schema(load_schema(schema_path))
    config = copy.deepcopy(config)
    _drop_removed_keys(config)
    config = _coerce_numbers(config, schema)
    _check_keys_and_numbers(config)
    validator = _with_defaults(jsonschema.Draft7Validator)(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: (len(list(e.absolute_path)), str(e.message)))
    if errors:
        raise ConfigError(_schema_message(errors[0]))
    check_count_mappings(config, schema)
    check_semantics(config)
    resolve_automatic(config)
    return config


def _drop_removed_keys(config: dict) -> None:
    """Keys of earlier versions: accepted where they ask for what is now the only behaviour,
    refused with the reason otherwise."""
    if "realization_jobs" in config:
        if config["realization_jobs"] != "combined":
            raise ConfigError(
                f"config key realization_jobs: {config['realization_jobs']!r} is no longer offered: the split "
                "layout (diagonalization and stationary states as two jobs) was removed, being 16 % slower "
                "at N = 12 than one job per realization; delete the key"
            )
        del config["realization_jobs"]


#: A number as YAML or Snakemake's ``--config`` may hand it over as text: ``1e-6`` (YAML 1.1
#: wants ``1.0e-6``) or a value nested in ``--config`` (read as text).
_NUMBER_TEXT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_INTEGER_TEXT = re.compile(r"[-+]?\d+")


def _coerce_numbers(value, schema: dict):
    """``value`` with every string that spells a number where ``schema`` wants a number (or
    an integer) turned into that number: ``t2e_s: 1e-6`` (a string to YAML 1.1) is 1e-06 and
    ``--config "fig3={'u_mhz': [2, 15]}"`` gives numbers, not the texts '2' and '15'."""
    kind = schema.get("type")
    if isinstance(value, str):
        text = value.strip()
        if kind == "integer" and _INTEGER_TEXT.fullmatch(text):
            return int(text)
        if kind == "number" and _NUMBER_TEXT.fullmatch(text):
            return int(text) if _INTEGER_TEXT.fullmatch(text) else float(text)
        return value
    if isinstance(value, dict):
        properties, other = schema.get("properties", {}), schema.get("additionalProperties")
        return {
            key: _coerce_numbers(sub, properties.get(key, other if isinstance(other, dict) else {}))
            for key, sub in value.items()
        }
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [_coerce_numbers(sub, schema["items"]) for sub in value]
    return value


#: The unit a key's name ends in, as the messages write it.
_UNITS = {"_ghz": "GHz", "_mhz": "MHz", "_khz": "kHz", "_tesla": "T", "_per_kelvin": "1/K", "_s": "s"}


def unit_of(key: str) -> str:
    """The unit of config key ``key`` from the end of its name ('physics.t2e_s' -> 's',
    'fig3.u_mhz[0]' -> 'MHz'); '' for a count or a ratio."""
    name = re.sub(r"\[\d+\]$", "", key).rsplit(".", 1)[-1]
    for suffix, unit in _UNITS.items():
        if name.endswith(suffix):
            return unit
    return ""


def _schema_message(error) -> str:
    """One line for a schema error: the key, and for a bound the value and the range with
    the key's unit (a value given in another unit reads as such)."""
    key = _key(error)
    if error.validator == "additionalProperties":
        return f"config key {key}: {error.message} (unknown key; see workflow/schemas/config.schema.yaml)"
    if error.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        unit = unit_of(key)

        def text(x) -> str:
            number = str(x) if isinstance(x, int) else f"{x:g}"
            return f"{number} {unit}" if unit else number

        rule = error.schema
        low = rule.get("minimum", rule.get("exclusiveMinimum"))
        high = rule.get("maximum", rule.get("exclusiveMaximum"))
        above = "exclusiveMinimum" in rule
        if low is not None and high is not None:
            span = f"{'above ' if above else ''}{text(low)} to {text(high)}"
        elif low is not None:
            span = f"{'above' if above else 'at least'} {text(low)}"
        else:
            span = f"at most {text(high)}"
        hint = "; a value in another unit?" if unit else ""
        return f"config key {key}: {text(error.instance)} is outside the range it may take ({span}{hint})"
    return f"config key {key}: {error.message}"


#: The counts of realizations keyed by N: (the mapping's key, the key of the list of N it
#: serves, the figures that read it, whether N must be even).
COUNT_MAPPINGS = (
    (("fig4", "realizations"), ("fig4", "n_spins"), {"fig4"}, True),
    (("beyond", "realizations"), ("beyond", "n_spins"), {"s1", "s2"}, False),
    (("beyond", "level_statistics", "realizations"), ("beyond", "level_statistics", "n_spins"), {"s2"}, True),
)


def _at(mapping: dict, path) -> dict:
    for part in path:
        mapping = mapping[part]
    return mapping


def _at_schema(schema: dict, path) -> dict:
    for part in path:
        schema = schema["properties"][part]
    return schema


def check_count_mappings(config: dict, schema: dict) -> None:
    """Each key of a count mapping keyed by N (:data:`COUNT_MAPPINGS`) is N as the
    workflow looks it up ("10", not "010" or "+10"), within the N the figure allows (and
    even where it needs even N): a key never looked up would leave its count unused
    without a word. Keys of N the figure does not compute are then dropped when the figure
    is asked for, so that the config (and its digest) is the same whether or not the
    defaults of config/config.yaml were merged in."""
    wanted = set(config["figures"])
    for path, n_path, figures, even in COUNT_MAPPINGS:
        name = ".".join(path)
        items = _at_schema(schema, n_path)["items"]
        low, high = items["minimum"], items["maximum"]
        mapping = _at(config, path)
        for key in mapping:
            if not re.fullmatch(r"[1-9]\d*", key):
                raise ConfigError(f"config key {name}.{key}: keys are N written as a plain number (\"8\", \"10\"): this one is never looked up")
            if not low <= int(key) <= high or (even and int(key) % 2):
                parity = "even " if even else ""
                raise ConfigError(f"config key {name}.{key}: N = {key} is not an {parity}N from {low} to {high} that {'.'.join(n_path)} may hold")
        if wanted & figures:
            used = {str(n) for n in _at(config, n_path)}
            parent = _at(config, path[:-1])
            parent[path[-1]] = {key: count for key, count in mapping.items() if key in used}


def completed_schema(schema: dict) -> dict:
    """The schema with what it takes from elsewhere filled in: ``models``' entries take the
    keys of ``physics``, without their defaults (a model names only what it changes; the
    rest is the config's physics), and ``figures`` names the figures of
    :data:`dnpmbl.pipeline.figures.FIGURES`, in their order (a new figure is one entry
    there, not also one here)."""
    from .figures import FIGURES  # figures imports this module

    schema = copy.deepcopy(schema)
    physics = schema["properties"]["physics"]["properties"]
    entry = schema["properties"]["models"]["additionalProperties"]
    entry["properties"] = {name: {k: v for k, v in sub.items() if k != "default"} for name, sub in physics.items()}
    schema["properties"]["figures"]["items"]["enum"] = list(FIGURES)
    return schema


def model_names(config: dict) -> list[str]:
    return [PAPER_MODEL, *sorted(config["models"])]


def model_physics(config: dict, model: str) -> dict:
    """The physics of model ``model``: the config's ``physics`` with the model's changes."""
    if model == PAPER_MODEL:
        return dict(config["physics"])
    if model not in config["models"]:
        raise ConfigError(f"config key models: no model named {model!r} (models: {', '.join(model_names(config))})")
    return {**config["physics"], **config["models"][model]}


def resolve_automatic(config: dict) -> None:
    """Replace ``stationary_solver: auto`` by the solver it stands for
    (:func:`dnpmbl.backend.resolve_stationary`)."""
    config["stationary_solver"] = resolve_stationary(config["stationary_solver"])


def check_semantics(config: dict) -> None:
    """Checks a JSON schema cannot express: parity, grid consistency, the frequencies and
    the hyperfine coupling at every point computed. (The size limits are the schema's
    maxima, checked against :data:`dnpmbl.params.MAX_SPINS_STATIONARY` and
    :data:`dnpmbl.eth.MAX_SPINS_ETH` by the tests.)"""
    fig2, fig3, fig4 = config["fig2"], config["fig3"], config["fig4"]
    if config["backend"] == "gpu" and config["stationary_solver"] == "gth":
        raise ConfigError("config key stationary_solver: gth runs on the cpu only; the gpu backend uses lu (or auto)")
    for key in ("sensitivity", "profile"):
        for model in config["beyond"][key]["models"]:
            if model not in config["models"]:
                raise ConfigError(
                    f"config key beyond.{key}.models: {model!r} is not defined under models "
                    f"(defined: {', '.join(sorted(config['models'])) or 'none'})"
                )
    for key, grid in (("fig2", fig2), ("beyond.profile", config["beyond"]["profile"])):
        if grid["offset_min"] >= grid["offset_max"]:
            raise ConfigError(
                f"config key {key}.offset_min: {grid['offset_min']} must be below {key}.offset_max = {grid['offset_max']}"
            )
    for n in config["beyond"]["level_statistics"]["n_spins"]:
        if n % 2:
            raise ConfigError(f"config key beyond.level_statistics.n_spins: N = {n} is odd; the Sz = 0 sector needs even N")
    example = fig4["example_n_spins"]
    if example in fig4["n_spins"] and fig4["example_realization"] >= fig4_realizations(config, example):
        raise ConfigError(
            f"config key fig4.example_realization: realization {fig4['example_realization']} is not among the "
            f"{fig4_realizations(config, example)} computed for N = {example} (fig4.realizations)"
        )
    for n in fig4["n_spins"]:
        if n % 2:
            raise ConfigError(f"config key fig4.n_spins: N = {n} is odd; the Sz = 0 sector needs even N")
    if fig4["example_n_spins"] not in fig4["n_spins"] and fig4["example_n_spins"] % 2:
        raise ConfigError(f"config key fig4.example_n_spins: N = {fig4['example_n_spins']} is odd")
    spins = min(fig4["n_spins"] + [fig4["example_n_spins"]])
    if fig4["spin"] > spins:
        raise ConfigError(f"config key fig4.spin: spin {fig4['spin']} does not exist for N = {spins}")
    if fig3["u_fixed_mhz"] <= 0 or not math.isfinite(fig3["u_fixed_mhz"]):
        raise ConfigError("config key fig3.u_fixed_mhz: must be positive")
    check_path_values(config)
    for model in model_names(config):
        check_frequencies(config, model)
        check_hyperfine(config, model)


#: The keys whose values name paths (B, U) or microwave offsets: a value must read back from
#: its text (:func:`fmt`, 10 significant digits) and appear once in its list.
PATH_VALUES = (
    "mw_offset", "fig2.u_mhz", "fig2.b_tesla", "fig3.b_tesla", "fig3.u_mhz", "fig3.u_fixed_mhz", "fig3.b_scan_tesla",
    "fig4.u_mhz", "beyond.b_tesla", "beyond.u_mhz", "beyond.sensitivity.u_mhz", "beyond.sensitivity.mw_offsets",
    "beyond.b_scan.u_mhz", "beyond.b_scan.b_tesla",
)  # fmt: skip


def check_path_values(config: dict) -> None:
    """Every value of :data:`PATH_VALUES` is the number its text in a path says, and no
    list holds one value twice: U = 2.00000000001 would be computed as U = 2 in a path
    "U2", and two U values with one text would be merged without a word."""
    for name in PATH_VALUES:
        values = _at(config, name.split("."))
        listed = isinstance(values, list)
        for i, value in enumerate(values if listed else [values]):
            text = fmt(value)
            if float(text) != float(value):
                where = f"{name}[{i}]" if listed else name
                raise ConfigError(
                    f"config key {where}: {value!r} has more than the 10 significant digits a path or an offset keeps "
                    f"(it would be computed as {text}{' ' + unit_of(name) if unit_of(name) else ''}); write {text}"
                )
        if listed:
            texts = [fmt(v) for v in values]
            if len(set(texts)) != len(texts):
                raise ConfigError(f"config key {name}: duplicate values {values}")


def _model_points(config: dict, model: str):
    """``(b, u, offsets)`` of each point whose realizations the requested figures compute
    for ``model`` (floats: T, MHz, offsets in units of dw_e)."""
    for (name, _, b_text, u_text), point in realization_points(config).items():
        if name == model:
            yield float(b_text), float(u_text), point["offsets"]


#: The largest hbar (w_e + dw_e) beta accepted: the Boltzmann factors of the bath rates
#: (Eq. 12) underflow double precision near 700 (the generator then loses states: measured
#: at 800 with w_1 = 0; 400 holds).
MAX_ZEEMAN_OVER_KT = 300.0


def check_frequencies(config: dict, model: str = PAPER_MODEL) -> None:
    """At every point the figures compute for ``model``, every electron's Zeeman frequency
    and every microwave frequency ``w_e + x dw_e`` (x: the offset, or -1 for the lowest
    shift) is positive, and hbar (w_e + dw_e) beta is at most :data:`MAX_ZEEMAN_OVER_KT`.
    A value in the wrong unit (dw_e in GHz, beta as a temperature) fails here, naming it."""
    physics = model_physics(config, model)
    where = "physics" if model == PAPER_MODEL else "models." + model
    for b, _, offsets in _model_points(config, model):
        scale = b / physics["b_ref_tesla"]
        w_e, dw = physics["omega_e_ghz"] * 1e3 * scale, physics["delta_omega_e_mhz"] * scale
        lowest = min([*offsets, -1.0])
        if not w_e + lowest * dw > 0:
            raise ConfigError(
                f"config key {where}.delta_omega_e_mhz: dw_e = {dw:.4g} MHz at B = {b:g} T is too wide beside "
                f"w_e = {w_e / 1e3:.4g} GHz: w_e {lowest:+g} dw_e would not be a positive frequency (a value in another unit?)"
            )
        x = physics["beta_per_kelvin"] * HBAR_OVER_KB * TWO_PI * (w_e + dw) * 1e6
        if x > MAX_ZEEMAN_OVER_KT:
            raise ConfigError(
                f"config key {where}.beta_per_kelvin: {physics['beta_per_kelvin']:g} 1/K makes hbar (w_e + dw_e) beta = {x:.4g} "
                f"at B = {b:g} T (w_e = {w_e / 1e3:.4g} GHz there: omega_e_ghz at b_ref_tesla = {physics['b_ref_tesla']:g} T), "
                f"above {MAX_ZEEMAN_OVER_KT:g}: the Boltzmann factors would underflow double precision (a value in another unit?)"
            )


def check_hyperfine(config: dict, model: str = PAPER_MODEL) -> None:
    """D must clear ten times :data:`dnpmbl.model.HYPERFINE_MIN_RATIO` of the largest other
    frequency at any point whose realizations the requested figures compute for ``model``
    (the drawn couplings ``|D_i|`` scatter around ``D / sqrt(N)``), or the jobs would
    refuse it, or compute a wrong P_n. The message names that frequency and its point."""
    physics = model_physics(config, model)
    worst = None
    for b, u, _ in _model_points(config, model):
        scale = b / physics["b_ref_tesla"]
        for label, value in (("dw_e", physics["delta_omega_e_mhz"] * scale), ("w_n", physics["omega_n_mhz"] * scale), ("U", u)):
            if worst is None or value > worst[1]:
                worst = (label, value, b, u)
    if worst is None:
        return
    label, value, b, u = worst
    need = 10 * HYPERFINE_MIN_RATIO * value
    if not physics["d_mhz"] >= need:
        where = "physics" if model == PAPER_MODEL else "models." + model
        raise ConfigError(
            f"config key {where}.d_mhz: {physics['d_mhz']:g} MHz is below {need:.3g} MHz, {10 * HYPERFINE_MIN_RATIO:.0e} of the "
            f"largest other frequency at a point the figures compute ({label} = {value:.4g} MHz at B = {b:g} T, U = {u:g} MHz): "
            "double precision cannot resolve the nuclear spin's coupling there (D = 0 leaves P_n undetermined)"
        )


#: Modules whose source decides the numbers the workflow computes: the physics package
#: and the pipeline modules that write results (the schemas and writers of ``io.py``, and
#: ``jobs.py``). The readers and their checks (``pipeline/readers.py``) and the config's
#: validation (this module) are not among them: a fix to a check recomputes nothing.
COMPUTING_MODULES = ("*.py", "pipeline/io.py", "pipeline/jobs.py")
#: Left out of the digest: editing them leaves every computed result valid (the command
#: line, where and how files are written, and process settings without numerical effect).
NOT_COMPUTING = ("__main__.py", "cli.py", "files.py", "runtime.py")


def source_digest(package_dir=None) -> str:
    """SHA-256 over the source of the modules that compute results
    (:data:`COMPUTING_MODULES` less :data:`NOT_COMPUTING`), in path order. The computing
    rules take it as a parameter, so that Snakemake reruns them when that code changes."""
    import hashlib
    from pathlib import Path

    package_dir = Path(package_dir or Path(__file__).parents[1])
    paths = sorted({p for pattern in COMPUTING_MODULES for p in package_dir.glob(pattern)})
    digest = hashlib.sha256()
    for path in paths:
        if path.name in NOT_COMPUTING:
            continue
        name = path.relative_to(package_dir).as_posix()
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def offset_key(offset: float) -> str:
    """The one exact key of a microwave offset (w_MW - w_e) / dw_e: its text as :func:`fmt`
    writes numbers in paths. Two offsets are the same offset when their keys are equal."""
    return fmt(offset)


def canonical_offset(offset: float) -> float:
    """The offset as the workflow computes it: the float its key reads as. Every offset
    passed between rules is canonical, so rules compare offsets with ``==``."""
    return float(offset_key(offset))


def offset_grid(grid: dict) -> list[float]:
    """The canonical offsets of a grid given by ``offset_min``, ``offset_max`` and
    ``offset_points`` (those of ``fig2`` or of ``beyond.profile``)."""
    return [canonical_offset(x) for x in np.linspace(grid["offset_min"], grid["offset_max"], grid["offset_points"])]


def fig2_offsets(config: dict) -> list[float]:
    return offset_grid(config["fig2"])


def fixed_offset(config: dict, b_tesla: float) -> float:
    """The offset (in units of dw_e at ``b_tesla``) that keeps w_MW - w_e at its value at
    the reference field, ``mw_offset dw_e(b_ref)``: ``mw_offset b_ref / B``
    (``fig3.b_scan_offset: fixed``, or ``both``)."""
    return canonical_offset(config["mw_offset"] * config["physics"]["b_ref_tesla"] / float(b_tesla))


#: The microwave conventions of a B scan: (w_MW - w_e) / dw_e fixed (``scaled``: w_MW - w_e
#: grows with B) or w_MW - w_e fixed in MHz (``fixed``). ``fig3.b_scan_offset: both`` asks
#: for the two.
B_SCAN_CONVENTIONS = ("scaled", "fixed")


def b_scan_conventions(config: dict) -> list[str]:
    """The conventions Fig. 3's B scan draws (``fig3.b_scan_offset``), in the order of
    :data:`B_SCAN_CONVENTIONS`: one, or both under ``both``."""
    chosen = config["fig3"]["b_scan_offset"]
    return list(B_SCAN_CONVENTIONS) if chosen == "both" else [chosen]


def b_scan_offset(config: dict, b_tesla: float, convention: str | None = None) -> float:
    """The offset of the B scan at ``b_tesla`` under ``convention`` (scaled or fixed;
    default: the config's ``fig3.b_scan_offset``, which must then name one convention)."""
    convention = convention or config["fig3"]["b_scan_offset"]
    if convention not in B_SCAN_CONVENTIONS:
        raise ConfigError(
            f"config key fig3.b_scan_offset: {convention!r} is not one convention "
            f"({' or '.join(B_SCAN_CONVENTIONS)}); b_scan_offsets gives the offset of each"
        )
    return canonical_offset(config["mw_offset"]) if convention == "scaled" else fixed_offset(config, b_tesla)


def b_scan_offsets(config: dict, b_tesla: float) -> dict[str, float]:
    """``{convention: offset}`` of Fig. 3's B scan at ``b_tesla``, for each convention the
    config asks for (:func:`b_scan_conventions`). At b_ref_tesla the offsets are equal."""
    return {convention: b_scan_offset(config, b_tesla, convention) for convention in b_scan_conventions(config)}


def figure_points(config: dict) -> dict:
    """The (B, U) points (floats, T and MHz) each figure draws: ``fig2`` (the DNP profiles),
    ``fig3_u`` (U scan, also Fig. 5) and ``fig3_b`` (B scan)."""
    fig2, fig3 = config["fig2"], config["fig3"]
    return {
        "fig2": [(fig2["b_tesla"], u) for u in fig2["u_mhz"]],
        "fig3_u": [(fig3["b_tesla"], u) for u in fig3["u_mhz"]],
        "fig3_b": [(b, fig3["u_fixed_mhz"]) for b in fig3["b_scan_tesla"]],
    }


def error_bar_offsets(config: dict, b_tesla: float, offsets) -> list[float]:
    """Of a point's ``offsets`` (canonical), those at which the figures draw error bars (the
    fit rule's bootstrap): mw_offset, and the B scan's offset at ``b_tesla`` under each
    convention of ``fig3.b_scan_offset`` (two under ``both``)."""
    wanted = {canonical_offset(config["mw_offset"]), *b_scan_offsets(config, b_tesla).values()}
    return [o for o in offsets if o in wanted]


def fig3_b_offsets(config: dict) -> dict:
    """``{convention: {b_text: offset}}``: the offset of each field of Fig. 3's B scan under
    each convention the config asks for (what the Fig. 3 table selects its panel B rows by)."""
    fields = [b for b, _ in figure_points(config)["fig3_b"]]
    return {
        convention: {fmt(b): b_scan_offset(config, b, convention) for b in fields} for convention in b_scan_conventions(config)
    }


def _realizations_for(mapping: dict, default: int, n: int) -> int:
    return int(mapping.get(str(n), default))


def beyond_scans(config: dict) -> dict:
    """The scans of Figures S1-S5, by name: each one model at one N over a list of (B, U)
    points, with the microwave offsets of each point and the realizations ``0..R-1`` they
    share (joint bootstrap over realizations across the scan). S5's scans (``w_N10``,
    ``w_N10_<model>``) are one point each, over the offsets of ``beyond.profile``.

    ``{name: {"model", "n_spins", "realizations", "points": [(b, u), ...],
    "offsets": {(b_text, u_text): [offsets]}, "figures": {...}}}``. Empty unless
    ``figures`` asks for s1-s5.
    """
    wanted = set(config["figures"])
    beyond = config["beyond"]
    scans: dict = {}
    mw = canonical_offset(config["mw_offset"])

    def add(name, model, n, points, offsets_of, realizations, figure):
        scan = scans.setdefault(
            name, {"model": model, "n_spins": n, "realizations": realizations, "points": [], "offsets": {}, "figures": set()}
        )
        scan["realizations"] = max(scan["realizations"], realizations)
        scan["figures"].add(figure)
        for b, u in points:
            key = (fmt(b), fmt(u))
            if key not in scan["offsets"]:
                scan["points"].append((float(b), float(u)))
            scan["offsets"].setdefault(key, set()).update(offsets_of(b, u))

    u_points = [(beyond["b_tesla"], u) for u in sorted(beyond["u_mhz"])]
    if wanted & {"s1", "s2"}:
        for n in beyond["n_spins"]:
            r = _realizations_for(beyond["realizations"], beyond["default_realizations"], n)
            add(scan_name("u", n), PAPER_MODEL, n, u_points, lambda b, u: [mw], r, "s1")
    if "s3" in wanted:
        sens = beyond["sensitivity"]
        n, r = sens["n_spins"], sens["realizations"]
        points = [(beyond["b_tesla"], u) for u in sorted(sens["u_mhz"])]
        offsets = [mw, *(canonical_offset(o) for o in sens["mw_offsets"])]
        add(scan_name("u", n), PAPER_MODEL, n, points, lambda b, u: offsets, r, "s3")
        for model in sens["models"]:
            add(scan_name("u", n, model), model, n, points, lambda b, u: [mw], r, "s3")
    if "s5" in wanted:
        pr = beyond["profile"]
        grid = offset_grid(pr)
        for model in [PAPER_MODEL, *pr["models"]]:
            add(scan_name("w", pr["n_spins"], model), model, pr["n_spins"], [(beyond["b_tesla"], pr["u_mhz"])],
                lambda b, u: grid, pr["realizations"], "s5")  # fmt: skip
    if "s4" in wanted:
        bs = beyond["b_scan"]
        points = [(b, bs["u_mhz"]) for b in sorted(bs["b_tesla"])]
        add(scan_name("b", bs["n_spins"]), PAPER_MODEL, bs["n_spins"], points,
            lambda b, u: [b_scan_offset(config, b, "scaled"), b_scan_offset(config, b, "fixed")], bs["realizations"], "s4")  # fmt: skip
    for scan in scans.values():
        scan["offsets"] = {key: sorted(values) for key, values in scan["offsets"].items()}
        scan["points"].sort()
    return scans


def realization_points(config: dict) -> dict:
    """``{(model, n_text, b_text, u_text): {"offsets": sorted offsets, "realizations": R}}``
    of every point whose realizations the requested figures need.

    The points are those each figure's specification names
    (:data:`dnpmbl.pipeline.figures.FIGURES`). Points requested twice (by two figures or
    scans) are computed once, with the union of their microwave offsets and the largest
    number of realizations.
    """
    points: dict = {}

    def add(model, n, b, u, offsets, realizations):
        entry = points.setdefault((model, str(int(n)), fmt(b), fmt(u)), {"offsets": set(), "realizations": 0})
        entry["offsets"].update(canonical_offset(o) for o in offsets)
        entry["realizations"] = max(entry["realizations"], int(realizations))

    from .figures import FIGURES  # the figures' specification builds on this module

    for name in config["figures"]:
        for model, n, b, u, offsets, realizations in FIGURES[name].points(config):
            add(model, n, b, u, offsets, realizations)
    order = lambda kv: (kv[0][0] != PAPER_MODEL, kv[0][0], int(kv[0][1]), float(kv[0][2]), float(kv[0][3]))  # noqa: E731
    return {key: {"offsets": sorted(v["offsets"]), "realizations": v["realizations"]} for key, v in sorted(points.items(), key=order)}


def level_statistics_points(config: dict) -> dict:
    """``{(n_text, u_text): realizations}`` of <r> (marker (b) of Figure S2); empty unless
    ``figures`` asks for s2."""
    if "s2" not in config["figures"]:
        return {}
    ls, beyond = config["beyond"]["level_statistics"], config["beyond"]
    return {
        (str(n), fmt(u)): _realizations_for(ls["realizations"], ls["default_realizations"], n)
        for n in sorted(ls["n_spins"])
        for u in sorted(beyond["u_mhz"])
    }


def fig4_realizations(config: dict, n_spins: int) -> int:
    fig4 = config["fig4"]
    return int(fig4["realizations"].get(str(n_spins), fig4["default_realizations"]))
