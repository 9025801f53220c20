"""T-SQL LIKE patterns, as regular expressions (for targets whose LIKE has no [...] classes)."""

from __future__ import annotations

import re


def like_to_regex(pattern: str) -> str:
    """A LIKE pattern (%, _, [a-z], [^a-z]) as a regular expression, unanchored.

    `%` becomes `.*`, `_` becomes `.`, a `[...]` class is kept (a backslash in it escaped), every
    other character matches itself; a `[` without a closing `]` is a plain character.
    """
    out = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        elif char == "[" and "]" in pattern[index + 1 :]:
            end = pattern.index("]", index + 1)
            out.append("[" + pattern[index + 1 : end].replace("\\", "\\\\") + "]")
            index = end
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)
