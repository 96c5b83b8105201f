"""A criteria-set workbook to located cells, through the same reading as data.

The workbook is read by intake.sheets.read_grids (hostile files, zip bombs, declared sizes,
what each Excel cell really holds); then, as for data, a hidden sheet or a hidden row that
holds anything is refused (a threshold nobody sees would decide verdicts), a control or
text-direction character is refused with its cell, invisible and no-break spaces are removed,
and every column must be one the workbook's layout knows. Two layouts are read: the compact
authoring sheet «Chỉ tiêu» (criteria.authoring) and the per-cell grid «Ngưỡng» of earlier
versions (criteria.spreadsheet).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..criteria import authoring, spreadsheet
from ..criteria.words import zone_of
from ..errors import Problem
from .sheets import Grid, read_grids
from .values import CONTROL, INVISIBLE, INVISIBLE_SPACE, fold

HEADER_SEARCH_ROWS = 10
COMPACT, GRID = "compact", "grid"


@dataclass(frozen=True)
class Cell:
    """A cell's text as the officer sees it, what Excel held ('' text, 'number', 'percent',
    'formula', 'error', 'date', 'boolean'), and the header of its column."""

    text: str
    flag: str = ""
    header: str = ""

    @property
    def blank(self) -> bool:
        return self.text == "" and self.flag == ""


@dataclass
class Row:
    number: int  # the spreadsheet's row number
    cells: dict = field(default_factory=dict)  # key -> Cell
    zones: dict = field(default_factory=dict)  # zone -> Cell (compact layout)

    def text(self, key: str) -> str:
        cell = self.cells.get(key)
        return cell.text if cell is not None else ""


@dataclass
class SetWorkbook:
    file: str
    form: str
    sheet: str
    info: dict  # key -> text
    info_rows: dict  # key -> row number
    rows: list[Row]


def _clean(grid: Grid, file: str) -> tuple[list[list[str]], list[Problem]]:
    """The grid's text, invisible characters removed; control characters refused."""
    problems, out = [], []
    for r, values in enumerate(grid.text.itertuples(index=False), start=1):
        row = []
        for text in values:
            text = str(text)
            if CONTROL.search(text):
                problems.append(
                    Problem(file, "cell_control_char", r, sheet=grid.sheet, params={"value": text})
                )
                text = CONTROL.sub("", text)
            row.append(INVISIBLE_SPACE.sub(" ", INVISIBLE.sub("", text)).strip())
        out.append(row)
    return out, problems


def _hidden(grid: Grid, text: list[list[str]], file: str) -> list[Problem]:
    filled = [any(v for v in row) for row in text]
    if grid.hidden and any(filled):
        return [Problem(file, "set_import_sheet_hidden", sheet=grid.sheet)]
    return [
        Problem(file, "set_import_row_hidden", r + 1, sheet=grid.sheet)
        for r in sorted(grid.hidden_rows)
        if r < len(filled) and filled[r]
    ]


def _flag(grid: Grid, r: int, c: int) -> str:
    if grid.flags is None or r >= len(grid.flags) or c >= grid.flags.shape[1]:
        return ""
    return str(grid.flags.iat[r, c] or "")


def _info(text: list[list[str]]) -> tuple[dict, dict]:
    labels = {fold(label): key for key, label in authoring.INFO_FIELDS}
    info, rows = {}, {}
    for r, row in enumerate(text, start=1):
        cells = row + ["", ""]
        key = labels.get(fold(cells[0]))
        if key:
            info[key], rows[key] = cells[1], r
    return info, rows


def _header(text: list[list[str]], wanted: str) -> int | None:
    for r, row in enumerate(text[:HEADER_SEARCH_ROWS]):
        if any(fold(v) == fold(wanted) for v in row):
            return r
    return None


def _columns(header: list[str], form: str) -> tuple[dict, dict, list[int]]:
    """(column -> key, column -> zone, unknown columns) of a header row."""
    known = authoring.HEADERS if form == COMPACT else spreadsheet.HEADERS
    by_header = {fold(h): k for k, h in known.items()}
    keys, zones, unknown = {}, {}, []
    for c, h in enumerate(header):
        if fold(h) in by_header:
            keys[c] = by_header[fold(h)]
        elif form == COMPACT and h and zone_of(h) is not None:
            zones[c] = zone_of(h)
        else:
            unknown.append(c)
    return keys, zones, unknown


def _body(grid: Grid, text, top: int, form: str, file: str) -> tuple[list[Row], list[Problem]]:
    header = text[top]
    keys, zones, unknown = _columns(header, form)
    problems = []
    for c in unknown:
        if any(row[c] for row in text[top + 1 :] if c < len(row)):
            problems.append(
                Problem(
                    file,
                    "set_import_column_unknown",
                    top + 1,
                    header[c] or f"#{c + 1}",
                    grid.sheet,
                    {"value": header[c]},
                )
            )
    repeated = [h for h in set(keys.values()) if list(keys.values()).count(h) > 1]
    repeated += [str(z) for z in set(zones.values()) if list(zones.values()).count(z) > 1]
    if repeated:
        problems.append(
            Problem(file, "columns_ambiguous", top + 1, sheet=grid.sheet, params={"columns": ""})
        )
    rows = []
    for r in range(top + 1, len(text)):
        row = Row(r + 1)
        for c, key in keys.items():
            row.cells[key] = Cell(text[r][c], _flag(grid, r, c), header[c])
        for c, zone in zones.items():
            row.zones[zone] = Cell(text[r][c], _flag(grid, r, c), header[c])
        if any(not x.blank for x in list(row.cells.values()) + list(row.zones.values())):
            rows.append(row)
    return rows, problems


def read_cells(path: str | Path) -> tuple[SetWorkbook | None, list[Problem]]:
    """The workbook's info and rows, located; problems of the file as a whole, of hidden
    sheets and rows, of characters and of columns."""
    file = str(path)
    grids, problems = read_grids(path)
    if [p for p in problems if p.severity == "error"]:
        return None, problems
    by_sheet = {g.sheet: g for g in grids}
    texts = {}
    for g in grids:
        texts[g.sheet], found = _clean(g, file)
        problems += found + _hidden(g, texts[g.sheet], file)
    form = COMPACT if authoring.SHEET in by_sheet else GRID
    sheet = authoring.SHEET if form == COMPACT else spreadsheet.GRID_SHEET
    for needed in (authoring.INFO_SHEET, sheet):
        if needed not in by_sheet:
            problems.append(Problem(file, "set_import_sheet_missing", sheet=needed))
    if [p for p in problems if p.severity == "error"]:
        return None, problems
    info, info_rows = _info(texts[authoring.INFO_SHEET])
    wanted = authoring.HEADERS["indicator"]
    top = _header(texts[sheet], wanted)
    if top is None:
        problems.append(
            Problem(
                file, "columns_missing", 1, sheet=sheet, params={"missing": wanted, "found": ""}
            )
        )
        return None, problems
    rows, found = _body(by_sheet[sheet], texts[sheet], top, form, file)
    return SetWorkbook(file, form, sheet, info, info_rows, rows), problems + found
