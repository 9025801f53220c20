"""Generated files as golden snapshots (update with `pytest --snapshot-update`, review the diff)."""

from __future__ import annotations

from pathlib import Path

import pytest

from datamigrate_cli.extract import extract_scripts
from datamigrate_cli.generate import generate
from datamigrate_cli.project import writer
from datamigrate_cli.project.writer import MANIFEST

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def catalog():
    catalog, _ = extract_scripts([FIXTURES / "small.sql"])
    return catalog


def test_generated_project_matches_golden_files(catalog, tmp_path: Path, snapshot) -> None:
    generate(catalog, tmp_path / "project", project_name="small")
    snapshot.snapshot_dir = FIXTURES / "golden_small"
    tree: dict = {}
    for path in sorted((tmp_path / "project").rglob("*")):
        relative = path.relative_to(tmp_path / "project")
        if path.is_file() and relative.parts[0] != ".datamigrate":
            folder = tree
            for part in relative.parts[:-1]:
                folder = folder.setdefault(part, {})
            folder[relative.name] = path.read_text(encoding="utf-8")
    snapshot.assert_match_dir(tree, "project")


def test_generation_is_deterministic(catalog, tmp_path: Path) -> None:
    generate(catalog, tmp_path / "a", project_name="small")
    generate(catalog, tmp_path / "b", project_name="small")
    for path in (tmp_path / "a").rglob("*"):
        if path.is_file():
            assert path.read_bytes() == (tmp_path / "b" / path.relative_to(tmp_path / "a")).read_bytes()


def test_regenerating_keeps_a_persons_edits(catalog, tmp_path: Path) -> None:
    project = tmp_path / "project"
    generate(catalog, project, project_name="small")
    edited = project / "models" / "staging" / "shop" / "stg_shop__customer.sql"
    untouched = project / "models" / "staging" / "shop" / "stg_shop__visit.sql"
    edited.write_text(edited.read_text() + "-- reviewed by a person\n")
    original_untouched = untouched.read_text()
    untouched.write_text("stale")  # simulate an older generated version recorded in the manifest
    manifest = (project / MANIFEST).read_text()

    result = generate(catalog, project, project_name="small")

    assert edited.read_text().endswith("-- reviewed by a person\n")
    assert edited.with_name(edited.name + ".new").is_file()
    assert "models/staging/shop/stg_shop__customer.sql" in result.write.kept_edited
    # a file changed by hand is kept even if datamigrate wrote it first: "stale" is an edit too
    assert untouched.read_text() == "stale"
    assert untouched.with_name(untouched.name + ".new").read_text() == original_untouched
    assert (project / MANIFEST).read_text() == manifest


def test_regenerating_replaces_untouched_files_and_removes_obsolete_ones(catalog, tmp_path: Path) -> None:
    project = tmp_path / "project"
    generate(catalog, project, project_name="small")
    smaller = catalog.model_copy(update={"views": ()})
    result = generate(smaller, project, project_name="small")
    assert "models/marts/shop/shop__customer_spend.sql" in result.write.removed
    assert not (project / "models" / "marts" / "shop" / "shop__customer_spend.sql").exists()
    assert result.write.kept_edited == []


def test_dry_run_writes_nothing(catalog, tmp_path: Path) -> None:
    result = generate(catalog, tmp_path / "project", dry_run=True)
    assert result.write is None and not (tmp_path / "project").exists()
    assert result.summary == {"converted": 3, "converted with warnings": 0, "needs review": 1}


def test_a_new_project_is_written_by_two_processes_each_with_whole_folders(tmp_path: Path) -> None:
    files = {f"models/{folder}/m{i}.sql": f"select {i} -- {folder}\n" for folder in "abcde" for i in range(7)}
    files |= {"dbt_project.yml": "name: x\n", "models/a/_a__models.yml": "version: 2\n"}
    mine, theirs = writer._halves(files)
    assert mine | theirs == files
    folders = [{path.rsplit("/", 1)[0] for path in half} for half in (mine, theirs)]
    assert not folders[0] & folders[1]
    assert abs(len(mine) - len(theirs)) <= 8
    writer.write_project(tmp_path / "out", files, "datamigrate test")
    assert {p: (tmp_path / "out" / p).read_text() for p in files} == files


def test_names_that_collide_are_numbered_and_reported(tmp_path: Path) -> None:
    """Three tables and three columns whose names become one snake_case name: the first keeps it, the
    next get _2 and _3 in the order of the script, each said in the report (DM908); no file is shared."""
    script = tmp_path / "c.sql"
    script.write_text(
        "CREATE TABLE [Order Details] (id int);\nCREATE TABLE [Order_Details] (id int);\n"
        "CREATE TABLE [OrderDetails] ([Order ID] int, [Order_ID] int, [orderId] int);\n"
    )
    catalog, _ = extract_scripts([script])
    result = generate(catalog, tmp_path / "project", project_name="c")
    messages = {o.name: [(i.code, i.message) for i in o.reasons] for o in result.objects}
    assert messages["[dbo].[Order Details]"] == []
    assert messages["[dbo].[Order_Details]"] == [
        (
            "DM908",
            "the model is stg_dbo__order_details_2, as stg_dbo__order_details was taken by Order Details",
        )
    ]
    assert messages["[dbo].[OrderDetails]"] == [
        ("DM908", "column Order_ID is order_id_2, as order_id was taken by Order ID"),
        ("DM908", "column orderId is order_id_3, as order_id was taken by Order ID"),
        (
            "DM908",
            "the model is stg_dbo__order_details_3, as stg_dbo__order_details was taken by Order Details",
        ),
    ]
    paths = [o.path for o in result.objects]
    assert len(paths) == len(set(paths)) == 3
    staging = (tmp_path / "project/models/staging/dbo/stg_dbo__order_details_3.sql").read_text()
    for original, name in (("Order ID", "order_id"), ("Order_ID", "order_id_2"), ("orderId", "order_id_3")):
        assert f'"{original}"' in staging and f"as {name}" in staging
