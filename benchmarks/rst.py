"""The docs page's table from a run's JSON: ``python -m benchmarks.rst benchmarks/results/latest.json``.

Prints a reStructuredText ``list-table`` (the same cells as the console
table) followed by the run's environment, command and targets, ready to
paste under "Latest results" in ``docs/benchmarks.rst``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks.registry import Row, Sample
from benchmarks.report import HEADERS, RATIO_LEGEND, cells


def _sample(data: Mapping[str, Any] | None) -> Sample | None:
    if data is None:
        return None
    return Sample(
        values=tuple(data.get("values", ())),
        errors=tuple(data.get("errors", ())),
        skipped=str(data.get("skipped", "")),
    )


def rows_from_json(data: Mapping[str, Any]) -> list[Row]:
    """The rows of a JSON file written by ``benchmarks.run``."""
    rows = []
    for item in data["rows"]:
        ours = _sample(item["ml2core"])
        assert ours is not None
        rows.append(
            Row(
                group=item["group"],
                metric=item["metric"],
                backend=item["backend"],
                unit=item["unit"],
                better=item["better"],
                ml2core=ours,
                neutron=_sample(item.get("neutron")),
                note=item.get("note", ""),
                details=item.get("details", {}),
            )
        )
    return rows


def _cell(text: str) -> str:
    # RST reads a leading "*" or "|" as markup; keep cells literal text.
    return text.replace("*", "\\*").replace("|", "\\|") or " "


def list_table(rows: Sequence[Row]) -> str:
    """A ``list-table`` with one section line per group."""
    out = [
        ".. list-table::",
        "   :header-rows: 1",
        "   :widths: 38 9 17 17 7 12",
        "",
    ]

    def add(values: Sequence[str], strong_first: bool = False) -> None:
        first = True
        for value in values:
            text = _cell(value)
            if first and strong_first:
                text = f"**{value}**"
            out.append(f"   {'* -' if first else '  -'} {text}")
            first = False

    add(HEADERS)
    group = None
    for row in rows:
        if row.group != group:
            group = row.group
            add((group, "", "", "", "", ""), strong_first=True)
        add(cells(row))
    return "\n".join(out) + "\n\n" + RATIO_LEGEND + "\n"


def render(data: Mapping[str, Any]) -> str:
    parts = [list_table(rows_from_json(data))]
    targets = data.get("targets") or []
    if targets:
        parts.append("Targets (issue 3):\n")
        for item in targets:
            status = {True: "met", False: "not met", None: "undetermined"}[item["met"]]
            parts.append(f"- {item['backend']}: {item['target']}: {item['text']}, {status}.")
        parts.append("")
    return "\n".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.rst", description=__doc__.splitlines()[0])
    parser.add_argument("json", type=Path, help="a JSON file written by benchmarks.run")
    args = parser.parse_args(argv)
    sys.stdout.write(render(json.loads(args.json.read_text())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
