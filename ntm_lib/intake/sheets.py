"""Files to grids of text cells: CSV in any of the encodings officers' tools write, and Excel
workbooks (intake.excel) with what the cells really hold, which sheets and rows are hidden,
and how many fields each CSV row had.

A file is read for what it is, whatever its name: a workbook named .csv is read as a workbook,
an old .xls is named as one. Hostile or odd files are refused before they are parsed: a file
over the size limit, a CSV file with a quote that is never closed, a CSV file whose rows are in
two encodings (the row is named); see intake.excel for workbooks.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Problem
from .excel import is_workbook, read_workbook
from .grid import Grid
from .limits import SettingError, max_bytes

__all__ = ["EXCEL_SUFFIXES", "Grid", "SettingError", "decode", "max_bytes", "read_grids"]

EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
SEPARATORS = (",", ";", "\t")
# The separator is judged on the file's first lines: enough to see past a title or two.
SNIFF_CHARS = 64 * 1024


def _first_not_utf8(raw: bytes) -> int | None:
    """The first row (1-based) that is not UTF-8 in a file some other row of which is UTF-8
    beyond ASCII: a file pieced together from two sources, not one legacy encoding."""
    utf8, first_bad = False, None
    for n, line in enumerate(raw.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8 = True
        except UnicodeDecodeError:
            first_bad = first_bad or n
        if utf8 and first_bad:
            return first_bad
    return None


def decode(raw: bytes, name: str) -> tuple[str | None, list[Problem]]:
    """Text of a CSV file: UTF-8 (BOM or not), UTF-16 with a BOM, else Windows-1258 with a
    warning. Binary content, and rows in two encodings, are refused."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), []
        except UnicodeDecodeError:
            return None, [Problem(name, "file_not_utf8")]
    if b"\x00" in raw[:65536]:
        return None, [Problem(name, "file_not_text")]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    mixed = _first_not_utf8(raw)
    if mixed is not None:
        return None, [Problem(name, "file_mixed_encoding", row=mixed)]
    try:
        text = raw.decode("cp1258")
    except UnicodeDecodeError:
        return None, [Problem(name, "file_not_utf8")]
    return text, [Problem(name, "file_read_as_cp1258", severity="warning")]


def _separator(text: str) -> str:
    """The separator that splits the first lines most consistently: the most rows with the
    same number of fields, then the most fields. A title line above the header ('BÁO CÁO NĂM
    2024', or with a stray comma) does not decide it."""
    head = text[:SNIFF_CHARS]
    if len(text) > SNIFF_CHARS and "\n" in head:
        head = head[: head.rfind("\n")]
    best, best_score = SEPARATORS[0], (0, 0)
    for sep in SEPARATORS:
        try:
            rows = list(csv.reader(io.StringIO(head, newline=""), delimiter=sep))
        except csv.Error:
            continue
        widths = Counter(len(r) for r in rows if len(r) > 1 and any(f.strip() for f in r))
        if widths:
            width, count = widths.most_common(1)[0]
            if (count, width) > best_score:
                best, best_score = sep, (count, width)
    return best


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


def _fast_csv(raw: bytes, text: str, sep: str, utf8: bool, categorical: bool) -> pd.DataFrame:
    """pandas' C reader: fast on large files; ValueError on ragged rows or odd line ends."""
    # Valid UTF-8 goes to the reader as bytes (faster than text); other encodings as text.
    source = (
        io.BytesIO(raw[len(codecs.BOM_UTF8) :] if raw.startswith(codecs.BOM_UTF8) else raw)
        if utf8
        else io.StringIO(text)
    )
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
    return _categorical(frame) if categorical else frame.fillna("")


def _csv(path: Path, categorical: bool = False) -> tuple[list[Grid], list[Problem]]:
    raw = path.read_bytes()
    text, problems = decode(raw, str(path))
    if text is None:
        return [], problems
    if not text or text.isspace():
        return [Grid(None, pd.DataFrame(dtype=str))], problems
    sep = _separator(text)
    utf8 = not problems and not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    try:
        return [Grid(None, _fast_csv(raw, text, sep, utf8, categorical))], problems
    except pd.errors.ParserError as exc:
        unclosed = re.search(r"EOF inside string starting at row (\d+)", str(exc))
        if unclosed:  # the rest of the file would be swallowed into one cell
            row = int(unclosed.group(1)) + 1
            return [], problems + [Problem(str(path), "file_unclosed_quote", row=row)]
    except (ValueError, UnicodeDecodeError):
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
        mb = 1024 * 1024
        params = {"size": round(size / mb), "limit": round(max_bytes() / mb)}
        return [], [Problem(str(path), "file_too_large", params=params)]
    if not is_workbook(path) and path.suffix.lower() not in EXCEL_SUFFIXES:
        return _csv(path, categorical)
    grids, problems = read_workbook(path)
    if categorical:
        grids = [replace(g, text=_categorical(g.text)) for g in grids]
    return grids, problems
