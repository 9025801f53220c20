"""T-SQL scripts -> Catalog.

reader.py         extract_scripts, the entry point; read_module, for the live extractor's module text
fast.py           the fast path: whole batches of common table DDL, read by patterns
grammar.py        the statement grammar: each statement by its first words; modules and other objects
table_grammar.py  CREATE / ALTER TABLE and CREATE INDEX: columns, data types, constraints
builder.py        table drafts, and the CatalogBuilder that applies what both read and makes the Catalog
"""

from .builder import DEFAULT_SCHEMA
from .reader import ExtractSummary, extract_scripts, read_module

__all__ = ["DEFAULT_SCHEMA", "ExtractSummary", "extract_scripts", "read_module"]
