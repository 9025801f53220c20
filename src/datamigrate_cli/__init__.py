"""datamigrate: SQL Server -> dbt.

The library API, each function loaded on first use so that `import datamigrate_cli` stays cheap
(no dbt, no LangGraph, no sqlglot until a function is asked for):

    extract_scripts(paths)              T-SQL scripts -> (Catalog, ExtractSummary)
    extract_server(settings, password)  a live SQL Server -> Catalog
    generate(catalog, directory)        a Catalog -> a dbt project on disk: GenerateResult
    validate_project(directory, level)  prove the project works with dbt: ValidationReport
    assess(catalog)                     what a migration would meet, before migrating: Assessment
    migrate(scripts, directory)         extract, generate and validate in one go: MigrateResult

`generate`, `assess` and `migrate` are also the names of the modules that define them. Here the name
is always the function, whichever was imported first; reach a module with `from
datamigrate_cli.generate import ...` (not `import datamigrate_cli.generate as ...`, which gives the
function).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from .version import __version__

_API = {
    "extract_scripts": ".extract",
    "extract_server": ".extract",
    "generate": ".generate",
    "validate_project": ".validate",
    "assess": ".assess",
    "migrate": ".migrate",
}
"""Each function of the API, and the module it is loaded from."""

__all__ = ["__version__", *_API]

if TYPE_CHECKING:
    from .assess import assess as assess
    from .extract import extract_scripts as extract_scripts
    from .extract import extract_server as extract_server
    from .generate import generate as generate
    from .migrate import migrate as migrate
    from .validate import validate_project as validate_project


def __getattr__(name: str) -> Any:
    """Load a function of the API on first use (PEP 562), and keep it for the next."""
    if name not in _API:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    function = getattr(importlib.import_module(_API[name], __name__), name)
    globals()[name] = function
    return function


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})


class _Package(types.ModuleType):
    def __setattr__(self, name: str, value: Any) -> None:
        # Importing a submodule sets it as an attribute of its package: for `generate`, `assess` and
        # `migrate` that would hide the function of the same name, so the function keeps the name.
        if name in _API and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
