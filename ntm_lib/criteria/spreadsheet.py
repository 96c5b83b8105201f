"""A criteria set as a Vietnamese workbook, for the people who hold the official texts.

`export_workbook` writes one row per indicator x zone x year: the threshold (or that it is not
known, or not applicable), the rule, the unit, and the evidence (level, document, article,
quote, URL, who checked it and when), with drop-down lists where the values are closed. A
province fills or corrects the cells and `ntm set import` (intake.set_import) turns the
workbook back into a set file. `cells` is the same grid as a table, which `diff` compares.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from ..tables import print_setups
from .catalogue import (
    NOT_APPLICABLE,
    STATES,
    UNDECLARED,
    CriteriaSet,
    cell,
    coverage_zones,
    region_ids,
    units,
)
from .schema import EVIDENCE_LEVELS

# Sheet names and the grid's columns: (key, Vietnamese header, width).
INFO_SHEET, GRID_SHEET, GUIDE_SHEET = "Thông tin", "Ngưỡng", "Hướng dẫn"
COLUMNS = [
    ("criterion", "Tiêu chí", 8),
    ("criterion_name", "Tên tiêu chí", 24),
    ("indicator", "Mã chỉ tiêu", 10),
    ("name_vi", "Tên chỉ tiêu", 48),
    ("name_en", "Tên chỉ tiêu (tiếng Anh)", 30),
    ("unit", "Đơn vị", 16),
    ("op", "Phép so sánh", 10),
    ("region", "Vùng", 9),
    ("group", "Nhóm xã", 8),
    ("year", "Năm", 7),
    ("value", "Ngưỡng", 9),
    ("state", "Trạng thái", 14),
    ("evidence", "Mức bằng chứng", 14),
    ("document", "Văn bản", 24),
    ("article", "Điều, khoản", 14),
    ("quote", "Trích dẫn", 48),
    ("url", "Đường dẫn", 30),
    ("checked_by", "Người kiểm tra", 18),
    ("checked_on", "Ngày kiểm tra", 12),
    ("rule_note", "Cách tính", 22),
]
HEADERS = {key: header for key, header, _ in COLUMNS}
# Comparisons as a person can type them in a cell (Excel takes a leading "=" for a formula).
OP_WORDS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "bằng"}
# States as a person writes them in the workbook.
STATE_WORDS = {"value": "có ngưỡng", "unknown": "chưa biết", "not_applicable": "không áp dụng"}
GUIDE = [
    "Bảng ngưỡng của bộ tiêu chí: mỗi dòng là một chỉ tiêu, một vùng (hoặc nhóm xã) và một năm.",
    "1. Sửa hoặc điền cột «Ngưỡng» theo văn bản chính thức; «Trạng thái» = có ngưỡng, chưa biết "
    "(để trống ngưỡng) hoặc không áp dụng (ghi văn bản, điều khoản cho biết chỉ tiêu không "
    "áp dụng).",
    "2. Ghi bằng chứng: «Mức bằng chứng» (official = văn bản chính thức; guidance = hướng dẫn của "
    "bộ; secondary = báo, trang của tỉnh, hỏi đáp pháp luật; working = chưa có nguồn), văn bản, "
    "điều khoản, trích dẫn nguyên văn, đường dẫn, người kiểm tra và ngày kiểm tra.",
    "3. Thêm chỉ tiêu mới: thêm các dòng với mã chỉ tiêu mới, tên, đơn vị, phép so sánh và ngưỡng.",
    "4. Ở trang «Thông tin», ghi mã bộ tiêu chí mới (ví dụ hp-2026-ntm) và văn bản ban hành.",
    "5. Chạy: ntm set import TỆP.xlsx --out THƯ-MỤC, rồi dùng --sets-dir THƯ-MỤC với mọi lệnh.",
    "Không sửa tên các cột. Dòng có «Cách tính» (ví dụ 1,1 × ngưỡng 10.1) được tính từ chỉ tiêu "
    "khác: sửa ngưỡng ở đó sẽ thay cách tính bằng các giá trị ghi trong bảng.",
]


def _zone_parts(zone) -> tuple[str, int | None]:
    return (zone, None) if isinstance(zone, str) else (zone[0], zone[1])


def cells(cset: CriteriaSet) -> pd.DataFrame:
    """The set's grid, one row per indicator x zone x year, with names, rule and evidence; a
    criterion without any indicator yet has one row with an empty code."""
    years = range(cset.period.start, cset.period.end + 1)
    rows = []
    for crit in cset.criteria:
        base = {"criterion": crit.number, "criterion_name": crit.name["vi"]}
        if not crit.indicators:
            rows.append(base | {k: "" for k in HEADERS if k not in base})
            continue
        for ind in crit.indicators:
            rel = ind.rule.relative_to
            note = (
                f"{str(rel.factor).replace('.', ',')} × ngưỡng {rel.indicator}"
                if rel is not None
                else ""
            )
            for zone in coverage_zones(cset):
                region, group = _zone_parts(zone)
                for year in years:
                    x = cell(cset, ind.code, zone, year)
                    ev = x.basis if x.state == NOT_APPLICABLE else x.evidence
                    rows.append(
                        base
                        | {
                            "indicator": ind.code,
                            "name_vi": ind.name["vi"],
                            "name_en": ind.name["en"],
                            "unit": ind.unit,
                            "op": ind.rule.op,
                            "region": region,
                            "group": group or "",
                            "year": year,
                            "value": x.value if x.value == x.value else None,
                            "state": STATES[x.state],
                            "evidence": (
                                x.evidence.get("kind", "") if x.state != UNDECLARED else ""
                            ),
                            "document": ev.get("document", ""),
                            "article": ev.get("article", ""),
                            "quote": ev.get("quote", ""),
                            "url": ev.get("url", ""),
                            "checked_by": x.evidence.get("checked_by", ""),
                            "checked_on": _date_text(x.evidence.get("checked_on")),
                            "rule_note": note,
                        }
                    )
    return pd.DataFrame(rows, columns=list(HEADERS))


def _date_text(value) -> str:
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value or "")


def _grid_value(key: str, value):
    """A grid cell as the workbook shows it: states and comparisons in words; an undeclared
    cell is written as not known (the import then declares it so)."""
    if key == "state":
        return STATE_WORDS.get(value, STATE_WORDS["unknown"])
    if key == "op":
        return OP_WORDS.get(value, value)
    return value


def _write_grid(wb, sheet, grid: pd.DataFrame, formats: dict) -> None:
    for c, (key, header, width) in enumerate(COLUMNS):
        sheet.write_string(0, c, header, formats["head"])
        sheet.set_column(c, c, width, formats["wrap"] if key in ("quote", "name_vi") else None)
    for r, row in enumerate(grid.itertuples(index=False), start=1):
        for c, (key, _, _) in enumerate(COLUMNS):
            value = _grid_value(key, getattr(row, key))
            if value is None or value == "" or (isinstance(value, float) and value != value):
                continue
            if isinstance(value, (int, float)) and key in ("value", "year", "group"):
                sheet.write_number(r, c, float(value))
            else:
                sheet.write_string(r, c, str(value))
    last = max(len(grid), 1) + 200  # room for added indicators
    closed = {
        "unit": list(units()),
        "op": list(OP_WORDS.values()),
        "region": region_ids(),
        "group": ["1", "2", "3"],
        "state": list(STATE_WORDS.values()),
        "evidence": list(EVIDENCE_LEVELS),
    }
    for c, (key, _, _) in enumerate(COLUMNS):
        if key in closed:
            sheet.data_validation(1, c, last, c, {"validate": "list", "source": closed[key]})
    sheet.freeze_panes(1, 4)
    sheet.autofilter(0, 0, len(grid), len(COLUMNS) - 1)


def export_workbook(cset: CriteriaSet, path: Path) -> int:
    """Write the set's per-cell grid workbook to `path`; returns the number of grid rows."""
    from .authoring import _write_info, open_workbook, set_info

    grid = cells(cset)
    wb, formats, guide = open_workbook(path, GUIDE)
    info, info_widths = _write_info(wb, formats, set_info(cset))
    sheet = wb.add_worksheet(GRID_SHEET)
    _write_grid(wb, sheet, grid, formats)
    title = f"{cset.id} — {cset.title['vi']}"  # printed: A4, one page wide, titled
    print_setups({guide: [120], info: info_widths, sheet: [w for *_, w in COLUMNS]}, title, "vi")
    wb.close()
    return len(grid)
