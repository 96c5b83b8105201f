"""Files to grids of text cells: CSV in any of the encodings officers' tools write, and Excel
workbooks with what the cells really hold (dates, formulas, error values, percent formats).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Problem

EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
DEFAULT_MAX_MB = 100
# Formula checks re-open the workbook; past this size they are skipped.
FORMULA_CHECK_MAX_BYTES = 20 * 1024 * 1024
EXCEL_ERRORS = re.compile(r"#(N/A|DIV/0!|VALUE!|REF!|NAME\?|NUM!|NULL!|SPILL!|CALC!)")


@dataclass
class Grid:
    """One sheet: text cells (row 0 is the sheet's first row) and what each cell really held."""

    sheet: str | None
    text: pd.DataFrame
    flags: pd.DataFrame | None = None  # "", "number", "date", "formula" (not computed), "error"


def max_bytes() -> int:
    return int(float(os.environ.get("NTM_MAX_INPUT_MB", DEFAULT_MAX_MB)) * 1024 * 1024)


def cell_text(value, number_format: str | None = None) -> str:
    """A cell as an officer sees it: integers without '.0', percent-formatted cells as 95.5."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        if number_format and "%" in number_format:
            value = round(value * 100, 10)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return repr(value) if isinstance(value, float) else str(value)
    return str(value)


def _flag(value, formula) -> str:
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return "date"
    if isinstance(value, str) and EXCEL_ERRORS.fullmatch(value.strip()):
        return "error"
    if value is None and isinstance(formula, str) and formula.startswith("="):
        return "formula"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "number"  # a true number: no separator to guess
    return ""


def _excel(path: Path) -> tuple[list[Grid], list[Problem]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        values = load_workbook(path, read_only=True, data_only=True)
        formulas = (load_workbook(path, read_only=True, data_only=False)
                    if path.stat().st_size <= FORMULA_CHECK_MAX_BYTES else None)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError,
            EOFError) as exc:
        return [], [Problem(str(path), "file_not_excel", params={"error": str(exc)[:200]})]
    grids = []
    for ws in values.worksheets:
        fws = formulas[ws.title] if formulas is not None else None
        f_rows = fws.iter_rows(values_only=True) if fws is not None else None
        text, flags = [], []
        for row in ws.iter_rows():
            f_row = next(f_rows, ()) if f_rows is not None else ()
            cells = list(row)
            text.append([cell_text(getattr(c, "value", None), getattr(c, "number_format", None))
                         for c in cells])
            flags.append([_flag(getattr(c, "value", None), f_row[i] if i < len(f_row) else None)
                          for i, c in enumerate(cells)])
        width = max((len(r) for r in text), default=0)
        text = [r + [""] * (width - len(r)) for r in text]
        flags = [r + [""] * (width - len(r)) for r in flags]
        grids.append(Grid(ws.title, pd.DataFrame(text, dtype=object).astype(str),
                          pd.DataFrame(flags, dtype=object)))
    return grids, []


def decode(raw: bytes, name: str) -> tuple[str | None, list[Problem]]:
    """Text of a CSV file: UTF-8 (BOM or not), UTF-16 with a BOM, else Windows-1258 with a
    warning. Binary content is refused."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16"), []
    if b"\x00" in raw[:65536]:
        return None, [Problem(name, "file_not_text")]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1258")
    except UnicodeDecodeError:
        return None, [Problem(name, "file_not_utf8")]
    return text, [Problem(name, "file_read_as_cp1258", severity="warning")]


def _csv(path: Path) -> tuple[list[Grid], list[Problem]]:
    text, problems = decode(path.read_bytes(), str(path))
    if text is None:
        return [], problems
    first = text.split("\n", 1)[0]
    sep = max([",", ";", "\t"], key=first.count)
    if not text.strip():
        return [Grid(None, pd.DataFrame(dtype=str))], problems
    try:  # pandas' C reader first: fast on large files
        frame = pd.read_csv(io.StringIO(text), sep=sep, header=None, dtype=str,
                            keep_default_na=False, skip_blank_lines=False)
        return [Grid(None, frame.fillna(""))], problems  # blank lines keep their row numbers
    except (pd.errors.ParserError, ValueError):
        pass  # ragged rows or odd line ends: the csv module reads them
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    except csv.Error as exc:
        return [], problems + [Problem(str(path), "file_not_csv", params={"error": str(exc)})]
    width = max((len(r) for r in rows), default=0)
    frame = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object).astype(str)
    return [Grid(None, frame)], problems


def read_grids(path: str | Path) -> tuple[list[Grid], list[Problem]]:
    path = Path(path)
    if not path.is_file():
        return [], [Problem(str(path), "file_missing")]
    size = path.stat().st_size
    if size > max_bytes():
        return [], [Problem(str(path), "file_too_large", params={
            "size": round(size / 1024 / 1024), "limit": round(max_bytes() / 1024 / 1024)})]
    if path.suffix.lower() in EXCEL_SUFFIXES:
        return _excel(path)
    return _csv(path)
