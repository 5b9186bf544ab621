"""Sphinx configuration of the API reference (``make docs``; built with warnings as errors).

Only the docstrings of the package are rendered here; the physics notes, the tutorial and
the README are Markdown pages read on their own.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import dnpmbl  # noqa: E402

project = "dnpmbl"
author = "The dnpmbl developers"
copyright = "the dnpmbl developers, MIT license"
version = release = dnpmbl.__version__

extensions = ["sphinx.ext.autodoc", "sphinx.ext.mathjax", "sphinx.ext.viewcode", "numpydoc"]
exclude_patterns = ["_build"]
root_doc = "index"

autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the numpydoc sections state types; signatures keep their annotations
autodoc_default_options = {"members": True, "ignore-module-all": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks = set()

# Every cross-reference inside the package must resolve (nitpicky); names of other
# packages are not linked (no intersphinx: the build needs no network).
nitpicky = True
nitpick_ignore_regex = [(r"py:.*", r"(numpy|scipy|cupy)(\..*)?"), (r"py:class", r"_SzChannel")]

html_theme = "alabaster"
html_theme_options = {"description": "Exact steady states of DNP with interacting electron spins"}
html_static_path = []
