import csv
import io
import json
import subprocess
import sys

import pandas as pd
import pytest
from conftest import ROOT, SAMPLE, write
from openpyxl import load_workbook

from ntm_lib.cli import main
from ntm_lib.criteria.catalogue import load_set, unverified
from ntm_lib.intake.template import HEADERS

SAMPLE_ARGS = [
    str(SAMPLE / "indicators.csv"),
    "--communes",
    str(SAMPLE / "communes.csv"),
    "--set",
    "hd-2022-advanced",
]


def test_sets_lists_every_set(capsys):
    assert main(["sets"]) == 0
    out = capsys.readouterr().out
    for set_id in (
        "vn-2021-ntm",
        "vn-2021-advanced",
        "vn-2021-model",
        "hd-2022-advanced",
        "hd-2022-model",
    ):
        assert set_id in out


def test_criteria_unverified_csv(capsys):
    assert main(["criteria", "hd-2022-advanced", "--unverified", "--format", "csv"]) == 0
    captured = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(captured.out)))
    cset = load_set("hd-2022-advanced")
    assert len(rows) == len(unverified(cset)) == len(cset.indicators)  # none is official yet
    assert {
        "evidence",
        "evidence_document",
        "evidence_article",
        "evidence_quote",
        "evidence_url",
        "checked_by",
        "checked_on",
    } <= set(rows[0])
    waste = next(r for r in rows if r["indicator"] == "17.4")
    assert waste["evidence"] == "secondary" and "50%" in waste["evidence_quote"]
    assert f"{len(rows)}/{len(cset.indicators)}" in captured.err


def test_criteria_coverage_grid(capsys):
    assert main(["criteria", "vn-2021-advanced", "--coverage", "--format", "csv"]) == 0
    captured = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(captured.out)))
    cset = load_set("vn-2021-advanced")
    assert len(rows) == len(cset.indicators) * 7 * 5
    assert not [r for r in rows if r["state"] == "undeclared"]
    income = {(r["region"], r["year"]): r for r in rows if r["indicator"] == "10.1"}
    assert income[("dbsh", "2021")]["state"] == "unknown"
    assert income[("dbsh", "2023")]["value"] == "68.0"
    assert income[("dbsh", "2023")]["evidence"] == "secondary"
    assert main(["criteria", "vn-2021-advanced", "--coverage"]) == 0
    assert "?" in capsys.readouterr().out


def test_criteria_json_in_english(capsys):
    assert main(["--lang", "en", "criteria", "vn-2021-advanced", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    income = next(r for r in rows if r["indicator"] == "10.1")
    assert income["name"] == "Average income per person in the commune"
    assert "dbsh ≥ 64 million VND/person/year (2022+) [secondary]" in income["thresholds"]
    assert "dbsh ≥ ? (2024+)" in income["thresholds"]


def test_validate_sample_ok(capsys):
    assert main(["validate"] + SAMPLE_ARGS) == 0
    assert "11 xã" in capsys.readouterr().out


def test_validate_bad_data_exits_1_with_messages(tmp_path, capsys):
    bad = write(
        tmp_path / "bad.csv",
        "commune_id,year,indicator,value\n10912,2024,17.4,150\n10912,2024,99.9,1\n",
    )
    code = main(
        [
            "validate",
            str(bad),
            "--communes",
            str(SAMPLE / "communes.csv"),
            "--set",
            "hd-2022-advanced",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert (
        "bad.csv, dòng 2, cột «value», xã 10912 (Đức Chính), chỉ tiêu 17.4: "
        "tỷ lệ «150» nằm ngoài khoảng 0-100%." in err
    )
    assert "bad.csv, dòng 3, cột «indicator»" in err
    assert "2 lỗi" in err


def test_unknown_set_exits_2(capsys):
    assert main(["validate"] + SAMPLE_ARGS[:-1] + ["nope"]) == 2
    assert "nope" in capsys.readouterr().err


def test_bad_usage_exits_2():
    with pytest.raises(SystemExit) as exc:
        main(["assess", "x.csv"])
    assert exc.value.code == 2


def test_assess_writes_tables_and_is_deterministic(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["assess"] + SAMPLE_ARGS + ["--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} == {
        "indicators.csv",
        "criteria.csv",
        "communes.csv",
        "assessment.xlsx",
        "manifest.json",
        ".ntm-stamps",  # the files' stat stamps, beside the manifest (atomic)
    }
    names = ["indicators.csv", "criteria.csv", "communes.csv", "assessment.xlsx"]
    with open(out / "indicators.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == [
        "commune_id",
        "year",
        "set_id",
        "criterion",
        "indicator",
        "value",
        "unit",
        "rule",
        "threshold",
        "status",
        "gap",
        "source",
        "evidence",
        "verified",
        "input_ref",
        "proof_document",
        "proof_number",
        "proof_date",
        "proof_kept_at",
        "margin",
        "trend",
        "next_threshold",
        "at_risk",
        "risk",
        "tolerance",
        "fragile",
        "provisional",
        "illustrative",
    ]
    assert all(r["input_ref"].startswith("indicators.csv:") for r in rows)
    first = {n: (out / n).read_bytes() for n in names}
    assert main(["assess"] + SAMPLE_ARGS + ["--out", str(out), "--force"]) == 0
    assert {n: (out / n).read_bytes() for n in names} == first
    wb = load_workbook(out / "assessment.xlsx", read_only=True)
    assert wb.sheetnames == ["Ghi chú", "Tổng hợp", "Xã", "Tiêu chí", "Chỉ tiêu"]


def test_the_workbook_officers_pass_on(tmp_path, monkeypatch):
    """Vietnamese (or English) sheets and headers, names beside codes, statuses as words, a
    summary first, frozen headers with filters, and no cell stored as a formula."""
    import zipfile

    out = tmp_path / "vi"
    assert main(["assess"] + SAMPLE_ARGS + ["--out", str(out)]) == 0
    wb = load_workbook(out / "assessment.xlsx")
    summary = wb["Tổng hợp"]
    assert [c.value for c in summary[1]][:5] == ["Mã xã", "Tên xã", "Huyện", "Năm", "Kết quả"]
    communes = pd.read_csv(out / "communes.csv", dtype=str)
    first = communes.iloc[0]
    row = [c.value for c in summary[2]]
    assert row[0] == first["commune_id"] and row[1] == "Cẩm Hưng"
    assert row[4].startswith(("Đạt", "Chưa đạt", "Chưa đủ"))
    ind = wb["Chỉ tiêu"]
    headers = [c.value for c in ind[1]]
    assert {"Tên chỉ tiêu", "Yêu cầu", "Mức bằng chứng của ngưỡng"} <= set(headers)
    statuses = {ind.cell(r, headers.index("Kết quả") + 1).value for r in range(2, ind.max_row + 1)}
    assert (
        statuses
        <= {
            "Đạt",
            "Chưa đạt",
            "Chưa có số liệu",
            "Chưa có ngưỡng",
            "Không áp dụng",
            "Không có số liệu",
        }
        and "met" not in statuses
    )
    assert ind.freeze_panes == "A2" and ind.auto_filter.ref
    with zipfile.ZipFile(out / "assessment.xlsx") as zf:
        assert not any(b"<f>" in zf.read(n) for n in zf.namelist() if "worksheets" in n)
    monkeypatch.setenv("NTM_LANG", "en")
    assert main(["assess"] + SAMPLE_ARGS + ["--out", str(tmp_path / "en")]) == 0
    wb = load_workbook(tmp_path / "en" / "assessment.xlsx", read_only=True)
    assert wb.sheetnames == ["Notes", "Summary", "Communes", "Criteria", "Indicators"]


def test_existing_output_is_not_overwritten_without_force(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("earlier results")
    assert main(["assess"] + SAMPLE_ARGS + ["--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".run")]


def test_year_filter(tmp_path):
    out = tmp_path / "run"
    assert main(["assess"] + SAMPLE_ARGS + ["--year", "2025", "--out", str(out)]) == 0
    with open(out / "communes.csv", encoding="utf-8-sig") as fh:
        years = {r["year"] for r in csv.DictReader(fh)}
    assert years == {"2025"}


def test_template_round_trip(tmp_path, capsys):
    path = tmp_path / "nhap-lieu.xlsx"
    assert (
        main(
            [
                "template",
                "hd-2022-advanced",
                "--communes",
                str(SAMPLE / "communes.csv"),
                "--year",
                "2025",
                "--out",
                str(path),
            ]
        )
        == 0
    )
    wb = load_workbook(path)
    sheet = wb["Số liệu"]
    header = [c.value for c in sheet[1]]
    assert header == HEADERS
    value_col = header.index("Giá trị") + 1
    unit_col = header.index("Đơn vị") + 1
    assert sheet.data_validations.dataValidation, "yes/no rows need a drop-down"
    for row in range(2, sheet.max_row + 1):
        yes_no = sheet.cell(row, unit_col).value == "Đạt/Chưa đạt"
        sheet.cell(row, value_col).value = "Đạt" if yes_no else 100
    wb.save(path)
    capsys.readouterr()
    assert (
        main(
            [
                "validate",
                str(path),
                "--communes",
                str(SAMPLE / "communes.csv"),
                "--set",
                "hd-2022-advanced",
            ]
        )
        == 0
    )
    assert "11 xã" in capsys.readouterr().out


def test_python_dash_m_entry_point():
    result = subprocess.run(
        [sys.executable, "-m", "ntm_lib", "sets"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "hd-2022-model" in result.stdout


def test_verify_an_assessment(tmp_path, capsys):
    data = tmp_path / "indicators.csv"
    data.write_bytes((SAMPLE / "indicators.csv").read_bytes())
    out = tmp_path / "run"
    args = [str(data), "--communes", str(SAMPLE / "communes.csv"), "--set", "hd-2022-advanced"]
    assert main(["assess"] + args + ["--out", str(out)]) == 0
    assert main(["verify", str(out)]) == 0
    assert "giống hệt" in capsys.readouterr().out

    communes = out / "communes.csv"
    communes.write_text(communes.read_text().replace(",met", ",not_met", 1))
    assert main(["verify", str(out)]) == 1
    assert "communes.csv" in capsys.readouterr().err

    data.write_bytes(data.read_bytes() + b"\n")
    assert main(["verify", str(out)]) == 1
    assert "đã thay đổi" in capsys.readouterr().err


def test_show_prints_one_communes_verdict(capsys):
    from ntm_lib import load_inputs
    from ntm_lib.assess.pipeline import assess

    assert main(["show", "10897"] + SAMPLE_ARGS + ["--year", "2025"]) == 0
    out = capsys.readouterr().out
    cset = load_set("hd-2022-advanced")
    inputs = load_inputs([str(SAMPLE / "indicators.csv")], str(SAMPLE / "communes.csv"), cset)
    a = assess(cset, inputs.register, inputs.data)
    row = a.communes[(a.communes["commune_id"] == "10897") & (a.communes["year"] == 2025)].iloc[0]
    assert out.startswith("Cẩm Hoàng (10897), 2025: ")
    assert f"{row['criteria_met']}/{row['criteria_total']} tiêu chí" in out
    unmet = a.indicators[
        (a.indicators["commune_id"] == "10897")
        & (a.indicators["year"] == 2025)
        & (a.indicators["status"] == "not_met")
    ]
    assert f"{len(unmet)} chỉ tiêu chưa đạt" in out
    assert all(code in out for code in unmet["indicator"].astype(str))
    assert main(["show", "99999"] + SAMPLE_ARGS) == 1


def test_assess_names_the_criteria_that_block_the_most_communes(tmp_path, capsys):
    assert main(["assess"] + SAMPLE_ARGS + ["--out", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert "các tiêu chí chặn nhiều xã nhất" in out


def test_help_in_vietnamese_by_default_and_english_on_request(capsys, monkeypatch):
    with pytest.raises(SystemExit):
        main(["assess", "--help"])
    vi = capsys.readouterr().out
    assert "cách dùng:" in vi and "danh sách xã (CSV hoặc .xlsx)" in vi
    with pytest.raises(SystemExit):
        main(["--lang", "en", "assess", "--help"])
    en = capsys.readouterr().out
    assert "usage:" in en and "commune register (CSV or .xlsx)" in en
    monkeypatch.setenv("NTM_LANG", "en")
    with pytest.raises(SystemExit) as err:
        main(["assess"])
    assert err.value.code == 2 and "the following arguments are required" in capsys.readouterr().err
    monkeypatch.setenv("NTM_LANG", "vi")
    with pytest.raises(SystemExit):
        main(["assess"])
    assert "thiếu các tham số" in capsys.readouterr().err


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_option_of_every_command_is_described(lang):
    import argparse

    from ntm_lib.cli import _parser

    def walk(parser, path):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    assert choice.help, (path, choice.dest)
                for name, sub in action.choices.items():
                    assert sub.description, name
                    yield from walk(sub, f"{path} {name}".strip())
            else:
                yield path, action

    actions = list(walk(_parser(lang, every=True), ""))
    assert len(actions) > 100
    missing = [(p, a.dest) for p, a in actions if not a.help]
    assert not missing, missing


def test_the_help_catalogue_holds_no_text_nobody_uses(monkeypatch):
    """Every text of cli_help.yaml describes an option or a command that exists."""
    from ntm_lib import cli, i18n
    from ntm_lib.commands import base

    used = set()
    real = i18n.cli_help

    def recording(command, dest, lang):
        used.add(
            f"{command} {dest}".strip()
            if f"{command} {dest}".strip() in i18n.cli_texts()["per_command"]
            else dest
        )
        return real(command, dest, lang)

    monkeypatch.setattr(base, "cli_help", recording)
    cli._parser("vi", every=True)
    texts = i18n.cli_texts()
    unused = (set(texts["options"]) | set(texts["per_command"])) - used
    assert not unused, unused
    commands = set(cli.REGISTRY) | {name.split(" ")[0] for name in cli.REGISTRY}
    assert set(texts["commands"]) == commands


def test_argparse_words_catalogue_is_built_from_the_help_file():
    from ntm_lib.i18n import argparse_catalogue

    committed = ROOT / "ntm_lib" / "locale" / "vi" / "LC_MESSAGES" / "ntm.mo"
    assert committed.read_bytes() == argparse_catalogue("vi"), "run make locale"
