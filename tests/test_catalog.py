"""The snapshot format: deterministic, validated on reading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datamigrate_cli.catalog import FORMAT_VERSION, CatalogFormatError, dumps, loads
from datamigrate_cli.extract import extract_scripts

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
