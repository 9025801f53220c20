from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPORA = Path(os.environ.get("DATAMIGRATE_CORPORA", ROOT.parent / "shared" / "corpora"))
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def corpora() -> Path:
    if not CORPORA.is_dir():
        pytest.fail(f"the shared corpora are missing at {CORPORA} (set DATAMIGRATE_CORPORA)")
    return CORPORA


@pytest.fixture(scope="session")
def postgres_server() -> dict[str, str]:
    """The PostgreSQL server the suite builds on (127.0.0.1:5432, database test, unless set otherwise).

    When no server answers, the test is skipped with the reason; in CI (CI set), where the server is
    expected, it fails instead, so a missing server can never pass as green."""
    import psycopg2

    settings = {
        "DATAMIGRATE_PG_HOST": os.environ.get("DATAMIGRATE_PG_HOST", "127.0.0.1"),
        "DATAMIGRATE_PG_PORT": os.environ.get("DATAMIGRATE_PG_PORT", "5432"),
        "DATAMIGRATE_PG_USER": os.environ.get("DATAMIGRATE_PG_USER", "postgres"),
        "DATAMIGRATE_PG_DATABASE": os.environ.get("DATAMIGRATE_PG_DATABASE", "test"),
    }
    try:
        psycopg2.connect(
            host=settings["DATAMIGRATE_PG_HOST"], port=settings["DATAMIGRATE_PG_PORT"],
            user=settings["DATAMIGRATE_PG_USER"], dbname=settings["DATAMIGRATE_PG_DATABASE"],
            password=os.environ.get("DATAMIGRATE_PG_PASSWORD", ""), connect_timeout=5,
        ).close()  # fmt: skip
    except psycopg2.Error as exc:
        reason = f"PostgreSQL is not reachable ({exc}); start it, or deselect with -m 'not postgres'"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return settings


@pytest.fixture
def postgres(postgres_server: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The test server's settings, also set in the environment for datamigrate and dbt."""
    for key, value in postgres_server.items():
        monkeypatch.setenv(key, value)
    return postgres_server


@pytest.fixture
def validate_schemas(postgres: dict[str, str]):
    """A function listing the throwaway schemas `validate --level build` left on the server."""
    return lambda: _validate_schemas(postgres)


def _validate_schemas(settings: dict[str, str]) -> list[str]:
    import psycopg2

    connection = psycopg2.connect(
        host=settings["DATAMIGRATE_PG_HOST"], port=settings["DATAMIGRATE_PG_PORT"],
        user=settings["DATAMIGRATE_PG_USER"], dbname=settings["DATAMIGRATE_PG_DATABASE"],
        password=os.environ.get("DATAMIGRATE_PG_PASSWORD", ""),
    )  # fmt: skip
    try:
        cursor = connection.cursor()
        cursor.execute("select nspname from pg_namespace where nspname like 'datamigrate_validate_%'")
        return sorted(row[0] for row in cursor.fetchall())
    finally:
        connection.close()
