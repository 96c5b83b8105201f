"""Write the corpus of bad inputs and cases.yaml, the message each one must produce.

Each case is a file officers really send (or could), with the located problems the intake must
report, or the warnings of a documented normalisation when the file is still usable. Run it
from the repository root after changing a case: python tests/data/bad/make_corpus.py
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from pathlib import Path

import yaml
from openpyxl import Workbook

HERE = Path(__file__).parent
HEAD = "commune_id,year,indicator,value\n"
CASES: list[dict] = []


def case(
    name: str,
    content,
    about: str,
    expect=(),
    ok: bool = False,
    lang: str = "vi",
    register: str | None = None,
    values: dict | None = None,
    **more,
) -> None:
    """One file and what it must produce. `values` ('indicator' or 'commune/indicator': the
    value read and scored); `register`: 'self' (the file is the register) or another file of
    the corpus; more: `set` (a set id), `statuses` ('commune/indicator': the verdict),
    `households` (commune: households read from a register)."""
    path = HERE / name
    if isinstance(content, Workbook):
        buf = io.BytesIO()
        content.save(buf)
        content = buf.getvalue()
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    entry = {
        "file": name,
        "about": about,
        "ok": ok,
        "expect": [{"key": k, "row": r, "column": c} for k, r, c in expect],
    }
    if lang != "vi":
        entry["lang"] = lang
    if register:
        entry["register"] = register
    if values:
        entry["values"] = values
    entry.update(more)
    CASES.append(entry)


def helper_file(name: str, content: str | bytes) -> None:
    """A file a case uses (a register), not a case itself."""
    (HERE / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


OLE_HEAD = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def zip_bomb() -> bytes:
    """A valid-looking .xlsx whose one sheet unpacks to 1.1 GB of zeros."""
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            block = b"0" * (1 << 20)
            for _ in range(1100):
                fh.write(block)
    return buf.getvalue()


def _rewrite_sheet(xlsx: bytes, change) -> bytes:
    import zipfile

    src, out = zipfile.ZipFile(io.BytesIO(xlsx)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = change(data)
            dst.writestr(info.filename, data)
    return out.getvalue()


def declared_dimension(xlsx: bytes) -> bytes:
    import re

    return _rewrite_sheet(
        xlsx, lambda d: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', d)
    )


def with_entities(xlsx: bytes) -> bytes:
    doctype = (
        b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(
            b'<!ENTITY %s "%s">' % (bytes([98 + i]), (b"&" + bytes([97 + i]) + b";") * 10)
            for i in range(8)
        )
        + b"]>"
    )
    return _rewrite_sheet(xlsx, lambda d: doctype + d.split(b"?>", 1)[-1])


def cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: base letter plus a combining tone mark."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", ch)
            for n, mark in enumerate(marks):  # e.g. ậ = â (one byte) + dot below (one byte)
                try:
                    out += unicodedata.normalize("NFC", base + mark).encode("cp1258") + "".join(
                        marks[:n] + marks[n + 1 :]
                    ).encode("cp1258")
                    break
                except UnicodeEncodeError:
                    continue
            else:  # e.g. ã = a + combining tilde
                out += (base + "".join(marks)).encode("cp1258")
    return out


def book(*rows, title: str = "Số liệu") -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(list(row))
    return wb


def main() -> None:
    for old in HERE.iterdir():
        if old.name not in ("make_corpus.py", "cases.yaml") and not old.name.startswith("."):
            old.unlink()

    # --- structure
    case(
        "missing_value_column.csv",
        "commune_id,year,indicator\n10912,2024,17.4\n",
        "the value column is missing",
        [("columns_missing", 1, None)],
    )
    case(
        "wrong_headers.csv",
        "ma,nam,chi so,gia tri so\n10912,2024,17.4,55\n",
        "no header matches the expected ones",
        [("columns_missing", 1, None)],
    )
    case(
        "header_on_second_row.csv",
        "BÁO CÁO KẾT QUẢ NTM NĂM 2024,,,\n" + HEAD + "10912,2024,17.4,55\n",
        "a title line above the header: read, with a warning",
        [("header_not_first_row", 2, None)],
        ok=True,
        values={"17.4": 55},
    )
    wb = book(
        ("Mã xã", "Năm", "Mã chỉ tiêu", "Giá trị"),
        ("10912", 2024, "17.4", 55),
        (None, 2024, "17.3", 60),
        (None, 2024, "17.2", 95),
    )
    wb.active.merge_cells("A2:A4")
    case(
        "merged_cells.xlsx",
        wb,
        "the commune code cell is merged over three rows",
        [("commune_id_empty", 3, "commune_id"), ("commune_id_empty", 4, "commune_id")],
    )
    wb = Workbook()
    case("empty_sheet.xlsx", wb, "a workbook with one empty sheet", [("table_empty", None, None)])
    case("empty_file.csv", b"", "a file of zero bytes", [("table_empty", None, None)])
    case("only_header.csv", HEAD, "a header and no data", [("data_empty", None, None)])
    case(
        "semicolons.csv",
        HEAD.replace(",", ";") + "10912;2024;17.4;55,5\n",
        "semicolon-separated, as Excel writes CSV in Vietnamese settings",
        ok=True,
        values={"17.4": 55.5},
    )
    case(
        "ragged_rows.csv",
        HEAD + "10912,2024,17.4,55,,,ghi chú thừa\n",
        "a row with more fields than the header: refused, the extra cells have no column",
        [("row_more_fields", 2, None)],
    )
    case(
        "ragged_empty_fields.csv",
        HEAD + "10912,2024,17.4,55,,,\n",
        "trailing empty fields beyond the header are harmless",
        ok=True,
        values={"17.4": 55},
    )
    case(
        "unquoted_decimal_comma.csv",
        HEAD + "10912,2024,17.4,55,5\n10912,2024,17.3,90\n",
        "an unquoted decimal comma in a comma-separated file (55,5 read as 55 and 5)",
        [("row_more_fields", 2, None)],
    )
    case(
        "unclosed_quote.csv",
        HEAD + '10912,2024,17.4,"55\n10912,2024,17.3,90\n10912,2024,17.2,80\n',
        "a quote never closed would swallow the rows after it",
        [("file_unclosed_quote", 2, None)],
    )
    case(
        "two_value_columns.csv",
        "commune_id,year,indicator,value,Giá trị\n10912,2024,17.4,55,65\n",
        "two columns that both mean the value",
        [("columns_ambiguous", 1, None)],
    )
    case(
        "control_chars.csv",
        HEAD + "10912,2024,17.4,5\x1b[31m5\n",
        "an escape sequence inside a cell",
        [("cell_control_char", 2, "value")],
    )
    case(
        "bidi_override.csv",
        HEAD + "10912,2024,17.4,\u202e55\n",
        "a right-to-left override that reverses what a reader sees",
        [("cell_control_char", 2, "value")],
    )
    case(
        "invisible_chars.csv",
        HEAD + "\u200b10912,2024\u00a0,17.4,\u200b55\u00a0\n",
        "zero-width and no-break spaces: removed, the values read",
        ok=True,
        values={"17.4": 55},
    )

    # --- what Excel cells hold
    wb = book(("commune_id", "year", "indicator", "value"), ("10912", 2024, "17.4", "=40+15"))
    case(
        "formula_not_computed.xlsx",
        wb,
        "a formula never computed by Excel",
        [("value_formula", 2, "value")],
    )
    wb = book(
        ("commune_id", "year", "indicator", "value"),
        ("10912", 2024, "17.4", "#N/A"),
        ("10912", 2024, "17.3", "#DIV/0!"),
    )
    case(
        "error_cells.xlsx",
        wb,
        "Excel error values where numbers should be",
        [("value_excel_error", 2, "value"), ("value_excel_error", 3, "value")],
    )
    wb = book(
        ("commune_id", "year", "indicator", "value"),
        ("10912", 2024, "17.4", dt.datetime(2024, 5, 1)),
    )
    case(
        "date_in_value.xlsx",
        wb,
        "a date where a percentage should be",
        [("value_is_date", 2, "value")],
    )
    case(
        "date_text.csv",
        HEAD + "10912,2024,17.4,2024-05-01\n",
        "a date typed as text",
        [("value_is_date", 2, "value")],
    )
    case(
        "date_dots.csv",
        HEAD + "10912,2024,17.4,01.05.2024\n",
        "a date typed with dots, which a careless reader takes for 1052024",
        [("value_is_date", 2, "value")],
    )
    wb = book(
        ("commune_id", "year", "indicator", "value"),
        ("10912", 2024, "17.4", True),
        ("10912", 2024, "1.1", True),
    )
    case(
        "boolean_in_number.xlsx",
        wb,
        "an Excel TRUE where a percentage is due (fine for yes/no)",
        [("value_boolean", 2, "value")],
    )
    wb = book(("commune_id", "year", "indicator", "value"), ("10912", 2024, "17.4", 0.026))
    case(
        "fraction_number_cell.xlsx",
        wb,
        "a share as a fraction in a plain number cell",
        [("value_fraction", 2, "value")],
    )
    wb = book(
        ("commune_id", "year", "indicator", "value"),
        ("10912", "2024", "17.4", "55"),
        ("10912", "2024", "1.1", "Đạt"),
    )
    case(
        "numbers_as_text.xlsx",
        wb,
        "numbers stored as text: read as numbers",
        ok=True,
        values={"17.4": 55, "1.1": 1},
    )
    wb = book(("commune_id", "year", "indicator", "value"), ("10912", 2024, "17.4", 0.555))
    wb.active["D2"].number_format = "0.0%"
    case(
        "percent_format.xlsx",
        wb,
        "0.555 formatted as 55.5% in Excel: read as 55.5",
        ok=True,
        values={"17.4": 55.5},
    )
    wb = book(("commune_id", "year", "indicator", "value"), ("10912", 2024, "10.1", 1.234))
    case(
        "true_number_1_234.xlsx",
        wb,
        "a real number 1.234 in Excel is not a thousand",
        ok=True,
        values={"10.1": 1.234},
    )

    # --- how numbers are typed
    case(
        "thousands_dot_vi.csv",
        HEAD + "10912,2024,13.2,1.234\n",
        "'1.234' in Vietnamese means 1234: read so, with a warning",
        [("value_ambiguous", 2, "value")],
        ok=True,
        values={"13.2": 1234},
    )
    case(
        "thousands_comma_en.csv",
        HEAD + '10912,2024,13.2,"1,234"\n',
        "'1,234' in English means 1234: read so, with a warning",
        [("value_ambiguous", 2, "value")],
        ok=True,
        lang="en",
        values={"13.2": 1234},
    )
    case(
        "decimal_comma_vi.csv",
        HEAD + '10912,2024,17.4,"1,234"\n',
        "'1,234' in Vietnamese is a decimal: 1.234, with a warning",
        [("value_ambiguous", 2, "value")],
        ok=True,
        values={"17.4": 1.234},
    )
    case(
        "income_in_dong.csv",
        HEAD + "10912,2024,10.1,68.400.000\n",
        "an income typed in đồng, not million đồng: refused, 68,4 as the hint",
        [("value_in_dong", 2, "value")],
    )
    case(
        "income_in_thousand_dong.csv",
        HEAD + "10912,2024,10.1,68400\n",
        "an income typed in thousand đồng",
        [("value_in_thousand_dong", 2, "value")],
    )
    case(
        "income_ambiguous_thousands.csv",
        HEAD + "10912,2024,10.1,1.234\n",
        "'1.234' for an income: a thousand million a person is a slip, not a value",
        [("value_ambiguous", 2, "value"), ("value_in_thousand_dong", 2, "value")],
    )
    case(
        "income_percent_sign.csv",
        HEAD + "10912,2024,10.1,80%\n",
        "a % sign typed after an income",
        [("value_percent_sign", 2, "value")],
    )
    case(
        "single_fraction.csv",
        HEAD + "10912,2024,17.4,0.026\n10912,2024,17.3,90\n",
        "a single share typed as a fraction (0.026 for 2,6 %)",
        [("value_fraction", 2, "value")],
    )
    case(
        "fraction_lower_is_better.csv",
        HEAD + "10912,2024,9.1,0.015\n",
        "a fraction (0.015) for a share required at 100 % (housing): refused",
        [("value_fraction", 2, "value")],
    )
    case(
        "small_percent_with_sign.csv",
        HEAD + '10912,2024,9.1,"0,5%"\n',
        "a small share typed with its % sign is taken as typed",
        ok=True,
        values={"9.1": 0.5},
    )
    case(
        "malformed_grouping.csv",
        HEAD + "10912,2024,13.2,1.234.5\n",
        "a malformed grouping is not a number",
        [("value_not_number", 2, "value")],
    )
    case(
        "count_not_whole.csv",
        HEAD + "10912,2024,13.2,2,5\n".replace("2,5", '"2,5"'),
        "a count with decimals",
        [("value_not_whole", 2, "value")],
    )
    case(
        "percent_as_fraction.csv",
        HEAD + "10912,2024,2.1,0.95\n10912,2024,14.1,0.97\n10912,2024,17.2,0.92\n",
        "shares typed as fractions (0.95 for 95%): each one refused",
        [
            ("value_fraction", 2, "value"),
            ("value_fraction", 3, "value"),
            ("value_fraction", 4, "value"),
        ],
    )
    case(
        "percent_all_one.csv",
        HEAD + "10912,2024,2.1,1\n10912,2024,14.1,1\n10912,2024,17.2,1\n",
        "every share typed as 1 (100% as a fraction): the table is refused",
        [("percent_as_fraction", None, "value")],
    )
    case(
        "comparator.csv",
        HEAD + "10912,2024,14.1,≥95%\n",
        "the requirement typed instead of the value",
        [("value_has_comparator", 2, "value")],
    )
    case(
        "dat_100_percent.csv",
        HEAD + "10912,2024,14.1,đạt 100%\n",
        "words and a number for a percentage",
        [("value_not_number", 2, "value")],
    )
    case(
        "dat_100_yes_no.csv",
        HEAD + "10912,2024,1.1,đạt 100%\n",
        "words and a number for a yes/no indicator",
        [("value_not_yes_no", 2, "value")],
    )
    case(
        "wrong_kind.csv",
        HEAD + "10912,2024,17.4,Đạt\n",
        "yes/no where a percentage is due",
        [("value_not_number", 2, "value")],
    )
    case(
        "percent_out_of_range.csv",
        HEAD + "10912,2024,17.4,120\n",
        "a share above 100%",
        [("value_percent_range", 2, "value")],
    )
    case(
        "negative_income.csv",
        HEAD + "10912,2024,10.1,-5\n",
        "a negative income",
        [("value_negative", 2, "value")],
    )
    case(
        "trailing_spaces.csv",
        HEAD + " 10912 , 2024 , 17.4 , 55 \n",
        "spaces around every cell: trimmed",
        ok=True,
        values={"17.4": 55},
    )
    case(
        "year_as_text.csv",
        HEAD + "10912,năm 2024,17.4,55\n",
        "the year with words",
        [("year_invalid", 2, "year")],
    )

    # --- encodings
    case(
        "nfd.csv",
        unicodedata.normalize("NFD", "Mã xã,Năm,Mã chỉ tiêu,Giá trị\n10912,2024,1.1,Chưa đạt\n"),
        "Vietnamese in decomposed (NFD) form",
        ok=True,
        values={"1.1": 0},
    )
    case(
        "bom.csv",
        "\ufeff" + HEAD + "10912,2024,17.4,55\n",
        "UTF-8 with a byte-order mark",
        ok=True,
        values={"17.4": 55},
    )
    case(
        "utf16.csv",
        ("\ufeff" + HEAD + "10912,2024,17.4,55\n").encode("utf-16-le"),
        "UTF-16 with a byte-order mark",
        ok=True,
        values={"17.4": 55},
    )
    case(
        "windows1258.csv",
        cp1258("Mã xã;Năm;Mã chỉ tiêu;Giá trị;Ghi chú\n10912;2024;17.4;55;Đã xác nhận\n"),
        "Windows-1258, as older Vietnamese Windows writes: read, with a warning",
        [("file_read_as_cp1258", None, None)],
        ok=True,
        values={"17.4": 55},
    )

    # --- content
    case(
        "duplicate_conflict.csv",
        HEAD + "10912,2024,17.4,55\n10912,2024,17.4,45\n",
        "the same commune, year and indicator with two values",
        [("duplicate_conflict", None, None)],
    )
    case(
        "unknown_indicator.csv",
        HEAD + "10912,2024,17.9,55\n",
        "an indicator not in the set",
        [("indicator_unknown", 2, "indicator")],
    )
    case(
        "unknown_commune.csv",
        HEAD + "99999,2024,17.4,55\n",
        "a commune not in the register",
        [("commune_not_in_register", 2, "commune_id")],
    )
    case(
        "year_outside_period.csv",
        HEAD + "10912,2026,17.4,55\n",
        "a year after the set's 2021-2025 period",
        [("year_outside_period", 2, "year")],
    )
    case(
        "register_other_province.csv",
        "commune_id,name,district,province,region\n10912,Đức Chính,Cẩm Giàng,Hải Dương,dbsh\n"
        "00004,Trúc Bạch,Ba Đình,Hà Nội,dbsh\n",
        "a register with a commune of another province, against Hải Dương's set",
        [("commune_other_province", 3, "province")],
        register="self",
    )
    case(
        "register_bad_region.csv",
        "commune_id,name,district,province,region\n10912,Đức Chính,Cẩm Giàng,Hải Dương,Miền Bắc\n",
        "a region that is not one of the seven",
        [("region_unknown", 2, "region")],
        register="self",
    )

    # --- not spreadsheets
    good = io.BytesIO()
    book(("commune_id", "year", "indicator", "value"), ("10912", 2024, "17.4", 55)).save(good)
    case(
        "truncated.xlsx",
        good.getvalue()[: len(good.getvalue()) // 2],
        "an .xlsx cut in half (an interrupted download)",
        [("file_not_excel", None, None)],
    )
    case(
        "not_a_spreadsheet.xlsx",
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< >>\nendobj\n",
        "a PDF renamed .xlsx",
        [("file_not_excel", None, None)],
    )
    case(
        "binary.csv",
        bytes(range(256)) * 4,
        "binary content named .csv",
        [("file_not_text", None, None)],
    )
    case(
        "encrypted.xlsx",
        OLE_HEAD + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 512,
        "a password-protected workbook",
        [("file_encrypted", None, None)],
    )
    case(
        "old_binary.xlsx",
        OLE_HEAD + b"\x00" * 1024,
        "an old .xls renamed .xlsx",
        [("file_old_excel", None, None)],
    )
    case(
        "zip_bomb.xlsx",
        zip_bomb(),
        "a workbook that unpacks to gigabytes",
        [("file_unpacks_too_large", None, None)],
    )
    case(
        "huge_dimension.xlsx",
        declared_dimension(good.getvalue()),
        "a sheet that declares a million rows but has two: read by its real extent",
        ok=True,
        values={"17.4": 55},
    )
    case(
        "entity_expansion.xlsx",
        with_entities(good.getvalue()),
        "XML entity expansion (billion laughs) in a sheet: refused, never expanded",
        [("file_not_excel", None, None)],
    )
    wb = book(("commune_id", "year", "indicator", "value"), ("10912", 2024, "17.4", 55))
    hidden = wb.create_sheet("cu")
    for r in (("commune_id", "year", "indicator", "value"), ("10912", 2024, "17.3", 40)):
        hidden.append(r)
    hidden.sheet_state = "hidden"
    case(
        "hidden_sheet.xlsx",
        wb,
        "a hidden sheet holding rows: refused, not read silently",
        [("sheet_hidden", None, None)],
    )
    wb = book(
        ("commune_id", "year", "indicator", "value"),
        ("10912", 2024, "17.4", 55),
        ("10912", 2024, "17.3", 40),
    )
    wb.active.row_dimensions[3].hidden = True
    case(
        "hidden_row.xlsx",
        wb,
        "a row hidden by a filter: refused, not read silently",
        [("row_hidden", 3, None)],
    )

    no_false_refusals()
    messages_that_help()
    hostile_files()

    (HERE / "cases.yaml").write_text(
        "# Written by make_corpus.py: the problems (key, row, column) each file must produce.\n"
        "# ok: true means the file is usable and produces only these warnings.\n"
        + yaml.safe_dump(CASES, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    print(f"{len(CASES)} cases written to {HERE}")


REGISTER_HEAD = "commune_id,name,district,province,region"


def no_false_refusals() -> None:
    """What officers legitimately type, refused once as 'fractions' or misread: each must be
    read, and scored, as typed."""
    case(
        "zero_shares.csv",
        HEAD + '10912,2024,14.1,0\n10912,2024,17.4,0\n10912,2024,2.1,0\n10912,2024,17.2,"0%"\n',
        "real 0 % shares (plain and with their sign) are never fractions",
        ok=True,
        values={"14.1": 0, "17.4": 0, "2.1": 0, "17.2": 0},
        statuses={"10912/14.1": "not_met", "10912/17.4": "not_met"},
    )
    case(
        "small_shares_with_sign.csv",
        HEAD + '10912,2024,14.4,"0,5%"\n10912,2024,8.2,"0,8%"\n10912,2024,17.3,"0,3 %"\n',
        "small real shares typed with their % sign, as the README asks, in one file",
        ok=True,
        values={"14.4": 0.5, "8.2": 0.8, "17.3": 0.3},
    )
    wb = book(("commune_id", "year", "indicator", "value"))
    for code, share in (("14.4", 0.005), ("8.2", 0), ("17.3", 0.003), ("17.4", 0.0)):
        wb.active.append(["10912", 2024, code, share])
        wb.active.cell(wb.active.max_row, 4).number_format = "0.0%"
    case(
        "percent_cells_small.xlsx",
        wb,
        "Excel cells formatted as percentages, 0 % and 0,5 %: percentages, not fractions",
        ok=True,
        values={"14.4": 0.5, "8.2": 0, "17.3": 0.3, "17.4": 0},
    )
    case(
        "poverty_below_one.csv",
        HEAD + '10912,2024,11.1,"0,9"\n10900,2024,11.1,"0,4"\n10894,2024,11.1,"1,2"\n',
        "poverty rates below 1 % (common in advanced communes): plausible, scored as typed",
        ok=True,
        values={"10912/11.1": 0.9, "10900/11.1": 0.4, "10894/11.1": 1.2},
        statuses={"10912/11.1": "met", "10894/11.1": "met"},
    )
    case(
        "poverty_lone_below_one.csv",
        HEAD + '10912,2024,11.1,"0,9"\n',
        "a lone poverty rate of 0,9: plausible (the threshold is 2 %)",
        ok=True,
        values={"11.1": 0.9},
    )
    case(
        "stunting_small.csv",
        HEAD + '10912,2024,15.3,"0,8"\n',
        "a small stunting rate (a lower-is-better share with thresholds of 14,5-26,5 %)",
        ok=True,
        values={"15.3": 0.8},
        set="vn-2021-ntm",
    )
    helper_file(
        "register_households_grouped.csv",
        REGISTER_HEAD + ",households\n"
        "10912,Đức Chính,Cẩm Giàng,Hải Dương,dbsh,3.102\n"
        "10900,Cẩm Văn,Cẩm Giàng,Hải Dương,dbsh,2.845\n",
    )
    case(
        "data_for_grouped_register.csv",
        HEAD + "10912,2024,17.4,55\n",
        "register households typed with Vietnamese grouping (3.102) are 3102 households",
        [("value_ambiguous", 2, "households"), ("value_ambiguous", 3, "households")],
        ok=True,
        register="register_households_grouped.csv",
        values={"17.4": 55},
        households={"10912": 3102, "10900": 2845},
    )
    case(
        "title_above_semicolon_header.csv",
        "Báo cáo số liệu NTM, năm 2024\n" + HEAD.replace(",", ";") + "10912;2024;17.4;55,5\n",
        "a title row (with a comma) above a semicolon-separated header: read, with a warning",
        [("header_not_first_row", 2, None)],
        ok=True,
        values={"17.4": 55.5},
    )
    good = io.BytesIO()
    book(("commune_id", "year", "indicator", "value"), ("10912", 2024, "17.4", 55)).save(good)
    case(
        "workbook_named_csv.csv",
        good.getvalue(),
        "an Excel workbook saved under a .csv name: read for what it is",
        ok=True,
        values={"17.4": 55},
    )
    case(
        "duplicate_register_row_same.csv",
        REGISTER_HEAD + "\n10912,Đức Chính,Cẩm Giàng,Hải Dương,dbsh\n"
        "10912,Đức Chính,Cẩm Giàng,Hải Dương,dbsh\n",
        "the same register row twice: one commune, with a warning naming both rows",
        [("commune_duplicate_same", 3, "commune_id")],
        ok=True,
        register="self",
    )


def messages_that_help() -> None:
    """Real slips still refused, and unhelpful messages made to name the cell and the way out."""
    case(
        "fraction_column.csv",
        HEAD + '10912,2024,14.1,"0,95"\n10900,2024,14.1,"0,97"\n10894,2024,14.1,"0,92"\n',
        "a whole column of 0,95-style values for a ≥ 95 % indicator: fractions, each refused",
        [("value_fraction", r, "value") for r in (2, 3, 4)],
    )
    case(
        "fraction_among_percentages.csv",
        HEAD + '10912,2024,14.1,95\n10900,2024,14.1,97\n10894,2024,14.1,"0,96"\n',
        "one 0,96 among 95 and 97: times 100 it is among them, a fraction",
        [("value_fraction", 4, "value")],
    )
    case(
        "poverty_fraction_column.csv",
        HEAD + '10912,2024,11.1,"0,012"\n10900,2024,11.1,"0,015"\n',
        "poverty rates all below a hundredth of the 2 % threshold: fractions",
        [("value_fraction", 2, "value"), ("value_fraction", 3, "value")],
    )
    wb = book(
        ("commune_id", "year", "indicator", "value"),
        ("10912", 2024, dt.datetime(2024, 1, 10), 68),
    )
    case(
        "indicator_code_as_date.xlsx",
        wb,
        "the code 10.1 turned by Excel into the date 10/01: named with the likely code",
        [("indicator_is_date", 2, "indicator")],
    )
    case(
        "indicator_code_as_date_text.csv",
        HEAD + "10912,2024,17/04,55\n",
        "the code 17.4 exported by Excel as 17/04: named with the likely code",
        [("indicator_is_date", 2, "indicator")],
    )
    helper_file(
        "register_zero_padded.csv", REGISTER_HEAD + "\n00912,Đức Chính,Cẩm Giàng,Hải Dương,dbsh\n"
    )
    case(
        "leading_zeros_lost.csv",
        HEAD + "912,2024,17.4,55\n",
        "a code whose leading zeros Excel dropped: named with the register's code 00912",
        [("commune_not_in_register_zeros", 2, "commune_id")],
        register="register_zero_padded.csv",
    )
    case(
        "register_only_header.csv",
        REGISTER_HEAD + "\n",
        "a register with only its header: said to be empty",
        [("register_empty", None, None), ("commune_not_in_register", 2, "commune_id")],
        register="self",
    )
    case(
        "duplicate_register_rows.csv",
        REGISTER_HEAD + "\n10912,Đức Chính,Cẩm Giàng,Hải Dương,dbsh\n"
        "10900,Cẩm Văn,Cẩm Giàng,Hải Dương,dbsh\n10912,Cẩm Vũ,Cẩm Giàng,Hải Dương,dbsh\n",
        "one commune code on two different rows: refused at the second, naming the first",
        [("commune_duplicate", 4, "commune_id")],
        register="self",
    )
    case(
        "mixed_encodings.csv",
        (HEAD.replace("value", "value,note") + "10912,2024,17.4,55,Đã xác nhận\n").encode()
        + cp1258("10912,2024,17.3,60,Đã xác nhận\n"),
        "a CSV file pieced together in two encodings: the row not in UTF-8 is named",
        [("file_mixed_encoding", 3, None)],
    )
    case(
        "noncharacter_in_name.csv",
        REGISTER_HEAD + "\n10912,Đức Chính\ufffe,Cẩm Giàng,Hải Dương,dbsh\n",
        "a Unicode noncharacter in a commune name: refused with its cell",
        [("cell_noncharacter", 2, "name")],
        register="self",
    )
    case(
        "noncharacter_in_note.csv",
        HEAD.replace("value", "value,note") + "10912,2024,17.4,55,ghi chú\ufdd0\n",
        "a noncharacter (U+FDD0) in a note: refused with its cell",
        [("cell_noncharacter", 2, "note")],
    )
    wb = book(("commune_id", "year", "indicator", "value"), ('=A1&""', 2024, "17.4", 55))
    case(
        "formula_in_commune_code.xlsx",
        wb,
        "a formula never computed outside the value column: named, not read as empty",
        [("cell_formula", 2, "commune_id")],
    )


def hostile_files() -> None:
    """Workbooks that are not what they seem, whatever their name."""
    case(
        "encrypted_old_binary.xls",
        OLE_HEAD
        + b"\x00" * 504
        + "Workbook".encode("utf-16-le")
        + b"\x00" * 104
        + b"\x09\x08\x10\x00\x00\x06\x05\x00"
        + b"\x00" * 12
        + b"\x2f\x00\x36\x00"
        + b"\x01" * 54,
        "an old .xls with a password: named password-protected, not just old",
        [("file_encrypted", None, None)],
    )
    case(
        "encrypted_named_xls.xls",
        OLE_HEAD + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 512,
        "a password-protected workbook named .xls: named password-protected",
        [("file_encrypted", None, None)],
    )
    case(
        "old_binary_named_xls.xls",
        OLE_HEAD + b"\x00" * 504 + "Workbook".encode("utf-16-le") + b"\x00" * 512,
        "an old .xls under its own name: named as an old workbook, not as binary text",
        [("file_old_excel", None, None)],
    )
    case(
        "zip_bomb_under_limit.xlsx",
        repeated_rows_bomb(100),
        "a workbook inflating to 100 MB of repeated rows, under the size limit: refused by its "
        "ratio before it is parsed",
        [("file_unpacks_too_large", None, None)],
    )


def repeated_rows_bomb(megabytes: int) -> bytes:
    """A valid workbook whose sheet repeats one row until it is `megabytes` of XML."""
    import zipfile

    good = io.BytesIO()
    book(("commune_id", "year", "indicator", "value")).save(good)
    src, out = zipfile.ZipFile(good), io.BytesIO()
    row = b'<row r="2"><c r="A2" t="inlineStr"><is><t>10912</t></is></c></row>' * 1000
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info.filename, data)
                continue
            head, tail = data.split(b"</sheetData>")
            with dst.open(info.filename, "w", force_zip64=True) as fh:
                fh.write(head.replace(b"<sheetData/>", b"<sheetData>"))
                for _ in range(megabytes * 1024 * 1024 // len(row)):
                    fh.write(row)
                fh.write(b"</sheetData>" + tail)
    return out.getvalue()


if __name__ == "__main__":
    main()
