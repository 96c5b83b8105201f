"""`--update` on every command that writes: nothing changed, nothing written (and said so);
something changed, written again as --force would."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import SAMPLE
from test_commands import CASES

from ntm_lib.cli import main

UPDATED = ["assess", "summary", "dossier", "document plan", "document report", "report"]


def _state(folder: Path) -> dict:
    return {
        p: (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("name", UPDATED)
def test_an_update_with_nothing_changed_writes_nothing(name, tmp_path, capsys):
    args, _, _ = CASES[name]
    assert main(args(tmp_path)) == 0, capsys.readouterr().err
    capsys.readouterr()
    before = _state(tmp_path)
    assert main(args(tmp_path) + ["--update"]) == 0, capsys.readouterr().err
    said = capsys.readouterr().out
    assert "không ghi gì" in said
    assert _state(tmp_path) == before


def test_an_update_with_a_changed_input_writes_again(tmp_path, capsys):
    data = tmp_path / "indicators.csv"
    shutil.copy(SAMPLE / "indicators.csv", data)
    argv = [
        "assess",
        str(data),
        "--communes",
        str(SAMPLE / "communes.csv"),
        "--set",
        "hd-2022-advanced",
        "--out",
        str(tmp_path / "a"),
    ]
    assert main(argv) == 0
    before = (tmp_path / "a" / "indicators.csv").read_bytes()
    text = data.read_text(encoding="utf-8").replace('10912,2025,3.1,"84,4"', "10912,2025,3.1,60")
    data.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(argv + ["--update"]) == 0
    assert "không ghi gì" not in capsys.readouterr().out
    assert (tmp_path / "a" / "indicators.csv").read_bytes() != before
    assert main(["verify", str(tmp_path / "a")]) == 0


def test_an_update_keeps_a_boards_edited_draft_when_nothing_changed(tmp_path, capsys):
    args, _, _ = CASES["document report"]
    assert main(args(tmp_path)) == 0
    draft = tmp_path / "b.docx"
    draft.write_bytes(draft.read_bytes() + b"\0")  # the board's edits (as far as ntm can tell)
    edited = draft.read_bytes()
    assert main(args(tmp_path) + ["--update"]) == 0
    assert draft.read_bytes() == edited
