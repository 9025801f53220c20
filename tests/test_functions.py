"""User-defined functions: inline table-valued ones become models, single-RETURN scalar ones macros.

The generated project is built for real on DuckDB with sample rows; the values the converted
view returns are compared with the function's T-SQL arithmetic done here in Python.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from datamigrate_cli.cli.app import app

FUNCTIONS = Path(__file__).parent / "fixtures" / "functions.sql"
runner = CliRunner()


@pytest.mark.dbt
def test_functions_become_models_and_macros(tmp_path: Path) -> None:
    project = tmp_path / "project"
    result = runner.invoke(app, ["migrate", "--ddl", str(FUNCTIONS), "-o", str(project)])
    assert result.exit_code == 0, result.output
    report = {
        item["name"]: item for item in json.loads((project / "migration_report.json").read_text())["objects"]
    }

    assert report["[dbo].[fnNet]"]["status"] == "converted"
    assert (project / report["[dbo].[fnNet]"]["path"]).is_file()
    cheap = report["[dbo].[fnCheapItems]"]
    assert cheap["kind"] == "inline table function" and cheap["status"] == "converted with warnings"
    assert (
        cheap["issues"][0]["code"] == "DM404"
        and "@MaxPrice fixed at its default" in cheap["issues"][0]["message"]
    )
    assert report["[dbo].[fnLoop]"]["status"] == "needs review"
    assert report["[dbo].[fnLoop]"]["issues"][0]["code"] == "DM402"
    assert [issue["code"] for issue in report["[dbo].[fnNet]"]["issues"]] == ["DM405"]
    view = (project / report["[dbo].[vItemNet]"]["path"]).read_text()
    assert "{{ dbo__fn_net('item.price + 1', 'item.discount') }}" in view

    result = runner.invoke(app, ["validate", str(project), "--level", "build", "--sample-rows", "15", "--keep",
                                 "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    connection = duckdb.connect(json.loads(result.stdout)["kept"])
    rows = connection.execute(
        'select i."Price", i."Discount", i."Name", v.net_price, v.label '
        'from dbo."Item" as i join main.v_item_net as v on v.item_id = i."ItemID"'
    ).fetchall()
    cheap_count = connection.execute("select count(*) from main.fn_cheap_items").fetchone()[0]
    tags = connection.execute(
        'select i."Name", i."Price", t.tag, t.up, t.braced, t.capped, t.literal '
        'from dbo."Item" as i join main.v_item_tags as t on t.item_id = i."ItemID"'
    ).fetchall()
    connection.close()
    assert len(rows) == len(tags) == 15
    assert 0 < cheap_count == sum(price <= 10 for price, *_ in rows) < 15  # @MaxPrice = 10 is applied
    for name, price, tag, up, braced, capped, literal in tags:
        assert tag == f"{name} it's, (x)" and up == f"{name.upper()}-" and braced == "{{" + name + "}}"
        assert Decimal(capped) == min(Decimal(price), Decimal(5)) and literal == "{% x %}"
    for price, discount, name, net, label in rows:
        # RETURN @Price * (1 - @Discount) with @Price = Price + 1, converted to money (4 places)
        expected = ((Decimal(price) + 1) * (1 - Decimal(discount))).quantize(Decimal("0.0001"), ROUND_HALF_UP)
        assert Decimal(net) == expected
        assert label == f"Item: {name}"


@pytest.mark.dbt
def test_an_inline_function_needs_defaults_for_its_parameters(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[1] / "examples" / "retail"
    project = tmp_path / "project"
    assert runner.invoke(app, ["migrate", "--ddl", str(example), "-o", str(project)]).exit_code == 0
    report = {
        item["name"]: item for item in json.loads((project / "migration_report.json").read_text())["objects"]
    }
    orders = report["[sales].[fnCustomerOrders]"]
    assert orders["status"] == "needs review" and orders["issues"][0]["code"] == "DM401"
    assert orders["issues"][0]["message"].startswith("parameter @CustomerID")
