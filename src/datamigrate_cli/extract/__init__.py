"""extract: a SQL Server database (scripts, or a live server) -> the Catalog."""

from .scripts import ExtractSummary, extract_scripts
from .server.connect import extract_server
from .server.settings import PASSWORD_VARIABLE, Secret, ServerSettings, password_from, resolve_settings

__all__ = [
    "PASSWORD_VARIABLE",
    "ExtractSummary",
    "Secret",
    "ServerSettings",
    "extract_scripts",
    "extract_server",
    "password_from",
    "resolve_settings",
]
