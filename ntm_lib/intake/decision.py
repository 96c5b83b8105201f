"""`ntm set read`: a decision's file to the authoring workbook of its criteria set.

The decision's number, date, issuer, title and period are read from its own heading
("Số: 2582/QĐ-UBND … ngày 26 tháng 9 năm 2022"); its annex tables by intake.annex. Every value
read is written with evidence level `official`, the verbatim text of its cells as the quote,
the decision's number as the document, the annex, table and row as the article; the file's
name and SHA-256 go on the «Thông tin» sheet and, through `ntm set import`, into the set's
origin. What could not be read is listed on «Cần kiểm tra» with the text found, and its cell is
left «chưa biết». With a parent set, each indicator is matched to the parent's (by code when
the names agree, else by name) and the workbook says what is new, changed or missing.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from ..criteria.authoring import indicator_rows, write_authoring
from ..criteria.catalogue import CriteriaSet, cell, coverage_zones, region_ids
from ..criteria.requirement import fold, requirement_text
from ..criteria.words import ALL, LEVEL_WORDS, OP_WORDS, STATE_WORDS, evidence_word, unit_word
from ..errors import InputError
from ..i18n import t
from .annex import Read, read_annex, unit_from_text
from .documents import Document, read_document

NUMBER = re.compile(r"S[ốo]\s*[:.]?\s*(\d+(?:/\d{4})?/Q[ĐD]-[0-9A-ZĐ]+(?:-[0-9A-ZĐ]+)*)", re.I)
DATE = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.I)
PERIOD = re.compile(r"giai\s+đoạn\s*(\d{4})\s*[-–]\s*(\d{4})", re.I)
PROVINCE = re.compile(r"^(?:ỦY|UỶ)\s+BAN\s+NHÂN\s+DÂN\s+(TỈNH|THÀNH\s+PHỐ)\s+(.+)$", re.I)
TITLE = re.compile(r"^(?:về\s+việc\s+)?ban\s+hành\s+(.+)$", re.I)
# What follows a decision's title: its legal bases, the signer's title, an uppercase line.
TITLE_END = re.compile(r"^(căn\s+cứ|điều\s+\d|quyết\s+định|[A-ZĐÀ-Ỹ0-9 ,.:;/()-]{8,}$)", re.I)
UNKNOWN_WORD = STATE_WORDS["unknown"]


@dataclass
class Facts:
    number: str = ""
    date: str = ""  # dd/mm/yyyy
    issuer: str = ""
    province: str = ""
    title: str = ""
    period: tuple[int, int] | None = None
    level: str = "basic"


def _heading(doc: Document) -> Facts:
    text = doc.opening
    facts = Facts()
    if m := NUMBER.search(text):
        facts.number = re.sub(r"Q[DĐ]-", "QĐ-", m.group(1), flags=re.I)
    if m := DATE.search(text):
        facts.date = f"{int(m.group(1)):02d}/{int(m.group(2)):02d}/{m.group(3)}"
    lines = [x.strip() for x in text.split("\n") if x.strip()]
    # an issuer printed on two lines: «ỦY BAN NHÂN DÂN» over «TỈNH HẢI DƯƠNG»
    lines += [f"{a} {b}" for a, b in zip(lines, lines[1:])]
    for line in lines:
        if not facts.issuer and (m := PROVINCE.match(line)):
            name = " ".join(m.group(2).split()).title()
            facts.province = name
            facts.issuer = f"UBND {'tỉnh' if fold(m.group(1)) == 'tinh' else 'thành phố'} {name}"
        elif not facts.issuer and fold(line) == "thu tuong chinh phu":
            facts.issuer = "Thủ tướng Chính phủ"
        if not facts.title and (m := TITLE.match(line)):
            title = _title_lines(m.group(1), lines[lines.index(line) + 1 :])
            facts.title = title[:1].upper() + title[1:]
    if m := PERIOD.search(facts.title or text):
        facts.period = (int(m.group(1)), int(m.group(2)))
    words = fold(facts.title)
    for level, word in (("model", "kieu mau"), ("advanced", "nang cao"), ("modern", "hien dai")):
        if word in words:
            facts.level = level
            break
    return facts


def _title_lines(first: str, following: list[str]) -> str:
    """The title, with the lines a PDF wrapped it onto (a Word paragraph is one line)."""
    title = first.strip()
    for line in following[:3]:
        if TITLE_END.match(line) or len(title) > 300:
            break
        title += " " + line.strip()
    return title.rstrip(".")


def _unit_and_op(ind: Read) -> tuple[str | None, str | None]:
    reqs = [s.requirement for s in ind.stated if s.requirement is not None]
    units = {r.unit for r in reqs if r.unit and r.unit != "times"}
    unit = next(iter(units)) if len(units) == 1 else None
    unit = unit or unit_from_text(ind.unit_text) or unit_from_text(ind.name)
    ops = {r.op for r in reqs if r.op}
    op = next(iter(ops)) if len(ops) == 1 else None
    if op is None and not ops and reqs and unit == "percent" and all(r.value == 100 for r in reqs):
        op = ">="  # "100%": all of it; ≥ 100 and = 100 are one verdict for a share
    if unit == "yes_no":
        op = "=="
    return unit, op


def _rows(ind: Read, facts: Facts, file: str, start: int, review: list) -> list[dict]:
    """The workbook rows of one indicator read: a base row and one per year it changes."""
    unit, op = _unit_and_op(ind)
    if unit is None:
        review.append(_item(ind, "", ind.name, "review_unit"))
    ops = {s.requirement.op for s in ind.stated if s.requirement is not None and s.requirement.op}
    if len(ops) > 1 and unit != "yes_no":
        review.append(_item(ind, "", ", ".join(sorted(ops)), "review_ops"))
    elif op is None and unit != "yes_no" and any(s.requirement for s in ind.stated):
        review.append(_item(ind, "", ind.name, "review_op"))
    by_year: dict = {}
    for s in ind.stated:
        text = s.text if s.requirement is not None else UNKNOWN_WORD
        by_year.setdefault(s.year, {})[s.zone] = text
    if by_year and None not in by_year and min(y for y in by_year) > start:
        first = min(by_year)
        by_year[None] = {z: UNKNOWN_WORD for z in by_year[first]}
        review.append(_item(ind, "", str(start), "review_year_missing"))
    rows = []
    for year in sorted(by_year, key=lambda y: (y is not None, y or 0)):
        rows.append(
            {
                "criterion": ind.criterion,
                "criterion_name": ind.criterion_name,
                "indicator": ind.code,
                "name_vi": ind.name,
                "unit": unit_word(unit) if unit else "",
                "requirement": OP_WORDS.get(op, "") if op else "",
                "year": "" if year is None or year <= start else year,
                "zones": by_year[year],
                "evidence": evidence_word("official"),
                "document": facts.number or Path(file).name,
                "article": ind.where,
                "quote": ind.quotes.get(year) or ind.quotes.get(None) or ind.name,
            }
        )
    return rows


def _item(ind: Read, column: str, text: str, reason: str) -> dict:
    return {
        "where": ind.where,
        "column": column,
        "indicator": ind.code,
        "text": text,
        "reason": reason,
    }


def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, fold(a), fold(b)).ratio()


def match_parent(ind: Read, parent: CriteriaSet, taken: set) -> tuple[str | None, str]:
    """The parent indicator `ind` is: its code when the names agree, else the one named alike
    (the codes of a decision and of a set need not be the same). (code, how) or (None, '')."""
    codes = {i.code: i for i in parent.indicators if i.code not in taken}
    if ind.code in codes and _similar(ind.name, codes[ind.code].name["vi"]) >= 0.5:
        return ind.code, "code"
    best = max(codes.values(), key=lambda i: _similar(ind.name, i.name["vi"]), default=None)
    if best is not None and _similar(ind.name, best.name["vi"]) >= 0.85:
        return best.code, "name"
    return None, ""


def _zones_of(zone, parent: CriteriaSet) -> list:
    cover = coverage_zones(parent)
    if zone == ALL:
        return cover
    region, group = zone
    if not parent.uses_groups:
        return [region] if region else region_ids()
    return [(r, g) for r, g in cover if region in (None, r) and group in (None, g)]


def _compared(ind: Read, parent: CriteriaSet, code: str, start: int) -> str:
    """«giống bộ gốc» or «thay đổi (bộ gốc: …)»: the thresholds read against the parent's."""
    mine = parent.indicator(code)
    unit, op = _unit_and_op(ind)
    olds = []
    for s in ind.stated:
        req = s.requirement
        if req is None or req.value is None:
            continue
        for zone in _zones_of(s.zone, parent):
            old = cell(parent, code, zone, s.year or start)
            if old.value != old.value or abs(old.value - req.value) > 1e-9:
                olds.append(
                    requirement_text(mine.rule.op, old.value, mine.unit)
                    if old.value == old.value
                    else UNKNOWN_WORD
                )
    if (unit and unit != mine.unit) or (op and op != mine.rule.op):
        olds.append(requirement_text(mine.rule.op, None, mine.unit) + " " + mine.unit)
    if not olds:
        return t("compared_same", "vi")
    return t("compared_changed", "vi", old=", ".join(dict.fromkeys(olds)))


def _with_parent(reads: list[Read], parent: CriteriaSet, rows_of, start: int, review: list):
    """Rows of the indicators read, matched to the parent's, and the parent's indicators the
    decision does not state (kept as they are, listed to check)."""
    taken: set = set()
    rows = []
    for ind in reads:
        code, how = match_parent(ind, parent, taken)
        if code is None:
            compared = t("compared_new", "vi")
        else:
            taken.add(code)
            if how == "name" and code != ind.code:
                review.append(_item(ind, "", f"{ind.code} → {code}", "review_matched_by_name"))
            ind.code = code
            ind.criterion = parent.indicator(code).criterion
            compared = _compared(ind, parent, code, start)
        rows += [r | {"compared": compared} for r in rows_of(ind)]
    for crit in parent.criteria:
        for pind in crit.indicators:
            if pind.code not in taken:
                missing = t("compared_missing", "vi")
                rows += [r | {"compared": missing} for r in indicator_rows(crit, pind)]
                review.append(
                    {
                        "where": "",
                        "column": "",
                        "indicator": pind.code,
                        "text": pind.name["vi"],
                        "reason": "review_missing",
                    }
                )
    return rows


@dataclass
class DecisionWorkbook:
    info: dict
    zones: list
    rows: list[dict]
    review: list[dict]
    indicators: int


def read_decision(
    path: str | Path, new_id: str, parent: CriteriaSet | None = None, annex: str | None = None
):
    """The authoring workbook of the set a decision's file states (of its annex `annex`,
    e.g. 'II', when it has several); raises InputError when the file cannot be read."""
    doc, problems = read_document(path)
    if doc is None:
        raise InputError(problems)
    facts = _heading(doc)
    reading = read_annex(doc, annex)
    period = (parent.period.start, parent.period.end) if parent else facts.period
    start = period[0] if period else 0
    review = list(reading.review)
    file = str(path)

    def rows_of(ind: Read) -> list[dict]:
        return _rows(ind, facts, file, start, review)

    if parent is not None:
        rows = _with_parent(reading.indicators, parent, rows_of, start, review)
    else:
        rows = [r for ind in reading.indicators for r in rows_of(ind)]
    rows = _criterion_rows(reading.criteria, rows)
    zones = sorted({z for r in rows for z in r["zones"]} | set(reading.zones), key=_order)
    info = _info(doc, facts, new_id, parent, review)
    review = [r | {"reason": t(r["reason"], "vi", text=r["text"])} for r in review]
    return DecisionWorkbook(info, zones, rows, review, len(reading.indicators))


def _order(zone) -> tuple:
    from ..criteria.words import zone_order

    return zone_order(zone)


def _criterion_rows(criteria: dict, rows: list[dict]) -> list[dict]:
    """A row for each criterion the annex names without any indicator read."""
    with_rows = {r["criterion"] for r in rows}
    extra = [
        {"criterion": n, "criterion_name": name, "zones": {}}
        for n, name in criteria.items()
        if n not in with_rows
    ]
    return rows + extra


def _info(doc: Document, facts: Facts, new_id: str, parent, review: list) -> dict:
    info = {
        "id": new_id,
        "parent": parent.id if parent is not None else "",
        "title_vi": facts.title,
        "level": LEVEL_WORDS[parent.level if parent else facts.level],
        "period": f"{facts.period[0]}-{facts.period[1]}" if facts.period else "",
        "province": facts.province,
        "legal_number": facts.number,
        "legal_date": facts.date,
        "issuer_vi": facts.issuer,
        "decision_file": Path(doc.file).name,
        "decision_sha256": doc.sha256,
    }
    for key in ("title_vi", "legal_number", "legal_date", "issuer_vi", "period"):
        if not info[key] and not (parent and key == "period"):
            review.append(
                {
                    "where": "",
                    "column": "",
                    "indicator": "",
                    "text": key,
                    "reason": "review_heading",
                }
            )
    return info


def write_decision_workbook(book: DecisionWorkbook, path: Path) -> None:
    write_authoring(path, book.info, book.zones, book.rows, book.review)
