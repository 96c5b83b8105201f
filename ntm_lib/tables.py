"""Deterministic CSV and XLSX files: the same tables give the same bytes.

Text that came from the user is data, never a formula: in a workbook every text cell is stored
as text (XlsxWriter with `strings_to_formulas` off), and in a CSV file a text cell that starts
with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading apostrophe, the usual rule
that keeps spreadsheet programs from running it (numbers stay numbers). Workbooks are written
as a stream, a constant amount of memory whatever their size.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

# Fixed timestamp inside .xlsx files so that the same results give the same bytes.
XLSX_TIMESTAMP = "2000-01-01T00:00:00Z"


FORMULA_START = re.compile(r"^[=+\-@\t\r]")
XLSX_CHUNK = 10_000


def _neutral(values: pd.Series) -> pd.Series:
    text = values.astype(str)
    return values.where(~text.str.match(FORMULA_START), "'" + text)


def _textual(dtype) -> bool:
    return dtype == object or pd.api.types.is_string_dtype(dtype)


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every text cell that a spreadsheet would read as a formula neutralised."""
    out = {}
    for name, col in frame.items():
        if isinstance(col.dtype, pd.CategoricalDtype) and _textual(col.cat.categories.dtype):
            cats = col.cat.categories.to_series()
            fixed = _neutral(cats)
            out[name] = col if fixed.equals(cats) else col.cat.rename_categories(fixed.to_list())
        elif _textual(col.dtype):
            text = col.map(lambda v: isinstance(v, str) and bool(FORMULA_START.match(v)))
            out[name] = col.where(~text, "'" + col.astype(str)) if text.any() else col
        else:
            out[name] = col
    return pd.DataFrame(out, index=frame.index)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    spreadsheet_safe(frame).to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def keep_text(workbook) -> None:
    """In an openpyxl workbook, store as text every cell openpyxl took for a formula because
    its text starts with '=': our workbooks hold data, never formulas."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


def make_zip_deterministic(path: Path) -> None:
    """Rewrite an .xlsx or .docx (a zip) with fixed entry times and document timestamps."""
    with zipfile.ZipFile(path) as src:
        entries = [(info.filename, src.read(info.filename)) for info in src.infolist()]
    stamp = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = stamp.sub(rb"\g<1>" + XLSX_TIMESTAMP.encode() + rb"\g<3>", data)
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, data)


def _cells(frame: pd.DataFrame):
    """Rows of plain Python values, NaN as None, a chunk at a time (constant memory)."""
    for start in range(0, len(frame), XLSX_CHUNK):
        chunk = frame.iloc[start:start + XLSX_CHUNK].astype(object)
        chunk = chunk.where(chunk.notna(), None)
        yield from chunk.itertuples(index=False, name=None)


STATUS_FILL = {"met": "#E8F5E9", "not_met": "#FFEBEE", "incomplete": "#FFF8E1",
               "missing": "#FFF8E1", "no_threshold": "#EDE7F6", "no_data": "#EEEEEE"}
MAX_WIDTH = 60


def _width(frame: pd.DataFrame, column) -> float:
    """A column width that fits its header and most of its values (characters)."""
    sample = frame[column].head(2000).astype(str)
    longest = sample.str.len().quantile(0.9) if len(sample) else 0
    return float(min(max(len(str(column)), longest, 6) + 2, MAX_WIDTH))


def write_xlsx(sheets: dict[str, pd.DataFrame], path: Path, status_column: str | None = None,
               status_colours: dict[str, str] | None = None) -> None:
    """One sheet per table: bold header row frozen with filters, columns wide enough, every
    text cell stored as text; rows coloured by status where a sheet has `status_column`
    (cells beginning with a word of `status_colours`, mapped to a status code)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        "strings_to_numbers": False, "nan_inf_to_errors": True})
    workbook.set_properties({"created": dt.datetime(2000, 1, 1)})
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "text_wrap": True,
                                "valign": "top"})
    number = workbook.add_format({"num_format": "#,##0.##"})
    fills = {code: workbook.add_format({"bg_color": colour})
             for code, colour in STATUS_FILL.items()}
    for name, frame in sheets.items():
        sheet = workbook.add_worksheet(name[:31])
        sheet.write_row(0, 0, [str(c) for c in frame.columns], bold)
        for j, column in enumerate(frame.columns):
            numeric = pd.api.types.is_float_dtype(frame[column].dtype)
            sheet.set_column(j, j, _width(frame, column), number if numeric else None)
        sheet.freeze_panes(1, 0)
        if len(frame.columns):
            sheet.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)
        if status_column in frame.columns and status_colours and len(frame):
            j = list(frame.columns).index(status_column)
            for word, code in sorted(status_colours.items(), key=lambda x: -len(x[0])):
                if code in fills:
                    sheet.conditional_format(1, j, len(frame), j, {
                        "type": "text", "criteria": "begins with", "value": word,
                        "format": fills[code]})
        for i, row in enumerate(_cells(frame), start=1):
            for j, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, str):
                    sheet.write_string(i, j, value)
                elif isinstance(value, (bool, np.bool_)):
                    sheet.write_boolean(i, j, bool(value))
                elif isinstance(value, (int, float, np.integer, np.floating)):
                    sheet.write_number(i, j, float(value))
                else:
                    sheet.write_string(i, j, str(value))
    workbook.close()
