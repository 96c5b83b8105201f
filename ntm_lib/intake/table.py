"""Grids to located tables: the header found (below a title, in Vietnamese or English), columns
renamed to their canonical names, every cell a person cannot see or should not hold named.

Every table a person types goes through here (register, data, plan, budget, merge shares):
hidden sheets, rows and columns, control characters and noncharacters are refused with their cell,
invisible spaces removed, formulas never computed and Excel errors named, a CSV row with more
fields than its header refused. Problems carry the file, sheet, row and column, as the file has
them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Problem, UsageError, printable
from ..i18n import t
from .grid import Grid
from .sheets import read_grids
from .values import (
    any_odd_character,
    column_spec,
    fold,
    is_blank,
    map_text,
    refused_character,
    without_invisibles,
)

# Beyond this many rows with the same problem in one file, one summary line stands for the rest.
MAX_SAME_PROBLEM = 20
HEADER_SEARCH_ROWS = 10
# Columns whose Excel cell kinds the reader of that kind of table judges itself.
OWN_CELL_KINDS = {"data": {"value"}}


@dataclass
class Table:
    """One sheet (or CSV file) as text cells, columns renamed to their canonical names."""

    file: str
    sheet: str | None
    frame: pd.DataFrame
    flags: pd.DataFrame | None = None  # Excel only: "", "date", "formula", "error", per cell
    unreadable: dict = field(default_factory=dict)  # column -> rows refused as cells
    headers: dict = field(default_factory=dict)  # column -> its header as typed in the file
    positions: dict = field(default_factory=dict)  # column -> its 0-based place in the sheet

    def problem(
        self, key: str, row: int | None = None, column: str | None = None, **params
    ) -> Problem:
        context = {}
        if row is not None and row in self.frame.index:
            for col in ("commune_id", "indicator"):
                if col in self.frame and col != column and str(self.frame.at[row, col]).strip():
                    context[col] = str(self.frame.at[row, col]).strip()
        return Problem(
            self.file,
            key,
            row,
            column,
            self.sheet,
            params,
            context=context,
            header=self.headers.get(column),
        )

    def where(self) -> str:
        """'file[sheet]' as an input reference starts (what a file's name holds that a page
        or a Word document could not show, escaped)."""
        where = Path(self.file).name + (f"[{self.sheet}]" if self.sheet is not None else "")
        return printable(where)

    def flag(self, column: str, index: pd.Index | None = None) -> pd.Series:
        """The Excel cell kind of each cell of `column` ("" for CSV files)."""
        index = self.frame.index if index is None else index
        if self.flags is None or column not in self.flags:
            return pd.Series(
                pd.Categorical.from_codes(np.zeros(len(index), dtype=np.int8), [""]), index=index
            )
        return self.flags[column].reindex(index, fill_value="")


def problems_for(
    table: Table, mask: pd.Series, key: str, column: str, hints: pd.Series | None = None, **params
) -> list[Problem]:
    """One problem per row of `mask` (at most MAX_SAME_PROBLEM, then a summary), each with the
    cell's text as `value` and, where given, the value meant as `hint`."""
    from .. import fmt

    rows = mask[mask].index
    out = [
        table.problem(
            key,
            int(r),
            column,
            value=table.frame.at[r, column] if column in table.frame else "",
            **params,
            **({"hint": fmt.number(hints[r], None, 6)} if hints is not None else {}),
        )
        for r in rows[:MAX_SAME_PROBLEM]
    ]
    if len(rows) > MAX_SAME_PROBLEM:
        out.append(
            table.problem(
                "more_rows_same_problem", None, column, count=len(rows) - MAX_SAME_PROBLEM
            )
        )
    return out


def refs(table: Table, index: pd.Index | None = None) -> pd.Series:
    """'file[sheet]:row' for each row of `index` (default: every row of the table)."""
    index = table.frame.index if index is None else index
    where = table.where()
    return pd.Series([f"{where}:{r}" for r in index.tolist()], index=index, dtype=object)


def _find_header(frame: pd.DataFrame, aliases: dict, required: list[str]) -> tuple[int, dict]:
    """The first of the top rows that names every required column (else the best one)."""
    best = (0, {})
    for i in range(min(HEADER_SEARCH_ROWS, len(frame))):
        header = [h.strip() for h in frame.iloc[i].tolist()]
        mapping = {j: aliases[fold(h)] for j, h in enumerate(header) if fold(h) in aliases}
        if all(c in mapping.values() for c in required):
            return i, mapping
        if len(set(mapping.values())) > len(set(best[1].values())):
            best = (i, mapping)
    return best


def _filled_rows(frame: pd.DataFrame) -> pd.Series:
    filled = pd.Series(np.zeros(len(frame), dtype=bool), index=frame.index)
    for _, col in frame.items():
        filled |= ~is_blank(col).astype(bool)
    return filled


def _ambiguous_columns(path: Path, grid: Grid, row: int, mapping: dict) -> list[Problem]:
    """Two columns that both mean the same thing ('value' and 'Giá trị'): which one holds the
    data cannot be guessed."""
    by_canon: dict[str, list[str]] = {}
    for j, canon in mapping.items():
        by_canon.setdefault(canon, []).append(str(grid.text.iat[row, j]).strip())
    return [
        Problem(
            str(path),
            "columns_ambiguous",
            row=row + 1,
            sheet=grid.sheet,
            params={"columns": ", ".join(f"«{h}»" for h in headers)},
        )
        for canon, headers in by_canon.items()
        if len(headers) > 1
    ]


def _hidden(table: Table, grid: Grid, filled: pd.Series, header_row: int) -> list[Problem]:
    """Rows nobody sees in Excel are never assessed silently: a hidden sheet or hidden
    (filtered, zero-height) rows with content are refused, for the officer to unhide or delete
    them; so is a column read for the table that is hidden or of width 0 and holds a value
    (an empty one, a template's spare column, is no matter)."""
    if grid.hidden:
        return [table.problem("sheet_hidden")]
    rows = sorted(
        r for r in grid.hidden_rows if r > header_row and r < len(filled) and filled.iat[r]
    )
    return [table.problem("row_hidden", r + 1) for r in rows] + _hidden_columns(table, grid)


def _hidden_columns(table: Table, grid: Grid) -> list[Problem]:
    if not grid.hidden_columns:  # a CSV file: no need of openpyxl (a fifth of a second)
        return []
    from openpyxl.utils import get_column_letter

    out = []
    for canon, j in table.positions.items():
        if j in grid.hidden_columns and (~is_blank(table.frame[canon]).astype(bool)).any():
            out.append(table.problem("column_hidden", None, canon, letter=get_column_letter(j + 1)))
    return out


def _extra_fields(table: Table, grid: Grid, header_row: int) -> list[Problem]:
    """CSV rows with more fields than the header: an unquoted decimal comma ('55,5' in a
    comma-separated file) shifts the value into a column without a name."""
    if grid.fields is None:
        return []
    frame, width = grid.text, int(grid.fields[header_row])
    return [
        table.problem("row_more_fields", r + 1, fields=int(grid.fields[r]), header=width)
        for r in range(header_row + 1, len(frame))
        if grid.fields[r] > width and (frame.iloc[r, width:].astype(str).str.strip() != "").any()
    ]


def _clean_cells(table: Table) -> list[Problem]:
    """Control, text-direction and noncharacters are refused with the cell; invisible spaces
    (no-break, zero-width) are replaced by a space or removed. Work is per distinct value."""
    problems = []
    f = table.frame
    for col in f.columns:
        distinct = pd.unique(f[col])
        if not any_odd_character(distinct):
            continue
        bad = {v: key for v in distinct if (key := refused_character(v))}
        if bad:
            cells = f[col][f[col].isin(list(bad))]
            table.unreadable[col] = set(cells.index)
            problems += [table.problem(bad[v], int(r), col, value=v) for r, v in cells.items()]
        odd = {v: new for v in distinct if (new := without_invisibles(v)) != v}
        if odd:
            f[col] = (
                map_text(f[col], lambda s: s.map(lambda v: odd.get(v, v)))
                if isinstance(f[col].dtype, pd.CategoricalDtype)
                else f[col].replace(odd)
            )
    return problems


def _cell_kinds(table: Table, kind: str) -> list[Problem]:
    """A formula Excel never computed reads as an empty cell and an error value as text: both
    are named wherever they are, but in the columns the table's reader judges itself."""
    if table.flags is None:
        return []
    problems = []
    for col in table.frame.columns:
        if col in OWN_CELL_KINDS.get(kind, ()):
            continue
        flag = table.flags[col]
        for key, cell_kind in (("cell_formula", "formula"), ("cell_excel_error", "error")):
            mask = flag == cell_kind
            if mask.any():
                table.unreadable.setdefault(col, set()).update(mask[mask].index)
                problems += problems_for(table, mask, key, col)
    return problems


def _misses_problems(path: Path, misses: list) -> list[Problem]:
    """Why no sheet of the file could be read: each empty, or each without a required column."""
    out = []
    for sheet, where, missing in misses:
        if where is None:
            out.append(Problem(str(path), "table_empty", sheet=sheet))
            continue
        row, header = where
        params = {"missing": ", ".join(missing), "found": ", ".join(header)}
        out.append(Problem(str(path), "columns_missing", row=row + 1, sheet=sheet, params=params))
    return out


def _table(path: Path, grid: Grid, row: int, mapping: dict) -> Table:
    """The body below the header row, its columns renamed; rows numbered as a person sees
    them in a spreadsheet."""
    frame = grid.text
    keep = sorted({canon: j for j, canon in reversed(mapping.items())}.values())
    body = frame.iloc[row + 1 :, keep].copy()
    body.columns = [mapping[j] for j in keep]
    body.index = pd.Index(np.asarray(body.index) + 1, name="row")
    flags = None
    if grid.flags is not None:
        flags = grid.flags.iloc[row + 1 :, keep].copy()
        flags.columns = body.columns
        flags.index = body.index
    typed = {mapping[j]: str(frame.iat[row, j]).strip() for j in keep}
    positions = {mapping[j]: j for j in keep}
    return Table(str(path), grid.sheet, body, flags, headers=typed, positions=positions)


def _grid_table(path: Path, grid: Grid, kind: str) -> tuple[Table | None, tuple, list[Problem]]:
    """The table of one sheet, or why it has none (a `misses` entry); with its problems."""
    spec = column_spec()
    aliases = {fold(a): canon for canon, names in spec[kind].items() for a in names}
    required = spec["required"][kind]
    filled = _filled_rows(grid.text)
    if not filled.any():
        return None, (grid.sheet, None, []), []
    row, mapping = _find_header(grid.text, aliases, required)
    missing = [c for c in required if c not in mapping.values()]
    if missing:
        header = [h for h in grid.text.iloc[row].tolist() if h.strip()]
        return None, (grid.sheet, (row, header), missing), []
    problems = []
    if filled.iloc[:row].any():
        problems.append(
            Problem(
                str(path), "header_not_first_row", row=row + 1, sheet=grid.sheet, severity="warning"
            )
        )
    problems += _ambiguous_columns(path, grid, row, mapping)
    table = _table(path, grid, row, mapping)
    problems += _hidden(table, grid, filled, row)
    problems += _extra_fields(table, grid, row)
    problems += _clean_cells(table)
    problems += _cell_kinds(table, kind)
    return table, (), problems


def once_each(paths) -> list[Path]:
    """The files of one option or argument list, each given once: the same file named twice
    (by another path, a link, or the same name) would read every row twice and report them as
    duplicates of themselves. UsageError naming the file."""
    seen: set = set()
    out = []
    for path in paths if isinstance(paths, (list, tuple)) else [paths]:
        path = Path(path)
        try:
            st = path.stat()
            key = (st.st_dev, st.st_ino)
        except OSError:  # a missing file: reported where it is read
            key = str(path.resolve())
        if key in seen:
            raise UsageError(t("file_given_twice", file=printable(str(path))))
        seen.add(key)
        out.append(path)
    return out


def read_tables(path: Path, kind: str) -> tuple[list[Table], list[Problem]]:
    """Sheets of `path` that carry the columns required for `kind` (a section of
    locale/columns.yaml: 'register', 'data', 'plan', 'budget', 'shares')."""
    # Data tables are large: their cells are kept as categoricals and worked per distinct text.
    grids, problems = read_grids(path, categorical=kind == "data")
    tables, misses = [], []
    for grid in grids:
        table, miss, found = _grid_table(Path(path), grid, kind)
        problems += found
        if table is None:
            misses.append(miss)
        else:
            tables.append(table)
    if grids and not tables:
        problems += _misses_problems(Path(path), misses)
    return tables, problems
