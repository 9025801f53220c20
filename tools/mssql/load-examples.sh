#!/usr/bin/env bash
# Loads examples/retail into a SQL Server as the database `retail`, from scratch.
# Runs inside a SQL Server container image, which ships sqlcmd: docker-compose.yml runs it in a
# one-shot service; .github/workflows/mssql.yml copies it into the service container.
#   MSSQL_HOST          server to load (default localhost)
#   MSSQL_SA_PASSWORD   the sa password (required; passed to sqlcmd through SQLCMDPASSWORD)
#   EXAMPLES_DIR        folder holding retail/*.sql (default /examples)
set -euo pipefail

host="${MSSQL_HOST:-localhost}"
examples="${EXAMPLES_DIR:-/examples}"
export SQLCMDPASSWORD="${MSSQL_SA_PASSWORD:?set MSSQL_SA_PASSWORD}"

# Images since 2022 CU14 ship mssql-tools18 (whose -C trusts the self-signed certificate); older ones mssql-tools.
if [ -x /opt/mssql-tools18/bin/sqlcmd ]; then
    sqlcmd=(/opt/mssql-tools18/bin/sqlcmd -C)
else
    sqlcmd=(/opt/mssql-tools/bin/sqlcmd)
fi
run() { "${sqlcmd[@]}" -S "$host" -U sa -b -I "$@"; }

for attempt in $(seq 1 60); do
    if run -Q "SELECT 1" -o /dev/null; then
        break
    fi
    if [ "$attempt" = 60 ]; then
        echo "SQL Server at $host did not accept logins within 2 minutes" >&2
        exit 1
    fi
    sleep 2
done

run -Q "IF DB_ID(N'retail') IS NOT NULL BEGIN ALTER DATABASE [retail] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE [retail]; END; CREATE DATABASE [retail];"
for script in "$examples"/retail/*.sql; do
    echo "loading $(basename "$script")"
    run -d retail -i "$script"
done
echo "examples/retail is loaded as the database 'retail' on $host"
