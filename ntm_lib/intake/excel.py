"""Excel workbooks to grids of text cells, with what each cell really holds (a date, a formula
never computed, an error value, a boolean, a percent format), which sheets, rows and columns
are hidden (a row of height 0 and a column of width 0 are hidden too).

A workbook is untrusted: before any XML is parsed, its zip directory is checked (a part that
inflates far beyond its compressed size, or parts that add up to more than the limit, are a
"zip bomb"); while it is read, every byte inflated is counted against the same limits, so a
directory that lies cannot make ntm parse for minutes; a sheet with more rows than Excel can
hold is refused from a quick scan of its XML. The XML itself is parsed by openpyxl through
defusedxml (entities are never expanded), and rows are read by their real extent, whatever size
a sheet declares. A password-protected workbook and an old binary .xls are named as such.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import Problem
from .grid import Grid
from .limits import max_bytes

# A workbook's parts may unpack to at most this many times the input size limit in all...
UNPACKED_FACTOR = 10
# ...and no part of more than RATIO_FLOOR bytes to more than MAX_RATIO times its compressed
# size. Real sheets compress 10-20 times (their cell references all differ); a bomb of
# repeated bytes compresses about a thousand times.
MAX_RATIO = 100
RATIO_FLOOR = 4 * 1024 * 1024
# A sheet beyond Excel's rows, or beyond what a 100 MB workbook of real tables holds (a data
# table of Excel's million rows, eight columns wide), was not written by a person's tool: it is
# refused from a scan of its XML, before it is parsed, so that a workbook inflating to a
# gigabyte is refused in seconds whatever it declares.
EXCEL_MAX_ROWS = 1_048_576
MAX_CELLS = 8 * EXCEL_MAX_ROWS
MAX_TAGS = 5 * MAX_CELLS
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# An encrypted OOXML workbook is an OLE file holding these streams (names in UTF-16).
ENCRYPTED_STREAMS = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))
# An old .xls with a password: the workbook's BOF record (BIFF8, globals) then FILEPASS.
BIFF8_BOF = b"\x09\x08\x10\x00\x00\x06\x05\x00"
FILEPASS = b"\x2f\x00"
ROW_TAG = re.compile(rb"<(?:\w+:)?row\b[^>]*>")
COL_TAG = re.compile(rb"<(?:\w+:)?col\b[^>]*>")
ROW_NUMBER = re.compile(rb"\br=[\"'](\d+)[\"']")
HIDDEN_ATTR = re.compile(rb"\bhidden=[\"'](1|true)[\"']")
HEIGHT_ATTR = re.compile(rb"\bht=[\"']([^\"']*)[\"']")
WIDTH_ATTR = re.compile(rb"\bwidth=[\"']([^\"']*)[\"']")
COL_MIN = re.compile(rb"\bmin=[\"'](\d+)[\"']")
COL_MAX = re.compile(rb"\bmax=[\"'](\d+)[\"']")
# A chunk with none of these has no row or column to hide: most chunks are skipped unparsed.
MAYBE_HIDDEN = re.compile(rb"hidden|\bht=[\"'][0.]|<(?:\w+:)?col\b")
# A row less than a point high, or a column less than a character wide, shows nothing an
# officer could read: it is hidden as surely as one marked hidden.
MIN_ROW_POINTS = 1.0
MIN_COLUMN_CHARS = 1.0
EXCEL_MAX_COLUMNS = 16_384
SCAN_CHUNK = 1 << 20
LONGEST_TAG = 4096
# A cell's text is at most 32,767 characters: with UTF-8 and XML escapes, well under this.
MAX_ELEMENT_BYTES = 256 * 1024
SCANNED = re.compile(r"xl/(worksheets/[^/]+\.xml|sharedStrings\.xml)", re.IGNORECASE)
# Formula checks re-open the workbook; past this size they are skipped.
FORMULA_CHECK_MAX_BYTES = 20 * 1024 * 1024
EXCEL_ERRORS = re.compile(r"#(N/A|DIV/0!|VALUE!|REF!|NAME\?|NUM!|NULL!|SPILL!|CALC!)")
# Quoted text and escaped characters of a number format: a '%' there is shown, not applied.
FORMAT_LITERAL = re.compile(r'"[^"]*"|\\.')


class BeyondExcel(Exception):
    """A part of a workbook holds more than Excel could have written there."""

    def __init__(self, member: str):
        super().__init__(member)
        self.member = member


class UnpacksTooLarge(Exception):
    """A workbook inflated beyond what its directory declared or the limits allow."""

    def __init__(self, size: int, limit: int):
        super().__init__(size, limit)
        self.size, self.limit = size, limit


def unpack_limit() -> int:
    return UNPACKED_FACTOR * max_bytes()


def _member_limit(info: zipfile.ZipInfo) -> int:
    return max(RATIO_FLOOR, MAX_RATIO * max(info.compress_size, 1))


class _Metered(io.RawIOBase):
    """A zip member that counts what it inflates against its archive's budget."""

    def __init__(self, inner, archive: MeteredZip, limit: int):
        self._inner, self._archive, self._limit, self._read = inner, archive, limit, 0

    def readable(self) -> bool:
        return True

    def _count(self, data: bytes) -> bytes:
        self._read += len(data)
        self._archive.inflated += len(data)
        if self._read > self._limit or self._archive.inflated > self._archive.limit:
            raise UnpacksTooLarge(self._archive.inflated, self._archive.limit)
        return data

    def read(self, size: int = -1) -> bytes:
        return self._count(self._inner.read(size))

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._inner.close()
        super().close()


class MeteredZip(zipfile.ZipFile):
    """A zip archive whose members, as they are read, may not inflate beyond the limits the
    directory check applies (zipfile already stops at the declared size; this also bounds the
    sum over every read of one archive)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.inflated, self.limit = 0, unpack_limit()

    def open(self, name, mode="r", pwd=None, **kwargs):
        inner = super().open(name, mode, pwd, **kwargs)
        if mode != "r":
            return inner
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        return _Metered(inner, self, _member_limit(info))


def _ole_problem(path: Path) -> Problem:
    raw = path.read_bytes()
    bof = raw.find(BIFF8_BOF)
    encrypted = any(name in raw for name in ENCRYPTED_STREAMS) or (
        bof >= 0 and raw[bof + 20 : bof + 22] == FILEPASS
    )
    return Problem(str(path), "file_encrypted" if encrypted else "file_old_excel")


def container_problems(path: Path) -> list[Problem]:
    """Problems with the workbook as a file, before any of its XML is parsed."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head == OLE_MAGIC:  # not a zip: an encrypted workbook, or the old binary format
        return [_ole_problem(path)]
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        return [Problem(str(path), "file_not_excel", params={"error": str(exc)[:200]})]
    unpacked, limit = sum(i.file_size for i in infos), unpack_limit()
    # Parts that overlap in the file (one compressed run listed many times) each look fine;
    # their sum against the file's own size does not.
    ratio_limit = max(RATIO_FLOOR, MAX_RATIO * path.stat().st_size)
    if unpacked > min(limit, ratio_limit) or any(i.file_size > _member_limit(i) for i in infos):
        return [_too_large(path, unpacked, min(limit, ratio_limit))]
    return []


def _too_large(path: Path, size: int, limit: int) -> Problem:
    mb = 1024 * 1024
    return Problem(
        str(path),
        "file_unpacks_too_large",
        params={"size": max(1, round(size / mb)), "limit": round(limit / mb)},
    )


def is_workbook(path: Path) -> bool:
    """Whatever its name says, a zip holding a workbook or an OLE (old or encrypted) file."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    return head == OLE_MAGIC or head.startswith(ZIP_MAGIC)


def _chunks(fh):
    """A member's XML in pieces that never cut a tag (a tag longer than any real one may be)."""
    tail = b""
    while chunk := fh.read(SCAN_CHUNK):
        text = tail + chunk
        cut = text.rfind(b"<")
        if 0 <= cut and len(text) - cut <= LONGEST_TAG:
            text, tail = text[:cut], text[cut:]
        else:
            tail = b""
        yield text
    yield tail


@dataclass
class Hidden:
    """What a sheet hides: 0-based rows (hidden, filtered out or of height 0) and columns
    (hidden or of width 0)."""

    rows: set[int] = field(default_factory=set)
    columns: set[int] = field(default_factory=set)


def _below(size: re.Match | None, least: float) -> bool:
    try:
        return size is not None and float(size.group(1)) < least
    except ValueError:
        return False


def _hidden_in(text: bytes, hidden: Hidden) -> None:
    if not MAYBE_HIDDEN.search(text):  # most chunks: no row or column to look at
        return
    for tag in ROW_TAG.finditer(text):
        tag = tag.group()
        out = HIDDEN_ATTR.search(tag) or _below(HEIGHT_ATTR.search(tag), MIN_ROW_POINTS)
        if out and (n := ROW_NUMBER.search(tag)):
            hidden.rows.add(int(n.group(1)) - 1)
    for tag in COL_TAG.finditer(text):
        tag = tag.group()
        out = HIDDEN_ATTR.search(tag) or _below(WIDTH_ATTR.search(tag), MIN_COLUMN_CHARS)
        first, last = COL_MIN.search(tag), COL_MAX.search(tag)
        if out and first and last:
            last = min(int(last.group(1)), EXCEL_MAX_COLUMNS)
            hidden.columns.update(range(int(first.group(1)) - 1, last))


def _scan(archive: MeteredZip, member: str, hidden: Hidden) -> None:
    """One XML part read as a stream before any parser sees it: rows and columns hidden in a
    sheet collected; BeyondExcel for more rows or cells than Excel holds, or for more bytes than its
    elements could fill (no cell holds more than 32,767 characters)."""
    rows = cells = tags = size = 0
    with archive.open(member) as fh:
        for text in _chunks(fh):
            size += len(text)
            rows += text.count(b"<row")
            cells += text.count(b"<c ")
            tags += text.count(b"<")
            if rows > EXCEL_MAX_ROWS or cells > MAX_CELLS or tags > MAX_TAGS:
                raise BeyondExcel(member)
            if size > (tags + 8) * MAX_ELEMENT_BYTES:
                raise BeyondExcel(member)
            _hidden_in(text, hidden)


def scan_parts(path: Path) -> dict[str, Hidden]:
    """Every sheet and the shared strings scanned (see _scan); the hidden rows and columns of
    each sheet, by its part name."""
    out = {}
    with MeteredZip(path) as archive:
        for name in archive.namelist():
            if SCANNED.fullmatch(name):
                out[name] = Hidden()
                _scan(archive, name, out[name])
    return out


def percent_format(number_format: str | None) -> str:
    """'scaled' for a format that shows a number times 100 with '%', 'shown' for one with a
    literal '%' (the number is already a percentage), '' otherwise."""
    if not number_format or "%" not in number_format:
        return ""
    return "scaled" if "%" in FORMAT_LITERAL.sub("", number_format) else "shown"


def _date_text(value) -> str:
    """A date cell as Vietnamese Excel shows it: 01/10/2024 (with the time, if it has one)."""
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    day = value.strftime("%d/%m/%Y")
    if isinstance(value, dt.datetime) and value.time() != dt.time(0):
        return f"{day} {value.strftime('%H:%M:%S')}"
    return day


def cell_text(value, number_format: str | None = None) -> str:
    """A cell as an officer sees it: integers without '.0', percent-formatted cells as 95.5."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return _date_text(value)
    if isinstance(value, (int, float)):
        if percent_format(number_format) == "scaled":
            value = round(value * 100, 10)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return repr(value) if isinstance(value, float) else str(value)
    return str(value)


def cell_flag(value, formula, number_format: str | None = None) -> str:
    """ "", "number", "percent" (a number shown as a percentage), "boolean", "date", "formula"
    (never computed) or "error"."""
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
        return "percent" if percent_format(number_format) else "number"
    return ""


def _open(path: Path, data_only: bool):
    """A read-only workbook whose every read goes through a MeteredZip (opened from a file
    object, so that a workbook named .csv is read for what it is)."""
    from openpyxl.reader.excel import ExcelReader

    with open(path, "rb") as fh:
        reader = ExcelReader(fh, read_only=True, data_only=data_only)
        reader.archive.close()
    reader.archive = MeteredZip(path)
    reader.read()
    return reader.wb


def _sheet_grid(ws, fws, hidden: Hidden) -> Grid:
    ws.reset_dimensions()  # read the rows that are there, not the size the file declares
    if fws is not None:
        fws.reset_dimensions()
    f_rows = fws.iter_rows(values_only=True) if fws is not None else iter(())
    text, flags = [], []
    for row in ws.iter_rows():
        f_row = next(f_rows, ())
        cells = [(getattr(c, "value", None), getattr(c, "number_format", None)) for c in row]
        text.append([cell_text(v, nf) for v, nf in cells])
        flags.append(
            [
                cell_flag(v, f_row[i] if i < len(f_row) else None, nf)
                for i, (v, nf) in enumerate(cells)
            ]
        )
    width = max((len(r) for r in text), default=0)
    text = [r + [""] * (width - len(r)) for r in text]
    flags = [r + [""] * (width - len(r)) for r in flags]
    return Grid(
        ws.title,
        pd.DataFrame(text, dtype=object).astype(str),
        pd.DataFrame(flags, dtype=object),
        hidden=getattr(ws, "sheet_state", "visible") != "visible",
        hidden_rows=frozenset(hidden.rows),
        hidden_columns=frozenset(hidden.columns),
    )


def _read(path: Path) -> list[Grid]:
    hidden = scan_parts(path)
    values = _open(path, data_only=True)
    small = path.stat().st_size <= FORMULA_CHECK_MAX_BYTES
    formulas = _open(path, data_only=False) if small else None
    grids = []
    try:
        for ws in values.worksheets:
            part = (getattr(ws, "_worksheet_path", None) or "").lstrip("/")
            fws = formulas[ws.title] if formulas is not None else None
            grids.append(_sheet_grid(ws, fws, hidden.get(part, Hidden())))
    finally:
        for wb in (values, formulas):
            if wb is not None:
                wb.close()
    return grids


def _cause(exc: BaseException, kind: type) -> BaseException | None:
    """`exc` or the exception it was raised from, if one is a `kind` (openpyxl wraps what
    its readers raise in a ValueError)."""
    while exc is not None and not isinstance(exc, kind):
        exc = exc.__cause__ or exc.__context__
    return exc


def read_workbook(path: Path) -> tuple[list[Grid], list[Problem]]:
    """The sheets of an Excel workbook as grids, or the problems that stop it being read."""
    refused = container_problems(path)
    if refused:
        return [], refused
    try:
        return _read(path), []
    except MemoryError:
        return [], [_too_large(path, unpack_limit(), unpack_limit())]
    except Exception as exc:  # noqa: BLE001 - a hostile file may break the parser anywhere
        bomb = _cause(exc, UnpacksTooLarge)
        if bomb is not None:
            return [], [_too_large(path, bomb.size, bomb.limit)]
        beyond = _cause(exc, BeyondExcel)
        if beyond is not None:
            params = {"part": beyond.member, "rows": f"{EXCEL_MAX_ROWS:,}".replace(",", ".")}
            return [], [Problem(str(path), "file_beyond_excel", params=params)]
        error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:200]
        return [], [Problem(str(path), "file_not_excel", params={"error": error})]
