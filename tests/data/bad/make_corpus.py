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
) -> None:
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
    CASES.append(entry)


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
        "a fraction for a 'lower is better' share (poverty rate)",
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

    (HERE / "cases.yaml").write_text(
        "# Written by make_corpus.py: the problems (key, row, column) each file must produce.\n"
        "# ok: true means the file is usable and produces only these warnings.\n"
        + yaml.safe_dump(CASES, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    print(f"{len(CASES)} cases written to {HERE}")


if __name__ == "__main__":
    main()
