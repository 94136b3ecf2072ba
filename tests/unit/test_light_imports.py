"""``import ml2core.api`` stays light: a driver package's import loads no database stack (issue 14)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("sqlalchemy", "alembic", "ml2core.plugin", "ml2core.db", "stevedore", "pyroute2", "ovsdbapp")


def _loaded_after(statement: str) -> list[str]:
    code = f"import sys\n{statement}\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    modules = set(out.split())
    return sorted(name for name in HEAVY if name in modules)


def test_the_driver_contract_imports_no_database_stack() -> None:
    assert _loaded_after("import ml2core.api, ml2core.constants, ml2core.exceptions, ml2core.dataplane") == []


def test_the_facade_still_comes_from_the_top_package() -> None:
    assert "ml2core.plugin" in _loaded_after("from ml2core import Ml2Plugin")
    assert _loaded_after("import ml2core; assert ml2core.LocalHostClient.__name__ == 'LocalHostClient'") == []
    assert _loaded_after("from ml2core import Context; Context('p')") == []


def test_a_misspelt_name_is_an_attribute_error() -> None:
    import ml2core

    try:
        ml2core.Ml2Plugn  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "Ml2Plugn" in str(exc)
    else:
        raise AssertionError("no AttributeError")
    assert {"Context", "LocalHostClient", "Ml2Plugin"} <= set(dir(ml2core))
