"""The snapshot format: deterministic, validated on reading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datamigrate_cli.extract import extract_scripts
from datamigrate_cli.model.catalog import FORMAT_VERSION, CatalogFormatError, dumps, loads, read_snapshot

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "retail"


@pytest.fixture(scope="module")
def snapshot_text() -> str:
    catalog, _ = extract_scripts([EXAMPLE])
    return dumps(catalog)


def test_same_input_gives_byte_identical_snapshot(snapshot_text: str) -> None:
    again, _ = extract_scripts([EXAMPLE])
    assert dumps(again) == snapshot_text


def test_snapshot_round_trips(snapshot_text: str) -> None:
    assert dumps(loads(snapshot_text)) == snapshot_text


def test_snapshot_is_sorted_and_versioned(snapshot_text: str) -> None:
    data = json.loads(snapshot_text)
    assert data["format_version"] == FORMAT_VERSION
    assert list(data) == sorted(data)
    names = [(t["name"]["schema"].lower(), t["name"]["name"].lower()) for t in data["tables"]]
    assert names == sorted(names)


def _first_column(text: str, field: str) -> str:
    """The snapshot with `field` ("key": value) in place of the first column's field of that key."""
    key = field.split(":")[0]
    data = json.loads(text)
    column = data["tables"][0]["columns"][0]
    column.pop(key.strip('"'), None)
    rest = json.dumps(data)
    anchor = json.dumps(column["name"])
    return rest.replace('"name": ' + anchor, '"name": ' + anchor + ", " + field, 1)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda text: text[: len(text) // 2], "not valid JSON"),
        (lambda text: text.replace(f'"format_version": {FORMAT_VERSION}', '"format_version": 99'), "upgrade"),
        (lambda text: text.replace(f'"format_version": {FORMAT_VERSION}', '"format_version": 0'), "extract"),
        (
            lambda text: text.replace('"nullable": true', '"nullable": "perhaps"', 1),
            "invalid snapshot at tables",
        ),
        (lambda text: text.replace('"origin"', '"surprise": 1, "origin"', 1), "invalid snapshot at surprise"),
        (lambda text: "[]", "no format_version"),
        # what an attacker or a broken tool puts in a snapshot: each is one line, never a crash
        (lambda text: text.replace(f'"format_version": {FORMAT_VERSION}', '"format_version": true'), "true"),
        (lambda text: text.replace(f'"format_version": {FORMAT_VERSION}', '"format_version": 1.0'), "1.0"),
        (lambda text: '{"format_version": 1, "tables": ' + "[" * 50_000 + "]" * 50_000 + "}", "nested"),
        (
            lambda text: _first_column(text, '"max_length": ' + "9" * 400),
            r"tables\.0\.columns\.0\.max_length",
        ),
        (lambda text: _first_column(text, '"max_length": -5'), r"tables\.0\.columns\.0\.max_length"),
        (lambda text: _first_column(text, '"max_length": true'), r"tables\.0\.columns\.0\.max_length"),
        (lambda text: _first_column(text, '"precision": 1e400'), r"tables\.0\.columns\.0\.precision"),
        (
            lambda text: text.replace('"data_type": "int"', '"data_type": "int) drop table x; --"', 1),
            r'\.data_type: "int\) drop table x; --" is not a type name',
        ),
        (lambda text: text.replace('"data_type": "int"', '"data_type": 7', 1), "data_type"),
        (lambda text: text.replace('"name": "', '"name": "\\ud800', 1), "lone surrogate"),
    ],
    ids=[
        "truncated",
        "future-version",
        "old-version",
        "wrong-type",
        "unknown-key",
        "not-an-object",
        "version-true",
        "version-float",
        "deep-nesting",
        "huge-length",
        "negative-length",
        "length-true",
        "huge-float",
        "type-not-a-type",
        "type-a-number",
        "lone-surrogate",
    ],
)
def test_broken_snapshots_get_clear_errors(snapshot_text: str, mutate, message: str) -> None:
    with pytest.raises(CatalogFormatError, match=message):
        loads(mutate(snapshot_text), where="schema.json")


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "Straße 日本 🎉",
        'quote " and \\ backslash',
        "tab\tnew\nline \x00 \x1f \x7f",
        "line\u2028sep\u2029",
    ],
)
def test_the_snapshot_text_is_what_json_dumps_writes(text: str) -> None:
    """`dumps` takes a faster encoder; its text must stay byte for byte the standard library's."""
    catalog = loads(
        json.dumps(
            {
                "format_version": FORMAT_VERSION,
                "tables": [
                    {
                        "name": {"schema": "dbo", "name": text},
                        "description": text,
                        "columns": [{"name": "id", "data_type": "numeric", "identity": {"seed": 10**30}}],
                    },
                    {"name": {"schema": "dbo", "name": "b"}, "columns": [{"name": text, "data_type": "int"}]},
                ],
            }
        )
    )
    data = catalog.model_dump(mode="json", by_alias=True)
    data["format_version"] = catalog.format_version
    assert dumps(catalog) == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    small = catalog.model_copy(update={"tables": catalog.tables[1:]})  # no integer beyond 64 bits
    data = small.model_dump(mode="json", by_alias=True)
    data["format_version"] = small.format_version
    assert dumps(small) == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_a_snapshot_saved_with_a_utf8_mark_is_read(snapshot_text: str, tmp_path: Path) -> None:
    path = tmp_path / "schema.json"
    path.write_bytes(b"\xef\xbb\xbf" + snapshot_text.encode("utf-8"))
    assert dumps(read_snapshot(path)) == snapshot_text


def test_a_snapshot_that_is_not_utf8_is_one_line(snapshot_text: str, tmp_path: Path) -> None:
    path = tmp_path / "schema.json"
    path.write_bytes(snapshot_text.encode("utf-16"))
    with pytest.raises(CatalogFormatError, match=r"schema\.json: not a text file \(not UTF-8\)"):
        read_snapshot(path)
