"""A live SQL Server (2016 or later, Azure SQL Database, Azure SQL Managed Instance) -> Catalog.

Connects through pyodbc, reads the catalog with the set-based queries of sys_catalog under READ
UNCOMMITTED (so it never waits on, or blocks, production work), and never writes. Every failure to
connect or read becomes a SourceUnreachableError (exit code 3) whose one line says what to do;
neither the password nor the connection string ever appears in it.
"""

from __future__ import annotations

import difflib
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ...model.catalog import Catalog
from ...model.errors import SourceUnreachableError
from .rows import QUERIES, ObjectFilter, catalog_from_rows, load_query
from .settings import Secret, ServerSettings, odbc_pairs

APPLICATION_NAME = "datamigrate"
PREFERRED_DRIVERS = ("ODBC Driver 18 for SQL Server", "ODBC Driver 17 for SQL Server", "FreeTDS")
READ_UNCOMMITTED = "SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED"
_INSTALL_DRIVER = (
    "install Microsoft ODBC Driver 18 for SQL Server, or FreeTDS (apt-get install unixodbc tdsodbc)"
)
_DIAGNOSTIC_NOISE = re.compile(r"\[[^\]]*\]|\((?:SQLDriverConnect|SQLExecDirectW|SQLFetch\w*)\)|\(0\)")

OnQuery = Callable[[str, int, float], None]
"""Called after each catalog query with its name, its row count and the seconds it took."""


def extract_server(
    settings: ServerSettings,
    password: Secret | None = None,
    on_query: OnQuery | None = None,
    connect: Callable[[ServerSettings, Secret | None], Any] | None = None,
) -> Catalog:
    """Read the Catalog of the database `settings` point at.

    `connect` opens a DB-API connection (default: `open_connection`, through pyodbc); tests pass a fake.
    Raises SourceUnreachableError (connecting, logging in, permissions, drivers) and InputError for a
    bad --include / --exclude pattern.
    """
    object_filter = ObjectFilter(settings.include, settings.exclude)
    connection = (connect or open_connection)(settings, password)
    try:
        return catalog_from_rows(_read_rows(connection, object_filter, settings, password, on_query))
    finally:
        connection.close()


def open_connection(settings: ServerSettings, password: Secret | None) -> Any:
    """An open pyodbc connection (autocommit, application name 'datamigrate'), or SourceUnreachableError."""
    pyodbc = _pyodbc()
    driver = None
    if settings.odbc is None or not odbc_pairs(settings.odbc).keys() & {"driver", "dsn"}:
        driver = choose_driver(pyodbc.drivers(), settings.driver)
    try:
        # The string holding the password is built inside the call and never kept in a variable,
        # so no traceback (even with --debug and locals shown) can print it.
        return pyodbc.connect(
            _connection_string(settings, driver, password), timeout=settings.timeout, autocommit=True
        )
    except pyodbc.Error as exc:
        raise SourceUnreachableError(explain(exc, settings, driver, password)) from None


def choose_driver(installed: Sequence[str], wanted: str | None = None) -> str:
    """The ODBC driver to use: `wanted`, else the first of PREFERRED_DRIVERS that is installed."""
    if wanted:
        if wanted in installed:
            return wanted
        close = difflib.get_close_matches(wanted, list(installed), n=1)
        hint = f"did you mean '{close[0]}'?" if close else _INSTALL_DRIVER
        raise SourceUnreachableError(
            f"ODBC driver '{wanted}' is not installed (installed: {', '.join(installed) or 'none'}); {hint}"
        )
    for preferred in PREFERRED_DRIVERS:
        for name in installed:
            if name.lower() == preferred.lower():
                return name
    raise SourceUnreachableError(
        f"no SQL Server ODBC driver is installed (ODBC drivers found: {', '.join(installed) or 'none'}): "
        f"{_INSTALL_DRIVER}"
    )


def explain(exc: Exception, settings: ServerSettings, driver: str | None, password: Secret | None) -> str:
    """One line for a pyodbc error: what went wrong and what to do. Credentials are masked."""
    state = str(exc.args[0]) if exc.args else ""
    text = str(exc.args[1]) if len(exc.args) > 1 else str(exc)
    # Only the driver's words are masked: the rest of the message is ours and never holds credentials.
    detail = " ".join(_DIAGNOSTIC_NOISE.sub(" ", _masked(text, settings, password)).split()) or state
    where = settings.where()
    user = settings.user or odbc_pairs(settings.odbc or "").get("uid") or "this login"
    database = settings.database or odbc_pairs(settings.odbc or "").get("database") or "the database"
    if "can't open lib" in text.lower() or state in {"IM002", "IM003"}:
        message = f"the ODBC driver {driver or ''} cannot be loaded ({detail}): {_INSTALL_DRIVER}, or name one with --driver"
    elif "(4060)" in text or "Cannot open database" in text or "(911)" in text:
        message = (
            f"cannot open database '{database}' at {where}: it does not exist or '{user}' may not use it; "
            "check --database, or ask for a user in that database"
        )
    elif state == "28000" or "(18456)" in text or "Login failed" in text:
        message = (
            f"login failed for '{user}' at {where}: check --user and DATAMIGRATE_MSSQL_PASSWORD, "
            "or use --trusted for Windows authentication"
        )
    elif state in {"HYT00", "HYT01"}:
        message = (
            f"no answer from {where} within the {settings.timeout} s login timeout: check that this host "
            "and port are a SQL Server (not another service), or give it longer with --timeout"
        )
    elif state.startswith("08"):
        message = (
            f"cannot reach SQL Server at {where} ({detail}): check the host and port (--server host,port), "
            "that SQL Server accepts TCP connections there, and any firewall in between"
        )
    elif "(229)" in text or "(300)" in text or "permission" in text.lower():
        message = (
            f"'{user}' may not read the catalog of {where} ({detail}): "
            f"ask for GRANT VIEW DEFINITION TO [{user}] in that database"
        )
    else:
        message = f"SQL Server error at {where}: {detail} (SQLSTATE {state})"
    return message


# --------------------------------------------------------------------- reading
def _read_rows(
    connection: Any,
    object_filter: ObjectFilter,
    settings: ServerSettings,
    password: Secret | None,
    on_query: OnQuery | None,
) -> dict[str, list[dict[str, Any]]]:
    errors = _odbc_errors()
    rows: dict[str, list[dict[str, Any]]] = {}
    try:
        cursor = connection.cursor()
        cursor.execute(READ_UNCOMMITTED)
        for name, expected in QUERIES.items():
            started = time.perf_counter()
            sql, params = object_filter.render(load_query(name))
            if params:
                cursor.execute(sql, params)
            else:
                cursor.execute(sql)
            columns = tuple(column[0] for column in cursor.description)
            if columns != expected:
                raise RuntimeError(f"query {name}.sql returned columns {columns}, expected {expected}")
            rows[name] = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
            if on_query is not None:
                on_query(name, len(rows[name]), time.perf_counter() - started)
            if name == "server_info":
                _require_view_definition(rows[name][0], settings)
    except errors as exc:
        raise SourceUnreachableError(explain(exc, settings, None, password)) from None
    return rows


def _require_view_definition(info: dict[str, Any], settings: ServerSettings) -> None:
    # Without VIEW DEFINITION the catalog views hide objects and module texts instead of failing.
    if not info["has_view_definition"]:
        user = settings.user or "this login"
        raise SourceUnreachableError(
            f"'{user}' may not see the definitions in database '{info['database_name']}' "
            f"(no VIEW DEFINITION permission; the catalog would come out incomplete): "
            f"ask for GRANT VIEW DEFINITION TO [{user}] in that database"
        )


# --------------------------------------------------------------------- connection strings
def _connection_string(settings: ServerSettings, driver: str | None, password: Secret | None) -> str:
    if settings.odbc is not None:
        given = odbc_pairs(settings.odbc)
        extra = {"DRIVER": driver} if driver else {}
        if "app" not in given:
            extra["APP"] = APPLICATION_NAME
        if password is not None and settings.needs_password:
            extra["PWD"] = password.reveal()
        return ";".join([settings.odbc.strip().rstrip(";"), *_pairs(extra)]).lstrip(";")
    if not settings.server:
        raise ValueError("a server (or an ODBC connection string) is needed")
    freetds = driver is not None and "freetds" in driver.lower()
    host, _, port = settings.server.partition(",")
    parts: dict[str, str | None] = {"DRIVER": driver}
    if freetds:
        parts |= {"SERVER": host.strip(), "PORT": port.strip() or None, "TDS_Version": "7.4"}
    else:
        parts["SERVER"] = settings.server
    parts["DATABASE"] = settings.database
    if settings.trusted:
        parts["Trusted_Connection"] = "yes"
    else:
        parts |= {"UID": settings.user, "PWD": password.reveal() if password else None}
    parts["APP"] = APPLICATION_NAME
    if settings.encrypt is not None:
        if freetds:
            parts["Encryption"] = "require" if settings.encrypt else "off"
        else:
            parts["Encrypt"] = "yes" if settings.encrypt else "no"
    if settings.trust_server_certificate and not freetds:
        parts["TrustServerCertificate"] = "yes"
    return ";".join(_pairs(parts))


def _pairs(parts: Mapping[str, str | None]) -> list[str]:
    return [f"{key}={_odbc_value(value)}" for key, value in parts.items() if value is not None]


def _odbc_value(value: str) -> str:
    """A value as ODBC reads it: braced when it holds a character that would end or confuse it."""
    if any(char in value for char in ";{}=") or value != value.strip():
        return "{" + value.replace("}", "}}") + "}"
    return value


def _masked(message: str, settings: ServerSettings, password: Secret | None) -> str:
    secrets = [password.reveal()] if password else []
    pairs = odbc_pairs(settings.odbc or "")
    secrets += [pairs[key] for key in ("pwd", "password") if pairs.get(key)]
    for secret in secrets:
        message = message.replace(secret, "***")
    return message


# --------------------------------------------------------------------- pyodbc
def _pyodbc() -> Any:  # the pyodbc module
    try:
        import pyodbc
    except ImportError as exc:
        raise SourceUnreachableError(
            f"pyodbc cannot be loaded ({exc}): install the unixODBC driver manager and a SQL Server "
            "ODBC driver (apt-get install unixodbc tdsodbc, or Microsoft ODBC Driver 18 for SQL Server)"
        ) from None
    return pyodbc


def _odbc_errors() -> tuple[type[Exception], ...]:
    try:
        import pyodbc
    except ImportError:
        return ()
    return (pyodbc.Error,)
