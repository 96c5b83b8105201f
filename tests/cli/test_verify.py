"""`ntm verify` tells the truth: every option replayed, every file checked, moved folders."""

import json
import shutil

import pytest
from conftest import SAMPLE

from ntm_lib.cli import main

DATA = str(SAMPLE / "indicators.csv")
REGISTER = str(SAMPLE / "communes.csv")


@pytest.fixture
def assessed(tmp_path):
    inputs = tmp_path / "project" / "inputs"
    inputs.mkdir(parents=True)
    shutil.copy(DATA, inputs / "indicators.csv")
    shutil.copy(REGISTER, inputs / "communes.csv")
    out = tmp_path / "project" / "run"
    assert (
        main(
            [
                "assess",
                str(inputs / "indicators.csv"),
                "--communes",
                str(inputs / "communes.csv"),
                "--set",
                "hd-2022-advanced",
                "--year",
                "2024",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    return out


def test_an_untouched_run_verifies(assessed, capsys):
    assert main(["verify", str(assessed)]) == 0


def test_inputs_are_recorded_relative_to_the_run(assessed):
    manifest = json.loads((assessed / "manifest.json").read_text())
    assert [i["path"] for i in manifest["inputs"]] == [
        "../inputs/indicators.csv",
        "../inputs/communes.csv",
    ]


def test_a_folder_moved_with_its_inputs_verifies(assessed, tmp_path):
    moved = tmp_path / "elsewhere"
    shutil.move(str(assessed.parent), moved)
    assert main(["verify", str(moved / "run")]) == 0


def test_a_folder_moved_without_its_inputs_verifies_with_inputs_from(assessed, tmp_path, capsys):
    moved = tmp_path / "usb" / "run"
    moved.parent.mkdir()
    shutil.move(str(assessed), moved)
    inputs = tmp_path / "project" / "inputs"
    assert main(["verify", str(moved)]) == 1
    assert "indicators.csv" in capsys.readouterr().err
    assert main(["verify", str(moved), "--inputs-from", str(inputs)]) == 0


@pytest.mark.parametrize(
    "change, key",
    [
        (lambda run: (run / "criteria.csv").write_text("tampered"), "criteria.csv"),
        (lambda run: (run / "communes.csv").unlink(), "communes.csv"),
        (lambda run: (run / "extra.txt").write_text("added"), "extra.txt"),
        (lambda run: (run / "assessment.xlsx").write_bytes(b"PK broken"), "assessment.xlsx"),
    ],
)
def test_any_change_to_the_run_folder_is_named(assessed, change, key, capsys):
    change(assessed)
    assert main(["verify", str(assessed)]) == 1
    err = capsys.readouterr().err
    assert key in err


def test_a_changed_input_is_named(assessed, capsys):
    data = assessed.parent / "inputs" / "indicators.csv"
    data.write_text(data.read_text().replace("Đạt", "Chưa đạt", 1))
    assert main(["verify", str(assessed)]) == 1
    assert "indicators.csv" in capsys.readouterr().err


@pytest.mark.parametrize("text", ["{not json", "[]", '{"tool": "ntm-assess"}', ""])
def test_a_damaged_manifest_gets_a_message(assessed, text, capsys):
    (assessed / "manifest.json").write_text(text)
    assert main(["verify", str(assessed)]) == 2
    err = capsys.readouterr().err
    assert "manifest.json" in err and "Traceback" not in err


def test_numbers_are_reread_in_the_runs_language(tmp_path, monkeypatch):
    """'1.234' means 1234 in Vietnamese and 1.234 in English: a run made in English verifies
    from a Vietnamese shell."""
    data = tmp_path / "d.csv"
    data.write_text('commune_id,year,indicator,value\n10912,2025,13.2,"1,234"\n')
    monkeypatch.setenv("NTM_LANG", "en")
    assert (
        main(
            [
                "assess",
                str(data),
                "--communes",
                REGISTER,
                "--set",
                "hd-2022-advanced",
                "--out",
                str(tmp_path / "run"),
            ]
        )
        == 0
    )
    monkeypatch.setenv("NTM_LANG", "vi")
    assert main(["verify", str(tmp_path / "run")]) == 0


def test_a_plan_run_verifies(tmp_path):
    out = tmp_path / "plan"
    assert (
        main(
            [
                "plan",
                DATA,
                str(SAMPLE / "model_conditions.csv"),
                "--communes",
                REGISTER,
                "--set",
                "hd-2022-model",
                "--plan",
                str(SAMPLE / "plan.csv"),
                "--budget",
                str(SAMPLE / "budget.csv"),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert main(["verify", str(out)]) == 0
    (out / "roadmap.csv").write_text("x")
    assert main(["verify", str(out)]) == 1


def test_the_roadmap_workbook_is_in_words(tmp_path, monkeypatch):
    """Sheet names, headers, statuses and yes/no in the run's language; the CSV keep codes."""
    from openpyxl import load_workbook

    for lang, sheets, yes in (
        ("vi", ["Ghi chú", "Lộ trình", "Triển vọng", "Ngân sách"], "Có"),
        ("en", ["Notes", "Roadmap", "Outlook", "Budget"], "Yes"),
    ):
        monkeypatch.setenv("NTM_LANG", lang)
        out = tmp_path / lang
        assert (
            main(
                [
                    "plan",
                    DATA,
                    str(SAMPLE / "model_conditions.csv"),
                    "--communes",
                    REGISTER,
                    "--set",
                    "hd-2022-model",
                    "--plan",
                    str(SAMPLE / "plan.csv"),
                    "--budget",
                    str(SAMPLE / "budget.csv"),
                    "--out",
                    str(out),
                ]
            )
            == 0
        )
        wb = load_workbook(out / "roadmap.xlsx", read_only=True)
        assert wb.sheetnames == sheets
        for ws in wb.worksheets:
            rows = list(ws.iter_rows(values_only=True))
            header = rows[0]
            assert all(h and "_" not in h for h in header), header  # no code left as header
            cells = {c for r in rows[1:] for c in r}
            assert not cells & {"met", "not_met", "incomplete", "state_budget"}
            assert not any(isinstance(c, bool) for c in cells)
        road = list(wb[sheets[1]].iter_rows(values_only=True))  # after the notes
        assert yes in {c for r in road[1:] for c in r}
        assert "status_now" in (out / "roadmap.csv").read_text(encoding="utf-8")


def test_a_report_with_every_option_verifies(tmp_path):
    """Summary, plan, budget, language and predecessors are all replayed."""
    merged = tmp_path / "merged" / "merged.csv"
    assert (
        main(
            [
                "merge",
                DATA,
                "--communes",
                REGISTER,
                "--set",
                "hd-2022-advanced",
                "--to",
                "new",
                "--new-set",
                "vn-2026-ntm",
                "--group",
                "2",
                "--out",
                str(merged),
            ]
        )
        == 0
    )
    out = tmp_path / "report"
    assert (
        main(
            [
                "report",
                str(merged.with_name("merged.vn-2026-ntm.csv")),
                "--communes",
                str(merged.with_name("merged.communes.csv")),
                "--set",
                "vn-2026-ntm",
                "--commune",
                "10909",
                "--lang",
                "en",
                "--summary",
                "--predecessors-data",
                DATA,
                "--predecessors-communes",
                REGISTER,
                "--predecessors-set",
                "hd-2022-advanced",
                "--out",
                str(out),
                "--jobs",
                "1",
            ]
        )
        == 0
    )
    assert main(["verify", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert any(name.startswith("summary/") for name in manifest["files"])
    notebook = next(out / name for name in manifest["files"] if name.endswith(".ipynb"))
    notebook.write_text(notebook.read_text() + "damaged")
    assert main(["verify", str(out)]) == 1


def test_a_district_summary_verifies(tmp_path):
    """The summary's strip plots jitter their points: the jitter must be the same every run."""
    out = tmp_path / "summary"
    assert (
        main(
            [
                "summary",
                DATA,
                "--communes",
                REGISTER,
                "--set",
                "hd-2022-advanced",
                "--district",
                "Cẩm Giàng",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert main(["verify", str(out)]) == 0
