"""A folder given to `ntm verify` is someone else's data: nothing in it runs, nothing it names
outside itself is read, no link is followed, and an edited notebook is found."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest
from conftest import SAMPLE, notebook_with

from ntm_lib.atomic import file_hashes
from ntm_lib.cli import main

DATA, REGISTER = str(SAMPLE / "indicators.csv"), str(SAMPLE / "communes.csv")
ON_DATA = [DATA, "--communes", REGISTER, "--set", "hd-2022-advanced"]


@pytest.fixture(scope="module")
def assessed(tmp_path_factory):
    out = tmp_path_factory.mktemp("a") / "run"
    assert main(["assess", *ON_DATA, "--year", "2025", "--out", str(out)]) == 0
    return out


def _copy(run: Path, tmp: Path) -> Path:
    """A copy of the run beside its inputs' relative paths (the manifest's are absolute-free)."""
    copy = tmp / run.name
    shutil.copytree(run, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    for item in manifest["inputs"]:
        item["path"] = os.path.relpath(SAMPLE / item["name"], copy)
    (copy / "manifest.json").write_text(json.dumps(manifest))
    return copy


def _rewrite(folder: Path, change) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    change(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))


def test_a_link_in_the_folder_is_named_not_followed(assessed, tmp_path, capsys):
    run = _copy(assessed, tmp_path)
    os.symlink("/dev/zero", run / "zero.csv")
    assert main(["verify", str(run)]) == 1
    err = capsys.readouterr().err
    assert "zero.csv" in err


def test_a_file_entry_outside_the_folder_is_refused(assessed, tmp_path, capsys):
    run = _copy(assessed, tmp_path)
    _rewrite(run, lambda m: m["files"].update({"../../../../dev/zero": "0" * 64}))
    assert main(["verify", str(run)]) == 1
    assert "dev/zero" in capsys.readouterr().err


def test_an_input_that_is_a_device_is_not_read(assessed, tmp_path, capsys):
    run = _copy(assessed, tmp_path)
    _rewrite(run, lambda m: m["inputs"][0].update({"path": "/dev/zero"}))
    assert main(["verify", str(run)]) == 1
    assert "/dev/zero" in capsys.readouterr().err


@pytest.fixture(scope="module")
def custom_report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("r")
    notebook = notebook_with(tmp, "print('custom notebook ran')", "probe")
    out = tmp / "report"
    args = [
        "report",
        *ON_DATA,
        "--commune",
        "10912",
        "--jobs",
        "1",
        "--notebook",
        str(notebook),
        "--out",
        str(out),
    ]
    assert main(args) == 0
    return out, notebook


def test_a_custom_notebook_is_never_run_from_the_folder(custom_report, tmp_path, capsys):
    out, notebook = custom_report
    assert main(["verify", str(out)]) == 1
    assert "--notebook" in capsys.readouterr().err
    assert main(["verify", str(out), "--notebook", str(notebook)]) == 0
    tampered = tmp_path / "other.ipynb"
    shutil.copy(notebook, tampered)
    tampered.write_text(tampered.read_text().replace("custom notebook ran", "something else"))
    assert main(["verify", str(out), "--notebook", str(tampered)]) == 1


def test_edited_notebook_parameters_are_found_even_with_the_hash_updated(
    custom_report, tmp_path, capsys
):
    out, notebook = custom_report
    run = tmp_path / "copy"
    shutil.copytree(out, run)
    page = next((run / "communes").glob("*.ipynb"))
    nb = nbformat.read(page, as_version=4)
    cell = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    cell.source = cell.source.replace('"10912"', '"10894"')
    nbformat.write(nb, page)
    _rewrite(run, lambda m: m.update({"files": file_hashes(run)}))
    assert main(["verify", str(run), "--notebook", str(notebook)]) == 1
    assert page.name in capsys.readouterr().err


def test_validate_as_json_records_every_problem(tmp_path, capsys):
    bad = tmp_path / "d.csv"
    bad.write_text("commune_id,year,indicator,value\n10912,2025,17.4,150\n10912,2025,99.9,5\n")
    assert (
        main(
            [
                "validate",
                str(bad),
                "--communes",
                REGISTER,
                "--set",
                "hd-2022-advanced",
                "--format",
                "json",
            ]
        )
        == 1
    )
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False and report["errors"] == len(report["problems"]) >= 2
    first = next(p for p in report["problems"] if p["row"] == 2)
    assert first["file"].endswith("d.csv") and first["commune"] == "10912"
    assert first["indicator"] == "17.4" and "150" in first["message"]
    assert first["column"] and first["key"] and first["message"].startswith("LỖI")
    assert main(["validate", *ON_DATA, "--format", "json"]) == 0
    ok = json.loads(capsys.readouterr().out)
    assert ok["valid"] is True and ok["stats"]["communes"] == 11
