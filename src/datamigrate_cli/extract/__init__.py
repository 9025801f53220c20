"""extract: a SQL Server database (scripts, or a live server) -> the Catalog."""

from .ddl import ExtractSummary, extract_scripts

__all__ = ["ExtractSummary", "extract_scripts"]
