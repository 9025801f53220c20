"""The fast YAML writer of property files writes exactly what PyYAML writes."""

from __future__ import annotations

import random
import string

import pytest
import yaml

from datamigrate_cli.project import yaml_text

WORDS = " ".join(f"word{i}" for i in range(60))
CASES = [
    {
        "version": 2,
        "models": [{"name": "a", "columns": [{"name": "id", "data_tests": ["unique", "not_null"]}]}],
    },
    {"description": WORDS, "nested": {"deeper": [WORDS, {"k": WORDS + "  double  spaces " + WORDS}]}},
    {"to": "ref('stg_x')", "values": ["A", "yes", "No", "null", "1", "2026-01-01", "~", "", " lead"]},
    {"quote": False, "n": -3, "empty": [], "none": None, "text": "a: b # c", "multi": "line\nbreak"},
    {"unicode": "Café naïve — ünïcödé " * 8, "x": {}},
    {"dash": "- item", "d": "-x", "dots": "... end", "rule": "---", "mixed": "a/b, (c) 'd' e-f.", "p": "(x)"},
    {  # short texts that need quotes, written by the fast path; a long one by PyYAML
        "models": [
            {
                "name": "m",
                "config": {"meta": {"origin": "[dbo].[Order Details]"}},
                "columns": [
                    {
                        "name": "c",
                        "config": {"meta": {"original": "Order ID"}},
                        "description": "it's: 'x' # y",
                    },
                    {
                        "name": "d",
                        "values": [
                            "yes",
                            "[a]",
                            "{b}",
                            "*c",
                            "&d",
                            "!e",
                            "%f",
                            "@g",
                            "`h",
                            "'i'",
                            '"j"',
                            "k: l",
                        ],
                    },
                ],
            }
        ],
        "long": "[" + "a quoted text long enough to fold at the width " * 4 + "]",
        "deep": {"a": {"b": {"c": {"d": {"e": "[" + "x" * 39 + "]"}}}}},
    },
]


def pyyaml(document: dict) -> str:
    return yaml.dump(document, Dumper=yaml_text.Dumper, sort_keys=False, allow_unicode=True, width=100)


@pytest.mark.parametrize("document", CASES)
def test_same_text_as_pyyaml(document: dict) -> None:
    assert yaml_text.dump(document) == pyyaml(document)


def test_same_text_as_pyyaml_on_random_documents() -> None:
    rng = random.Random(5)
    alphabet = string.ascii_letters + "  ._'()-é"

    def scalar() -> object:
        kind = rng.random()
        if kind < 0.15:
            return rng.randint(-5, 10**6)
        if kind < 0.2:
            return rng.choice(
                [True, False, "yes", "a: b", "# c", "", "line\nbreak", "[dbo].[x]", "it's", "{z}"]
            )
        words = (
            "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
            for _ in range(rng.randint(1, 30))
        )
        return " ".join(words)

    def mapping(depth: int) -> dict:
        document: dict = {}
        for i in range(rng.randint(1, 4)):
            key = f"{rng.choice(['name', 'description', 'data_tests'])}_{i}"
            roll = rng.random()
            if roll < 0.25 and depth < 3:
                document[key] = mapping(depth + 1)
            elif roll < 0.5 and depth < 3:
                document[key] = [mapping(depth + 1) if rng.random() < 0.5 else scalar() for _ in range(2)]
            else:
                document[key] = scalar()
        return document

    for _ in range(500):
        document = mapping(0)
        assert yaml_text.dump(document) == pyyaml(document)


def test_every_character_comes_back_as_written() -> None:
    """A name holding any character reads back unchanged: YAML's own line breaks (NEL, LS, PS) too,
    which a single-quoted scalar would fold into a space (a source identifier came back changed)."""
    characters = [*range(0x3000), 0xFEFF, 0xFFFE, 0x1F600, 0x10FFFF]
    changed = []
    for code in characters:
        if 0xD800 <= code <= 0xDFFF:
            continue
        text = f"Customer]]{chr(code)}Order"
        document = {"sources": [{"name": "s", "tables": [{"name": "t", "identifier": text}]}]}
        if yaml.safe_load(yaml_text.dump(document))["sources"][0]["tables"][0]["identifier"] != text:
            changed.append(hex(code))
    assert changed == []
