"""Situations that could destroy a user's files, and what ntm must do in each.

The table SITUATIONS is the specification: for each, how the folder is set up, the command,
the exit code, the message key it must print (in Vietnamese), and what must still be there.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import SAMPLE

from ntm_lib.cli import main
from ntm_lib.i18n import catalogue

DATA = str(SAMPLE / "indicators.csv")
REGISTER = str(SAMPLE / "communes.csv")
ASSESS = ["assess", DATA, "--communes", REGISTER, "--set", "hd-2022-advanced", "--year", "2025"]
TEMPLATE = ["template", "hd-2022-advanced", "--communes", REGISTER, "--year", "2025"]


def key_text(key: str) -> str:
    """The longest fixed part of a message (the text between its fields)."""
    import string

    literals = [lit for lit, *_ in string.Formatter().parse(catalogue()[key]["vi"])]
    return max(literals, key=len)[:30]


def user_folder(tmp: Path) -> Path:
    folder = tmp / "my-work"
    folder.mkdir()
    (folder / "ke-hoach.xlsx").write_bytes(b"the officer's own plan")
    return folder


def ntm_run(tmp: Path) -> Path:
    out = tmp / "run"
    assert main(ASSESS + ["--out", str(out)]) == 0
    return out


def inputs_copy(tmp: Path) -> Path:
    folder = tmp / "inputs"
    folder.mkdir()
    shutil.copy(DATA, folder / "indicators.csv")
    shutil.copy(REGISTER, folder / "communes.csv")
    return folder


def assess_in(folder: Path, out: Path, *extra: str) -> list[str]:
    return [
        "assess",
        str(folder / "indicators.csv"),
        "--communes",
        str(folder / "communes.csv"),
        "--set",
        "hd-2022-advanced",
        "--year",
        "2025",
        "--out",
        str(out),
        *extra,
    ]


# (about, setup -> (argv, protected paths), exit code, message key)
SITUATIONS = [
    (
        "--force on a folder ntm never wrote",
        lambda tmp: (ASSESS + ["--out", str(user_folder(tmp)), "--force"], [tmp / "my-work"]),
        2,
        "out_not_ours",
    ),
    (
        "--resume on a folder ntm never wrote",
        lambda tmp: (
            [
                "report",
                DATA,
                "--communes",
                REGISTER,
                "--set",
                "hd-2022-advanced",
                "--out",
                str(user_folder(tmp)),
                "--resume",
            ],
            [tmp / "my-work"],
        ),
        2,
        "out_not_ours",
    ),
    (
        "--force on an ntm run folder a user added a file to",
        lambda tmp: (
            lambda out: (
                (out / "my-notes.docx").write_bytes(b"notes"),
                (ASSESS + ["--out", str(out), "--force"], [out]),
            )[1]
        )(ntm_run(tmp)),
        2,
        "out_not_ours",
    ),
    (
        "--force on an ntm run folder a user made an empty folder in",
        lambda tmp: (
            lambda out: (
                (out / "ho-so-cua-toi" / "2024").mkdir(parents=True),
                (ASSESS + ["--out", str(out), "--force"], [out]),
            )[1]
        )(ntm_run(tmp)),
        2,
        "out_not_ours",
    ),
    (
        "a file of the sidecar's name that ntm did not write",
        lambda tmp: (
            (tmp / "t.xlsx.ntm.json").write_text("ghi chú của tôi"),
            (TEMPLATE + ["--out", str(tmp / "t.xlsx")], [tmp / "t.xlsx.ntm.json"]),
        )[1],
        2,
        "out_sidecar_not_ours",
    ),
    (
        "a link of the sidecar's name, even with --force",
        lambda tmp: (
            (tmp / "victim.txt").write_text("the officer's notes"),
            (tmp / "t.xlsx.ntm.json").symlink_to(tmp / "victim.txt"),
            (
                TEMPLATE + ["--out", str(tmp / "t.xlsx"), "--force"],
                [tmp / "t.xlsx.ntm.json", tmp / "victim.txt"],
            ),
        )[2],
        2,
        "out_sidecar_not_ours",
    ),
    (
        "--out is the folder that holds the inputs",
        lambda tmp: (lambda f: (assess_in(f, f, "--force"), [f]))(inputs_copy(tmp)),
        2,
        "out_holds_input",
    ),
    (
        "--out is a parent of the inputs",
        lambda tmp: (lambda f: (assess_in(f, tmp, "--force"), [f]))(inputs_copy(tmp)),
        2,
        "out_holds_input",
    ),
    (
        "--out is the current folder",
        lambda tmp: (
            os.chdir(user_folder(tmp)),
            (ASSESS + ["--out", ".", "--force"], [tmp / "my-work"]),
        )[1],
        2,
        "out_protected",
    ),
    (
        "--out is the home folder",
        lambda tmp: (ASSESS + ["--out", str(Path.home()), "--force"], []),
        2,
        "out_protected",
    ),
    (
        "--out is a filesystem root",
        lambda tmp: (ASSESS + ["--out", "/", "--force"], []),
        2,
        "out_protected",
    ),
    (
        "--out names a file",
        lambda tmp: (lambda f: (ASSESS + ["--out", str(f)], [f]))(
            (tmp / "a.txt", (tmp / "a.txt").write_text("mine"))[0]
        ),
        2,
        "out_is_file",
    ),
    (
        "--out is a symbolic link to a folder",
        lambda tmp: (
            lambda real: (
                (tmp / "link").symlink_to(real),
                (ASSESS + ["--out", str(tmp / "link"), "--force"], [real]),
            )[1]
        )(user_folder(tmp)),
        2,
        "out_symlink",
    ),
    (
        "a look-alike backup folder beside the target is not ntm's leftover",
        lambda tmp: (
            lambda fake: (
                (fake / "precious.txt").write_text("keep me"),
                (ASSESS + ["--out", str(tmp / "run")], [fake]),
            )[1]
        )(_mkdir(tmp / ".run.ntm-old-1")),
        0,
        None,
    ),
    (
        "template --out onto an existing workbook",
        lambda tmp: (
            lambda f: (
                [
                    "template",
                    "hd-2022-advanced",
                    "--communes",
                    REGISTER,
                    "--year",
                    "2025",
                    "--out",
                    str(f),
                ],
                [f],
            )
        )((tmp / "filled.xlsx", (tmp / "filled.xlsx").write_bytes(b"filled in by hand"))[0]),
        2,
        "out_file_exists",
    ),
    (
        "template-plan --out onto an existing workbook",
        lambda tmp: (
            lambda f: (
                [
                    "template-plan",
                    DATA,
                    "--communes",
                    REGISTER,
                    "--set",
                    "hd-2022-advanced",
                    "--out",
                    str(f),
                ],
                [f],
            )
        )((tmp / "plan.xlsx", (tmp / "plan.xlsx").write_bytes(b"the board's plan"))[0]),
        2,
        "out_file_exists",
    ),
    (
        "merge --out onto its own input, even with --force",
        lambda tmp: (
            lambda f: (
                [
                    "merge",
                    str(f / "indicators.csv"),
                    "--communes",
                    str(f / "communes.csv"),
                    "--set",
                    "hd-2022-advanced",
                    "--out",
                    str(f / "indicators.csv"),
                    "--force",
                ],
                [f / "indicators.csv"],
            )
        )(inputs_copy(tmp)),
        2,
        "out_is_input",
    ),
    (
        "merge --out onto an existing file",
        lambda tmp: (
            lambda f: (
                [
                    "merge",
                    DATA,
                    "--communes",
                    REGISTER,
                    "--set",
                    "hd-2022-advanced",
                    "--out",
                    str(f),
                ],
                [f],
            )
        )((tmp / "merged.csv", (tmp / "merged.csv").write_text("earlier work"))[0]),
        2,
        "out_file_exists",
    ),
    (
        "--jobs 0",
        lambda tmp: (
            [
                "report",
                DATA,
                "--communes",
                REGISTER,
                "--set",
                "hd-2022-advanced",
                "--out",
                str(tmp / "r"),
                "--jobs",
                "0",
            ],
            [],
        ),
        2,
        "cli_jobs_invalid",
    ),
    (
        "--timeout negative",
        lambda tmp: (
            [
                "report",
                DATA,
                "--communes",
                REGISTER,
                "--set",
                "hd-2022-advanced",
                "--out",
                str(tmp / "r"),
                "--timeout",
                "-1",
            ],
            [],
        ),
        2,
        "cli_timeout_invalid",
    ),
    (
        "a --year with no data",
        lambda tmp: (ASSESS[:-1] + ["2023", "--year", "2019", "--out", str(tmp / "r")], []),
        1,
        "no_data_for_year",
    ),
    (
        "a --commune with no data",
        lambda tmp: (
            [
                "report",
                DATA,
                "--communes",
                REGISTER,
                "--set",
                "hd-2022-advanced",
                "--commune",
                "99999",
                "--out",
                str(tmp / "r"),
            ],
            [],
        ),
        1,
        "commune_not_found",  # not in the register: said so, with the nearest names
    ),
    (
        "a --district with no commune",
        lambda tmp: (
            [
                "summary",
                DATA,
                "--communes",
                REGISTER,
                "--set",
                "hd-2022-advanced",
                "--district",
                "Nowhere",
                "--out",
                str(tmp / "r"),
            ],
            [],
        ),
        1,
        "summary_no_communes",
    ),
]


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def _snapshot(paths: list[Path]) -> dict:
    out = {}
    for p in paths:
        if p.is_symlink() or p.is_file():
            out[str(p)] = p.read_bytes() if p.is_file() else os.readlink(p)
        elif p.is_dir():
            out[str(p)] = {
                str(q.relative_to(p)): q.read_bytes() if q.is_file() else "folder"
                for q in sorted(p.rglob("*"))
            }
    return out


@pytest.mark.parametrize("about, setup, code, key", SITUATIONS, ids=[s[0] for s in SITUATIONS])
def test_situation(about, setup, code, key, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(_mkdir(tmp_path / "elsewhere"))  # restored after the test
    argv, protected = setup(tmp_path)
    before = _snapshot(protected)
    capsys.readouterr()
    assert main(argv) == code, capsys.readouterr().err
    err = capsys.readouterr().err
    if key:
        assert key_text(key) in err, err
        assert "Traceback" not in err
    assert _snapshot(protected) == before, "nothing the user had is changed"


def test_two_runs_into_the_same_out_cannot_both_write(tmp_path, capsys):
    from ntm_lib.atomic import atomic_dir, locked

    out = tmp_path / "run"
    with locked(out):  # another run holds the target
        assert main(ASSESS + ["--out", str(out)]) == 2
    assert key_text("out_locked") in capsys.readouterr().err
    assert not out.exists()
    with atomic_dir(out) as tmp:  # the lock is released: the next run proceeds
        (tmp / "x").write_text("1")
    assert (out / "x").read_text() == "1"
    assert not list(tmp_path.glob(".run.ntm-lock")), "the lock file goes with its run"


def test_force_replaces_a_folder_ntm_wrote(tmp_path):
    out = ntm_run(tmp_path)
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["files"]) == {
        "indicators.csv",
        "criteria.csv",
        "communes.csv",
        "assessment.xlsx",
    }
    assert main(ASSESS + ["--out", str(out), "--force"]) == 0
    assert not list(tmp_path.glob(".run.ntm-*")), "no temporary or backup folder is left"


def test_a_killed_runs_backup_is_put_back_only_when_it_is_ours(tmp_path):
    from ntm_lib.atomic import MARKER, recover

    target = tmp_path / "run"
    ours = tmp_path / ".run.ntm-old-999999999"
    ours.mkdir()
    (ours / "results.csv").write_text("the previous results")
    (ours / MARKER).write_text(
        json.dumps({"tool": "ntm-assess", "target": "run", "kind": "old", "pid": 999999999})
    )
    recover(target)
    assert (target / "results.csv").read_text() == "the previous results"
    assert not (target / MARKER).exists() and not ours.exists()
    lookalike = tmp_path / ".run.ntm-tmp-999999998"
    lookalike.mkdir()
    (lookalike / "thesis.docx").write_text("a user's file in a folder with a similar name")
    recover(target)
    assert (lookalike / "thesis.docx").exists(), "no marker: not ntm's, never deleted"
    wrong_target = tmp_path / ".run.ntm-tmp-999999997"
    wrong_target.mkdir()
    (wrong_target / MARKER).write_text(
        json.dumps({"tool": "ntm-assess", "target": "other", "kind": "tmp", "pid": 999999997})
    )
    recover(target)
    assert wrong_target.exists(), "a marker for another target is not this target's leftover"


@pytest.mark.parametrize(
    "name, value",
    [
        ("NTM_MAX_INPUT_MB", "lots"),
        ("NTM_MAX_INPUT_MB", "-5"),
        ("SOURCE_DATE_EPOCH", "yesterday"),
        ("NTM_LANG", "fr"),
    ],
)
def test_malformed_environment_values_get_one_line(name, value, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv(name, value)
    assert main(ASSESS + ["--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert name in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_an_unexpected_error_ends_in_a_message_and_a_log(monkeypatch, capsys, tmp_path):
    import ntm_lib.cli as cli

    def boom(args):
        raise RuntimeError("something nobody foresaw")

    monkeypatch.setitem(cli.REGISTRY, "sets", dataclasses.replace(cli.REGISTRY["sets"], run=boom))
    assert main(["sets"]) == 1
    err = capsys.readouterr().err
    assert "something nobody foresaw" in err and "Traceback" not in err
    log = Path(err.rsplit("ở ", 1)[1].split(";")[0].strip())
    assert "RuntimeError" in log.read_text() and "Traceback" in log.read_text()


def test_disk_full_is_a_message(monkeypatch, capsys, tmp_path):
    import errno

    import ntm_lib.cli as cli

    def full(args):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "x.csv"))

    monkeypatch.setitem(cli.REGISTRY, "sets", dataclasses.replace(cli.REGISTRY["sets"], run=full))
    assert main(["sets"]) == 1
    err = capsys.readouterr().err
    assert "đầy" in err and "Traceback" not in err


def test_read_only_destination_is_a_message(tmp_path, capsys):
    if os.geteuid() == 0:
        # root writes anywhere: make the parent a file instead, which nobody can write into
        parent = tmp_path / "file"
        parent.write_text("x")
        assert main(ASSESS + ["--out", str(parent / "sub")]) in (1, 2)
    else:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        assert main(ASSESS + ["--out", str(ro / "sub")]) in (1, 2)
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip()


def test_messages_never_echo_control_characters(tmp_path, capsys):
    data = tmp_path / "d.csv"
    data.write_text("commune_id,year,indicator,value\n10912\x1b[2J,2025,17.4,55\x07\n")
    assert main(["validate", str(data), "--communes", REGISTER, "--set", "hd-2022-advanced"]) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and "\\x1b" in err


@pytest.mark.parametrize("length", [200, 250])
def test_names_near_the_filesystem_limit_can_be_written(tmp_path, length, capsys):
    """ntm's lock, temporary folder and sidecar beside an --out must not make a name the
    filesystem accepts too long."""
    folder = tmp_path / ("k" * length)
    assert main(ASSESS + ["--out", str(folder)]) == 0
    assert main(ASSESS + ["--out", str(folder), "--force"]) == 0
    book = tmp_path / ("b" * (length - 5) + ".xlsx")
    args = ["template", "hd-2022-advanced", "--communes", REGISTER, "--year", "2025"]
    assert main(args + ["--out", str(book)]) == 0
    assert main(args + ["--out", str(book), "--force"]) == 0
    assert main(["verify", str(book)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_full_disk_inside_a_workbook_writer_is_a_message(monkeypatch, capsys, tmp_path):
    """XlsxWriter wraps the OSError of a full disk in an exception of its own."""
    import errno

    from xlsxwriter.exceptions import FileCreateError

    import ntm_lib.cli as cli

    def full(args):
        raise FileCreateError(OSError(errno.ENOSPC, "No space left on device", "x.xlsx"))

    monkeypatch.setitem(cli.REGISTRY, "sets", dataclasses.replace(cli.REGISTRY["sets"], run=full))
    assert main(["sets"]) == 1
    err = capsys.readouterr().err
    assert "đầy" in err and "Traceback" not in err and "gửi" not in err


def test_edited_names_the_first_changed_file_and_reads_only_regular_ones(tmp_path):
    """Files hashed two at a time: still the first edited file in name order, whatever order
    the hashing ends in; links and missing files are not read."""
    import hashlib

    from ntm_lib.atomic import edited

    listed = {}
    for k in range(40):
        path = tmp_path / f"f{k:02d}.html"
        path.write_bytes(b"x" * (5000 + k))
        listed[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    assert edited(tmp_path, listed) is None
    (tmp_path / "f31.html").write_bytes(b"changed")
    (tmp_path / "f07.html").write_bytes(b"changed too")
    assert edited(tmp_path, listed) == str(tmp_path / "f07.html")
    (tmp_path / "f07.html").unlink()
    (tmp_path / "f07.html").symlink_to(tmp_path / "f31.html")
    assert edited(tmp_path, listed) == str(tmp_path / "f31.html")
    (tmp_path / "f31.html").unlink()
    assert edited(tmp_path, listed | {"../outside": "0" * 64}) is None


def test_a_folders_listing_is_pathlibs_links_and_all(tmp_path):
    """The one-pass listing names what pathlib's rglob names: regular files, links of any kind
    (to a file, to a folder, dangling) as files, folders not entered through a link."""
    import os

    from ntm_lib.atomic import _walk

    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "page.html").write_text("x")
    (tmp_path / ".hidden").write_text("x")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "secret.txt").write_text("x")
    (tmp_path / "a" / "to_dir").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "a" / "to_file").symlink_to(tmp_path / ".hidden")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    os.mkfifo(tmp_path / "pipe")
    files = sorted(
        p.relative_to(tmp_path).as_posix()
        for p in tmp_path.rglob("*")
        if p.is_file() or p.is_symlink()
    )
    folders = sorted(
        p.relative_to(tmp_path).as_posix()
        for p in tmp_path.rglob("*")
        if p.is_dir() and not p.is_symlink()
    )
    assert _walk(tmp_path) == (files, folders)
    assert "a/to_dir/secret.txt" not in files and "a/to_dir" in files


def _stamped_folder(tmp_path: Path) -> Path:
    """A run folder of a few files, written through atomic_dir and stamped."""
    import time

    from ntm_lib.atomic import atomic_dir, write_manifest

    target = tmp_path / "run"
    with atomic_dir(target) as tmp:
        for k in range(6):
            (tmp / f"p{k}.html").write_text(f"page {k} " * 50, encoding="utf-8")
        time.sleep(0.05)  # past the clock tick of the writes: their stamps are recorded
        write_manifest(tmp, {"command": "test"})
    return target


def test_files_whose_stamps_vouch_for_them_are_not_read_again(tmp_path, monkeypatch):
    """A file ntm wrote and nobody touched since is known unchanged by its stat stamp; one
    whose stamp vouches for another hash than the manifest's is read."""
    import ntm_lib.atomic as atomic

    target = _stamped_folder(tmp_path)
    listed = atomic.read_manifest(target)["files"]
    assert set(atomic.read_stamps(target)) == set(listed)
    read = []
    monkeypatch.setattr(atomic, "sha256", lambda p: read.append(p) or "0" * 64)
    assert atomic.edited(target, listed) is None and read == []

    forged = listed | {"p2.html": "f" * 64}  # the manifest says otherwise than the stamps
    assert atomic.edited(target, forged) == str(target / "p2.html")
    assert read == [target / "p2.html"]


@pytest.mark.parametrize("how", ["same size, mtime put back", "new inode, mtime put back"])
def test_an_edit_that_puts_the_mtime_back_is_still_refused(tmp_path, how):
    """ctime moves with any write and no user can set it: an edit is caught even when the
    editor keeps the size and puts the modification time back."""
    from ntm_lib.atomic import check_target_dir
    from ntm_lib.errors import UsageError

    target = _stamped_folder(tmp_path)
    page = target / "p3.html"
    before = page.stat()
    text = page.read_text(encoding="utf-8").replace("page 3", "PAGE 3")
    if how.startswith("new inode"):
        page.unlink()
    page.write_text(text, encoding="utf-8")
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert page.stat().st_mtime_ns == before.st_mtime_ns
    with pytest.raises(UsageError) as err:
        check_target_dir(target, force=True)
    assert "p3.html" in str(err.value)


def test_a_stamps_file_that_is_not_ntms_vouches_for_nothing(tmp_path):
    """The stamps file is read as untrusted: a link, or entries of the wrong shape, are
    ignored (every file is then read)."""
    from ntm_lib.atomic import STAMPS, read_stamps

    target = _stamped_folder(tmp_path)
    stamps = target / STAMPS
    data = json.loads(stamps.read_text(encoding="utf-8"))
    data["files"] = {
        "p0.html": ["1", 2, 3, 4, 5, 6, "x"],
        "../out": data["files"]["p1.html"],
        "p2.html": data["files"]["p2.html"][:6],
        "p3.html": data["files"]["p3.html"],
    }
    stamps.write_text(json.dumps(data), encoding="utf-8")
    assert set(read_stamps(target)) == {"p3.html"}
    stamps.unlink()
    (target / "elsewhere.json").write_text(json.dumps(data), encoding="utf-8")
    stamps.symlink_to(target / "elsewhere.json")
    assert read_stamps(target) == {}
