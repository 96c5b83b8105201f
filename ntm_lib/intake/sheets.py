"""Files to grids of text cells: CSV in any of the encodings officers' tools write, and Excel
workbooks with what the cells really hold (dates, formulas, error values, booleans, percent
formats), which sheets and rows are hidden, and how many fields each CSV row had.

Hostile or odd files are refused before they are parsed: a workbook that would unpack to far
more than its size (a zip bomb), a password-protected or old binary (.xls) workbook, a CSV file
with a quote that is never closed. Workbook XML is parsed by openpyxl through defusedxml, so
entities are not expanded; a workbook's rows are read by their real extent, whatever size it
declares.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import re
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Problem

EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
DEFAULT_MAX_MB = 100
# A workbook's parts may unpack to at most this many times the input size limit.
UNPACKED_FACTOR = 10
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ROW_TAG = re.compile(rb"<(?:\w+:)?row\b[^>]*>")
ROW_NUMBER = re.compile(rb"\br=\"(\d+)\"")
ROW_HIDDEN = re.compile(rb"\bhidden=\"(1|true)\"")
# Formula checks re-open the workbook; past this size they are skipped.
FORMULA_CHECK_MAX_BYTES = 20 * 1024 * 1024
EXCEL_ERRORS = re.compile(r"#(N/A|DIV/0!|VALUE!|REF!|NAME\?|NUM!|NULL!|SPILL!|CALC!)")


@dataclass
class Grid:
    """One sheet: text cells (row 0 is the sheet's first row) and what each cell really held."""

    sheet: str | None
    text: pd.DataFrame
    # "", "number", "percent" (a number formatted as %), "boolean", "date", "formula" (not
    # computed), "error"
    flags: pd.DataFrame | None = None
    hidden: bool = False  # a hidden sheet
    hidden_rows: frozenset[int] = frozenset()  # 0-based rows hidden (or filtered out) in Excel
    fields: np.ndarray | None = None  # CSV only: how many fields each row had


class SettingError(ValueError):
    """An environment setting holds a value ntm cannot use."""


def max_bytes() -> int:
    raw = os.environ.get("NTM_MAX_INPUT_MB", "")
    if not raw.strip():
        return DEFAULT_MAX_MB * 1024 * 1024
    try:
        mb = float(raw)
    except ValueError:
        mb = float("nan")
    if not np.isfinite(mb) or mb <= 0:
        raise SettingError(raw)
    return int(mb * 1024 * 1024)


def cell_text(value, number_format: str | None = None) -> str:
    """A cell as an officer sees it: integers without '.0', percent-formatted cells as 95.5."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        if number_format and "%" in number_format:
            value = round(value * 100, 10)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return repr(value) if isinstance(value, float) else str(value)
    return str(value)


def _flag(value, formula, number_format: str | None = None) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return "date"
    if isinstance(value, str) and EXCEL_ERRORS.fullmatch(value.strip()):
        return "error"
    if value is None and isinstance(formula, str) and formula.startswith("="):
        return "formula"
    if isinstance(value, (int, float)):
        # a true number: no separator to guess; a percent format says the value is a percent
        return "percent" if number_format and "%" in number_format else "number"
    return ""


def _refuse_container(path: Path) -> list[Problem]:
    """Problems with the workbook as a file, before any of its XML is parsed."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head == OLE_MAGIC:  # not a zip: an encrypted workbook, or the old binary format
        raw = path.read_bytes()
        encrypted = b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P" in raw
        return [Problem(str(path), "file_encrypted" if encrypted else "file_old_excel")]
    try:
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        return [Problem(str(path), "file_not_excel", params={"error": str(exc)[:200]})]
    limit = UNPACKED_FACTOR * max_bytes()
    if unpacked > limit:
        return [
            Problem(
                str(path),
                "file_unpacks_too_large",
                params={"size": round(unpacked / 1024 / 1024), "limit": round(limit / 1024 / 1024)},
            )
        ]
    return []


def _hidden_rows(path: Path, member: str | None) -> frozenset[int]:
    """0-based numbers of the rows a sheet marks hidden (hidden by hand or by a filter)."""
    if not member:
        return frozenset()
    try:
        with zipfile.ZipFile(path) as zf:
            xml = zf.read(member.lstrip("/"))
    except (KeyError, zipfile.BadZipFile, OSError):
        return frozenset()
    hidden = set()
    for tag in ROW_TAG.finditer(xml):
        if ROW_HIDDEN.search(tag.group()):
            number = ROW_NUMBER.search(tag.group())
            if number:
                hidden.add(int(number.group(1)) - 1)
    return frozenset(hidden)


def _excel(path: Path) -> tuple[list[Grid], list[Problem]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    refused = _refuse_container(path)
    if refused:
        return [], refused
    try:
        values = load_workbook(path, read_only=True, data_only=True)
        formulas = (
            load_workbook(path, read_only=True, data_only=False)
            if path.stat().st_size <= FORMULA_CHECK_MAX_BYTES
            else None
        )
    except (
        zipfile.BadZipFile,
        InvalidFileException,
        KeyError,
        ValueError,
        OSError,
        EOFError,
    ) as exc:
        return [], [Problem(str(path), "file_not_excel", params={"error": str(exc)[:200]})]
    grids = []
    for ws in values.worksheets:
        ws.reset_dimensions()  # read the rows that are there, not the size the file declares
        fws = formulas[ws.title] if formulas is not None else None
        if fws is not None:
            fws.reset_dimensions()
        f_rows = fws.iter_rows(values_only=True) if fws is not None else None
        text, flags = [], []
        for row in ws.iter_rows():
            f_row = next(f_rows, ()) if f_rows is not None else ()
            cells = list(row)
            text.append(
                [
                    cell_text(getattr(c, "value", None), getattr(c, "number_format", None))
                    for c in cells
                ]
            )
            flags.append(
                [
                    _flag(
                        getattr(c, "value", None),
                        f_row[i] if i < len(f_row) else None,
                        getattr(c, "number_format", None),
                    )
                    for i, c in enumerate(cells)
                ]
            )
        width = max((len(r) for r in text), default=0)
        text = [r + [""] * (width - len(r)) for r in text]
        flags = [r + [""] * (width - len(r)) for r in flags]
        grids.append(
            Grid(
                ws.title,
                pd.DataFrame(text, dtype=object).astype(str),
                pd.DataFrame(flags, dtype=object),
                hidden=getattr(ws, "sheet_state", "visible") != "visible",
                hidden_rows=_hidden_rows(path, getattr(ws, "_worksheet_path", None)),
            )
        )
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


def _categorical(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells as categoricals ("" for an absent cell): a large table holds few distinct
    texts, and every later step works on those."""
    out = {}
    for name, col in frame.items():
        col = col if isinstance(col.dtype, pd.CategoricalDtype) else col.astype("category")
        if (col.cat.codes < 0).any():
            if "" not in col.cat.categories:
                col = col.cat.add_categories([""])
            col = col.fillna("")
        out[name] = col
    return pd.DataFrame(out, index=frame.index)


def _csv(path: Path, categorical: bool = False) -> tuple[list[Grid], list[Problem]]:
    raw = path.read_bytes()
    text, problems = decode(raw, str(path))
    if text is None:
        return [], problems
    first = text[: text.find("\n")] if "\n" in text else text
    sep = max([",", ";", "\t"], key=first.count)
    if not text or text.isspace():
        return [Grid(None, pd.DataFrame(dtype=str))], problems
    # Valid UTF-8 goes to the reader as bytes (faster than text); other encodings as text.
    utf8 = not problems and not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    source = (
        io.BytesIO(raw[len(codecs.BOM_UTF8) :] if raw.startswith(codecs.BOM_UTF8) else raw)
        if utf8
        else io.StringIO(text)
    )
    try:  # pandas' C reader first: fast on large files
        frame = pd.read_csv(
            source,
            sep=sep,
            header=None,
            encoding="utf-8",
            dtype="category" if categorical else str,
            keep_default_na=False,
            skip_blank_lines=False,
        )
        # blank lines keep their row numbers; every row had the same number of fields
        return [Grid(None, _categorical(frame) if categorical else frame.fillna(""))], problems
    except pd.errors.ParserError as exc:
        unclosed = re.search(r"EOF inside string starting at row (\d+)", str(exc))
        if unclosed:  # the rest of the file would be swallowed into one cell
            return [], problems + [
                Problem(str(path), "file_unclosed_quote", row=int(unclosed.group(1)) + 1)
            ]
    except ValueError:
        pass  # ragged rows or odd line ends: the csv module reads them, counting fields
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True))
    except csv.Error as exc:
        return [], problems + [Problem(str(path), "file_not_csv", params={"error": str(exc)})]
    width = max((len(r) for r in rows), default=0)
    frame = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object).astype(str)
    if categorical:
        frame = _categorical(frame)
    return [Grid(None, frame, fields=np.array([len(r) for r in rows]))], problems


def read_grids(path: str | Path, categorical: bool = False) -> tuple[list[Grid], list[Problem]]:
    """The sheets of `path` as grids of text; `categorical`: cells as categoricals (large data
    tables), else as plain text."""
    path = Path(path)
    if not path.is_file():
        return [], [Problem(str(path), "file_missing")]
    size = path.stat().st_size
    if size > max_bytes():  # SettingError on a malformed NTM_MAX_INPUT_MB
        return [], [
            Problem(
                str(path),
                "file_too_large",
                params={
                    "size": round(size / 1024 / 1024),
                    "limit": round(max_bytes() / 1024 / 1024),
                },
            )
        ]
    if path.suffix.lower() not in EXCEL_SUFFIXES:
        return _csv(path, categorical)
    grids, problems = _excel(path)
    if categorical:
        grids = [replace(g, text=_categorical(g.text)) for g in grids]
    return grids, problems
