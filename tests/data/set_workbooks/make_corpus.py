"""Write the corpus of criteria-set workbooks and cases.yaml, what each must produce.

Each case is the compact workbook `ntm set export hd-2022-advanced` writes (an overlay, with
region columns), or `vn-2026-ntm`'s (group columns), or the per-cell grid of earlier versions,
changed the way a tired officer or an attacker would change it; `ok: true` cases are
legitimate files that must be accepted and read as typed (`values`: indicator -> zone -> year
-> threshold). Run it from the repository root after changing a case or the export:
python tests/data/set_workbooks/make_corpus.py
"""

from __future__ import annotations

import io
from pathlib import Path

import yaml
from openpyxl import Workbook, load_workbook

from ntm_lib.criteria.authoring import export_compact
from ntm_lib.criteria.catalogue import load_set
from ntm_lib.criteria.spreadsheet import export_workbook

HERE = Path(__file__).parent
CASES: list[dict] = []
ALL, DBSH, TDMNPB = "Tất cả", "Đồng bằng sông Hồng", "Trung du và miền núi phía Bắc"


def exported(set_id: str = "hd-2022-advanced", new_id: str = "xx-test", grid: bool = False):
    buf = io.BytesIO()
    path = HERE / ".export.xlsx"
    (export_workbook if grid else export_compact)(load_set(set_id), path)
    buf.write(path.read_bytes())
    path.unlink()
    wb = load_workbook(buf)
    wb["Thông tin"]["B1"] = new_id
    return wb


def col(ws, header: str) -> int:
    return next(c.column for c in ws[1] if c.value == header)


def row(ws, code: str, year=None) -> int:
    head = col(ws, "Mã chỉ tiêu")
    year_col = col(ws, "Năm")
    return next(
        r
        for r in range(2, ws.max_row + 1)
        if ws.cell(r, head).value == code and ws.cell(r, year_col).value == year
    )


def put(ws, code: str, header: str, value, year=None) -> int:
    r = row(ws, code, year)
    ws.cell(r, col(ws, header)).value = value
    return r


def rework(ws, r: int, level="giá trị làm việc") -> None:
    """A changed value's evidence cleared and given anew, as the guide asks."""
    for header in ("Văn bản", "Điều, khoản", "Trích dẫn", "Đường dẫn", "Người kiểm tra"):
        ws.cell(r, col(ws, header)).value = None
    ws.cell(r, col(ws, "Mức bằng chứng")).value = level


def case(name, wb: Workbook, about: str, expect=(), ok=False, values=None) -> None:
    buf = io.BytesIO()
    wb.save(buf)
    (HERE / name).write_bytes(buf.getvalue())
    entry = {
        "file": name,
        "about": about,
        "ok": ok,
        "expect": [{"key": k, "row": r, "column": c} for k, r, c in expect],
    }
    if values:
        entry["values"] = values
    CASES.append(entry)


def fractions() -> None:
    wb = exported()
    ws = wb["Chỉ tiêu"]
    r = put(ws, "17.4", "Yêu cầu", "≥")
    ws.cell(r, col(ws, ALL)).value = 0.8
    rework(ws, r)
    case(
        "fraction_of_a_minimum.xlsx",
        wb,
        "a minimum share typed as a fraction (0,8 for 80 %): refused with the hint 80",
        [("set_import_fraction", r, ALL)],
    )
    wb = exported()
    ws = wb["Chỉ tiêu"]
    r = put(ws, "4.1", DBSH, 0.99, 2024)
    rework(ws, r)
    case(
        "fraction_in_one_region.xlsx",
        wb,
        "one region's minimum typed as a fraction (0,99) beside the others' 98-100",
        [("set_import_fraction", r, DBSH)],
    )
    wb = exported()
    ws = wb["Chỉ tiêu"]
    r = put(ws, "11.1", "Yêu cầu", "≤")
    ws.cell(r, col(ws, ALL)).value = 0.5
    case(
        "small_ceiling.xlsx",
        wb,
        "a real small ceiling (poverty ≤ 0,5, no % sign) among normal shares: accepted as typed",
        ok=True,
        values={"11.1": {"dbsh": {2024: 0.5}}},
    )
    wb = exported()
    ws = wb["Chỉ tiêu"]
    r = put(ws, "11.1", "Yêu cầu", "≤")
    ws.cell(r, col(ws, ALL)).value = 0
    case(
        "zero_ceiling.xlsx",
        wb,
        "a real 0 (no poor household at all): never a slip",
        ok=True,
        values={"11.1": {"tn": {2022: 0.0}}},
    )
    wb = exported()
    ws = wb["Chỉ tiêu"]
    r = put(ws, "17.4", "Yêu cầu", "≥ 0,8%")
    rework(ws, r)
    case(
        "small_minimum_with_sign.xlsx",
        wb,
        "a small minimum typed with its % sign is a percentage, as typed",
        ok=True,
        values={"17.4": {"dbsh": {2025: 0.8}}},
    )
    whole_file_fractions()


def whole_file_fractions() -> None:
    """A new set whose every share is typed as a fraction, ceilings included."""
    wb = exported("vn-2026-ntm", "xx-fractions")
    ws = wb["Chỉ tiêu"]
    rows = []
    for code, values in (("8.1", (0.95, 0.9, 0.8)), ("6.1", (0.01, 0.02, 0.05))):
        r = row(ws, code)
        for g, v in zip((1, 2, 3), values):
            ws.cell(r, col(ws, f"Nhóm {g}")).value = v
        ws.cell(r, col(ws, "Mức bằng chứng")).value = "giá trị làm việc"
        rows.append(r)
    r31 = row(ws, "3.1")
    for g in (1, 2, 3):
        ws.cell(r31, col(ws, f"Nhóm {g}")).value = 5
    ws.cell(r31, col(ws, "Mức bằng chứng")).value = "giá trị làm việc"
    case(
        "fractions_in_the_whole_file.xlsx",
        wb,
        "every share of the workbook at or below 1, ceilings too: the file is refused cell by cell",
        [("set_import_fraction", r, f"Nhóm {g}") for r in rows for g in (1, 2, 3)],
    )


def amounts() -> None:
    for name, value, key, about in (
        ("income_in_dong.xlsx", 64_000_000, "value_in_dong", "an income typed in đồng"),
        ("income_in_thousand_dong.xlsx", 64_000, "value_in_thousand_dong", "in thousand đồng"),
        ("income_negative.xlsx", -64, "value_negative", "a negative income"),
    ):
        wb = exported()
        ws = wb["Chỉ tiêu"]
        r = put(ws, "10.1", DBSH, value, 2022)
        rework(ws, r)
        case(name, wb, about, [(key, r, DBSH)])
    wb = exported()
    ws = wb["Chỉ tiêu"]
    r = put(ws, "10.1", DBSH, "72,500", 2025)
    case(
        "income_decimal_comma.xlsx",
        wb,
        "«72,500» typed as text in the Vietnamese workbook: 72,5 million, not 72 500",
        ok=True,
        values={"10.1": {"dbsh": {2025: 72.5}}},
    )
    wb = exported()
    ws = wb["Chỉ tiêu"]
    r = put(ws, "17.4", "Yêu cầu", "≥")
    ws.cell(r, col(ws, ALL)).value = 0.8
    ws.cell(r, col(ws, ALL)).number_format = "0%"
    rework(ws, r)
    case(
        "percent_formatted_cell.xlsx",
        wb,
        "an Excel cell formatted as a percentage (80 %): read as 80",
        ok=True,
        values={"17.4": {"dbsh": {2023: 80.0}}},
    )


def hidden() -> None:
    wb = exported()
    ws = wb["Chỉ tiêu"]
    r = row(ws, "17.4")
    ws.row_dimensions[r].hidden = True
    case("hidden_row.xlsx", wb, "a row hidden in Excel", [("set_import_row_hidden", r, None)])
    wb = exported()
    extra = wb.create_sheet("Ghi chú")
    extra["A1"] = "ngưỡng cũ"
    extra.sheet_state = "hidden"
    case(
        "hidden_sheet.xlsx",
        wb,
        "a hidden sheet with content",
        [("set_import_sheet_hidden", None, None)],
    )
    wb = exported()
    wb["Chỉ tiêu"].sheet_state = "hidden"
    wb.active = 1
    case(
        "hidden_thresholds_sheet.xlsx",
        wb,
        "the thresholds sheet itself hidden",
        [("set_import_sheet_hidden", None, None)],
    )


def twins_and_characters() -> None:
    wb = exported()
    ws = wb["Chỉ tiêu"]
    r = row(ws, "17.4")
    ws.append([c.value for c in ws[r]])
    last = ws.max_row
    ws.cell(last, col(ws, "Yêu cầu")).value = "≥ 60%"
    case(
        "cell_twice.xlsx",
        wb,
        "two rows for the same cell that disagree: neither wins silently",
        [("set_import_cell_twice", last, "Yêu cầu")],
    )
    wb = exported()
    ws = wb["Chỉ tiêu"]
    r = put(ws, "17.4", "Mã chỉ tiêu", "17\u200b.4")
    case(
        "invisible_in_code.xlsx",
        wb,
        "a zero-width space inside a code: removed, never a phantom indicator",
        ok=True,
        values={"17.4": {"dbsh": {2025: 50.0}}},
    )
    wb = exported()
    ws = wb["Chỉ tiêu"]
    r = put(ws, "17.4", "Tên chỉ tiêu", "Tỷ lệ hộ \u202ephân loại rác")
    case(
        "bidi_in_name.xlsx",
        wb,
        "a text-direction override in a name",
        [("cell_control_char", r, None)],
    )
    wb = exported()
    ws = wb["Chỉ tiêu"]
    r = put(ws, "10.1", DBSH, "=60+4", 2022)
    rework(ws, r)
    case(
        "formula.xlsx",
        wb,
        "a formula never computed (the file was not saved by Excel)",
        [("value_formula", r, DBSH)],
    )


def deletions_and_ids() -> None:
    wb = exported()
    ws = wb["Chỉ tiêu"]
    ws.delete_rows(row(ws, "17.4"))
    case(
        "deleted_indicator.xlsx",
        wb,
        "an indicator's row deleted from an overlay",
        [("set_import_indicator_missing", None, None)],
    )
    wb = exported("vn-2026-ntm", "xx-blank")
    wb["Thông tin"]["B2"] = None  # a whole new set
    ws = wb["Chỉ tiêu"]
    r = row(ws, "8.1")
    for g, v in ((1, 98), (2, 95), (3, None)):
        ws.cell(r, col(ws, f"Nhóm {g}")).value = v
    ws.cell(r, col(ws, "Mức bằng chứng")).value = "giá trị làm việc"
    case(
        "blank_zone.xlsx",
        wb,
        "a group cell left blank in a new set: an undeclared cell, named",
        [("set_import_undeclared", r, None)],
    )
    wb = exported(grid=True)
    ws = wb["Ngưỡng"]
    target = next(
        r
        for r in range(2, ws.max_row + 1)
        if (ws.cell(r, 3).value, ws.cell(r, 8).value, ws.cell(r, 10).value)
        == ("14.1", "dbsh", 2023)
    )
    ws.delete_rows(target)
    case(
        "grid_deleted_year.xlsx",
        wb,
        "a year's row deleted from the per-cell grid: a gap, not the previous year stretched",
        [("set_import_year_missing", target - 2, "Ngưỡng")],
    )
    for name, value, key, about in (
        ("id_path.xlsx", "../../outside", "set_import_bad_id", "a set id with path characters"),
        ("id_upper.xlsx", "HP 2026", "set_import_bad_id", "a set id with spaces"),
        ("id_shipped.xlsx", "vn-2021-ntm", "set_import_id_shipped", "a shipped set's id"),
        ("id_missing.xlsx", None, "set_import_new_id", "an untouched export: no new id"),
    ):
        case(name, exported(new_id=value), about, [(key, 1, "Mã bộ tiêu chí mới")])


def evidence_and_text() -> None:
    wb = exported()
    ws = wb["Chỉ tiêu"]
    r = put(ws, "17.4", "Yêu cầu", "≥ 60%")
    case(
        "stale_quote.xlsx",
        wb,
        "a value changed beside the old quote «Có từ 50% trở lên…»",
        [("set_import_stale_evidence", r, None)],
    )
    wb = exported()
    ws = wb["Chỉ tiêu"]
    r = put(ws, "17.4", "Yêu cầu", "≥ 60%")
    rework(ws, r, "văn bản chính thức")
    ws.cell(r, col(ws, "Văn bản")).value = "99/QĐ-UBND"
    case(
        "official_without_quote.xlsx",
        wb,
        "official evidence without a quote",
        [("set_import_cited_needs_quote", r, "Yêu cầu")],
    )
    wb = exported()
    ws = wb["Chỉ tiêu"]
    r = put(ws, "17.4", "Yêu cầu", "≥ 60%")
    rework(ws, r, "văn bản chính thức")
    ws.cell(r, col(ws, "Văn bản")).value = "99/QĐ-UBND"
    ws.cell(r, col(ws, "Trích dẫn")).value = "Tỷ lệ hộ phân loại chất thải rắn tại nguồn: ≥ 60%"
    case(
        "official_with_its_quote.xlsx",
        wb,
        "the decision actually typed (99/QĐ-UBND) with its quote: accepted",
        ok=True,
        values={"17.4": {"dbsh": {2024: 60.0}}},
    )
    for name, value, key, about in (
        ("unreadable.xlsx", "khoảng 90", "set_import_requirement_unreadable", "a vague value"),
        ("range.xlsx", "15-20%", "set_import_range", "a range where one threshold belongs"),
    ):
        wb = exported()
        ws = wb["Chỉ tiêu"]
        r = put(ws, "17.4", "Yêu cầu", value)
        case(name, wb, about, [(key, r, "Yêu cầu")])
    wb = exported()
    ws = wb["Chỉ tiêu"]
    ws.cell(1, col(ws, DBSH)).value = "ĐB sông Hồng"
    case(
        "unknown_zone_column.xlsx",
        wb,
        "a zone header ntm cannot read: refused, never a region's values dropped",
        [("set_import_column_unknown", 1, "ĐB sông Hồng")],
    )


def legitimate() -> None:
    wb = exported(grid=True)
    case(
        "grid_of_earlier_versions.xlsx",
        wb,
        "the per-cell grid of earlier versions, untouched but for the id",
        ok=True,
        values={"14.1": {"dbsh": {2023: 95.0}}, "17.4": {"tn": {2021: 50.0}}},
    )
    wb = exported("vn-2026-ntm", "xx-groups")
    ws = wb["Chỉ tiêu"]
    r = row(ws, "8.1")
    for g, v in ((1, 98), (2, "≥ 95%"), (3, "85")):
        ws.cell(r, col(ws, f"Nhóm {g}")).value = v
    ws.cell(r, col(ws, "Mức bằng chứng")).value = "giá trị làm việc"
    case(
        "groups_in_words.xlsx",
        wb,
        "group thresholds typed as numbers and as requirements, words for the level",
        ok=True,
        values={"8.1": {"dbsh/1": {2026: 98.0}, "tn/2": {2027: 95.0}, "dbscl/3": {2030: 85.0}}},
    )


def main() -> None:
    for old in HERE.glob("*.xlsx"):
        old.unlink()
    fractions()
    amounts()
    hidden()
    twins_and_characters()
    deletions_and_ids()
    evidence_and_text()
    legitimate()
    text = "# Written by make_corpus.py: what each set workbook must produce.\n"
    text += yaml.safe_dump(CASES, allow_unicode=True, sort_keys=False, width=100)
    (HERE / "cases.yaml").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
