"""Sets from a folder are input like data: ids are never paths, a shipped set is never shadowed
by a modified copy, relative folders mean the same everywhere, a set's text prints safely, and
evidence that claims a text must quote it, for the value it sits beside."""

import os
import shutil
import time

import pytest
from conftest import TEST_SETS

from ntm_lib.cli import main
from ntm_lib.criteria.catalogue import SETS_DIR, list_sets, load_set, sets_dirs, valid_set_id
from ntm_lib.errors import CriteriaSetError

OVERLAY = """id: {id}
title: {{vi: "Bộ thử", en: "Test"}}
level: advanced
period: {{start: 2021, end: 2025}}
parent: {parent}
legal_basis: {{number: "9/QĐ-T", date: 2022-01-01, issuer: {{vi: "T", en: "T"}}}}
defaults: {{source: {{document: "9/QĐ-T"}}}}
"""


def _shipped_copy(folder, set_id="vn-2021-advanced", edit=lambda s: s):
    text = (SETS_DIR / f"{set_id}.yaml").read_text(encoding="utf-8")
    (folder / f"{set_id}.yaml").write_text(edit(text), encoding="utf-8")


@pytest.mark.parametrize(
    "text, ok",
    [
        ("hp-2026-ntm", True),
        ("t_base", True),
        ("a", True),
        ("../etc/passwd", False),
        ("sets/x", False),
        ("x.yaml", False),
        ("HP-2026", False),
        ("a--b", False),
        ("-a", False),
        ("a b", False),
        ("ä", False),
        ("x" * 65, False),
        ("", False),
        # device names Windows reserves, whatever the extension: no file could bear them
        ("con", False),
        ("nul", False),
        ("aux", False),
        ("prn", False),
        ("com1", False),
        ("lpt9", False),
        ("console", True),
        ("con-2026", True),
        ("com10", True),
    ],
)
def test_set_ids_are_a_strict_pattern(text, ok):
    assert valid_set_id(text) is ok


def test_a_parent_named_as_a_path_is_refused_before_any_file_is_read(tmp_path):
    (tmp_path / "x.yaml").write_text(OVERLAY.format(id="x", parent="../secret"), encoding="utf-8")
    with pytest.raises(CriteriaSetError, match="secret"):
        load_set(str(tmp_path / "x.yaml"))


def test_a_modified_copy_of_a_shipped_set_never_becomes_an_overlays_parent(tmp_path):
    """The copy beside the overlay would be used silently as its parent."""
    _shipped_copy(
        tmp_path, edit=lambda s: s.replace("threshold: 95}", "threshold: 90}", 1) + "# mine\n"
    )
    (tmp_path / "my-set.yaml").write_text(
        OVERLAY.format(id="my-set", parent="vn-2021-advanced"), encoding="utf-8"
    )
    with pytest.raises(CriteriaSetError, match="mang mã vn-2021-advanced"):
        load_set(str(tmp_path / "my-set.yaml"))


def test_a_modified_copy_in_a_sets_folder_is_refused_wherever_it_is_used(tmp_path, monkeypatch):
    _shipped_copy(
        tmp_path, edit=lambda s: s.replace("threshold: 95}", "threshold: 90}", 1) + "# mine\n"
    )
    monkeypatch.setenv("NTM_SETS_DIR", str(tmp_path))
    with pytest.raises(CriteriaSetError, match="mang mã vn-2021-advanced"):
        load_set("vn-2021-advanced")
    (tmp_path / "my-set.yaml").write_text(
        OVERLAY.format(id="my-set", parent="vn-2021-advanced"), encoding="utf-8"
    )
    with pytest.raises(CriteriaSetError, match="mang mã vn-2021-advanced"):
        load_set("my-set")  # as a parent, found through the folders
    # a shipped overlay keeps its shipped parent: the copy changes nothing there
    assert load_set("hd-2022-advanced").indicator("14.1").rule.threshold == 95


def test_an_identical_copy_of_a_shipped_set_is_the_same_set(tmp_path, monkeypatch):
    _shipped_copy(tmp_path)
    (tmp_path / "my-set.yaml").write_text(
        OVERLAY.format(id="my-set", parent="vn-2021-advanced"), encoding="utf-8"
    )
    monkeypatch.setenv("NTM_SETS_DIR", str(tmp_path))
    assert (
        load_set("vn-2021-advanced").files
        == load_set(str(SETS_DIR / "vn-2021-advanced.yaml")).files
    )
    assert load_set("my-set").lineage == ("my-set", "vn-2021-advanced")


def test_a_relative_sets_folder_means_the_same_after_a_change_of_folder(tmp_path, monkeypatch):
    (tmp_path / "mine").mkdir()
    shutil.copy(TEST_SETS / "t-base.yaml", tmp_path / "mine" / "t-base.yaml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NTM_SETS_DIR", "mine")
    assert main(["sets"]) == 0  # the command makes the folder absolute, once
    assert os.environ["NTM_SETS_DIR"] == str(tmp_path / "mine")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # a worker or a notebook in another folder
    assert "t-base" in list_sets() and load_set("t-base").id == "t-base"
    assert sets_dirs()[0] == tmp_path / "mine"


@pytest.mark.parametrize(
    "bad", ["\x1b[2J\x1b[31mĐã xác minh", "Bộ\u202etest", "Bộ\u200btest", "Bộ\rtest"]
)
def test_a_set_title_with_terminal_escapes_or_hidden_marks_is_refused(tmp_path, bad, capsys):
    text = (TEST_SETS / "t-base.yaml").read_text(encoding="utf-8")
    title = text.split("title: ", 1)[1].split("\n", 1)[0]
    escaped = bad.encode("unicode_escape").decode("ascii")
    text = text.replace(title, f'{{vi: "{escaped}", en: "x"}}')
    (tmp_path / "t-base.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CriteriaSetError, match="title.vi") as err:
        load_set(str(tmp_path / "t-base.yaml"))
    assert "\x1b" not in str(err.value) and "U+" in str(err.value)
    assert main(["criteria", str(tmp_path / "t-base.yaml")]) == 2
    out = capsys.readouterr()
    assert "\x1b" not in out.out + out.err and "\u202e" not in out.out + out.err


@pytest.mark.parametrize(
    "evidence",
    [
        "{kind: official, document: '2/QĐ-TEST'}",  # no quote
        "{kind: guidance, quote: 'Tỷ lệ A đạt từ 60% trở lên'}",  # no document
        "{kind: official, document: '2/QĐ-TEST', quote: '  '}",
    ],
)
def test_evidence_claiming_a_text_must_name_it_and_quote_it(tmp_path, evidence):
    shutil.copy(TEST_SETS / "t-base.yaml", tmp_path / "t-base.yaml")
    text = (TEST_SETS / "t-overlay.yaml").read_text(encoding="utf-8")
    old = text.split("    evidence: ", 1)[1].split("\n", 1)[0]
    (tmp_path / "t-overlay.yaml").write_text(text.replace(old, evidence), encoding="utf-8")
    with pytest.raises(CriteriaSetError, match="A.1"):
        load_set(str(tmp_path / "t-overlay.yaml"))


def test_a_value_beside_a_quote_of_another_value_is_refused(tmp_path):
    """The issue's case: 60 typed beside the old quote «Có từ 50% trở lên…», official."""
    text = (SETS_DIR / "hd-2022-advanced.yaml").read_text(encoding="utf-8")
    text = text.replace("id: hd-2022-advanced", "id: hd-changed").replace(
        "threshold: 50}", "threshold: 60}"
    )
    text = text.replace("kind: secondary", "kind: official", 1)
    (tmp_path / "hd-changed.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CriteriaSetError, match="17.4") as err:
        load_set(str(tmp_path / "hd-changed.yaml"))
    assert "60" in str(err.value) and "50%" in str(err.value)
    # the same value with its own quote is accepted
    fixed = text.replace(
        "Có từ 50% trở lên hộ gia đình thực hiện", "Có từ 60% trở lên hộ gia đình thực hiện"
    )
    (tmp_path / "hd-changed.yaml").write_text(fixed, encoding="utf-8")
    assert load_set(str(tmp_path / "hd-changed.yaml")).indicator("17.4").verified


def test_a_set_is_read_again_when_its_parent_changes_in_the_same_process(tmp_path):
    """A process that lives on (`ntm report --watch`) reads an overlay again when its parent
    file changed, not only when the overlay's own file did."""
    for name in ("t-base.yaml", "t-overlay.yaml"):
        shutil.copy(TEST_SETS / name, tmp_path / name)
    time.sleep(2.1)  # settled: a file written a moment ago is never trusted by its stamp
    overlay = str(tmp_path / "t-overlay.yaml")
    before = load_set(overlay)
    assert load_set(overlay) is before  # unchanged files: the set resolved once
    base = tmp_path / "t-base.yaml"
    text = base.read_text(encoding="utf-8")
    base.write_text(text.replace("Bộ thử", "Bộ thử đã sửa", 1), encoding="utf-8")
    after = load_set(overlay)
    assert after is not before
    assert after.files["t-base"] != before.files["t-base"]
    from ntm_lib.criteria.resolve import set_files

    assert set_files(overlay) == [tmp_path / "t-overlay.yaml", base]
