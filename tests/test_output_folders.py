"""Output folders a run must not write are refused with one line, before any work; a mount point is
written into (its entries are swapped, not the folder). docs/security.md, "Faults", lists the rules.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from datamigrate_cli.extract import extract_scripts
from datamigrate_cli.generate import generate
from datamigrate_cli.model.errors import OutputError
from datamigrate_cli.project import place as place_module
from datamigrate_cli.project.place import IN_PLACE_LOCK, IN_PLACE_STAGING, output_place
from datamigrate_cli.project.writer import MANIFEST

SMALL = Path(__file__).parent / "fixtures" / "small.sql"


@pytest.fixture(scope="module")
def catalog():
    return extract_scripts([SMALL])[0]


def refused(path: Path) -> str:
    with pytest.raises(OutputError) as raised:
        output_place(path)
    message = raised.value.message
    assert "\n" not in message
    return message


def test_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    assert (
        refused(tmp_path / "f") == f"{tmp_path / 'f'}: exists and is not a folder; choose another output path"
    )


def test_a_read_only_folder_is_refused_even_for_root(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        assert "the folder is read-only" in refused(folder)
        assert "cannot create the folder" in refused(folder / "new")
    finally:
        folder.chmod(0o755)


def test_a_symbolic_link_out_of_its_parent_tree_is_refused(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "here").mkdir()
    (tmp_path / "here" / "out").symlink_to(tmp_path / "elsewhere")
    assert f"is a symbolic link to {tmp_path / 'elsewhere'}, outside {tmp_path / 'here'}" in refused(
        tmp_path / "here" / "out"
    )


def test_a_dangling_symbolic_link_is_refused_naming_where_it_points(tmp_path: Path) -> None:
    (tmp_path / "out").symlink_to("gone")
    message = refused(tmp_path / "out")
    assert message == f"{tmp_path / 'out'}: is a symbolic link to gone, which does not exist; " + (
        "remove the link or give another folder"
    )
    assert "staging" not in message and "tmp" not in message.replace(str(tmp_path), "")


def test_a_symbolic_link_inside_its_tree_is_followed_and_stays_a_link(catalog, tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "out").symlink_to("real")
    generate(catalog, tmp_path / "out", project_name="small")
    generate(catalog, tmp_path / "out", project_name="small")
    assert os.readlink(tmp_path / "out") == "real"
    assert (tmp_path / "real" / MANIFEST).is_file()
    assert sorted(os.listdir(tmp_path)) == ["out", "real"]


def test_the_root_and_the_home_folder_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "is the root folder" in refused(Path("/"))
    monkeypatch.setenv("HOME", str(tmp_path))
    assert "is your home folder" in refused(tmp_path)
    assert "is your home folder" in refused(Path("~").expanduser())


def test_the_current_folder_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "project" / "models").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "project")
    assert refused(Path(".")) == (
        ".: is the current folder (or holds it), which a run replaces as a whole; "
        "run from its parent folder, or give another folder"
    )
    monkeypatch.chdir(tmp_path / "project" / "models")
    assert "is the current folder (or holds it)" in refused(Path(".."))


def test_a_mount_point_is_written_into(catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder that cannot be renamed: its entries are swapped, the folder stays (os.path.ismount is
    faked here; test_a_real_mount_point_is_written_into mounts one)."""
    volume = tmp_path / "volume"
    volume.mkdir()
    real_ismount = os.path.ismount
    monkeypatch.setattr(place_module.os.path, "ismount", lambda p: Path(p) == volume or real_ismount(p))
    inode = volume.stat().st_ino
    _generate_twice_keeping_an_edit(catalog, volume)
    assert volume.stat().st_ino == inode  # the same folder
    assert output_place(volume).in_place


def _generate_twice_keeping_an_edit(catalog, volume: Path) -> None:
    generate(catalog, volume, project_name="small")
    (volume / "dbt_project.yml").write_text("# mine\n")
    (volume / "target").mkdir()
    (volume / "target" / "run_results.json").write_text("{}")
    smaller = catalog.model_copy(update={"views": ()})
    result = generate(smaller, volume, project_name="small")
    assert result.write.kept_edited == ["dbt_project.yml"]
    assert "models/marts/shop/shop__customer_spend.sql" in result.write.removed
    assert (volume / "dbt_project.yml").read_text() == "# mine\n"
    assert (volume / "target" / "run_results.json").read_text() == "{}"
    assert not (volume / "models" / "marts" / "shop" / "shop__customer_spend.sql").exists()
    assert IN_PLACE_STAGING not in os.listdir(volume) and IN_PLACE_LOCK not in os.listdir(volume)


def test_a_parent_that_cannot_be_written_swaps_in_place(catalog, tmp_path: Path) -> None:
    (tmp_path / "parent" / "out").mkdir(parents=True)
    (tmp_path / "parent").chmod(0o555)
    try:
        assert output_place(tmp_path / "parent" / "out").in_place
        _generate_twice_keeping_an_edit(catalog, tmp_path / "parent" / "out")
    finally:
        (tmp_path / "parent").chmod(0o755)


# ------------------------------------------------------------------------- real mounts and the command line
def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "datamigrate_cli", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=300)


def one_line(result: subprocess.CompletedProcess, code: int) -> str:
    assert result.returncode == code, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


@pytest.fixture
def mount(tmp_path: Path):
    """Mount a tmpfs (root with CAP_SYS_ADMIN only); yields a function mount(folder, *options)."""
    mounted: list[Path] = []

    def mount_at(folder: Path, *options: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            ["mount", "-t", "tmpfs", *options, "datamigrate-test", str(folder)], capture_output=True
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
        mounted.append(folder)
        return folder

    yield mount_at
    for folder in reversed(mounted):
        subprocess.run(["umount", str(folder)], check=False)


@pytest.mark.process
def test_a_real_mount_point_is_written_into(catalog, tmp_path: Path, mount) -> None:
    volume = mount(tmp_path / "volume")
    assert os.path.ismount(volume) and output_place(volume).in_place
    _generate_twice_keeping_an_edit(catalog, volume)


@pytest.mark.process
def test_a_read_only_file_system_is_refused(tmp_path: Path, mount) -> None:
    volume = mount(tmp_path / "volume", "-o", "ro")
    snapshot = tmp_path / "schema.json"
    assert run("extract", "--ddl", SMALL, "-o", snapshot).returncode == 0
    line = one_line(run("generate", snapshot, "-o", volume / "project"), 2)
    assert (
        line == f"error: {volume / 'project'}: is on a read-only file system; choose a folder you can write"
    )
    line = one_line(run("extract", "--ddl", SMALL, "-o", volume / "schema.json"), 2)
    assert (
        line
        == f"error: {volume / 'schema.json'}: is on a read-only file system; choose a folder you can write"
    )


@pytest.mark.process
def test_the_command_line_refuses_bad_output_folders_with_one_line(tmp_path: Path) -> None:
    snapshot = tmp_path / "schema.json"
    assert run("extract", "--ddl", SMALL, "-o", snapshot).returncode == 0
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro").chmod(0o555)
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "cwd").mkdir()
    try:
        cases = {
            snapshot: "exists and is not a folder",
            tmp_path / "ro": "the folder is read-only",
            tmp_path / "dangling": f"is a symbolic link to {tmp_path / 'nowhere'}, which does not exist",
            Path("/"): "is the root folder",
        }
        for output, words in cases.items():
            assert words in one_line(run("generate", snapshot, "-o", output), 2)
            assert words in one_line(run("migrate", "--ddl", SMALL, "-o", output), 2)
        assert "is the current folder" in one_line(
            run("generate", snapshot, "-o", ".", cwd=tmp_path / "cwd"), 2
        )
        line = one_line(run("extract", "--ddl", SMALL, "-o", tmp_path / "ro" / "schema.json"), 2)
        assert (
            line
            == f"error: {tmp_path / 'ro' / 'schema.json'}: the folder {tmp_path / 'ro'} is read-only; "
            + ("choose a folder you can write")
        )
        line = one_line(run("extract", "--ddl", SMALL, "-o", tmp_path / "cwd"), 2)
        assert (
            line
            == f"error: {tmp_path / 'cwd'}: is a folder; give a file path for the snapshot, e.g. "
            + str(tmp_path / "cwd" / "schema.json")
        )
    finally:
        (tmp_path / "ro").chmod(0o755)
    assert not any(name.startswith(".") for name in os.listdir(tmp_path))
    shutil.rmtree(tmp_path / "cwd")
