"""The benchmark harness's pure parts: ratios, cells, and the docs table rebuilt from the JSON."""

from __future__ import annotations

import json

from benchmarks.registry import Row, Sample
from benchmarks.report import row_json, targets
from benchmarks.rst import list_table, render, rows_from_json
from benchmarks.stats import describe, ratio

RATE = Row(
    group="alloc",
    metric="alloc per s, VXLAN 1:100000",
    backend="sqlite",
    unit="1/s",
    better="higher",
    ml2core=Sample(values=(900.0, 1000.0, 1100.0)),
    neutron=Sample(values=(40.0, 50.0, 60.0)),
)
TIME = Row(
    group="startup",
    metric="start-up [ms] | *full*",
    backend="mariadb",
    unit="ms",
    better="lower",
    ml2core=Sample(values=(20.0,), errors=("boom",)),
    neutron=Sample(skipped="not runnable"),
    note="x",
)


def test_ratio_is_times_better_for_ml2core_both_ways() -> None:
    assert ratio(RATE.ml2core, RATE.neutron, "higher") == 20.0
    assert ratio(Sample(values=(2.0,)), Sample(values=(8.0,)), "lower") == 4.0
    assert ratio(RATE.ml2core, None, "higher") is None


def test_describe_gives_median_spread_and_failures() -> None:
    assert describe(RATE.ml2core) == "1,000 [900\u20131,100]"
    assert describe(TIME.ml2core) == "20.0 (1 failed)"
    assert describe(TIME.neutron) == "n/a"


def test_rows_survive_the_json_round_trip() -> None:
    data = json.loads(json.dumps({"rows": [row_json(RATE), row_json(TIME)]}))
    assert rows_from_json(data) == [RATE, TIME]


def test_list_table_has_a_group_line_per_group_and_literal_cells() -> None:
    text = list_table([RATE, TIME])
    lines = text.splitlines()
    assert lines[0] == ".. list-table::"
    assert "   * - **alloc**" in lines and "   * - **startup**" in lines
    assert "   * - start-up [ms] \\| \\*full\\*" in lines
    assert "     - 20.0\u00d7" in lines  # 1,000/s against 50/s


def test_render_lists_the_targets() -> None:
    data = {
        "rows": [row_json(RATE)],
        "targets": [{"backend": "sqlite", "target": "t", "text": "1 vs 2", "met": True}],
    }
    assert "- sqlite: t: 1 vs 2, met." in render(data)


def _restart(label: str, backend: str, values: tuple[float, ...]) -> Row:
    return Row(
        group="startup",
        metric=f"start-up, warm (restart) [ms], {label}",
        backend=backend,
        unit="ms",
        better="lower",
        ml2core=Sample(values=values),
    )


def test_restart_target_counts_faster_full_ranges_as_met_and_slower_as_not() -> None:
    full = "VXLAN 1:16777215 + GRE 1:4294967295"
    rows = [
        _restart("ten IDs (VXLAN 1:10)", "mariadb", (53.0, 53.8, 58.1)),
        _restart(full, "mariadb", (50.7, 52.7, 52.9)),
        _restart("ten IDs (VXLAN 1:10)", "postgresql", (50.0, 51.0, 52.0)),
        _restart(full, "postgresql", (60.0, 61.0, 62.0)),
        RATE,
        Row(**{**RATE.__dict__, "backend": "mariadb"}),
    ]
    found = {(t["backend"], t["target"].split(",")[0]): t for t in targets(rows)}
    assert found[("mariadb", "restart")]["met"] is True
    assert "no cost from the range size" in found[("mariadb", "restart")]["text"]
    assert found[("postgresql", "restart")]["met"] is False
    assert found[("sqlite", "tenant allocation >= 20x Neutron")]["met"] is True
    assert ("mariadb", "tenant allocation >= 20x Neutron") not in found
