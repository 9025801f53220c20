"""Connecting to a live server: settings and their precedence, drivers, connection strings, errors."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from datamigrate_cli.extract.server import settings as settings_module
from datamigrate_cli.extract.server.connect import _connection_string, choose_driver, explain, open_connection
from datamigrate_cli.extract.server.settings import Secret, ServerSettings, odbc_pairs, resolve_settings
from datamigrate_cli.model.errors import InputError, SourceUnreachableError

SECRET = Secret("s3cr;et}pw")
NOT_GIVEN = dict.fromkeys(
    [
        "server",
        "database",
        "user",
        "trusted",
        "odbc",
        "driver",
        "encrypt",
        "trust_server_certificate",
        "timeout",
    ]
)


def write_config(folder: Path, text: str) -> Path:
    path = folder / "datamigrate.yml"
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------------- precedence
def test_command_line_beats_environment_beats_file_beats_defaults(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        "mssql:\n  server: file-host\n  database: file-db\n  user: file-user\n  timeout: 30\n"
        "  encrypt: false\n  include: [sales.*]\n",
    )
    environ = {"DATAMIGRATE_MSSQL_DATABASE": "env-db", "DATAMIGRATE_MSSQL_USER": "env-user"}
    command_line = {**NOT_GIVEN, "user": "cli-user"}
    settings = resolve_settings(command_line, environ, config)
    assert (settings.server, settings.database, settings.user) == ("file-host", "env-db", "cli-user")
    assert (settings.timeout, settings.encrypt, settings.include) == (30, False, ("sales.*",))
    assert settings.trust_server_certificate is False  # the default


def test_defaults_and_the_settings_file_of_the_working_folder(tmp_path: Path, monkeypatch) -> None:
    assert resolve_settings(NOT_GIVEN, {}, None).timeout == 15
    write_config(tmp_path, "mssql:\n  server: here\n")
    monkeypatch.chdir(tmp_path)
    assert resolve_settings(NOT_GIVEN, {}, None).server == "here"


def test_every_setting_has_a_kind_for_files_and_environment() -> None:
    assert set(settings_module._KINDS) == {f.name for f in dataclasses.fields(ServerSettings)}


def test_environment_values_are_converted() -> None:
    environ = {
        "DATAMIGRATE_MSSQL_TRUSTED": "yes",
        "DATAMIGRATE_MSSQL_TIMEOUT": "5",
        "DATAMIGRATE_MSSQL_EXCLUDE": "dbo.tmp*, audit.*",
    }
    settings = resolve_settings(NOT_GIVEN, environ)
    assert (settings.trusted, settings.timeout, settings.exclude) == (True, 5, ("dbo.tmp*", "audit.*"))
    with pytest.raises(InputError, match="DATAMIGRATE_MSSQL_ENCRYPT: 'maybe' is not true or false"):
        resolve_settings(NOT_GIVEN, {"DATAMIGRATE_MSSQL_ENCRYPT": "maybe"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("mssql:\n  password: hunter2\n", "a password does not belong in a file"),
        ("mssql:\n  odbc: 'Server=x;UID=u;PWD=hunter2'\n", "a password does not belong in a file"),
        ("mssql:\n  databse: x\n", "did you mean 'database'"),
        ("mssql:\n  timeout: soon\n", "not a whole number"),
        ("mssql: [1, 2]\n", "expected a 'mssql:' section"),
        ("mssql:\n  server: [unclosed\n", "not valid YAML"),
    ],
    ids=["password", "odbc-password", "typo", "timeout", "not-a-section", "broken-yaml"],
)
def test_bad_settings_files(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        resolve_settings(NOT_GIVEN, {}, write_config(tmp_path, text))
    assert "hunter2" not in caught.value.message


def test_a_password_in_odbc_on_the_command_line_is_refused() -> None:
    with pytest.raises(InputError, match="DATAMIGRATE_MSSQL_PASSWORD") as caught:
        resolve_settings({**NOT_GIVEN, "odbc": "Driver=FreeTDS;Server=x;UID=u;PWD=hunter2"}, {})
    assert "hunter2" not in caught.value.message


def test_secrets_do_not_show_in_repr() -> None:
    assert "s3cr" not in repr(SECRET) and "s3cr" not in str(SECRET)
    hidden = ServerSettings(odbc="Server=x;UID=u;PWD=hunter2")
    assert "hunter2" not in repr(hidden)


def test_when_a_password_is_needed() -> None:
    assert ServerSettings(server="x", user="u").needs_password
    assert not ServerSettings(server="x", trusted=True).needs_password
    assert ServerSettings(odbc="Server=x;UID=u").needs_password
    assert not ServerSettings(odbc="Server=x;UID=client-id;Authentication=ActiveDirectoryMsi").needs_password
    assert ServerSettings(
        odbc="Server=x;UID=me@example.com;Authentication=ActiveDirectoryPassword"
    ).needs_password
    assert not ServerSettings(odbc="Server=x;UID=u;Trusted_Connection=yes").needs_password
    assert not ServerSettings(odbc="DSN=warehouse").needs_password


# ------------------------------------------------------------------------- drivers, connection strings
def test_driver_choice() -> None:
    installed = ["FreeTDS", "ODBC Driver 17 for SQL Server", "ODBC Driver 18 for SQL Server"]
    assert choose_driver(installed) == "ODBC Driver 18 for SQL Server"
    assert choose_driver(installed[:2]) == "ODBC Driver 17 for SQL Server"
    assert choose_driver(["PostgreSQL Unicode", "FreeTDS"]) == "FreeTDS"
    assert choose_driver(installed, "FreeTDS") == "FreeTDS"
    with pytest.raises(SourceUnreachableError, match="did you mean 'FreeTDS'"):
        choose_driver(installed, "FreeTSD")
    with pytest.raises(SourceUnreachableError, match="apt-get install unixodbc tdsodbc") as caught:
        choose_driver(["PostgreSQL Unicode"])
    assert caught.value.exit_code == 3


def test_freetds_connection_string() -> None:
    settings = ServerSettings(server="db.example.com,1533", database="retail", user="reader", encrypt=True)
    pairs = odbc_pairs(_connection_string(settings, "FreeTDS", SECRET))
    assert pairs == {
        "driver": "FreeTDS",
        "server": "db.example.com",
        "port": "1533",
        "tds_version": "7.4",
        "database": "retail",
        "uid": "reader",
        "pwd": "s3cr;et}pw",  # braced in the string, so ; and } survive
        "app": "datamigrate",
        "encryption": "require",
    }


def test_microsoft_driver_connection_string() -> None:
    settings = ServerSettings(
        server="db,1433", database="retail", trusted=True, trust_server_certificate=True
    )
    text = _connection_string(settings, "ODBC Driver 18 for SQL Server", None)
    assert text == (
        "DRIVER=ODBC Driver 18 for SQL Server;SERVER=db,1433;DATABASE=retail;Trusted_Connection=yes;"
        "APP=datamigrate;TrustServerCertificate=yes"
    )


def test_raw_odbc_string_gets_the_application_name_driver_and_password() -> None:
    settings = ServerSettings(odbc="Server=tcp:x.database.windows.net;Database=d;UID=u;")
    pairs = odbc_pairs(_connection_string(settings, "ODBC Driver 18 for SQL Server", SECRET))
    assert (pairs["app"], pairs["driver"], pairs["pwd"], pairs["uid"]) == (
        "datamigrate",
        "ODBC Driver 18 for SQL Server",
        "s3cr;et}pw",
        "u",
    )
    azure = ServerSettings(
        odbc="Driver={ODBC Driver 18 for SQL Server};Server=x;Authentication=ActiveDirectoryMsi"
    )
    assert "pwd" not in odbc_pairs(_connection_string(azure, None, SECRET))


def test_the_login_timeout_always_reaches_pyodbc_connect(monkeypatch) -> None:
    pyodbc = pytest.importorskip("pyodbc")
    calls = []
    monkeypatch.setattr(pyodbc, "drivers", lambda: ["FreeTDS"])
    monkeypatch.setattr(pyodbc, "connect", lambda text, **kwargs: calls.append(kwargs) or "connection")
    assert open_connection(ServerSettings(server="x", user="u", timeout=7), SECRET) == "connection"
    assert calls == [{"timeout": 7, "autocommit": True}]


# ------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("state", "text", "expected"),
    [
        ("08S01", "[08S01] [FreeTDS][SQL Server]Unable to connect: Adaptive Server is unavailable or does not exist (20009) (SQLDriverConnect)", "cannot reach SQL Server at db,1433 / retail (Unable to connect: Adaptive Server is unavailable or does not exist (20009))"),
        ("08001", "[08001] [FreeTDS][SQL Server]Unable to connect to data source (0) (SQLDriverConnect)", "cannot reach SQL Server at db,1433 / retail"),
        ("HYT00", "[HYT00] [FreeTDS][SQL Server]Timeout expired (0) (SQLDriverConnect)", "no answer from db,1433 / retail within the 15 s login timeout"),
        ("28000", "[28000] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]Login failed for user 'reader'. (18456) (SQLDriverConnect)", "login failed for 'reader' at db,1433 / retail: check --user and DATAMIGRATE_MSSQL_PASSWORD"),
        ("42000", "[42000] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]Cannot open database \"retail\" requested by the login. The login failed. (4060) (SQLDriverConnect)", "cannot open database 'retail' at db,1433 / retail"),
        ("01000", "[01000] [unixODBC][Driver Manager]Can't open lib 'ODBC Driver 18 for SQL Server' : file not found (0) (SQLDriverConnect)", "cannot be loaded"),
        ("42000", "[42000] [FreeTDS][SQL Server]The SELECT permission was denied on the object 'sql_modules'. (229) (SQLExecDirectW)", "GRANT VIEW DEFINITION TO [reader]"),
        ("42S02", "[42S02] [FreeTDS][SQL Server]Invalid object name 'sys.sequences'. (208) (SQLExecDirectW)", "SQL Server error at db,1433 / retail: Invalid object name 'sys.sequences'. (208) (SQLSTATE 42S02)"),
    ],
    ids=["unreachable", "no-such-host", "timeout", "login", "database", "driver", "permission", "other"],
)  # fmt: skip
def test_each_odbc_error_gets_one_line_saying_what_to_do(state: str, text: str, expected: str) -> None:
    settings = ServerSettings(server="db,1433", database="retail", user="reader")
    message = explain(Exception(state, text), settings, "ODBC Driver 18 for SQL Server", SECRET)
    assert expected in message
    assert "\n" not in message and "[" + state + "]" not in message


def test_a_password_echoed_by_a_driver_is_masked() -> None:
    settings = ServerSettings(server="db", user="reader")
    message = explain(Exception("HY000", "odd driver says PWD=s3cr;et}pw"), settings, "FreeTDS", SECRET)
    assert "s3cr;et}pw" not in message and "***" in message


# ------------------------------------------------------------------------- the command line
def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "datamigrate_cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.process
@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--ddl", "x.sql", "--server", "db"], {}, "give one source"),
        ([], {}, "give a source"),
        (["--server", "db", "--database", "d"], {}, "give --user"),
        (["--server", "db", "--database", "d", "--user", "u"], {}, "set DATAMIGRATE_MSSQL_PASSWORD"),
        (["--odbc", "Server=db;UID=u;PWD=hunter2"], {}, "remove PWD from the string"),
        (["--server", "db", "--user", "u", "--include", "sales."], {"DATAMIGRATE_MSSQL_PASSWORD": "p"}, "not a schema.object pattern"),
    ],
    ids=["two-sources", "no-source", "no-user", "no-password", "password-in-odbc", "bad-pattern"],
)  # fmt: skip
def test_usage_errors_exit_2_with_one_line(tmp_path: Path, args: list[str], env: dict, message: str) -> None:
    clean = {key: "" for key in os.environ if key.startswith("DATAMIGRATE_MSSQL_")}
    result = run("extract", *args, "-o", str(tmp_path / "s.json"), env={**clean, **env})
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert "hunter2" not in result.stderr + result.stdout
    assert not (tmp_path / "s.json").exists()


def test_missing_libodbc_says_what_to_install(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "pyodbc", None)  # what `import pyodbc` meets without libodbc
    with pytest.raises(SourceUnreachableError, match="apt-get install unixodbc tdsodbc") as caught:
        open_connection(ServerSettings(server="x", user="u"), SECRET)
    assert caught.value.exit_code == 3
