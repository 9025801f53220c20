"""SQL written into dbt files, which dbt renders with Jinja first."""

from __future__ import annotations

import re


def escape_jinja(sql: str) -> str:
    """`{{`, `{%` and `{#` in SQL text (inside a string literal, say) written so Jinja prints them."""
    return re.sub(r"\{([{%#])", lambda found: "{{ '{" + found.group(1) + "' }}", sql)


def jinja_string(text: str) -> str:
    """`text` as a Jinja string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
