"""The snapshot format: deterministic, validated on reading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datamigrate_cli.extract import extract_scripts
from datamigrate_cli.model.catalog import FORMAT_VERSION, CatalogFormatError, dumps, loads

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
    ],
    ids=["truncated", "future-version", "old-version", "wrong-type", "unknown-key", "not-an-object"],
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
