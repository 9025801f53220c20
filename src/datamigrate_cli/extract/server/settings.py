"""Where a live extraction connects: settings from the command line, the environment and datamigrate.yml.

Each setting is taken from the first place that gives it: the command line, then the environment
(DATAMIGRATE_MSSQL_<NAME>), then the `mssql:` section of datamigrate.yml, then the default.
The password is never a setting: it comes only from DATAMIGRATE_MSSQL_PASSWORD or a prompt.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ...model.errors import InputError

ENV_PREFIX = "DATAMIGRATE_MSSQL_"
PASSWORD_VARIABLE = "DATAMIGRATE_MSSQL_PASSWORD"
CONFIG_FILE = "datamigrate.yml"
CONFIG_SECTION = "mssql"
DEFAULT_TIMEOUT = 15

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_ODBC_PAIR = re.compile(r"\s*([^=;]+?)\s*=\s*(\{(?:[^}]|\}\})*\}|[^;]*)\s*(?:;|$)")
_ODBC_PASSWORD_KEYS = {"pwd", "password"}
# Azure AD methods of the Microsoft drivers that take no password (UID may name an identity).
_PASSWORDLESS_AUTHENTICATION = {
    "activedirectorymsi",
    "activedirectoryintegrated",
    "activedirectoryinteractive",
    "activedirectorydefault",
    "activedirectorydevicecodeflow",
}


class Secret:
    """A password: shown as *** by repr() and str(), so it cannot slip into a message or a traceback."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


@dataclass(frozen=True)
class ServerSettings:
    server: str | None = None
    """host, host,port or host\\instance."""
    database: str | None = None
    user: str | None = None
    trusted: bool = False
    """Windows (integrated) authentication instead of a user and password."""
    odbc: str | None = field(default=None, repr=False)
    """A raw ODBC connection string; when set, it replaces server, database, user, driver and encryption."""
    driver: str | None = None
    encrypt: bool | None = None
    """None: the driver's default."""
    trust_server_certificate: bool = False
    timeout: int = DEFAULT_TIMEOUT
    """Login timeout in seconds."""
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @property
    def needs_password(self) -> bool:
        """Whether a password must be supplied (SQL Server authentication without one in the string)."""
        if self.odbc is not None:
            keys = odbc_pairs(self.odbc)
            passwordless = (
                keys.get("trusted_connection", "").lower() == "yes"
                or keys.get("authentication", "").lower() in _PASSWORDLESS_AUTHENTICATION
            )
            return "uid" in keys and not passwordless and not keys.keys() & _ODBC_PASSWORD_KEYS
        return not self.trusted

    def where(self) -> str:
        """What a message names as the server: host,port / database (never credentials)."""
        if self.odbc is not None:
            keys = odbc_pairs(self.odbc)
            server = keys.get("server") or keys.get("dsn") or "the --odbc connection"
            database = keys.get("database")
        else:
            server, database = self.server or "?", self.database
        return f"{server} / {database}" if database else server


# Each setting and the kind of value it takes (the same names in datamigrate.yml and the environment).
_KINDS: dict[str, type] = {
    "server": str,
    "database": str,
    "user": str,
    "trusted": bool,
    "odbc": str,
    "driver": str,
    "encrypt": bool,
    "trust_server_certificate": bool,
    "timeout": int,
    "include": tuple,
    "exclude": tuple,
}


def resolve_settings(
    command_line: Mapping[str, Any], environ: Mapping[str, str], config: Path | None = None
) -> ServerSettings:
    """Merge the settings: command line > environment > datamigrate.yml > defaults.

    `command_line` holds the options as parsed (None: not given). `config` is the file named with
    --config; without it, ./datamigrate.yml is read when it exists. Raises InputError for a bad value,
    an unknown key, or a password where none may be.
    """
    odbc = command_line.get("odbc")
    if odbc and odbc_pairs(odbc).keys() & _ODBC_PASSWORD_KEYS:
        raise InputError(
            "--odbc: a password on the command line is visible to every user of this machine; "
            f"remove PWD from the string and set {PASSWORD_VARIABLE} (or be asked for it)"
        )
    merged: dict[str, Any] = {}
    for layer in (_from_file(config), _from_environment(environ), command_line):
        merged.update({key: value for key, value in layer.items() if value not in (None, [], ())})
    merged["include"] = tuple(merged.get("include", ()))
    merged["exclude"] = tuple(merged.get("exclude", ()))
    settings = ServerSettings(**{key: merged[key] for key in _KINDS if key in merged})
    if settings.timeout <= 0:
        raise InputError(f"timeout must be a positive number of seconds, not {settings.timeout}")
    return settings


def password_from(environ: Mapping[str, str]) -> Secret | None:
    value = environ.get(PASSWORD_VARIABLE)
    return Secret(value) if value else None


def odbc_pairs(connection_string: str) -> dict[str, str]:
    """The keys (lower case) and values of an ODBC connection string; {braced} values unwrapped."""
    pairs = {}
    for match in _ODBC_PAIR.finditer(connection_string):
        key, value = match.group(1).strip().lower(), match.group(2).strip()
        if value.startswith("{") and value.endswith("}"):
            value = value[1:-1].replace("}}", "}")
        pairs[key] = value
    return pairs


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    values = {}
    for name in _KINDS:
        variable = ENV_PREFIX + name.upper()
        if environ.get(variable, "").strip():
            values[name] = _convert(name, environ[variable], variable)
    return values


def _from_file(config: Path | None) -> dict[str, Any]:
    path = config or Path(CONFIG_FILE)
    if config is None and not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise InputError(f"{path}: cannot read the settings file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise InputError(f"{where}: not valid YAML; see the README for the datamigrate.yml format") from None
    section = data.get(CONFIG_SECTION, {}) if isinstance(data, dict) else None
    if not isinstance(section, dict):
        raise InputError(f"{path}: expected a '{CONFIG_SECTION}:' section of settings (see the README)")
    values = {}
    for key, value in section.items():
        name = str(key).replace("-", "_").lower()
        where = f"{path}: {CONFIG_SECTION}.{key}"
        if name == "password" or (name == "odbc" and odbc_pairs(str(value)).keys() & _ODBC_PASSWORD_KEYS):
            raise InputError(f"{where}: a password does not belong in a file; set {PASSWORD_VARIABLE}")
        if name not in _KINDS:
            close = difflib.get_close_matches(name, list(_KINDS), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; known: {', '.join(_KINDS)}"
            raise InputError(f"{where}: unknown setting{hint}")
        if value is not None:
            values[name] = _convert(name, value, where)
    return values


def _convert(name: str, value: Any, where: str) -> Any:
    kind = _KINDS[name]
    text = str(value).strip()
    if kind is bool:
        if isinstance(value, bool):
            return value
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        raise InputError(f"{where}: '{value}' is not true or false")
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise InputError(f"{where}: '{value}' is not a whole number of seconds") from None
    if kind is tuple:
        items = value if isinstance(value, list) else text.split(",")
        return tuple(str(item).strip() for item in items if str(item).strip())
    return text
