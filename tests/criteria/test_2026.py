"""The 2026-2030 set: commune groups, thresholds not known yet, criteria without indicators."""

import numpy as np
from conftest import write

from ntm_lib.assess.scoring import score
from ntm_lib.cli import main
from ntm_lib.commands.report import run_report
from ntm_lib.criteria.catalogue import load_set, unverified
from ntm_lib.intake.inputs import load_inputs
from ntm_lib.reports.batch import exit_code

REGISTER = (
    "commune_id,name,district,province,region,group\n"
    "10909,Tuệ Tĩnh,,Hải Phòng,Đồng bằng sông Hồng,2\n"
)
DATA = (
    "commune_id,year,indicator,value\n10909,2026,3.1,8.5\n10909,2026,3.2,Đạt\n"
    '10909,2026,3.3,Đạt\n10909,2026,6.1,"0,9%"\n10909,2026,8.1,96\n10909,2026,8.2,Chưa đạt\n'
)


def test_the_2026_set_is_what_the_reference_verifies():
    cset = load_set("vn-2026-ntm")
    assert [c.number for c in cset.criteria] == [str(n) for n in range(1, 11)]
    assert cset.uses_groups and cset.period.start == 2026
    assert len(unverified(cset)) == len(cset.indicators) == 6
    for ind in cset.indicators:
        for case in ind.rule.thresholds or []:
            assert case.value is None  # no group threshold was read: none is guessed


def test_scoring_under_2026_set(tmp_path):
    cset = load_set("vn-2026-ntm")
    inputs = load_inputs(
        [write(tmp_path / "d.csv", DATA)], write(tmp_path / "c.csv", REGISTER), cset
    )
    a = score(cset, inputs.register, inputs.data)
    ind = a.indicators.set_index("indicator")["status"]
    assert ind["3.1"] == ind["6.1"] == ind["8.1"] == "no_threshold"
    assert ind["3.2"] == "met" and ind["8.2"] == "not_met"
    crit = a.criteria.set_index("criterion")["status"]
    assert crit["1"] == "no_threshold" and crit["3"] == "incomplete" and crit["8"] == "not_met"
    assert a.communes["status"].tolist() == ["not_met"]
    assert np.isnan(a.indicators.set_index("indicator").loc["3.1", "threshold"])


def test_criteria_listing_says_what_remains(capsys):
    assert main(["criteria", "vn-2026-ntm", "--unverified"]) == 0
    out = capsys.readouterr().out
    assert "6/6" in out and "1, 2, 4, 5, 7, 9, 10" in out


def test_commune_report_under_the_2026_set(tmp_path):
    data = write(tmp_path / "d.csv", DATA)
    register = write(tmp_path / "c.csv", REGISTER)
    manifest = run_report([str(data)], str(register), "vn-2026-ntm", tmp_path / "out", jobs=1)
    assert exit_code(manifest) == 0, manifest["communes"]
    html = (tmp_path / "out" / "communes" / "10909_tue-tinh-2026.html").read_text(encoding="utf-8")
    assert "Chưa có ngưỡng" in html and "Tuệ Tĩnh" in html
    assert "<dt>Nhóm xã</dt><dd>2</dd>" in html


def test_tue_tinh_from_its_three_predecessors(tmp_path, capsys):
    """The sample's three old communes rolled up into Tuệ Tĩnh (new code 10909), carried over
    to the 2026 set, and reported with each predecessor's last verdict under the old set."""
    import csv
    import re

    from conftest import SAMPLE

    merged = tmp_path / "merged.csv"
    assert (
        main(
            [
                "merge",
                str(SAMPLE / "indicators.csv"),
                "--communes",
                str(SAMPLE / "communes.csv"),
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
    baseline = tmp_path / "merged.vn-2026-ntm.csv"
    with open(baseline, encoding="utf-8-sig") as fh:
        rows = [r for r in csv.DictReader(fh) if r["commune_id"] == "10909"]
    assert sorted(r["indicator"] for r in rows) == ["3.1", "6.1", "8.1", "8.2"]
    assert all(r["year"] == "2026" and "10912" in r["source"] for r in rows)

    out = tmp_path / "report"
    manifest = run_report(
        [str(baseline)],
        str(tmp_path / "merged.communes.csv"),
        "vn-2026-ntm",
        out,
        communes=["10909"],
        jobs=1,
        predecessors={
            "data": [str(SAMPLE / "indicators.csv")],
            "communes": str(SAMPLE / "communes.csv"),
            "set": "hd-2022-advanced",
        },
    )
    assert exit_code(manifest) == 0, manifest["communes"]
    html = (out / "communes" / "10909_tue-tinh-2026.html").read_text(encoding="utf-8")
    assert "Các xã trước sáp nhập (2025)" in html
    with open(SAMPLE / "communes.csv", encoding="utf-8-sig") as fh:
        names = {r["commune_id"]: r["name"] for r in csv.DictReader(fh)}
    for old in ("10900", "10909", "10912"):
        assert re.search(
            f">{old}</td><td[^>]*>{re.escape(names[old])}</td><td[^>]*>2025</td>", html
        ), old


def test_modern_framework_never_judges_a_commune_modern_alone(tmp_path):
    cset = load_set("vn-2026-modern")
    assert cset.lineage == ("vn-2026-modern", "vn-2026-ntm") and cset.level == "modern"
    assert [c.number for c in cset.criteria][-1] == "HĐ" and not cset.criteria[-1].indicators
    inputs = load_inputs(
        [write(tmp_path / "d.csv", DATA)], write(tmp_path / "c.csv", REGISTER), cset
    )
    a = score(cset, inputs.register, inputs.data)
    assert a.criteria.set_index("criterion").loc["HĐ", "status"] == "no_threshold"
    assert a.communes["status"].tolist() != ["met"]


PER_CRITERION = [5, 6, 5, 4, 6, 5, 4, 5, 4, 3]  # 47 in all (a synthetic split)


def _synthetic(code: str, name: str | None, name_en: str | None, yes_no: bool) -> dict:
    """One typed row: SYNTHETIC test values, clearly not a decision's."""
    row = {
        "Tiêu chí": code.split(".")[0],
        "Mã chỉ tiêu": code,
        "Tên chỉ tiêu": name or f"Chỉ tiêu thử {code} (tổng hợp, chỉ để kiểm thử)",
        "Tên chỉ tiêu (tiếng Anh)": name_en or f"Synthetic test indicator {code}",
        "Mức bằng chứng": "giá trị làm việc",
        "Văn bản": "SYNTHETIC TEST VALUES, not a decision",
    }
    if yes_no:
        return row | {"Đơn vị": "Đạt/Chưa đạt", "Yêu cầu": "Đạt"}
    if code == "6.1":  # a ceiling
        return row | {"Đơn vị": "%", "Yêu cầu": "≤", "Nhóm 1": 1, "Nhóm 2": 2, "Nhóm 3": 5}
    if code == "3.1":
        return row | {"Đơn vị": "%/năm", "Yêu cầu": "≥", "Nhóm 1": 8, "Nhóm 2": 6, "Nhóm 3": 4}
    return row | {"Đơn vị": "%", "Yêu cầu": "≥", "Nhóm 1": 90, "Nhóm 2": 80, "Nhóm 3": 70}


def _type_47(ws) -> int:
    """Type the 47 indicators into the exported sheet, one row each; returns rows typed."""
    col = {c.value: c.column for c in ws[1]}
    known = {ws.cell(r, col["Mã chỉ tiêu"]).value: r for r in range(2, ws.max_row + 1)}
    typed, next_row = 0, ws.max_row + 1
    for number, count in enumerate(PER_CRITERION, start=1):
        for k in range(1, count + 1):
            code = f"{number}.{k}"
            r = known.get(code)
            if r is None:
                r, next_row = next_row, next_row + 1
            yes_no = code in ("3.2", "3.3", "8.2") or (code not in known and (number + k) % 3 == 0)
            name = ws.cell(r, col["Tên chỉ tiêu"]).value
            name_en = ws.cell(r, col["Tên chỉ tiêu (tiếng Anh)"]).value
            for header, value in _synthetic(code, name, name_en, yes_no).items():
                ws.cell(r, col[header]).value = value
            typed += 1
    return typed


def test_the_47_indicators_typed_one_row_each_assess_all_three_groups(tmp_path):
    """Completing the 2026-2030 set by hand: one row per indicator, three group columns.
    Every value here is SYNTHETIC, for this test only: no threshold of Decision 51/2025 is
    known (see shared/reference); the test measures the typing, not the law."""
    from openpyxl import load_workbook

    from ntm_lib.criteria.authoring import SHEET, export_compact
    from ntm_lib.criteria.catalogue import coverage
    from ntm_lib.intake.set_import import import_set

    book = tmp_path / "vn-2026.xlsx"
    export_compact(load_set("vn-2026-ntm"), book)
    wb = load_workbook(book)
    wb["Thông tin"]["B1"] = "xx-2026-typed"
    ws = wb[SHEET]
    typed = _type_47(ws)
    wb.save(book)
    codes = [ws.cell(r, 3).value for r in range(2, ws.max_row + 1)]
    assert typed == 47 and len([c for c in codes if c]) == 47  # one row per indicator

    target, _ = import_set(book, tmp_path / "sets")
    cset = load_set(str(target))
    assert len(cset.indicators) == 47 and all(c.indicators for c in cset.criteria)
    assert set(coverage(cset)["state"]) == {"value"}
    assert all(i.weakest == "working" for i in cset.indicators)  # never looks official

    register = write(
        tmp_path / "c.csv",
        "commune_id,name,district,province,region,group\n"
        "g1,Xã nhóm 1,,Hải Phòng,dbsh,1\ng2,Xã nhóm 2,,Hải Phòng,dbsh,2\n"
        "g3,Xã nhóm 3,,Hải Phòng,tdmnpb,3\n",
    )
    lines = ["commune_id,year,indicator,value"]
    for cid in ("g1", "g2", "g3"):
        for ind in cset.indicators:
            value = {"yes_no": "Đạt", "percent": "85"}.get(ind.unit_kind, "7")
            value = '"1,5"' if ind.code == "6.1" else value  # a decimal comma, quoted
            lines.append(f"{cid},2026,{ind.code},{value}")
    data = write(tmp_path / "d.csv", "\n".join(lines) + "\n")
    inputs = load_inputs([data], register, cset)
    a = score(cset, inputs.register, inputs.data)
    ind = a.indicators.set_index(["commune_id", "indicator"])["status"]
    # 85 % against 90 / 80 / 70; poverty 1,5 % against ≤ 1 / 2 / 5; growth 7 against 8 / 6 / 4
    for code in ("8.1", "6.1", "3.1"):
        assert (ind["g1", code], ind["g2", code], ind["g3", code]) == ("not_met", "met", "met")
    status = a.communes.set_index("commune_id")["status"]
    assert status["g1"] == "not_met" and status["g2"] == status["g3"] == "met"


def test_groups_written_in_words_in_the_register(tmp_path):
    register = write(
        tmp_path / "c.csv",
        "commune_id,name,district,province,region,Nhóm xã\n"
        "a,A,,Hải Phòng,dbsh,Nhóm 1\nb,B,,Hải Phòng,dbsh,nhóm xã II\nc,C,,Hải Phòng,dbsh,3\n",
    )
    data = write(tmp_path / "d.csv", "commune_id,year,indicator,value\na,2026,3.2,Đạt\n")
    inputs = load_inputs([data], register, load_set("vn-2026-ntm"))
    assert inputs.register.set_index("commune_id")["group"].to_dict() == {
        "a": "1",
        "b": "2",
        "c": "3",
    }
