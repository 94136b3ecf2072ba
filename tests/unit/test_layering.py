"""Drivers import only ml2core's public API; the core never imports drivers by path."""

from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
DRIVER_PACKAGES = ("type_drivers", "mechanism_drivers", "drivers")
PUBLIC = ("ml2core", "ml2core.api", "ml2core.constants", "ml2core.exceptions", "ml2core.dataplane")


def _imports(path: pathlib.Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # "from ml2core import x": x must itself be a public name or module.
            if node.module == "ml2core":
                found += [(node.lineno, f"ml2core.{alias.name}") for alias in node.names]
    return found


def _is_public(module: str) -> bool:
    if module in ("ml2core.Context", "ml2core.Ml2Plugin", "ml2core.LocalHostClient"):
        return True
    return module in PUBLIC or module.startswith("ml2core.api.")


def test_drivers_import_only_the_public_api() -> None:
    offenders = []
    for package in DRIVER_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for line, module in _imports(path):
                if (module == "ml2core" or module.startswith("ml2core.")) and not _is_public(module):
                    offenders.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert offenders == []


def test_core_never_imports_a_driver_by_module_path() -> None:
    offenders = []
    for path in (ROOT / "ml2core").rglob("*.py"):
        for line, module in _imports(path):
            if module.split(".")[0] in DRIVER_PACKAGES:
                offenders.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert offenders == []


def test_layering_check_sees_a_private_import() -> None:
    # The check itself must be able to fail.
    assert not _is_public("ml2core.db.models")
    assert not _is_public("ml2core.segments.allocator")
    assert _is_public("ml2core.api.ranges")
