"""T-SQL LIKE patterns as regular expressions (tsql/patterns.py), checked against Python's re."""

from __future__ import annotations

import re

import pytest

from datamigrate_cli.tsql.patterns import like_to_regex

# (LIKE pattern, regex, a value it matches, a value it does not), per the LIKE documentation:
# https://learn.microsoft.com/en-us/sql/t-sql/language-elements/like-transact-sql
CASES = [
    ("ab%", "ab.*", "abc", "xab"),
    ("a_c", "a.c", "abc", "ac"),
    ("[a-c]%", "[a-c].*", "by", "dy"),
    ("[^a-c]%", "[^a-c].*", "dy", "by"),
    ("50[%]", "50[%]", "50%", "500"),
    ("a.b", r"a\.b", "a.b", "axb"),
    ("a[b", r"a\[b", "a[b", "ab"),
    ("[\\]x", r"[\\]x", "\\x", "x"),
]


@pytest.mark.parametrize(("pattern", "regex", "matching", "other"), CASES)
def test_like_pattern_as_regex(pattern: str, regex: str, matching: str, other: str) -> None:
    assert like_to_regex(pattern) == regex
    assert re.fullmatch(regex, matching, re.S) and not re.fullmatch(regex, other, re.S)
