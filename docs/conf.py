"""Sphinx configuration of ml2core's documentation.

Build:   sphinx-build -W --keep-going -b html docs docs/_build/html
Samples: sphinx-build -W --keep-going -b doctest docs docs/_build/doctest
(``./dev test`` runs both as its ``docs`` tier.)
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "_ext"))

import ml2core

project = "ml2core"
author = "ml2core developers"
copyright = "ml2core developers"
release = ml2core.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "ml2core_docs",
]

root_doc = "index"
exclude_patterns = ["_build", "_samples"]
templates_path: list[str] = []
html_theme = "alabaster"
html_theme_options = {
    "description": "Neutron's ML2, as a library",
    "fixed_sidebar": True,
    "page_width": "1100px",
    "sidebar_width": "230px",
}
html_static_path: list[str] = []
html_title = f"ml2core {release}"
pygments_style = "sphinx"

# Every reference in these pages must resolve; only targets in other
# projects' documentation (not built here) are let through.
nitpicky = True
nitpick_ignore_regex = [
    # oslo.config, SQLAlchemy, pytest and the standard library's typing helpers.
    (r"py:.*", r"(cfg|oslo_config\.cfg)\.\w+"),
    (r"py:.*", r"(sqlalchemy|sa)(\.\w+)+"),
    (r"py:.*", r"(Engine|Session|Select|Connection|ConfigOpts)"),
    (r"py:.*", r"(pytest|_pytest)(\.\w+)+"),
    (r"py:.*", r"(abc|subprocess|collections\.abc|typing|types|pathlib|os|datetime|random)\.\w+"),
    (r"py:class", r"dict\[str"),
    (r"py:.*", r"(Path|TracebackType|Final|ClassVar|Literal|IO|TextIO|ParamSpec|TypeVar)"),
    (r"py:.*", r"(P\.args|P\.kwargs|P|R|T)"),
]

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {
    "members": True,
    "show-inheritance": True,
}
python_use_unqualified_type_names = True

# Code samples: ``sphinx-build -b doctest`` runs every doctest/testcode block
# against the installed library.
import doctest as _doctest  # noqa: E402

doctest_default_flags = _doctest.ELLIPSIS | _doctest.NORMALIZE_WHITESPACE | _doctest.DONT_ACCEPT_TRUE_FOR_1
_SAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_samples")
doctest_global_setup = f"""
import importlib.metadata as _metadata
import importlib.util as _util

SAMPLES = {_SAMPLES!r}
HAS_EXAMPLE_VENDOR = any(
    ep.name == "example_tor" for ep in _metadata.entry_points(group="ml2core.mechanism_drivers")
)
try:
    HAS_AGENT = _util.find_spec("drivers.agent.config") is not None
except ImportError:
    HAS_AGENT = False
"""
