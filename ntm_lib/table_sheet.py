"""A worksheet for large tables: xlsxwriter renders each distinct cell of a column once.

Imported only where a workbook is written (xlsxwriter takes a tenth of a second to import).
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

XLSX_CHUNK = 10_000  # rows assembled at a time


def write_value(sheet, row: int, col: int, value, number, text) -> None:
    """One cell through xlsxwriter's public API, its kind decided by the value: text as text
    (never a formula), a flag as a boolean, a number as a number (decimals of a mixed column
    with `number`'s format), anything else as its text."""
    if isinstance(value, str):
        sheet.write_string(row, col, value, text)
    elif isinstance(value, (bool, np.bool_)):
        sheet.write_boolean(row, col, bool(value))
    elif isinstance(value, (float, np.floating)) and not float(value).is_integer():
        sheet.write_number(row, col, float(value), number)  # a mixed column's decimals
    elif isinstance(value, (int, float, np.integer, np.floating)):
        sheet.write_number(row, col, float(value))
    else:
        sheet.write_string(row, col, str(value))


def factorized(col: pd.Series) -> tuple[np.ndarray, list]:
    """Per row, the code of its value among the column's distinct values (-1: missing), and
    those values as the plain Python objects a cell is written from. Two values share a code
    only when they are written alike: True, 1 and 1.0 are equal in Python but not in a workbook
    (a boolean, a number), and neither are 0.0 and -0.0."""
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return col.cat.codes.to_numpy().astype(np.int64), col.cat.categories.astype(object).tolist()
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        values = col.to_numpy()
        missing = np.isnan(values)
        codes, uniques = pd.factorize(values.view(f"i{values.itemsize}"))  # by bits: -0.0
        codes = np.where(missing, -1, codes).astype(np.int64)
        return codes, uniques.view(values.dtype).tolist()
    if (isinstance(dtype, np.dtype) and dtype.kind in "iub") or _all_text(col):
        codes, uniques = pd.factorize(col)
        return codes.astype(np.int64), pd.Series(uniques, dtype=object).tolist()
    return _factorized_objects(col)


def _all_text(col: pd.Series) -> bool:
    textual = col.dtype == object or pd.api.types.is_string_dtype(col.dtype)
    return textual and pd.api.types.infer_dtype(col, skipna=True) in ("string", "empty")


def _factorized_objects(col: pd.Series) -> tuple[np.ndarray, list]:
    """`factorized` for a column of mixed Python objects, one cell at a time."""
    values = col.astype(object)
    seen: dict = {}
    uniques: list = []
    codes = np.empty(len(values), dtype=np.int64)
    for i, value in enumerate(values.where(values.notna(), None).tolist()):
        if value is None:
            codes[i] = -1
            continue
        code = seen.get(key := _key(value))
        if code is None:
            code = seen[key] = len(uniques)
            uniques.append(value)
        codes[i] = code
    return codes, uniques


def _key(value) -> tuple:
    """A key under which two cells are written alike (see `factorized`)."""
    if value.__class__ is float and value == 0:
        return (float, str(value))  # 0.0 and -0.0
    try:
        hash(value)
    except TypeError:  # a list, say: written as its text
        return (value.__class__, None, str(value))
    return (value.__class__, value)


class TableSheet(Worksheet):
    """An xlsxwriter worksheet that writes a table's rows with each distinct cell rendered once.

    xlsxwriter spends 10 to 20 microseconds of Python on each cell it writes; a table repeats
    few distinct cells per column (a status, a commune's name, a year). Each distinct value of
    a column goes through xlsxwriter's public API once (`write_value`: its kind, its format,
    its shared string, escaped by xlsxwriter) and is rendered by xlsxwriter's own cell writer
    once; a row is then those renderings behind their cell references. No text of the table is
    ever placed in the XML here: strings live in xlsxwriter's shared-string table.
    """

    def put_rows(self, frame: pd.DataFrame, number, text) -> None:
        """`frame`'s rows below the header row (row 0), written when the workbook closes."""
        columns = []
        last = 0
        for j, name in enumerate(frame.columns):
            codes, cells = self._distinct_cells(frame[name], j, number, text)
            columns.append((codes, cells))
            written = np.flatnonzero(codes >= 0)
            last = max(last, int(written[-1]) + 1 if len(written) else 0)
        if last:
            self._check_dimensions(last, 0)
        self._table_rows = (columns, last)

    def _distinct_cells(self, col: pd.Series, j: int, number, text) -> tuple[np.ndarray, list]:
        """Per row, the code of its cell (-1: none), and the distinct cells (xlsxwriter's)."""
        codes, uniques = factorized(col)
        cells, kept = [], np.full(len(uniques) + 1, -1, dtype=np.int32)  # 4 bytes a cell
        for k, value in enumerate(uniques):
            write_value(self, 1, j, value, number, text)
            cell = self.table[1].pop(j, None)  # None: nothing to write (an empty text)
            if cell is not None:
                kept[k] = len(cells)
                cells.append(cell)
        codes = kept[codes]  # a missing value's -1 reads the last, -1
        # Each reference to a shared string counts once in the table, as Excel counts them.
        uses = np.bincount(codes[codes >= 0], minlength=len(cells))
        strings = [type(c).__name__ == "String" for c in cells]
        self.str_table.count += int(uses[strings].sum()) - sum(strings)
        return codes, cells

    def _write_rows(self) -> None:
        super()._write_rows()  # the header row
        columns, last = getattr(self, "_table_rows", ([], 0))
        tails = [
            np.array(self._tails(j, cells) + [""], dtype=object)
            for j, (_, cells) in enumerate(columns)
        ]
        for start in range(0, last, XLSX_CHUNK):
            stop = min(start + XLSX_CHUNK, last)
            numbers = np.arange(start + 2, stop + 2).astype(str).astype(object)
            closed = numbers + '"'
            rows = np.full(stop - start, "", dtype=object)
            for j, (codes, _) in enumerate(columns):
                part = codes[start:stop]
                cells = f'<c r="{xl_col_to_name(j)}' + closed + tails[j][part]
                rows = rows + np.where(part >= 0, cells, "")
            full = rows != ""
            rows = '<row r="' + numbers[full] + '">' + rows[full] + "</row>"
            self.fh.write("".join(rows.tolist()))

    def _tails(self, j: int, cells: list) -> list[str]:
        """xlsxwriter's XML for each of `cells` in column `j`, after its cell reference. A
        shared string's differs from another's of the same format only by its index in the
        table (a column of references to input rows is thousands of them): the first is
        rendered by xlsxwriter, the others take its form with their own index, a number."""
        out, forms = [], {}
        for cell in cells:
            form = forms.get(id(cell.format)) if type(cell).__name__ == "String" else None
            if form is not None:
                out.append(f"{form}<v>{cell.string}</v></c>")
                continue
            tail = self._cell_tail(j, cell)
            end = f"<v>{cell.string}</v></c>" if type(cell).__name__ == "String" else None
            if end is not None and isinstance(cell.string, int) and tail.endswith(end):
                forms[id(cell.format)] = tail[: -len(end)]
            out.append(tail)
        return out

    def _cell_tail(self, j: int, cell) -> str:
        """xlsxwriter's XML for `cell` in column `j`, after its cell reference."""
        out, self.fh = self.fh, io.StringIO()
        try:
            self._write_cell(1, j, cell)
            xml = self.fh.getvalue()
        finally:
            self.fh = out
        head = f'<c r="{xl_col_to_name(j)}2"'
        if not xml.startswith(head):
            raise AssertionError(f"unexpected cell XML from xlsxwriter: {xml[:80]}")
        return xml[len(head) :]
