"""A decision's annex tables to indicators, each value with the verbatim text it was read from.

Decisions lay the annex out as tables: a number column (TT), the criterion's name, the
indicator's content, often a general requirement (Chỉ tiêu chung) and one column per region or
per commune group, under merged header cells; merged body cells where every region shares a
value; year sub-rows for income; footnotes below; a table continued on the next page with its
header repeated. Columns are recognised by their headers (criteria.words), rows by their
number and content, requirements by criteria.requirement. What this reading does not
understand is never guessed: it becomes an item to check, with the text found, and the cell
is declared «chưa biết».
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..criteria.requirement import Requirement, fold, parse_requirement, split_years, year_label
from ..criteria.words import ALL, unit_of, zone_header, zone_of
from .documents import DocTable, Document

ROLE_WORDS = {
    "number": {"tt", "stt", "so tt", "so thu tu"},
    "criterion_name": {"ten tieu chi", "tieu chi"},
    "content": {
        "noi dung tieu chi",
        "noi dung",
        "ten chi tieu",
        "noi dung chi tieu",
        "tieu chi, chi tieu",
        "chi tieu thanh phan",
    },
    "unit": {"don vi", "don vi tinh", "dvt"},
    "general": {
        "chi tieu chung",
        "muc chung",
        "toan quoc",
        "muc dat",
        "yeu cau",
        "chi tieu dat",
        "muc yeu cau",
        "chi tieu can dat",
        "muc can dat",
        "chi tieu dat chuan",
        "muc dat chuan",
        "muc chi tieu",
        "muc quy dinh",
        "gia tri",
        "chuan",
    },
    "note": {"ghi chu"},
}
AMBIGUOUS = "chi tieu"  # content in a table without one, else the value column
CODE_FIRST = re.compile(r"^(\d{1,2}(?:\.\d{1,2})+)\.?\s*[:.)–-]?\s+(.+)$", re.S)
CODE = re.compile(r"^\d{1,2}(?:\.\d{1,2})+\.?$")
INTEGER = re.compile(r"^(\d{1,2}|[ivx]{1,5})\.?$")
SECTION = re.compile(r"^(?:tieu chi\s*(?:so\s*)?)?(\d{1,2}|[ivx]{1,5})\s*[.:)–-]\s*(.+)$", re.S)
NUMBERING = re.compile(r"^\(?\d{1,2}\)?$")
ANNEX = re.compile(r"^phu\s+luc\s*([ivx\d]*)\b")
FOOTNOTE_LINE = re.compile(r"^(\(\s*(?:\d{1,2}|\*+)\s*\)|\*+|[¹²³⁴⁵⁶⁷⁸⁹⁰]+|ghi chu\s*:?)")
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9}
ROMAN |= {"x": 10, "xi": 11, "xii": 12, "xiii": 13, "xiv": 14, "xv": 15, "xvi": 16}
ROMAN |= {"xvii": 17, "xviii": 18, "xix": 19, "xx": 20}


@dataclass
class Column:
    role: str  # number, criterion_name, content, unit, general, zone, note, unknown
    header: str  # every header text of the column, top to bottom
    zone: object = None  # for general: ALL; for zone: (region, group)
    label: str = ""  # the column's own (lowest) header, as the quote names it


@dataclass
class Layout:
    """How a criteria table is read: its header rows and what each column holds."""

    header_rows: int
    columns: list[Column]
    header_texts: list[list[str]]

    @property
    def value_columns(self) -> list[int]:
        return [j for j, c in enumerate(self.columns) if c.role in ("general", "zone")]

    def first(self, role: str) -> int | None:
        return next((j for j, c in enumerate(self.columns) if c.role == role), None)


@dataclass
class Stated:
    """One value read: for `zone`, from `year` (None: every year), the verbatim text."""

    zone: object
    year: int | None
    text: str
    requirement: Requirement | None  # None: declared unknown (and listed to check)


@dataclass
class Read:
    """An indicator as the annex states it."""

    code: str
    criterion: str
    criterion_name: str
    name: str
    where: str  # table and row, for the evidence and the list to check
    unit_text: str = ""
    stated: list = field(default_factory=list)
    quotes: dict = field(default_factory=dict)  # year (or None) -> verbatim text of the row
    generated_code: bool = False


def _roman(text: str) -> int | None:
    t = fold(text).rstrip(".")
    return int(t) if t.isdigit() else ROMAN.get(t)


def _role(texts: list[str]) -> Column:
    """A column's role from its header texts, top to bottom (merged headers repeated)."""
    distinct = list(dict.fromkeys(t for t in texts if t))
    header = " / ".join(distinct)
    bottom = distinct[-1] if distinct else ""
    zone = zone_of(bottom) if bottom else None
    if zone == ALL:
        return Column("general", header, ALL, bottom)
    if zone is not None:
        return Column("zone", header, zone, bottom)
    for t in reversed(distinct):
        for role, words in ROLE_WORDS.items():
            if fold(t) in words:
                return Column(role, header, ALL if role == "general" else None, t)
        if fold(t) == AMBIGUOUS:
            return Column(AMBIGUOUS, header, None, t)
    return Column("unknown", header, None, bottom)


def _is_header_row(row: list[str]) -> bool:
    filled = [t for t in row if t]
    if not filled:
        return False
    if all(NUMBERING.match(t) for t in filled) and len(filled) > 2:
        return True  # a row numbering the columns: (1) (2) (3)
    known = [t for t in filled if _role([t]).role not in ("unknown",)]
    return len(known) >= max(1, len(set(filled)) // 2)


def layout(table: DocTable) -> Layout | None:
    """The table's layout, or None when it is no table of criteria."""
    rows = 0
    while rows < min(5, len(table.cells)) and _is_header_row(table.cells[rows]):
        rows += 1
    if rows == 0:
        return None
    texts = [list(col) for col in zip(*table.cells[:rows])]
    columns = [_role([t for t in col if not NUMBERING.match(t)]) for col in texts]
    has_content = any(c.role == "content" for c in columns)
    for c in columns:
        if c.role == AMBIGUOUS:
            c.role, c.zone = ("general", ALL) if has_content else ("content", None)
            has_content = True
    found = Layout(rows, columns, [list(r) for r in table.cells[:rows]])
    if not found.value_columns or not any(c.role in ("content", "criterion_name") for c in columns):
        return None
    return found


def _annex_label(lines: list[str], current: str) -> str:
    for line in reversed(lines):
        m = ANNEX.match(fold(line))
        if m:
            return f"Phụ lục {m.group(1).upper()}".strip()
    return current


def criteria_tables(doc: Document) -> list[tuple[DocTable, Layout, int, str]]:
    """(table, layout, first body row, annex) of every table of criteria, continuations
    included: a table with the previous one's header repeated, or with no header and its
    width. The annex is named by the last «PHỤ LỤC …» line before the table."""
    out = []
    annex = "Phụ lục"
    for table in doc.tables:
        annex = _annex_label(table.before, annex)
        found = layout(table)
        previous = out[-1][1] if out else None
        if found is not None:
            out.append((table, found, found.header_rows, annex))
        elif previous is not None and table.cells and len(table.cells[0]) == len(previous.columns):
            out.append((table, previous, 0, annex))
    return out


def footnotes(tables: list[DocTable]) -> dict[str, str]:
    """Footnote marker -> text, from the paragraphs right after the tables."""
    notes = {}
    for table in tables:
        for line in table.after[:12]:
            m = FOOTNOTE_LINE.match(fold(line))
            if m:
                marker = line[: len(m.group(1))].strip()
                notes[marker.rstrip(":")] = line
    return notes


@dataclass
class Reading:
    """What the annex tables state, and what a person must check."""

    indicators: list[Read]
    criteria: dict  # number -> name, in the annex's order
    zones: list  # the zone columns met, ALL first when a general column exists
    review: list[dict]


class _Body:
    """Reads the body rows of the criteria tables, in order, one state for all of them."""

    def __init__(self, annex: str):
        self.annex = annex
        self.criterion, self.criterion_name = "", ""
        self.indicators: list[Read] = []
        self.criteria: dict[str, str] = {}
        self.review: list[dict] = []
        self.counts: dict[str, int] = {}
        self.zones: dict = {}
        self.sectioned = False  # section rows name the criteria: numbers count indicators

    def check(self, where: str, column: str, code: str, text: str, reason: str) -> None:
        self.review.append(
            {"where": where, "column": column, "indicator": code, "text": text, "reason": reason}
        )

    def criterion_row(self, number: str, name: str) -> None:
        if number != self.criterion:
            self.criterion_name = ""
        self.criterion = number
        if name:
            self.criterion_name = name
        if not self.criteria.get(number):
            self.criteria[number] = self.criterion_name

    def new_indicator(self, code: str | None, name: str, where: str) -> Read:
        generated = code is None
        if generated:
            self.counts[self.criterion] = self.counts.get(self.criterion, 0) + 1
            code = f"{self.criterion or 'X'}.{self.counts[self.criterion]}"
        read = Read(code, self.criterion, self.criterion_name, name, where)
        read.generated_code = generated
        if any(i.code == code for i in self.indicators):
            self.check(where, "", code, name, "review_code_twice")
        self.indicators.append(read)
        return read


def _where(annex: str, table: DocTable, r: int) -> str:
    page = f", trang {table.page}" if table.page else ""
    return f"{annex}, bảng {table.number}{page}, dòng {r + 1}"


def _cell(table: DocTable, r: int, j: int | None) -> str:
    return table.cells[r][j] if j is not None and j < len(table.cells[r]) else ""


def _values(body: _Body, read: Read, table: DocTable, lay: Layout, r: int, year) -> None:
    """The row's value cells: each zone's verbatim text, split by year where the cell says
    'Năm 2022: …', parsed or listed to check."""
    where = _where(body.annex, table, r)
    parts, seen = [], {}
    for j in lay.value_columns:
        text = table.cells[r][j]
        col = lay.columns[j]
        if not text:
            continue
        body.zones[col.zone] = col.header
        seen.setdefault(table.origin[r][j], []).append(col.label or col.header)
        if (r, j) in table.formulas:
            body.check(where, col.header, read.code, text, "review_formula")
            read.stated.append(Stated(col.zone, year, text, None))
            continue
        for start, end, piece in split_years(text):
            found = parse_requirement(piece, "vi")
            if found is None or found.is_range or found.value is None:
                reason = "review_range" if found is not None and found.is_range else "review_unread"
                body.check(where, col.header, read.code, piece, reason)
                found = None
            elif found.footnote:
                body.check(where, col.header, read.code, piece, f"review_footnote:{found.footnote}")
            read.stated.append(Stated(col.zone, start if start is not None else year, piece, found))
    for j in lay.value_columns:
        headers = seen.pop(table.origin[r][j], None)
        if headers:
            parts.append(f"{', '.join(headers)}: {table.cells[r][j]}")
    if parts:
        label = read.name if year is None else f"{read.name} — {year}"
        read.quotes[year] = f"{label} — " + "; ".join(parts)


def _row(body: _Body, table: DocTable, lay: Layout, r: int) -> None:
    row = table.cells[r]
    if not any(row) or row == lay.header_texts[min(r, len(lay.header_texts) - 1)]:
        return
    if row in lay.header_texts:
        return  # the header repeated (a table continued on the next page)
    if len(set(table.origin[r])) == 1:  # one cell across the table: a section title
        m = SECTION.match(fold(row[0]))
        if m and _roman(m.group(1)):
            body.criterion_row(str(_roman(m.group(1))), row[0][len(row[0]) - len(m.group(2)) :])
            body.sectioned = True
        return
    number = _cell(table, r, lay.first("number"))
    crit_name = _cell(table, r, lay.first("criterion_name"))
    content = _cell(table, r, lay.first("content"))
    has_values = any(table.cells[r][j] for j in lay.value_columns)
    years = year_label(content) or year_label(number)
    if years is not None and body.indicators:
        _values(body, body.indicators[-1], table, lay, r, years[0])
        return
    _indicator_row(body, table, lay, r, number, crit_name, content, has_values)


def _code_and_name(number: str, content: str, crit_name: str) -> tuple[str | None, str]:
    """An indicator's code (from its content, '1.1. Có quy hoạch…', or its number column)
    and its name as the text gives it."""
    m = CODE_FIRST.match(content)
    if m:
        return m.group(1), m.group(2).strip()
    if CODE.match(number):
        return number.rstrip("."), content
    return None, content


def _indicator_row(body, table, lay, r, number, crit_name, content, has_values) -> None:
    where = _where(body.annex, table, r)
    code, name = _code_and_name(number, content, crit_name)
    if code is None and body.sectioned and fold(number).rstrip(".").isdigit():
        code = f"{body.criterion}.{_roman(number)}"  # «1, 2, 3» under a section «I. …»
        body.check(where, "", code, name, "review_code_generated")
    if code is not None:  # the code says its criterion
        body.criterion_row(code.split(".")[0], crit_name)
    elif INTEGER.match(fold(number)) and _roman(number):
        new = str(_roman(number)) != body.criterion
        body.criterion_row(str(_roman(number)), crit_name or (content if new else ""))
        body.sectioned |= not fold(number).rstrip(".").isdigit()  # «I», «II»: sections
        if not has_values:
            return  # a criterion's own row
    elif crit_name:
        body.criterion_row(body.criterion, crit_name)
    if not name:
        if has_values:
            body.check(where, "", "", " | ".join(table.cells[r]), "review_row")
        return
    read = body.new_indicator(code, name, where)
    read.unit_text = _cell(table, r, lay.first("unit"))
    if read.generated_code:
        body.check(where, "", read.code, name, "review_code_generated")
    _values(body, read, table, lay, r, None)


def _tail(body: _Body, table: DocTable, lay: Layout, r: int) -> bool:
    """The first row of a table continued on the next page may be the end of the previous
    page's last row (a row broken across the page): only text in the content column."""
    content = _cell(table, r, lay.first("content"))
    others = [t for j, t in enumerate(table.cells[r]) if j != lay.first("content")]
    if not content or any(others) or CODE_FIRST.match(content) or year_label(content):
        return False
    read = body.indicators[-1]
    whole = f"{read.name} {content}"
    read.quotes = {y: q.replace(read.name, whole, 1) for y, q in read.quotes.items()}
    read.name = whole
    return True


def _choose(found: list, choice: str | None, body: "_Body") -> list:
    """The tables of one annex: the one asked for, else the first; the others named."""
    labels = list(dict.fromkeys(a for *_, a in found))
    if len(labels) <= 1:
        return found
    wanted = next((a for a in labels if choice and fold(a).endswith(fold(choice))), labels[0])
    body.check("", "", "", ", ".join(labels), "review_annexes")
    return [f for f in found if f[3] == wanted]


def read_annex(doc: Document, choice: str | None = None) -> Reading:
    """Every indicator of the document's criteria tables (of one annex, when it has several:
    `choice`, e.g. 'II', else the first)."""
    body = _Body("Phụ lục")
    found = _choose(criteria_tables(doc), choice, body)
    if not found:
        body.check("", "", "", "", "review_no_table")
    for table, lay, first, annex in found:
        body.annex = annex
        for j, col in enumerate(lay.columns):
            if col.role == "unknown" and any(row[j] for row in table.cells[first:]):
                body.check(_where(annex, table, first), col.header, "", col.header, "review_column")
        for r in range(first, len(table.cells)):
            if r == first and body.indicators and _tail(body, table, lay, r):
                continue
            _row(body, table, lay, r)
    notes = footnotes([t for t, *_ in found])
    for item in body.review:
        if item["reason"].startswith("review_footnote:"):
            marker = item["reason"].split(":", 1)[1]
            item["reason"] = "review_footnote"
            item["text"] += " — " + notes.get(marker, marker)
    zones = sorted(body.zones, key=lambda z: (z != ALL, str(z)))
    return Reading(body.indicators, body.criteria, zones, body.review)


def zone_label(zone, headers: dict) -> str:
    return headers.get(zone) or zone_header(zone)


def unit_from_text(text: str) -> str | None:
    """A unit named in an indicator's text: '(%)', '(triệu đồng/người/năm)', or a unit cell."""
    m = re.search(r"\(([^()]{1,40})\)\s*$", text)
    inner = m.group(1) if m else text
    found = unit_of(inner)
    if found is None and fold(inner).startswith("trieu dong"):
        found = "million_vnd_per_person_year"
    return found
