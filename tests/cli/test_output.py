"""Output formats: aligned tables, JSON, the YAML emitter, value, column selection."""

from __future__ import annotations

import io
import json

import pytest

from ml2core.cli.errors import UsageError
from ml2core.cli.output import Document, Record, Table, emit, format_value, render_table
from ml2core.cli.yamlout import to_yaml


def _emit(result: Table | Record | Document, fmt: str, columns: list[str] | None = None) -> str:
    buffer = io.StringIO()
    emit(result, fmt, columns or [], buffer)
    return buffer.getvalue()


TABLE = Table(["ID", "Name", "Items"], [["1", "a", [1, 2]], ["2", "bb", []]])


def test_table_columns_are_aligned_and_boxed() -> None:
    lines = _emit(TABLE, "table").splitlines()
    assert lines[0] == lines[2] == lines[-1]
    assert len({len(line) for line in lines}) == 1
    assert "| ID | Name | Items |" in lines[1]


def test_multi_line_cells_span_rows() -> None:
    text = render_table(["A", "B"], [["x\ny", "z"]])
    assert "| x | z |" in text and "| y |   |" in text


def test_json_list_uses_column_headings_as_keys() -> None:
    assert json.loads(_emit(TABLE, "json")) == [
        {"ID": "1", "Name": "a", "Items": [1, 2]},
        {"ID": "2", "Name": "bb", "Items": []},
    ]


def test_column_selection_is_case_insensitive_and_ordered() -> None:
    assert _emit(TABLE, "value", ["name", "id"]) == "a 1\nbb 2\n"


def test_unknown_column_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown column 'nope'"):
        _emit(TABLE, "table", ["nope"])


def test_record_renders_field_value_table_and_json_object() -> None:
    record = Record([("id", "x"), ("profile", {"a": "b"})])
    assert "| profile | a='b' |" in _emit(record, "table")
    assert json.loads(_emit(record, "json")) == {"id": "x", "profile": {"a": "b"}}


def test_formatters_apply_to_table_not_to_json() -> None:
    table = Table(["N"], [[3]], formatters={"N": lambda v: f"<{v}>"})
    assert "<3>" in _emit(table, "table")
    assert json.loads(_emit(table, "json")) == [{"N": 3}]


def test_document_prints_text_or_data() -> None:
    doc = Document({"a": 1}, "readable")
    assert _emit(doc, "table") == "readable\n"
    assert json.loads(_emit(doc, "json")) == {"a": 1}
    with pytest.raises(UsageError):
        _emit(doc, "table", ["a"])


def test_format_value_shapes() -> None:
    assert format_value(None) == ""
    assert format_value(["a", "b"]) == "a, b"
    assert format_value([{"k": "v"}, {"k": 2}]) == "k='v'\nk=2"


YAML_CASES = [
    {"a": 1, "b": [1, {"x": "y", "z": []}], "c": {}, "d": None, "e": "yes", "f": "10:20"},
    {"mac": "fa:16:3e:00:00:01", "id": "0123abcd-0000", "n": True, "t": "2026-01-01T00:00:00", "k": ""},
    [[1, 2], [], [{"a": {"b": [{"c": 1.5}]}}]],
    {"105": "demo", "quote": 'say "hi"', "unicode": "ünï", "lead": "-x", "colon": "a: b", "hash": "a #b"},
    [],
    {},
    "plain",
]


@pytest.mark.parametrize("data", YAML_CASES)
def test_yaml_emitter_round_trips_through_a_yaml_parser(data: object) -> None:
    yaml = pytest.importorskip("yaml")
    assert yaml.safe_load(to_yaml(data)) == data


def test_yaml_emitter_writes_plain_block_style() -> None:
    assert to_yaml({"name": "net1", "ids": [1, 2]}) == "name: net1\nids:\n- 1\n- 2\n"
