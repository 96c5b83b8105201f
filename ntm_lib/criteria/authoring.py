"""The compact authoring workbook: a criteria set as people type it from a decision.

One row per indicator (more only where a value changes by year, or where cells rest on
different evidence), one column per zone the set distinguishes (a region, a commune group,
both, or «Tất cả» for every commune); a blank year means every year of the period; units,
comparators and evidence levels in Vietnamese words (ntm's codes are accepted too). A zone
cell holds a number, a requirement as a decision writes it («≥ 90%», «Đạt»), «chưa biết» or
«không áp dụng»; a blank zone cell takes the value of «Yêu cầu» when it states one. The same
layout is written by `ntm set export` (from a set) and `ntm set read` (from a decision), and
read back by `ntm set import` (intake.set_import).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..i18n import pick
from ..tables import print_setups
from .model import CriteriaSet, Indicator
from .requirement import number_text, requirement_text
from .schema import OP_SYMBOL, ThresholdCase
from .words import (
    ALL,
    LEVEL_WORDS,
    OP_WORDS,
    STATE_WORDS,
    evidence_word,
    unit_word,
    zone_header,
    zone_order,
)

GUIDE_SHEET, INFO_SHEET, SHEET, REVIEW_SHEET = "Hướng dẫn", "Thông tin", "Chỉ tiêu", "Cần kiểm tra"
HEAD = [
    ("criterion", "Tiêu chí", 8),
    ("criterion_name", "Tên tiêu chí", 22),
    ("indicator", "Mã chỉ tiêu", 10),
    ("name_vi", "Tên chỉ tiêu", 46),
    ("name_en", "Tên chỉ tiêu (tiếng Anh)", 26),
    ("unit", "Đơn vị", 16),
    ("requirement", "Yêu cầu", 12),
    ("year", "Năm", 8),
]
TAIL = [
    ("evidence", "Mức bằng chứng", 18),
    ("document", "Văn bản", 22),
    ("article", "Điều, khoản", 18),
    ("quote", "Trích dẫn", 44),
    ("url", "Đường dẫn", 24),
    ("checked_by", "Người kiểm tra", 16),
    ("checked_on", "Ngày kiểm tra", 12),
    ("rule_note", "Cách tính", 20),
    ("compared", "So với bộ gốc", 22),
]
HEADERS = {key: header for key, header, _ in HEAD + TAIL}
EVIDENCE_KEYS = ("document", "article", "quote", "url", "checked_by", "checked_on")
INFO_FIELDS = [
    ("id", "Mã bộ tiêu chí mới"),
    ("parent", "Bộ tiêu chí gốc"),
    ("title_vi", "Tên bộ tiêu chí"),
    ("title_en", "Tên bộ tiêu chí (tiếng Anh)"),
    ("level", "Cấp độ (cơ bản, nâng cao, kiểu mẫu, hiện đại)"),
    ("period", "Giai đoạn (ví dụ 2026-2030)"),
    ("province", "Tỉnh áp dụng"),
    ("legal_number", "Số văn bản ban hành"),
    ("legal_date", "Ngày ban hành (dd/mm/yyyy)"),
    ("issuer_vi", "Cơ quan ban hành"),
    ("issuer_en", "Cơ quan ban hành (tiếng Anh)"),
    ("legal_url", "Đường dẫn văn bản"),
    ("decision_file", "Tệp văn bản đã đọc (ntm set read)"),
    ("decision_sha256", "SHA-256 của tệp văn bản"),
    ("checked_by", "Người kiểm tra bộ tiêu chí"),
    ("checked_on", "Ngày kiểm tra (dd/mm/yyyy)"),
]
REVIEW_COLUMNS = [
    ("where", "Bảng, dòng", 16),
    ("column", "Cột", 22),
    ("indicator", "Mã chỉ tiêu", 10),
    ("text", "Nội dung tìm thấy", 60),
    ("reason", "Cần làm", 60),
]
GUIDE = [
    "Bộ tiêu chí: mỗi dòng là một chỉ tiêu; mỗi cột vùng / nhóm xã là ngưỡng của vùng, nhóm đó.",
    "1. «Yêu cầu»: phép so sánh (≥, ≤, >, <, bằng) hoặc cả yêu cầu như văn bản ghi (≥ 90%, "
    "dưới 13%, Đạt). Ô vùng / nhóm để trống thì lấy giá trị ở «Yêu cầu».",
    "2. Ô vùng / nhóm: một số (90), một yêu cầu (≥ 90%), «chưa biết» hoặc «không áp dụng». Cột "
    "«Tất cả» áp dụng cho mọi xã; cột vùng hoặc nhóm cụ thể thay cho «Tất cả» ở vùng, nhóm đó.",
    "3. «Năm» để trống: mọi năm của giai đoạn. Chỉ thêm dòng có năm (ví dụ 2024) khi ngưỡng đổi "
    "từ năm đó; dòng có năm áp dụng từ năm đó đến dòng năm sau.",
    "4. Bằng chứng: «Mức bằng chứng» (văn bản chính thức, hướng dẫn của bộ, nguồn thứ cấp, giá trị "
    "làm việc); với văn bản chính thức và hướng dẫn phải ghi «Văn bản» và «Trích dẫn» nguyên văn "
    "có chính con số đó.",
    "5. Khi sửa một ngưỡng: xoá trích dẫn, điều khoản, người kiểm tra cũ và ghi bằng chứng của giá "
    "trị mới; ntm từ chối giá trị mới đi kèm bằng chứng cũ.",
    "6. Trang «Thông tin»: mã bộ tiêu chí mới (ví dụ hp-2026-ntm), văn bản ban hành; bỏ trống "
    "«Bộ tiêu chí gốc» khi nhập một bộ hoàn toàn mới (khi đó ghi cấp độ và giai đoạn).",
    "7. Chạy: ntm set import TỆP.xlsx --out THƯ-MỤC, rồi dùng --sets-dir THƯ-MỤC với mọi lệnh.",
    "Không ẩn dòng, cột hay trang; không dùng công thức. Không sửa tên các cột.",
]
# What a new set is called when a commune meets it, by level.
STATUS_LABELS = {
    "basic": {"vi": "Đạt chuẩn nông thôn mới", "en": "Meets the NTM standard"},
    "advanced": {"vi": "Đạt chuẩn nông thôn mới nâng cao", "en": "Meets the advanced NTM standard"},
    "model": {"vi": "Đạt chuẩn nông thôn mới kiểu mẫu", "en": "Meets the model NTM standard"},
    "modern": {"vi": "Đạt chuẩn nông thôn mới hiện đại", "en": "Meets the modern NTM standard"},
}


def date_text(value) -> str:
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
    return str(value or "")


def set_info(cset: CriteriaSet) -> dict:
    """The «Thông tin» sheet of a set's workbook: an overlay of `cset` with a new id to type."""
    lb = cset.legal_basis
    return {
        "id": "",
        "parent": cset.id,
        "title_vi": pick(cset.title, "vi"),
        "title_en": pick(cset.title, "en"),
        "level": LEVEL_WORDS[cset.level],
        "period": f"{cset.period.start}-{cset.period.end}",
        "province": cset.province or "",
        "legal_number": lb.number,
        "legal_date": lb.date.strftime("%d/%m/%Y"),
        "issuer_vi": lb.issuer.vi,
        "issuer_en": lb.issuer.en,
        "legal_url": lb.url or "",
    }


def zone_key(case: ThresholdCase):
    return ALL if case.region is None and case.group is None else (case.region, case.group)


def _cell(ind: Indicator, case: ThresholdCase):
    if case.not_applicable is not None:
        return STATE_WORDS["not_applicable"]
    if case.value is None:
        return STATE_WORDS["unknown"]
    if ind.unit_kind == "yes_no":
        return requirement_text("==", case.value, ind.unit)
    return float(case.value)


def _evidence_columns(ind: Indicator, case: ThresholdCase | None) -> dict:
    ev = ind.case_evidence(case)
    cited = (
        case.not_applicable.model_dump(exclude_none=True) if case and case.not_applicable else ev
    )
    out = {"evidence": evidence_word(ev["kind"]) if ev.get("kind") else ""}
    for key in EVIDENCE_KEYS:
        source = cited if key in ("document", "article", "quote", "url") else ev
        out[key] = date_text(source.get(key)) if key == "checked_on" else str(source.get(key) or "")
    return out


def _base_row(crit, ind: Indicator) -> dict:
    return {
        "criterion": crit.number,
        "criterion_name": crit.name["vi"],
        "indicator": ind.code,
        "name_vi": ind.name["vi"],
        "name_en": ind.name["en"],
        "unit": unit_word(ind.unit),
        "requirement": OP_WORDS[ind.rule.op],
        "year": "",
        "zones": {},
    }


def _case_rows(crit, ind: Indicator) -> list[dict]:
    """Rows of an indicator stated by threshold cases: one per year it changes and evidence
    its cells rest on; a cell of unknown threshold joins a row of its year."""
    rows: list[dict] = []
    by_key: dict[tuple, dict] = {}
    for case in ind.rule.thresholds or []:
        year = case.from_year or ""
        decided = case.value is not None or case.not_applicable is not None
        ev = _evidence_columns(ind, case) if decided else None
        key = (year, tuple(sorted(ev.items()))) if ev else None
        bare = next((r for r in rows if r["year"] == year and not r.get("evidence")), None)
        if ev:
            row = by_key.get(key) or bare
        else:
            row = next((r for r in rows if r["year"] == year), None)
        if row is None or zone_key(case) in row["zones"]:
            row = _base_row(crit, ind) | {"year": year} | (ev or {})
            rows.append(row)
        elif ev and not row.get("evidence"):
            row.update(ev)
        if ev:
            by_key[key] = row
        row["zones"][zone_key(case)] = _cell(ind, case)
    return sorted(rows, key=lambda r: (r["year"] != "", r["year"] or 0))


def indicator_rows(crit, ind: Indicator) -> list[dict]:
    """The workbook rows that state indicator `ind` of criterion `crit`."""
    r = ind.rule
    if r.relative_to is not None:
        note = f"{number_text(r.relative_to.factor, 'vi')} × ngưỡng {r.relative_to.indicator}"
        return [_base_row(crit, ind) | {"rule_note": note} | _evidence_columns(ind, None)]
    if r.threshold is not None:
        row = _base_row(crit, ind) | _evidence_columns(ind, None)
        row["requirement"] = requirement_text(r.op, r.threshold, ind.unit, "vi")
        return [row]
    return _case_rows(crit, ind)


def compact_rows(cset: CriteriaSet) -> tuple[list, list[dict]]:
    """(zone columns, rows) of the set's compact workbook; a criterion without indicators has
    one row with its number and name only."""
    rows = []
    for crit in cset.criteria:
        if not crit.indicators:
            rows.append({"criterion": crit.number, "criterion_name": crit.name["vi"], "zones": {}})
        for ind in crit.indicators:
            rows += indicator_rows(crit, ind)
    zones = {ALL} | {z for r in rows for z in r["zones"]}
    return sorted(zones, key=zone_order), rows


def export_compact(cset: CriteriaSet, path: Path) -> int:
    """Write the set's compact authoring workbook to `path`; returns the number of rows."""
    zones, rows = compact_rows(cset)
    write_authoring(path, set_info(cset), zones, rows)
    return len(rows)


def _formats(wb) -> dict:
    return {
        "head": wb.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "text_wrap": True, "valign": "top"}
        ),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
    }


def _write_cell(sheet, r: int, c: int, value) -> None:
    if value is None or value == "":
        return
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        sheet.write_number(r, c, float(value))
    else:
        sheet.write_string(r, c, str(value))


def _write_info(wb, fmt: dict, info: dict):
    """The «Thông tin» sheet; returns it with its column widths (for printing)."""
    sheet = wb.add_worksheet(INFO_SHEET)
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, 1, 70)
    for r, (key, label) in enumerate(INFO_FIELDS):
        sheet.write_string(r, 0, label, fmt["head"])
        _write_cell(sheet, r, 1, info.get(key, ""))
    return sheet, [40, 70]


def _write_rows(wb, fmt: dict, zones: list, rows: list[dict]):
    from .regions import units
    from .schema import EVIDENCE_LEVELS

    sheet = wb.add_worksheet(SHEET)
    columns = [(k, h, w) for k, h, w in HEAD] + [(z, zone_header(z), 12) for z in zones] + TAIL
    for c, (key, header, width) in enumerate(columns):
        sheet.write_string(0, c, header, fmt["head"])
        sheet.set_column(c, c, width, fmt["wrap"] if key in ("quote", "name_vi") else None)
    for r, row in enumerate(rows, start=1):
        for c, (key, _, _) in enumerate(columns):
            _write_cell(sheet, r, c, row["zones"].get(key) if key in zones else row.get(key))
    last = len(rows) + 200  # room for added indicators
    closed = {
        "unit": [unit_word(u) for u in units()],
        "evidence": [evidence_word(level) for level in EVIDENCE_LEVELS],
    }
    for c, (key, _, _) in enumerate(columns):
        if key in closed:
            sheet.data_validation(1, c, last, c, {"validate": "list", "source": closed[key]})
    sheet.freeze_panes(1, 4)
    sheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)
    return sheet, [w for *_, w in columns]


def _write_review(wb, fmt: dict, review: list[dict]):
    sheet = wb.add_worksheet(REVIEW_SHEET)
    for c, (key, header, width) in enumerate(REVIEW_COLUMNS):
        sheet.write_string(0, c, header, fmt["head"])
        sheet.set_column(c, c, width, fmt["wrap"])
    for r, item in enumerate(review, start=1):
        for c, (key, _, _) in enumerate(REVIEW_COLUMNS):
            _write_cell(sheet, r, c, item.get(key, ""))
    return sheet, [w for *_, w in REVIEW_COLUMNS]


def open_workbook(path: Path, guide_lines: list[str]):
    """(workbook, formats, guide sheet): a set workbook begun with its guide, every text a
    text (never a formula, a link or a number) and a fixed creation date (same bytes)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    wb.set_properties({"created": dt.datetime(2000, 1, 1)})
    fmt = _formats(wb)
    guide = wb.add_worksheet(GUIDE_SHEET)
    guide.set_column(0, 0, 120, fmt["wrap"])
    for r, line in enumerate(guide_lines):
        guide.write_string(r, 0, line)
    return wb, fmt, guide


def write_authoring(
    path: Path, info: dict, zones: list, rows: list[dict], review: list[dict] | None = None
) -> None:
    """Write an authoring workbook: guide, «Thông tin», «Chỉ tiêu» and, when there is
    anything to check, «Cần kiểm tra». Text is never a formula or a link."""
    wb, fmt, guide = open_workbook(path, GUIDE)
    printed = {guide: [120]}
    written = [_write_info(wb, fmt, info), _write_rows(wb, fmt, zones, rows)]
    if review:
        written.append(_write_review(wb, fmt, review))
    printed |= dict(written)
    title = f"{info.get('id') or info.get('parent', '')} — {info.get('title_vi', '')}"
    print_setups(printed, title, "vi")  # A4, one page wide, titled, numbered
    wb.close()


def op_word(op: str) -> str:
    return OP_WORDS.get(op, OP_SYMBOL.get(op, op))
