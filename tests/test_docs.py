"""The documentation: the tutorial runs, the config reference matches the schema, and every
number that README.md, docs/physics.md and docs/paper/README.md quote from a shipped table
equals that table."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import doc_claims  # noqa: E402
from doc_claims import CLAIMS, LITERALS, ROOT  # noqa: E402

CHECKED = re.compile(r"<!-- checked numbers[^>]*-->(.*?)<!-- end checked numbers -->", re.S)
#: A decimal number or a percentage, not part of a name (fig2.csv); versions (0.2.0) are
#: matched whole and skipped.
NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)+|(?<![\w.])\d+ ?%")


def normalized(text: str) -> str:
    return " ".join(text.split())


def read(doc: str) -> str:
    return normalized((ROOT / doc).read_text())


# --- the tutorial ---------------------------------------------------------------------------


def tutorial_code() -> str:
    text = (ROOT / "docs" / "tutorial.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 5, "docs/tutorial.md lost its code blocks"
    return "\n".join(blocks)


def test_tutorial_runs(tmp_path):
    """Every code block of docs/tutorial.md, in order, as one script (about a minute at
    most; a few seconds on an idle core)."""
    script = tmp_path / "tutorial.py"
    script.write_text(tutorial_code())
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, f"docs/tutorial.md failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    assert "P_n" in proc.stdout


# --- the config reference -------------------------------------------------------------------


def test_config_reference_is_generated_from_the_schema():
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import config_reference
    finally:
        sys.path.remove(str(ROOT / "docs"))
    expected = config_reference.render()
    actual = (ROOT / "config" / "README.md").read_text()
    assert actual == expected, "config/README.md is out of date: run .venv/bin/python docs/config_reference.py"


def test_config_reference_names_every_config_file():
    names = {path.name for path in (ROOT / "config").glob("*.yaml")}
    text = (ROOT / "config" / "README.md").read_text()
    assert names == set(re.findall(r"\[`([\w.]+\.yaml)`\]", text))


# --- the API reference's pins ---------------------------------------------------------------


def test_doc_build_requirements_are_exact_pins_beside_the_lock():
    """docs/requirements.txt pins exact versions of packages the lock does not hold; what
    they need besides each other is in requirements.lock (make docs installs them with
    --no-deps)."""
    from importlib import metadata

    from packaging.requirements import Requirement

    def pins(path):
        out = {}
        for line in path.read_text().splitlines():
            line = line.split("#")[0].strip()
            if line:
                name, _, version = line.partition("==")
                assert version, f"{path.name}: {line} is not an exact pin"
                out[name.lower().replace("_", "-")] = version
        return out

    docs = pins(ROOT / "docs" / "requirements.txt")
    lock = pins(ROOT / "requirements.lock")
    assert not set(docs) & set(lock), f"pinned twice: {set(docs) & set(lock)}"
    for name, version in docs.items():
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # make docs not run in this environment: nothing more to check
        assert dist.version == version, f"{name} {dist.version} installed, {version} pinned"
        for spec in dist.requires or []:
            req = Requirement(spec)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            key = req.name.lower().replace("_", "-")
            assert key in docs or key in lock, f"{name} needs {req.name}, pinned nowhere"
            assert req.specifier.contains((docs | lock)[key], prereleases=True), f"{name} needs {req}"


# --- the numbers in the prose ---------------------------------------------------------------


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: f"{c.doc}: {c.text[:50]}")
def test_quoted_number_equals_its_table(claim):
    """The prose quotes the numbers its shipped table gives, to the digits quoted."""
    expected = normalized(claim.render())
    assert expected in read(claim.doc), (
        f"{claim.doc} no longer says what the table gives. Expected (whitespace aside):\n  {expected}"
    )


@pytest.mark.parametrize("doc", [doc_claims.README, doc_claims.PHYSICS, doc_claims.PAPER_README])
def test_every_number_in_a_checked_region_is_a_claim(doc):
    """Inside <!-- checked numbers --> regions every decimal number and percentage lies in
    a rendered claim or is a parameter of LITERALS: a number added to the results without
    a claim fails here."""
    text = read(doc)
    regions = [(m.start(1), m.end(1)) for m in CHECKED.finditer(text)]
    assert regions, f"{doc} has no checked region"
    covered = []
    for claim in CLAIMS:
        if claim.doc != doc:
            continue
        rendered = normalized(claim.render())
        covered += [(m.start(), m.end()) for m in re.finditer(re.escape(rendered), text)]
    loose = []
    for start, end in regions:
        for m in NUMBER.finditer(text, start, end):
            if m.group().count(".") > 1 or any(a <= m.start() and m.end() <= b for a, b in covered):
                continue
            if m.group().strip() in LITERALS:
                continue
            loose.append(f"{m.group()!r} in ...{text[max(0, m.start() - 60):m.end() + 20]}...")
    assert not loose, "numbers without a claim in tests/doc_claims.py:\n" + "\n".join(loose)


@pytest.mark.parametrize("doc", [doc_claims.README, doc_claims.PHYSICS, doc_claims.PAPER_README])
def test_every_plus_minus_says_what_it_is(doc):
    """Each paragraph, list item or table with a ± says whether it is a standard error or a
    standard deviation."""
    text = (ROOT / doc).read_text()
    blocks = re.split(r"\n\s*\n|\n(?=\s*(?:\*|\d+\.) )", text)
    unlabelled = [
        " ".join(block.split())[:120]
        for block in blocks
        if "±" in block and not re.search(r"\bSE\b|\bSD\b|standard error|standard deviation", block)
    ]
    assert not unlabelled, "± without SE or SD:\n" + "\n".join(unlabelled)


def test_readme_first_screen_says_how_to_start():
    """A newcomer finds in the first screen: the two commands, the quick config, where the
    figures appear and how long the paper scale takes."""
    head = "\n".join((ROOT / "README.md").read_text().splitlines()[:40])
    for needed in ("make run", "make test", "make run CONFIG=config/quick.yaml", "results/figures/", "core-hours"):
        assert needed in head, f"README's first screen lacks {needed!r}"
