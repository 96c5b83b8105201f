"""Deterministic CSV and XLSX files: the same tables give the same bytes.

Text that came from the user is data, never a formula: in a workbook every text cell is stored
as text (XlsxWriter with `strings_to_formulas` off), and in a CSV file a text cell that starts
with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading apostrophe, the usual rule
that keeps spreadsheet programs from running it (numbers stay numbers). A workbook's rows are
rendered from each column's distinct cells (`table_sheet`), each written by xlsxwriter once:
a few tenths of a second for the 160,000 cells of a 200-commune run, where a call a cell took
seconds.
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
# A lone '=' (the equality sign of a rule) has nothing a spreadsheet could compute or call, and
# LibreOffice and Excel both show it as text: it is written as it is. Rules are written as
# signs (≥, ≤, =: reports.workbooks.rule_signs), never as '==', which LibreOffice evaluates
# to Err:520.
OPERATORS_ONLY = re.compile(r"^=$")


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would read this text cell as a formula (or a DDE command)."""
    return bool(FORMULA_START.match(text)) and not OPERATORS_ONLY.match(text)


def _neutral(values: pd.Series) -> pd.Series:
    text = values.astype(str)
    risky = text.str.match(FORMULA_START) & ~text.str.match(OPERATORS_ONLY)
    return values.where(~risky, "'" + text)


def _textual(dtype) -> bool:
    return dtype is np.dtype(object) or pd.api.types.is_string_dtype(dtype)


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every text cell that a spreadsheet would read as a formula neutralised."""
    out = {}
    for name, col in frame.items():
        if isinstance(col.dtype, pd.CategoricalDtype) and len(col) < len(col.cat.categories):
            if pd.api.types.infer_dtype(col.cat.categories, skipna=True) == "string":
                col = col.astype(object)  # a few rows of a long list of texts: theirs judged
        if isinstance(col.dtype, pd.CategoricalDtype) and _textual(col.cat.categories.dtype):
            cats = col.cat.categories.to_series()
            fixed = _neutral(cats)
            out[name] = col if fixed.equals(cats) else col.cat.rename_categories(fixed.to_list())
        elif _textual(col.dtype):
            text = _formula_cells(col)
            out[name] = col.where(~text, "'" + col.astype(str)) if text.any() else col
        else:
            out[name] = col
    return pd.DataFrame(out, index=frame.index)


def _formula_cells(col: pd.Series) -> np.ndarray:
    """Which cells of a column of text (or objects) a spreadsheet would read as a formula:
    each distinct value judged once."""
    try:
        codes, uniques = pd.factorize(col)
    except TypeError:  # objects that cannot be hashed: none of them text
        return col.map(lambda v: isinstance(v, str) and formula_like(v)).to_numpy(dtype=bool)
    risky = [isinstance(v, str) and formula_like(v) for v in uniques] + [False]  # -1: missing
    return np.array(risky, dtype=bool)[codes]


def _csv(frame: pd.DataFrame, header: bool = True) -> str:
    return spreadsheet_safe(frame).to_csv(index=False, header=header, lineterminator="\n")


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """`frame` as CSV: exactly pandas' `to_csv` of the spreadsheet-safe frame, written fast.

    A million-row table holds few distinct values per column, and few distinct runs of
    adjacent columns: each distinct run is formatted once, by pandas itself, and the lines
    are assembled from them. Where that cannot be proved identical (a cell holding a line
    break, a column of mixed Python objects) the table goes through pandas whole.

    The file starts with a UTF-8 byte order mark: Excel and LibreOffice, opening a CSV file
    with a double click, read Vietnamese letters right only with it (pandas and ntm's own
    intake skip it).
    """
    # Bytes, not text: one Vietnamese letter makes a Python string two bytes a character.
    with open(path, "wb") as fh:
        fh.write(UTF8_BOM + _csv(frame.head(0)).encode())
        pieces = _csv_pieces(frame) if len(frame.columns) > 1 else None
        if pieces is None:
            fh.write(_csv(frame, header=False).encode())
            return
        for start in range(0, len(frame), CSV_CHUNK):
            parts = [texts[codes[start : start + CSV_CHUNK]].tolist() for texts, codes in pieces]
            fh.write(b"\n".join(map(b",".join, zip(*parts))))
            fh.write(b"\n")


CSV_CHUNK = 100_000
UTF8_BOM = b"\xef\xbb\xbf"
# A text column with more distinct values than this share of a sample is free text (a row
# reference, a note): it stands alone, and is printed as it is when nothing in it needs quotes.
FREE_TEXT_SHARE = 0.5
# What starts a formula (FORMULA_START), as the first byte of a free-text field.
FORMULA_BYTES = (b"=", b"+", b"-", b"@", b"\t")


def _column_codes(col: pd.Series) -> tuple[np.ndarray, int] | None:
    """Codes such that equal codes print alike in a CSV (None: not provable cheaply)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = col.cat.codes.to_numpy().astype(np.int64)
        k = len(col.cat.categories)
        return np.where(codes < 0, k, codes), k + 1
    if col.dtype.kind == "f":  # by bits: -0.0 and 0.0 print differently
        values = col.to_numpy()
        codes, uniques = pd.factorize(values.view(np.int64 if values.itemsize == 8 else np.int32))
        return codes.astype(np.int64), len(uniques)
    if col.dtype.kind in "iub" or _all_text(col):
        codes, uniques = pd.factorize(col, use_na_sentinel=False)
        return codes.astype(np.int64), len(uniques)
    return None  # mixed objects: True, 1 and 1.0 are equal keys but print differently


def _all_text(col: pd.Series) -> bool:
    return _textual(col.dtype) and pd.api.types.infer_dtype(col, skipna=True) in ("string", "empty")


def _free_text(col: pd.Series) -> np.ndarray | None:
    """A free-text column's cells as CSV fields (UTF-8), when none needs quoting or
    neutralising."""
    if isinstance(col.dtype, pd.CategoricalDtype) or not _all_text(col) or col.isna().any():
        return None
    sample = col.iloc[:10_000]
    if sample.nunique() <= FREE_TEXT_SHARE * len(sample):
        return None
    values = col.to_numpy(dtype=object)
    # Searched as UTF-8 bytes: several times faster than a text holding one Vietnamese letter.
    joined = "\n".join(values.tolist()).encode()
    if (
        joined.count(b"\n") != len(values) - 1
        or any(sign in joined for sign in (b",", b'"', b"\r"))
        or joined[:1] in FORMULA_BYTES
        or any(b"\n" + sign in joined for sign in FORMULA_BYTES)
    ):
        return None
    return np.array(joined.split(b"\n"), dtype=object)


def _csv_pieces(frame: pd.DataFrame) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """Runs of adjacent columns as (distinct fields as UTF-8, code per row), or None."""
    n = len(frame)
    limit = max(n // 4, 1024)
    runs: list[tuple[list[int], np.ndarray | None, int]] = []
    pieces: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for j, name in enumerate(frame.columns):
        free = _free_text(frame[name]) if n > limit else None
        if free is not None:
            pieces[len(runs)] = (free, np.arange(n))
            runs.append(([j], None, n))
            continue
        found = _column_codes(frame[name])
        if found is None:
            return None
        codes, k = found
        if runs and runs[-1][1] is not None:
            cols, prev, count = runs[-1]
            merged, distinct = _dense_codes(prev * k + codes, count * k)
            if distinct <= limit:
                runs[-1] = (cols + [j], merged, distinct)
                continue
        runs.append(([j], *_dense_codes(codes, k)))
    for r, (cols, codes, k) in enumerate(runs):
        if r in pieces:
            continue
        first = np.empty(k, dtype=np.int64)
        first[codes[::-1]] = np.arange(n - 1, -1, -1)
        sample = frame.iloc[first, cols]
        # A trailing column keeps a lone empty field from being written as "".
        sample = sample.set_axis(range(len(cols)), axis=1).assign(end="x")
        lines = _csv(sample, header=False).split("\n")
        if len(lines) != k + 1 or lines[-1] != "":  # a line break inside a cell
            return None
        pieces[r] = (np.array([ln[:-2].encode() for ln in lines[:-1]], dtype=object), codes)
    return [pieces[r] for r in range(len(runs))]


def _dense_codes(key: np.ndarray, size: int) -> tuple[np.ndarray, int]:
    """`key` (each in 0..size-1) numbered 0..count-1 as few distinct keys, and their count: by
    a table of every possible key when that is small, else by hashing."""
    if size <= 4 * len(key) + 4096:
        present = np.zeros(size, dtype=bool)
        present[key] = True
        number = np.cumsum(present, dtype=np.int64) - 1
        return number[key], int(number[-1]) + 1 if size else 0
    codes, uniques = pd.factorize(key)
    return codes.astype(np.int64), len(uniques)


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


STATUS_FILL = {
    "met": "#E8F5E9",
    "not_met": "#FFEBEE",
    "incomplete": "#FFF8E1",
    "missing": "#FFF8E1",
    "no_threshold": "#EDE7F6",
    "no_data": "#EEEEEE",
}
MAX_WIDTH = 60


def _width(frame: pd.DataFrame, column) -> float:
    """A column width that fits its header and most of its values (characters)."""
    sample = frame[column].head(2000).astype(str)
    lengths = sample.str.len()
    # A short column fits every value; a long one most, the rest wrapping or cut in print.
    longest = (
        0 if not len(sample) else lengths.max() if lengths.max() <= 24 else lengths.quantile(0.9)
    )
    return float(min(max(len(str(column)), longest, 6) + 2, MAX_WIDTH))


# Print: A4 (paper 9), one page wide, as many long as the rows need (never bands of columns),
# landscape when the columns are wider than a portrait page holds at a readable size.
A4 = 9
PORTRAIT_CHARS = 110  # column widths (characters) a portrait A4 page holds at about 70%


def print_setup(sheet, widths: list[float], title: str, lang: str | None = None) -> None:
    """An xlsxwriter sheet set to print on A4, fitted to one page wide, its header row on
    every page, `title` (the commune, or the sheet) at the top of each page and the page
    number at its foot."""
    from .i18n import t

    sheet.set_paper(A4)
    if sum(widths) > PORTRAIT_CHARS:
        sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    sheet.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
    sheet.set_header(f"&L{header_text(title)}&R&A", {"margin": 0.3})
    sheet.set_footer(f"&C{header_text(t('print_page', lang))} &P/&N", {"margin": 0.3})


def print_setups(sheets: dict, title: str, lang: str | None = None) -> None:
    """`print_setup` for each xlsxwriter sheet, with its column widths ({sheet: widths})."""
    for sheet, widths in sheets.items():
        print_setup(sheet, widths, title, lang)


def print_setup_openpyxl(sheet, title: str, landscape: bool = False, lang: str | None = None):
    """`print_setup` for a sheet openpyxl writes (the entry workbooks): A4, one page wide, its
    header row on every page, `title` atop each page, page numbers at the foot."""
    from .i18n import t

    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    sheet.oddHeader.left.text = header_text(title)
    sheet.oddHeader.right.text = "&A"
    sheet.oddFooter.center.text = f"{header_text(t('print_page', lang))} &P/&N"


def header_text(text: str) -> str:
    """Text for a printed page's header: '&' doubled (a single one starts a code), at most
    the 200 characters Excel keeps of it with its codes."""
    return str(text).replace("&", "&&")[:200]


def write_xlsx(
    sheets: dict[str, pd.DataFrame],
    path: Path,
    status_column: str | None = None,
    status_colours: dict[str, str] | None = None,
    title: str | None = None,
    lang: str | None = None,
) -> None:
    """One sheet per table: bold header row frozen with filters, columns wide enough, every
    text cell stored as text; rows coloured by status where a sheet has `status_column`
    (cells beginning with a word of `status_colours`, mapped to a status code). Every sheet
    prints on A4 one page wide, its header row repeated, `title` (default: the sheet's name)
    and the sheet's name atop each page, page numbers at the foot."""
    import xlsxwriter

    from .table_sheet import TableSheet

    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "nan_inf_to_errors": True,
        },
    )
    workbook.set_properties({"created": dt.datetime(2000, 1, 1)})
    formats = {
        "bold": workbook.add_format(
            {"bold": True, "bg_color": "#F2F2F2", "text_wrap": True, "valign": "top"}
        ),
        "number": workbook.add_format({"num_format": "#,##0.##"}),
        # text a character in from its cell's edge: never run into a number on its left
        "text": workbook.add_format({"indent": 1}),
        "fills": {
            code: workbook.add_format({"bg_color": colour}) for code, colour in STATUS_FILL.items()
        },
    }
    for name, frame in sheets.items():
        sheet = workbook.add_worksheet(name[:31], worksheet_class=TableSheet)
        widths = _layout(sheet, frame, formats)
        print_setup(sheet, widths, title or name, lang)
        if status_column in frame.columns and status_colours and len(frame):
            _colour_by_status(sheet, frame, status_column, status_colours, formats["fills"])
        sheet.put_rows(frame, formats["number"], formats["text"])
    workbook.close()


def _layout(sheet, frame: pd.DataFrame, formats: dict) -> list[float]:
    """Header row, column widths and formats, frozen header, filters; returns the widths."""
    sheet.write_row(0, 0, [str(c) for c in frame.columns], formats["bold"])
    widths = []
    for j, column in enumerate(frame.columns):
        numeric = pd.api.types.is_float_dtype(frame[column].dtype)
        widths.append(_width(frame, column))
        sheet.set_column(j, j, widths[-1], formats["number"] if numeric else None)
    sheet.freeze_panes(1, 0)
    if len(frame.columns):
        sheet.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)
    return widths


def _colour_by_status(sheet, frame, status_column, status_colours, fills) -> None:
    j = list(frame.columns).index(status_column)
    for word, code in sorted(status_colours.items(), key=lambda x: -len(x[0])):
        if code in fills:
            sheet.conditional_format(
                1,
                j,
                len(frame),
                j,
                {"type": "text", "criteria": "begins with", "value": word, "format": fills[code]},
            )


def write_csv_reusing(frame: pd.DataFrame, path: Path, earlier: bytes, same: set[str]) -> bool:
    """`write_csv(frame, path)` where the rows of the communes in `same` are taken from
    `earlier`: the same table as `write_csv` wrote it from rows equal to theirs (an earlier run
    of the same code, whose file was checked against its manifest). Only the other communes'
    rows are formatted. False, and nothing written, when `earlier` does not lay the rows out
    as this frame does (each commune's rows together, in the same order, under the same
    header): the caller writes the table whole. Pandas formats a row from its own values only
    (a float by its shortest repr), so the bytes are those of a whole write; one unchanged
    commune's rows are formatted again to check it."""
    if not same:
        return False
    header = UTF8_BOM + _csv(frame.head(0)).encode()
    layout = _commune_blocks(frame)
    if layout is None or not earlier.startswith(header) or not earlier.endswith(b"\n"):
        return False
    starts = _row_starts(earlier, len(header))
    pieces = _spliced(frame, earlier, starts, layout, same)
    if pieces is None:
        return False
    with open(path, "wb") as fh:
        fh.write(header)
        fh.writelines(pieces)
    return True


def _commune_blocks(frame: pd.DataFrame) -> list[tuple[str, int, int]] | None:
    """(commune, first row, end row) of each commune's rows, when they lie together and the
    commune's code is written as it is, first on its line; else None."""
    if not len(frame.columns) or frame.columns[0] != "commune_id":
        return None
    ids = frame["commune_id"].astype(str).to_numpy(dtype=object)
    if not len(ids):
        return []
    cuts = np.r_[0, np.flatnonzero(ids[1:] != ids[:-1]) + 1, len(ids)]
    blocks = [(ids[a], int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:])]
    names = [cid for cid, _, _ in blocks]
    plain = all(
        cid and not formula_like(cid) and not any(c in cid for c in ',"\r\n') for cid in names
    )
    return blocks if plain and len(set(names)) == len(names) else None


def _row_starts(data: bytes, offset: int) -> np.ndarray:
    """Where each line of a CSV body starts (a line break inside quotes is not one), with the
    end of the data last."""
    raw = np.frombuffer(data, dtype=np.uint8)
    breaks = np.flatnonzero(raw == 10)
    quotes = np.flatnonzero(raw == 34) if data.find(b'"', offset) >= 0 else ()
    if len(quotes):
        breaks = breaks[np.searchsorted(quotes, breaks) % 2 == 0]
    breaks = breaks[breaks >= offset]
    return np.r_[offset, breaks + 1].astype(np.int64)


def _spliced(frame, earlier: bytes, starts: np.ndarray, blocks, same: set[str]) -> list | None:
    """The body's pieces: each commune's rows copied from `earlier` or formatted, or None when
    `earlier`'s lines do not follow the same communes in the same order."""
    placed = _placed(earlier, starts, blocks, same)
    if placed is None:
        return None
    pieces, made, check = placed
    # One unchanged commune formatted again beside the others: the same bytes as its copy.
    ranges = made + ([check] if check is not None else [])
    lines = _formatted(frame, [(a, b) for a, b, _ in ranges])
    if lines is None:
        return None
    for (_, _, n), text in zip(made, lines):
        pieces[n] = text
    if check is not None and lines[-1] != pieces[check[2]]:
        return None
    return pieces


def _placed(earlier: bytes, starts: np.ndarray, blocks, same: set[str]):
    """The rows copied from `earlier` (pieces), the blocks left to format (first row, end row,
    their piece) and one copied block to check; None when `earlier`'s lines do not follow the
    same communes in the same order."""
    rows = len(starts) - 1
    at, pieces, copied, check, made = 0, [], [], None, []

    def opens(row: int, prefix: bytes) -> bool:
        return row < rows and earlier.startswith(prefix, int(starts[row]))

    for cid, a, b in blocks:
        prefix = cid.encode() + b","
        if cid in same:
            skipped = at
            while skipped < rows and not opens(skipped, prefix):  # a commune no longer there
                skipped += 1
            at = skipped if skipped < rows else at
        if cid in same and opens(at, prefix) and at + (b - a) <= rows:
            copied.append((prefix, at, at + b - a))
            pieces.append(earlier[starts[at] : starts[at + b - a]])
            check = check or (a, b, len(pieces) - 1)
            at += b - a
            continue
        while opens(at, prefix):  # the rows it had before, whatever their number
            at += 1
        made.append((a, b, len(pieces)))
        pieces.append(b"")
    if at != rows or not _all_open(earlier, starts, copied):
        return None
    return pieces, made, check


def _formatted(frame: pd.DataFrame, ranges: list[tuple[int, int]]) -> list[bytes] | None:
    """The CSV body of each range of rows, formatted in one call (the formula check of a
    table's columns costs as much for a few rows as for many: once, not once per commune);
    None when the lines do not come apart row by row."""
    if not ranges:
        return []
    rows = np.concatenate([np.arange(a, b) for a, b in ranges])
    text = _csv(frame.iloc[rows], header=False).encode()
    starts = _row_starts(text, 0)
    if len(starts) - 1 != len(rows):
        return None
    out, at = [], 0
    for a, b in ranges:
        out.append(text[starts[at] : starts[at + b - a]])
        at += b - a
    return out


def _all_open(earlier: bytes, starts: np.ndarray, copied: list) -> bool:
    """Whether every line of each copied range opens with its commune's code."""
    raw = np.frombuffer(earlier, dtype=np.uint8)
    by_length: dict[int, list] = {}
    for prefix, a, b in copied:
        by_length.setdefault(len(prefix), []).append((prefix, a, b))
    for size, ranges in by_length.items():
        lines = np.concatenate([np.arange(a, b) for _, a, b in ranges])
        if not len(lines):
            continue
        if int(starts[lines].max()) + size > len(raw):
            return False
        got = raw[starts[lines][:, None] + np.arange(size)]
        expected = np.frombuffer(b"".join(p for p, _, _ in ranges), np.uint8).reshape(-1, size)
        counts = [b - a for _, a, b in ranges]
        if not np.array_equal(got, np.repeat(expected, counts, axis=0)):
            return False
    return True
