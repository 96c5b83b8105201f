"""Located cells of a set workbook to indicator drafts: what each row states, read as typed.

A zone cell holds a number (an Excel number is read as Excel holds it; typed text by the
Vietnamese convention of the workbook, so «72,500» is 72,5), a requirement as decisions write
it (criteria.requirement), «chưa biết» or «không áp dụng». Comparators, units and evidence
levels are Vietnamese words or ntm's codes. Every row of one indicator must describe it alike,
and a zone and year stated twice must agree. Nothing is guessed: a cell this reading does not
understand is a located problem.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ..criteria.regions import region_ids, units
from ..criteria.requirement import Requirement, fold, parse_requirement, to_number
from ..criteria.schema import EVIDENCE_LEVELS
from ..criteria.words import ALL, OP_WORDS, STATE_WORDS, evidence_of, op_of, state_of, unit_of
from ..errors import Problem
from .set_workbook import Cell, Row

EVIDENCE_KEYS = ("document", "article", "quote", "url", "checked_by", "checked_on")
CODE = re.compile(r"[0-9A-Za-zÀ-ỹĐđ]+(?:[.\-_][0-9A-Za-zÀ-ỹĐđ]+)*")
RELATIVE = re.compile(r"^([\d.,]+)\s*[x×*]\s*(?:nguong|threshold)\s*(?:chi tieu\s*)?(\S+)$")
FLAG_PROBLEMS = {
    "formula": "value_formula",
    "error": "value_excel_error",
    "date": "value_is_date",
    "boolean": "value_boolean",
}


@dataclass
class Statement:
    """One zone cell of one row: from `year` on (None: every year), for `zone`."""

    zone: object  # ALL or (region, group)
    year: int | None
    state: str  # value, unknown, not_applicable
    value: float | None
    evidence: dict
    row: int
    header: str
    percent_sign: bool = False  # typed with % or in a percent-formatted cell

    def signature(self) -> tuple:
        ev = () if self.state == "unknown" else tuple(sorted(self.evidence.items()))
        return (self.state, self.value, ev)


@dataclass
class Draft:
    """An indicator as the workbook states it."""

    code: str
    row: int
    criterion: str = ""
    criterion_name: str = ""
    name_vi: str = ""
    name_en: str = ""
    unit: str | None = None
    op: str | None = None
    relative: tuple | None = None  # (factor, indicator)
    statements: list = field(default_factory=list)
    row_evidence: dict = field(default_factory=dict)  # the first row's, for a relative rule
    units_seen: set = field(default_factory=set)  # units named by requirement texts
    ops_seen: set = field(default_factory=set)
    failed: bool = False  # a cell of its rows was refused: no follow-up problems


class Reader:
    """Collects problems located in one sheet of one workbook file."""

    def __init__(self, file: str, sheet: str, period: tuple[int, int] | None):
        self.file, self.sheet, self.period = file, sheet, period
        self.problems: list[Problem] = []

    def bad(self, key: str, row: int, cell: Cell | str | None, **params) -> None:
        header = cell.header if isinstance(cell, Cell) else cell
        value = cell.text if isinstance(cell, Cell) else params.pop("value", "")
        self.problems.append(
            Problem(self.file, key, row, header, self.sheet, {"value": value} | params)
        )

    # -- single cells

    def choice(self, row: Row, key: str, parse, allowed: str):
        cell = row.cells.get(key)
        if cell is None or cell.text == "":
            return None
        found = parse(cell.text)
        if found is None:
            self.bad("set_import_bad_choice", row.number, cell, allowed=allowed)
        return found

    def date(self, row: Row, key: str) -> dt.date | None:
        cell = row.cells.get(key)
        if cell is None or cell.blank:
            return None
        if cell.flag == "date":
            try:
                return dt.date.fromisoformat(cell.text[:10])
            except ValueError:
                pass
        found = parse_date(cell.text)
        if found is None:
            self.bad("set_import_bad_date", row.number, cell)
        return found

    def year(self, row: Row, key: str = "year") -> int | None:
        cell = row.cells.get(key)
        if cell is None or cell.blank:
            return None
        text = cell.text[:-2] if cell.flag == "number" and cell.text.endswith(".0") else cell.text
        year = int(text) if re.fullmatch(r"\d{4}", text) else None
        start, end = self.period or (1900, 2100)
        if year is None or not start <= year <= end:
            self.bad("set_import_bad_year", row.number, cell, start=start, end=end)
            return None
        return None if year == start else year

    def quantity(self, row: int, cell: Cell) -> tuple[float | None, bool, Requirement | None]:
        """A zone or requirement cell: (value, typed as a percentage, the requirement read)."""
        if cell.flag in FLAG_PROBLEMS:
            self.bad(FLAG_PROBLEMS[cell.flag], row, cell)
            return None, False, None
        if cell.flag in ("number", "percent"):
            return float(cell.text), cell.flag == "percent", None
        req = parse_requirement(cell.text, "vi")
        if req is None or req.is_range or req.value is None:
            key = "set_import_range" if req is not None and req.is_range else None
            self.bad(key or "set_import_requirement_unreadable", row, cell)
            return None, False, None
        return req.value, "%" in cell.text, req

    def evidence(self, row: Row) -> dict:
        kind = self.choice(
            row,
            "evidence",
            evidence_of,
            ", ".join(EVIDENCE_LEVELS),
        )
        ev = {"kind": kind} if kind else {}
        for key in EVIDENCE_KEYS:
            value = self.date(row, key) if key == "checked_on" else row.text(key)
            if value:
                ev[key] = value
        return ev


def parse_date(text: str) -> dt.date | None:
    for form in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text.strip(), form).date()
        except ValueError:
            continue
    return None


def _describe(draft: Draft, row: Row, rd: Reader) -> None:
    """Name, unit, comparator and criterion of the indicator, alike on every row."""
    fields = {
        "criterion": row.text("criterion"),
        "criterion_name": row.text("criterion_name"),
        "name_vi": row.text("name_vi"),
        "name_en": row.text("name_en"),
        "unit": rd.choice(row, "unit", unit_of, ", ".join(units())),
    }
    for key, value in fields.items():
        if not value:
            continue
        mine = getattr(draft, key)
        if mine and mine != value and fold(mine) != fold(value):
            rd.bad(
                "set_import_indicator_differs",
                row.number,
                row.cells.get(key),
                code=draft.code,
                other=draft.row,
            )
        elif not mine:
            setattr(draft, key, value)


def _requirement(draft: Draft, row: Row, rd: Reader, year) -> list[Statement]:
    """«Yêu cầu»: a comparator, or a whole requirement whose value holds for every zone the
    row leaves blank."""
    cell = row.cells.get("requirement")
    if cell is None or cell.blank:
        return []
    op = op_of(cell.text)
    if op is not None:
        draft.ops_seen.add(op)
        return []
    value, sign, req = rd.quantity(row.number, cell)
    if req is not None:
        if req.op:
            draft.ops_seen.add(req.op)
        if req.unit:
            draft.units_seen.add(req.unit)
    if value is None:
        return []
    return [Statement(ALL, year, "value", value, {}, row.number, cell.header, sign)]


def _zone_cell(draft: Draft, row: Row, rd: Reader, zone, cell: Cell, year) -> Statement | None:
    state = state_of(cell.text) if cell.flag == "" else None
    if state in ("unknown", "not_applicable"):
        return Statement(zone, year, state, None, {}, row.number, cell.header)
    value, sign, req = rd.quantity(row.number, cell)
    if value is None:
        return None
    if req is not None and req.op:
        draft.ops_seen.add(req.op)
    if req is not None and req.unit:
        draft.units_seen.add(req.unit)
    return Statement(zone, year, "value", value, {}, row.number, cell.header, sign)


def _relative(row: Row, rd: Reader) -> tuple | None:
    cell = row.cells.get("rule_note")
    if cell is None or cell.blank:
        return None
    m = RELATIVE.match(fold(cell.text))
    factor = to_number(m.group(1), "vi") if m else None
    if factor is None:
        rd.bad("set_import_relative_unreadable", row.number, cell)
        return None
    return factor, cell.text.strip().split()[-1]


def compact_drafts(rows: list[Row], rd: Reader) -> tuple[dict, dict]:
    """(code -> Draft, criterion number -> name) from the compact sheet's rows."""
    drafts: dict[str, Draft] = {}
    criteria: dict[str, str] = {}
    for row in rows:
        code = row.text("indicator")
        if row.text("criterion") and row.text("criterion_name"):
            criteria.setdefault(row.text("criterion"), row.text("criterion_name"))
        if not code:
            if any(
                not c.blank
                for k, c in row.cells.items()
                if k not in ("criterion", "criterion_name", "compared")
            ) or any(not c.blank for c in row.zones.values()):
                rd.bad("set_import_code_missing", row.number, row.cells.get("indicator"))
            continue
        if not CODE.fullmatch(code) or len(code) > 20:
            rd.bad("set_import_bad_code", row.number, row.cells.get("indicator"))
            continue
        draft = drafts.setdefault(code, Draft(code, row.number))
        before = len(rd.problems)
        _describe(draft, row, rd)
        _read_row(draft, row, rd)
        draft.failed |= len(rd.problems) > before
    return drafts, criteria


def _read_row(draft: Draft, row: Row, rd: Reader) -> None:
    year = rd.year(row)
    ev = rd.evidence(row)
    stated = _requirement(draft, row, rd, year)
    for zone, cell in row.zones.items():
        if not cell.blank:
            found = _zone_cell(draft, row, rd, zone, cell, year)
            if found is not None:
                stated.append(found)
    relative = _relative(row, rd)
    if relative is not None:
        if stated:
            rd.bad("set_import_relative_and_values", row.number, row.cells.get("rule_note"))
        draft.relative = relative
    draft.row_evidence = draft.row_evidence or ev
    for s in stated:
        s.evidence = ev if s.state != "unknown" else {}
    draft.statements += stated
    if any(s.state != "unknown" for s in stated) and "kind" not in ev and "evidence" in row.cells:
        rd.bad("set_import_evidence_needed", row.number, row.cells.get("evidence"))


def grid_drafts(rows: list[Row], rd: Reader) -> tuple[dict, dict]:
    """(code -> Draft, criterion -> name) from the per-cell grid «Ngưỡng» of earlier versions:
    one row per indicator, zone and year; each year must be stated (a deleted row is a gap,
    never the previous year's value stretched over it)."""
    drafts: dict[str, Draft] = {}
    criteria: dict[str, str] = {}
    for row in rows:
        code = row.text("indicator")
        if row.text("criterion") and row.text("criterion_name"):
            criteria.setdefault(row.text("criterion"), row.text("criterion_name"))
        if not code:
            continue
        if not CODE.fullmatch(code) or len(code) > 20:
            rd.bad("set_import_bad_code", row.number, row.cells.get("indicator"))
            continue
        draft = drafts.setdefault(code, Draft(code, row.number))
        before = len(rd.problems)
        _describe(draft, row, rd)
        op = rd.choice(row, "op", op_of, ", ".join(OP_WORDS.values()))
        if op:
            draft.ops_seen.add(op)
        _grid_cell(draft, row, rd)
        draft.failed |= len(rd.problems) > before
    return drafts, criteria


def _grid_cell(draft: Draft, row: Row, rd: Reader) -> None:
    region = rd.choice(
        row, "region", lambda w: w if w in region_ids() else None, ", ".join(region_ids())
    )
    group = rd.choice(
        row,
        "group",
        lambda w: int(float(w)) if w in ("1", "2", "3", "1.0", "2.0", "3.0") else None,
        "1, 2, 3",
    )
    state = rd.choice(row, "state", state_of, ", ".join(STATE_WORDS.values())) or "value"
    cell = row.cells.get("year")
    year = rd.year(row)
    full_year = (rd.period or (0, 0))[0] if year is None and cell and not cell.blank else year
    value_cell = row.cells.get("value", Cell(""))
    value, sign = None, False
    if state == "value":
        if value_cell.blank:
            rd.bad("set_import_value_needed", row.number, value_cell)
            return
        value, sign, _ = rd.quantity(row.number, value_cell)
    elif not value_cell.blank:
        rd.bad("set_import_value_not_expected", row.number, value_cell)
    zone = ALL if region is None and group is None else (region, group)
    ev = rd.evidence(row) if state != "unknown" else {}
    if state != "unknown" and "kind" not in ev:
        rd.bad("set_import_evidence_needed", row.number, row.cells.get("evidence"))
    draft.statements.append(
        Statement(zone, full_year, state, value, ev, row.number, value_cell.header, sign)
    )
