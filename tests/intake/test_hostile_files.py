"""Files that are not what they seem: each refused in seconds with its own located message,
never parsed for minutes, never an unexpected error."""

import io
import random
import struct
import zipfile

import pytest
from openpyxl import Workbook

from ntm_lib.intake import excel
from ntm_lib.intake.excel import percent_format
from ntm_lib.intake.sheets import _separator, decode, read_grids


def _workbook(*rows) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _with_sheet(write_rows) -> bytes:
    """A valid workbook whose sheet's rows are written by `write_rows(fh)`, streamed."""
    src, out = zipfile.ZipFile(io.BytesIO(_workbook(("a",)))), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info.filename, data)
                continue
            head, tail = data.split(b"</sheetData>")
            with dst.open(info.filename, "w", force_zip64=True) as fh:
                fh.write(head)
                write_rows(fh)
                fh.write(b"</sheetData>" + tail)
    return out.getvalue()


def _keys(tmp_path, content: bytes, name: str = "f.xlsx") -> list[str]:
    path = tmp_path / name
    path.write_bytes(content)
    grids, problems = read_grids(path)
    return [p.key for p in problems]


def test_more_rows_than_excel_holds_is_refused_before_parsing(tmp_path):
    def rows(fh):  # unique rows compress like a real sheet (a ratio of about 10)
        for start in range(2, excel.EXCEL_MAX_ROWS + 10, 50_000):
            fh.write(b"".join(b'<row r="%d"/>' % r for r in range(start, start + 50_000)))

    assert _keys(tmp_path, _with_sheet(rows)) == ["file_beyond_excel"]


def test_more_cells_than_a_real_table_is_refused_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr(excel, "MAX_CELLS", 200_000)

    def cells(fh):
        fh.write(b'<row r="2">')
        for start in range(0, 210_000, 10_000):
            fh.write(b"".join(b'<c r="A%d"><v>1</v></c>' % i for i in range(start, start + 10_000)))
        fh.write(b"</row>")

    assert _keys(tmp_path, _with_sheet(cells)) == ["file_beyond_excel"]


def test_a_cell_longer_than_excel_allows_is_refused_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr(excel, "MAX_ELEMENT_BYTES", 16 * 1024)

    def long_cell(fh):
        letters = bytes(97 + i % 26 for i in range(256))
        fh.write(b'<row r="2"><c r="A2" t="inlineStr"><is><t>')
        # random letters: compressed like text, so the directory cannot tell
        fh.write(random.Random(0).randbytes(2 * 1024 * 1024).translate(letters))
        fh.write(b"</t></is></c></row>")

    assert _keys(tmp_path, _with_sheet(long_cell)) == ["file_beyond_excel"]


def test_a_workbook_inflating_far_beyond_its_size_is_refused_from_its_directory(tmp_path):
    def repeated(fh):
        row = b'<row r="2"><c r="A2" t="inlineStr"><is><t>10912</t></is></c></row>' * 100
        for _ in range(30 * 1024 * 1024 // len(row)):
            fh.write(row)

    content = _with_sheet(repeated)
    assert len(content) < 1024 * 1024  # under every size limit: refused by its ratio
    assert _keys(tmp_path, content) == ["file_unpacks_too_large"]


def test_a_directory_that_lies_about_sizes_stops_the_read(tmp_path, monkeypatch):
    """The central directory says 1,000 bytes; the part inflates to megabytes: the read stops
    at what was declared (and the meter would stop it at the limits)."""

    def rows(fh):
        fh.write(b"".join(b'<row r="%d"/>' % r for r in range(2, 200_000)))

    raw = bytearray(_with_sheet(rows))
    at = raw.find(b"PK\x01\x02")
    while at >= 0:
        size = struct.unpack("<H", raw[at + 28 : at + 30])[0]
        if raw[at + 46 : at + 46 + size] == b"xl/worksheets/sheet1.xml":
            extra = at + 46 + size  # zip64 extra field: header id, length, sizes
            raw[extra + 4 : extra + 12] = struct.pack("<Q", 1000)
        at = raw.find(b"PK\x01\x02", at + 1)
    keys = _keys(tmp_path, bytes(raw))
    assert keys and set(keys) <= {"file_not_excel", "file_unpacks_too_large"}


def test_the_meter_stops_a_member_past_its_ratio(tmp_path):
    path = tmp_path / "f.xlsx"
    path.write_bytes(_workbook(("a",)))
    archive = excel.MeteredZip(path)
    archive.limit = 10  # as if the limits were tiny: the next read goes past them
    with pytest.raises(excel.UnpacksTooLarge):
        archive.read("xl/worksheets/sheet1.xml")


@pytest.mark.parametrize("name", ["f.xlsx", "f.xls", "f.csv"])
def test_a_password_protected_workbook_is_named_so_whatever_its_name(tmp_path, name):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    assert _keys(tmp_path, ole + "EncryptionInfo".encode("utf-16-le"), name) == ["file_encrypted"]
    biff = ole + b"\x09\x08\x10\x00\x00\x06\x05\x00" + b"\x00" * 12 + b"\x2f\x00\x36\x00"
    assert _keys(tmp_path, biff, name) == ["file_encrypted"]
    plain = ole + b"\x09\x08\x10\x00\x00\x06\x05\x00" + b"\x00" * 12 + b"\x3d\x00\x12\x00"
    assert _keys(tmp_path, plain, name) == ["file_old_excel"]


def test_a_workbook_named_csv_is_read_as_a_workbook(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(_workbook(("commune_id", "value"), ("10912", 55)))
    grids, problems = read_grids(path)
    assert problems == [] and grids[0].text.iloc[1].tolist() == ["10912", "55"]


@pytest.mark.parametrize(
    "fmt, kind",
    [("0%", "scaled"), ("0.0%", "scaled"), ('0.0"%"', "shown"), ("0.0\\%", "shown"), ("0.0", "")],
)
def test_percent_formats(fmt, kind):
    assert percent_format(fmt) == kind


def test_a_literal_percent_format_is_not_scaled(tmp_path):
    wb = Workbook()
    wb.active.append(["value"])
    wb.active.append([0.5])
    wb.active["A2"].number_format = '0.0"%"'
    wb.save(tmp_path / "f.xlsx")
    grids, _ = read_grids(tmp_path / "f.xlsx")
    assert grids[0].text.iat[1, 0] == "0.5" and grids[0].flags.iat[1, 0] == "percent"


@pytest.mark.parametrize(
    "text, sep",
    [
        ("commune_id,year,indicator,value\n10912,2024,17.4,55\n", ","),
        ("commune_id;year;indicator;value\n10912;2024;17.4;55,5\n", ";"),
        ("Báo cáo năm 2024\ncommune_id;year;indicator;value\n10912;2024;17.4;55,5\n", ";"),
        ("Báo cáo, năm 2024\ncommune_id;year;indicator;value\n10912;2024;17.4;55,5\n", ";"),
        ("BÁO CÁO;;;\ncommune_id;year;indicator;value\n10912;2024;17.4;55\n", ";"),
        ("a\tb\tc\n1\t2\t3\n", "\t"),
        ("commune_id,year,indicator,value,note\n10912,2024,17.4,55,a;b;c;d;e;f\n", ","),
    ],
)
def test_the_separator_is_judged_past_a_title_line(text, sep):
    assert _separator(text) == sep


def test_a_file_in_two_encodings_names_the_row():
    raw = "a,b\nĐà,1\n".encode() + "Đà,2\n".encode("cp1258") + "Đà,3\n".encode()
    text, problems = decode(raw, "f.csv")
    assert text is None and [(p.key, p.row) for p in problems] == [("file_mixed_encoding", 3)]
    # one legacy encoding throughout is read, with a warning
    text, problems = decode("a,b\nĐà,1\n".encode("cp1258"), "f.csv")
    assert text == "a,b\nĐà,1\n" and [p.key for p in problems] == ["file_read_as_cp1258"]


def test_broken_utf16_is_a_message_not_an_error():
    raw = b"\xff\xfe" + "a,b\n".encode("utf-16-le") + b"\x00\xd8"  # a lone surrogate
    text, problems = decode(raw, "f.csv")
    assert text is None and [p.key for p in problems] == ["file_not_utf8"]
