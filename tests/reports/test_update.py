"""`ntm report --update`: after a correction, only the pages whose own inputs changed are made
again, each with its reason, and every page equals a full rerun's; nothing changed, nothing
written; an earlier run's folder is read as untrusted (pages reused only from inside it)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from ntm_lib.cli import main
from ntm_lib.commands.report import run_report

SET = "hd-2022-advanced"
# Three communes of each of the two districts (the pages compare with their whole district).
IDS = ["S000003", "S000005", "S000007", "S000021", "S000025", "S000030"]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """40 communes in 2 districts, 3 years (seeded)."""
    folder = tmp_path_factory.mktemp("synthetic")
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "data" / "make_sample.py"),
            "--communes",
            "40",
            "--years",
            "3",
            "--out",
            str(folder),
        ],
        check=True,
        capture_output=True,
    )
    return folder


@pytest.fixture
def inputs(synthetic, tmp_path, monkeypatch):
    """A copy of the synthetic inputs this test may correct, and a fixed run time."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    folder = tmp_path / "inputs"
    folder.mkdir()
    for name in ("indicators.csv", "communes.csv"):
        shutil.copy(synthetic / name, folder / name)
    return folder


def report(inputs: Path, out: Path, **options) -> dict:
    options = {"communes": IDS, "jobs": 2} | options
    return run_report(
        [str(inputs / "indicators.csv")], str(inputs / "communes.csv"), SET, out, **options
    )


def correct(inputs: Path, commune: str, year: str, indicator: str, value: str) -> None:
    path = inputs / "indicators.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    hit = [n for n, line in enumerate(lines) if line.startswith(f"{commune},{year},{indicator},")]
    assert len(hit) == 1
    lines[hit[0]] = f"{commune},{year},{indicator},{value}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def made_again(record: dict) -> dict[str, str]:
    return {c["commune_id"]: c["reason"] for c in record["communes"] if not c["reused"]}


def page_of(out: Path, commune: str, suffix: str) -> Path:
    """A commune's file of 2023 (named by its code and its name)."""
    (found,) = (out / "communes").glob(f"{commune}_*-2023{suffix}")
    return found


def pages(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "communes").glob("*.html"))}


def test_one_corrected_value_makes_its_page_again_and_the_pages_equal_a_full_rerun(
    inputs, tmp_path
):
    out = tmp_path / "run"
    report(inputs, out)
    correct(inputs, "S000005", "2023", "3.1", "80.4")  # not compared with the district
    update = report(inputs, out, update=True)
    assert made_again(update) == {"S000005": "data"}
    assert pages(out) == pages_of_a_full_run(inputs, tmp_path / "a")

    # A key indicator: its district median and ranks are on its neighbours' pages too.
    correct(inputs, "S000005", "2023", "10.1", "99")
    update = report(inputs, out, update=True)
    again = made_again(update)
    assert "S000005" in again and set(again.values()) == {"data"}
    assert not set(again) & {"S000021", "S000025", "S000030"}, "another district's pages"
    assert pages(out) == pages_of_a_full_run(inputs, tmp_path / "b")
    for name in ("indicators.csv", "criteria.csv", "communes.csv"):
        assert (out / "results" / name).read_bytes() == (
            tmp_path / "b" / "results" / name
        ).read_bytes()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count('class="badge changed"') == len(again)


def pages_of_a_full_run(inputs: Path, out: Path) -> dict[str, bytes]:
    report(inputs, out)
    return pages(out)


def test_an_update_stamps_the_pages_it_carries_and_still_refuses_an_edit_of_one(inputs, tmp_path):
    """The pages an update carries keep a stat stamp that vouches for them (the next update
    reads only what it cannot vouch for), and an edit of one that puts its modification time
    back is still refused, its page kept."""
    import time

    from ntm_lib.atomic import read_manifest, read_stamps, stamp
    from ntm_lib.errors import UsageError

    out = tmp_path / "run"
    report(inputs, out, communes=IDS[:3])
    correct(inputs, "S000005", "2023", "3.1", "80.4")
    time.sleep(0.05)
    update = report(inputs, out, communes=IDS[:3], update=True)
    listed, stamps = read_manifest(out)["files"], read_stamps(out)
    carried = [f for c in update["communes"] if c["reused"] for f in (c["html"], c["ipynb"])]
    assert len(carried) == 4
    for name in carried:  # recorded with the manifest's hash, as the file stands now
        assert stamps[name] == (stamp(os.lstat(out / name)), listed[name])

    page = out / carried[0]
    before = page.stat()
    page.write_bytes(page.read_bytes().replace(b"<html", b"<HTML", 1))
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    correct(inputs, "S000005", "2023", "3.1", "80.5")
    with pytest.raises(UsageError, match=page.name):
        report(inputs, out, communes=IDS[:3], update=True)
    assert b"<HTML" in page.read_bytes()


def test_an_update_that_changes_nothing_writes_nothing(inputs, tmp_path, capsys):
    out = tmp_path / "run"
    report(inputs, out, communes=IDS[:2])
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*")}
    folder = out.stat().st_ino
    argv = [
        "report",
        str(inputs / "indicators.csv"),
        "--communes",
        str(inputs / "communes.csv"),
        "--set",
        SET,
        "--out",
        str(out),
        "--commune",
        IDS[0],
        "--commune",
        IDS[1],
        "--jobs",
        "2",
        "--update",
    ]
    assert main(argv) == 0
    assert "không ghi gì" in capsys.readouterr().out
    assert out.stat().st_ino == folder
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*")} == before
    assert not list(tmp_path.glob(".run.*")), "no temporary folder, no lock left"


def test_each_page_made_again_says_why(inputs, tmp_path, capsys):
    out = tmp_path / "run"
    report(inputs, out, communes=IDS[:2])
    english = report(inputs, out, communes=IDS[:3], lang="en", update=True)
    assert made_again(english) == {IDS[0]: "options", IDS[1]: "options", IDS[2]: "new"}
    notebook = tmp_path / "nb" / "commune_assessment.ipynb"
    notebook.parent.mkdir()
    nb = json.loads((ROOT / "notebooks" / "commune_assessment.ipynb").read_text())
    nb["cells"][-1]["source"] = "".join(nb["cells"][-1]["source"]) + "\n"
    notebook.write_text(json.dumps(nb))
    custom = report(inputs, out, communes=IDS[:3], lang="en", update=True, notebook=notebook)
    assert set(made_again(custom).values()) == {"code"}
    main(
        [
            "report",
            str(inputs / "indicators.csv"),
            "--communes",
            str(inputs / "communes.csv"),
            "--set",
            SET,
            "--out",
            str(out),
            "--commune",
            IDS[0],
            "--update",
            "--jobs",
            "1",
        ]
    )
    said = capsys.readouterr().out
    assert "sổ tay hoặc phiên bản ntm đã đổi: 1 (S000003)" in said


def test_the_same_rows_in_a_changed_file_reuse_every_page(inputs, tmp_path):
    """A page is judged by its data, not by its file: a file saved again with the same rows
    (a blank line added) makes no page again, and the manifest records the file as it is."""
    out = tmp_path / "run"
    report(inputs, out, communes=IDS[:2])
    with open(inputs / "indicators.csv", "a", encoding="utf-8") as fh:
        fh.write("\n")
    update = report(inputs, out, communes=IDS[:2], update=True)
    assert all(c["reused"] for c in update["communes"])
    from ntm_lib.provenance import sha256

    assert update["inputs"][0]["sha256"] == sha256(inputs / "indicators.csv")
    from ntm_lib.commands.verify import verify

    assert verify(out) == []


# --- the previous folder is untrusted: pages come only from inside it, as regular files


def _tamper(out: Path, commune: str, **entry) -> None:
    path = out / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for c in manifest["communes"]:
        if c["commune_id"] == commune:
            c.update(entry)
    path.write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.parametrize(
    "entry",
    [{"html": "../outside.html"}, {"ipynb": "/etc/passwd"}, {"inputs": {"code": "../x"}}],
    ids=["a page outside", "an absolute path", "malformed inputs"],
)
def test_a_manifest_naming_files_elsewhere_reuses_nothing_from_there(inputs, tmp_path, entry):
    out = tmp_path / "run"
    report(inputs, out, communes=IDS[:2])
    outside = tmp_path / "outside.html"
    outside.write_text("not a page")
    _tamper(out, IDS[0], **entry)
    correct(inputs, IDS[1], "2023", "3.1", "1")  # something to update (else nothing is read)
    update = report(inputs, out, communes=IDS[:2], update=True)
    assert made_again(update) == {IDS[0]: "missing", IDS[1]: "data"}
    page = page_of(out, IDS[0], ".html")
    assert page.stat().st_ino != outside.stat().st_ino and b"not a page" not in page.read_bytes()
    assert outside.read_text() == "not a page"


@pytest.mark.parametrize("kind", ["link", "fifo", "device"])
def test_a_page_that_is_a_link_or_a_special_file_is_made_again(inputs, tmp_path, kind):
    out = tmp_path / "run"
    report(inputs, out, communes=IDS[:2])
    page = page_of(out, IDS[0], ".ipynb")
    kept = tmp_path / "elsewhere.ipynb"
    shutil.move(page, kept)
    if kind == "link":
        page.symlink_to(kept)
    elif kind == "fifo":
        os.mkfifo(page)  # opened for reading, it would wait forever
    else:
        page.symlink_to("/dev/zero")  # read whole, it would never end
    update = report(inputs, out, communes=IDS[:2], update=True)
    assert made_again(update) == {IDS[0]: "missing"}
    assert not page.is_symlink() and page.is_file()
    assert page.stat().st_ino != kept.stat().st_ino


def test_a_manifest_listing_files_outside_its_folder_is_not_ntms(inputs, tmp_path):
    """Listed files are what --force and --update check for edits: a name outside the folder
    (a device, say) is never opened, and the folder is not replaced."""
    out = tmp_path / "run"
    report(inputs, out, communes=IDS[:1])
    path = out / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["files"]["../../../../dev/zero"] = "0" * 64
    path.write_text(json.dumps(manifest), encoding="utf-8")
    from ntm_lib.errors import UsageError

    with pytest.raises(UsageError, match="không phải kết quả do ntm ghi"):
        report(inputs, out, communes=IDS[:1], update=True)
