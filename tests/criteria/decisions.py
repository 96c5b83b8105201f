"""Decision files built by the tests, in the layouts decisions use (python-docx).

EVERY threshold here is a SYNTHETIC TEST VALUE: no real decision's annex could be read (see
shared/reference/thresholds-found.md). The documents imitate the layout of real decisions
(heading table, «QUYẾT ĐỊNH», an annex table with merged header and body cells, year
sub-rows, footnotes, a table continued with its header repeated), never their numbers.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

REGIONS = [
    "Trung du và miền núi phía Bắc",
    "Đồng bằng sông Hồng",
    "Bắc Trung Bộ",
    "Duyên hải Nam Trung Bộ",
    "Tây Nguyên",
    "Đông Nam Bộ",
    "Đồng bằng sông Cửu Long",
]
REGION_IDS = ["tdmnpb", "dbsh", "btb", "dhntb", "tn", "dnb", "dbscl"]


def heading(doc, issuer: list[str], number: str, place_date: str, title: str) -> None:
    """The heading as decisions print it: a borderless two-column table, then the title."""
    table = doc.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    left.text = "\n".join(issuer + ["", f"Số: {number}"])
    right.text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n\n" + place_date
    doc.add_paragraph("QUYẾT ĐỊNH")
    doc.add_paragraph(f"Về việc ban hành {title}")
    doc.add_paragraph(
        "Căn cứ Luật Tổ chức chính quyền địa phương (tài liệu thử, không phải văn bản thật);"
    )
    doc.add_paragraph("QUYẾT ĐỊNH:")
    doc.add_paragraph(f"Điều 1. Ban hành kèm theo Quyết định này {title}.")
    doc.add_page_break()


def _set_row(table, r: int, values: list[str]) -> None:
    for c, v in enumerate(values):
        if v is not None:
            table.cell(r, c).text = v


def _merge(table, r0: int, c0: int, r1: int, c1: int, text: str) -> None:
    merged = table.cell(r0, c0).merge(table.cell(r1, c1))
    merged.text = text


def _borders(table, widths_cm: list[float] | None = None, header_rows: int = 0) -> None:
    """Grid lines, as decisions print their annex (and as a PDF needs to find cells); column
    widths; header rows repeated on every page."""
    table.style = "Table Grid"
    table.autofit = False
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm or []):
            cell.width = Cm(width)
    for row in table.rows[:header_rows]:
        flag = OxmlElement("w:tblHeader")
        row._tr.get_or_add_trPr().append(flag)


def _landscape(doc) -> None:
    """Annexes are printed landscape, in a small font: their columns are wide enough for
    whole words."""
    section = doc.sections[-1]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21)
    section.left_margin = section.right_margin = Cm(1.5)
    doc.styles["Normal"].font.size = Pt(10)


def national_by_region(path: Path, footnote: bool = True, from_2021: bool = True) -> Path:
    """A national decision: TT | Tên tiêu chí | Nội dung tiêu chí | Chỉ tiêu chung | one column
    per region under a merged «Chỉ tiêu theo vùng»; merged criterion cells, a value merged over
    every region, income by year in sub-rows, a footnote."""
    doc = Document()
    _landscape(doc)
    heading(
        doc,
        ["THỦ TƯỚNG CHÍNH PHỦ"],
        "901/QĐ-TTg",
        "Hà Nội, ngày 08 tháng 3 năm 2022",
        "Bộ tiêu chí quốc gia về xã nông thôn mới giai đoạn 2021 - 2025 (tài liệu thử)",
    )
    doc.add_paragraph("PHỤ LỤC I")
    doc.add_paragraph("BỘ TIÊU CHÍ QUỐC GIA VỀ XÃ NÔNG THÔN MỚI GIAI ĐOẠN 2021 - 2025")
    years = (
        ["2021", "2022", "2023", "2024", "2025"] if from_2021 else ["2022", "2023", "2024", "2025"]
    )
    body = [
        (
            "1",
            "Quy hoạch",
            "1.1. Có quy hoạch chung xây dựng xã được phê duyệt",
            "Đạt",
            ["Đạt"] * 7,
        ),
        ("1", "Quy hoạch", "1.2. Ban hành quy định quản lý quy hoạch", "Đạt", ["Đạt"] * 7),
        ("2", "Giao thông", "2.1. Tỷ lệ đường xã được nhựa hóa hoặc bê tông hóa", "", ["100%"] * 7),
        (
            "2",
            "Giao thông",
            "2.2. Tỷ lệ đường thôn được cứng hóa",
            "",
            ["≥ 70%", "100%", "≥ 80%", "≥ 80%", "≥ 70%", "100%", "≥ 75%"],
        ),
    ]
    income = [
        (
            "10",
            "Thu nhập",
            "10.1. Thu nhập bình quân đầu người khu vực nông thôn (triệu đồng/người/năm)",
            "",
            [""] * 7,
        )
    ]
    for k, y in enumerate(years):
        income.append(
            ("10", "Thu nhập", f"- Năm {y}", "", [f"≥ {30 + 3 * k + i}" for i in range(7)])
        )
    poverty = [
        (
            "11",
            "Nghèo đa chiều",
            "11.1. Tỷ lệ nghèo đa chiều",
            "",
            [
                "≤ 13%",
                "≤ 2%" + ("(1)" if footnote else ""),
                "≤ 6%",
                "≤ 5%",
                "≤ 12%",
                "≤ 1,5%",
                "≤ 5%",
            ],
        )
    ]
    more = [
        (
            str(n),
            f"Tiêu chí thử {n}",
            f"{n}.1. Nội dung thử số {n} của bộ tài liệu thử",
            "Đạt",
            ["Đạt"] * 7,
        )
        for n in range(12, 20)
    ]
    rows = body + income + poverty + more
    table = doc.add_table(rows=2 + len(rows), cols=11)
    _borders(table, [1.0, 2.4, 6.0, 2.0] + [1.9] * 7, header_rows=2)
    for c, h in enumerate(["TT", "Tên tiêu chí", "Nội dung tiêu chí", "Chỉ tiêu chung"]):
        _merge(table, 0, c, 1, c, h)
    _merge(table, 0, 4, 0, 10, "Chỉ tiêu theo vùng")
    _set_row(table, 1, [None] * 4 + REGIONS)
    for r, (tt, name, content, general, values) in enumerate(rows, start=2):
        _set_row(table, r, [tt, name, content, general] + values)
    # merged body cells: each criterion's number and name; a value shared by all regions
    spans = {}
    for r, row in enumerate(rows, start=2):
        spans.setdefault(row[0], []).append(r)
    for tt, rs in spans.items():
        name = next(row[1] for row in rows if row[0] == tt)
        _merge(table, rs[0], 0, rs[-1], 0, tt)
        _merge(table, rs[0], 1, rs[-1], 1, name)
    _merge(table, 2, 4, 2, 10, "Đạt")  # 1.1: one cell for every region
    _merge(table, 4, 4, 4, 10, "100%")  # 2.1
    if footnote:
        doc.add_paragraph(
            "(1) Xã thuộc huyện đảo áp dụng mức của vùng Trung du và miền núi phía Bắc"
            " (tài liệu thử)."
        )
    doc.save(path)
    return path


GROUP_ROWS = [
    ("1.1", "Quy hoạch", "Có quy hoạch chung xã được phê duyệt, công khai", ["Đạt", "Đạt", "Đạt"]),
    ("2.1", "Hạ tầng kinh tế - xã hội", "Tỷ lệ đường xã được cứng hóa", ["100%", "≥ 90%", "≥ 80%"]),
    (
        "3.1",
        "Phát triển kinh tế nông thôn",
        "Tốc độ tăng thu nhập bình quân đầu người (%/năm)",
        ["≥ 8", "≥ 6", "≥ 4"],
    ),
    ("6.1", "Giảm nghèo và an sinh xã hội", "Tỷ lệ nghèo đa chiều", ["≤ 1%", "≤ 2%", "≤ 5%"]),
    (
        "8.1",
        "Môi trường và cảnh quan nông thôn",
        "Tỷ lệ hộ được sử dụng nước sạch theo quy chuẩn",
        ["≥ 95%", "≥ 85%", "≥ 70%"],
    ),
    (
        "8.2",
        "Môi trường và cảnh quan nông thôn",
        "Đảm bảo an toàn thực phẩm",
        ["Đạt", "Đạt", "Đạt"],
    ),
]


def provincial_by_group(path: Path, split: bool = False, unreadable: bool = False) -> Path:
    """A provincial decision by commune group: TT | Tên tiêu chí | Nội dung tiêu chí | Xã nhóm 1
    | Xã nhóm 2 | Xã nhóm 3; optionally continued in a second table that repeats the header,
    and one requirement no grammar reads."""
    doc = Document()
    _landscape(doc)
    heading(
        doc,
        ["ỦY BAN NHÂN DÂN", "TỈNH HẢI DƯƠNG"],
        "902/QĐ-UBND",
        "Hải Dương, ngày 26 tháng 9 năm 2026",
        "Bộ tiêu chí xã nông thôn mới tỉnh Hải Dương giai đoạn 2026 - 2030 (tài liệu thử)",
    )
    doc.add_paragraph("PHỤ LỤC")
    rows = [list(r) for r in GROUP_ROWS]
    if unreadable:
        rows[4][3] = ["≥ 95%", "theo hướng dẫn của Bộ", "≥ 70%"]
    parts = [rows[:3], rows[3:]] if split else [rows]
    header = ["TT", "Tên tiêu chí", "Nội dung tiêu chí", "Xã nhóm 1", "Xã nhóm 2", "Xã nhóm 3"]
    for k, part in enumerate(parts):
        if k:
            doc.add_paragraph("(tiếp theo)")
        table = doc.add_table(rows=1 + len(part), cols=6)
        _borders(table, [1.2, 4.0, 9.0, 3.0, 3.0, 3.0], header_rows=1)
        _set_row(table, 0, header)
        for r, (tt, name, content, values) in enumerate(part, start=1):
            _set_row(table, r, [tt, name, content] + values)
        same = [
            r
            for r in range(1, len(part) + 1)
            if part[r - 1][1] == "Môi trường và cảnh quan nông thôn"
        ]
        if len(same) == 2:
            _merge(table, same[0], 1, same[1], 1, "Môi trường và cảnh quan nông thôn")
    doc.save(path)
    return path


def one_clean_table(path: Path) -> Path:
    """A province's own set, one clean table, one requirement per indicator."""
    doc = Document()
    _landscape(doc)
    heading(
        doc,
        ["ỦY BAN NHÂN DÂN", "THÀNH PHỐ HẢI PHÒNG"],
        "903/QĐ-UBND",
        "Hải Phòng, ngày 02 tháng 3 năm 2026",
        "Bộ tiêu chí xã nông thôn mới nâng cao thành phố Hải Phòng giai đoạn 2026 - 2030"
        " (tài liệu thử)",
    )
    doc.add_paragraph("PHỤ LỤC")
    rows = [
        ("1", "Quy hoạch", "", ""),
        ("1.1", "", "Có quy hoạch chung xã được phê duyệt", "Đạt"),
        ("2", "Môi trường", "", ""),
        ("2.1", "", "Tỷ lệ hộ phân loại chất thải rắn tại nguồn", "từ 60% trở lên"),
        ("2.2", "", "Tỷ lệ chất thải nhựa được thu gom", "≥ 90 %"),
        ("3", "Giảm nghèo", "", ""),
        ("3.1", "", "Tỷ lệ nghèo đa chiều", "dưới 1,5%"),
        ("4", "Thu nhập", "", ""),
        ("4.1", "", "Thu nhập bình quân đầu người", "≥ 80 triệu đồng/người/năm"),
    ]
    table = doc.add_table(rows=1 + len(rows), cols=4)
    _borders(table, [1.2, 4.0, 12.0, 6.0], header_rows=1)
    _set_row(table, 0, ["TT", "Tên tiêu chí", "Nội dung tiêu chí", "Chỉ tiêu"])
    for r, row in enumerate(rows, start=1):
        _set_row(table, r, list(row))
    doc.save(path)
    return path


def with_formula(path: Path) -> Path:
    """The group decision with a Word formula field in one value cell (cached text '95')."""
    provincial_by_group(path)
    doc = Document(str(path))
    table = doc.tables[1]
    cell = table.cell(5, 3)
    cell.text = ""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "=SUM(ABOVE)")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "95"
    run.append(text)
    field.append(run)
    cell.paragraphs[0]._p.append(field)
    doc.save(path)
    return path


def with_external_links(path: Path) -> Path:
    """External relationships (a link and an included file) that must never be followed."""
    provincial_by_group(path)
    doc = Document(str(path))
    doc.part.relate_to(
        "file:///etc/passwd",
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink",
        is_external=True,
    )
    p = doc.add_paragraph()
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), 'INCLUDETEXT "file:///etc/passwd"')
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "nội dung lưu sẵn"
    run.append(text)
    field.append(run)
    p._p.append(field)
    doc.save(path)
    return path


def with_macros(path: Path) -> Path:
    provincial_by_group(path)
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro")
    return path


def with_huge_table(path: Path, rows: int = 3500) -> Path:
    provincial_by_group(path)
    doc = Document(str(path))
    tbl = doc.tables[1]._tbl
    last = tbl.tr_lst[-1]
    for _ in range(rows):
        tbl.append(copy.deepcopy(last))
    doc.save(path)
    return path


def scanned_pdf(path: Path) -> Path:
    """A one-page PDF with no text layer (as a scanner writes it, minus the image)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length 0 >>\nstream\n\nendstream",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for k, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{k} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    path.write_bytes(out)
    return path


def to_pdf(docx: Path, out_dir: Path) -> Path | None:
    """The decision as LibreOffice prints it to PDF; None without LibreOffice."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None
    profile = out_dir / "lo-profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            str(docx),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return out_dir / (docx.stem + ".pdf")


def _full_width(table, r: int, text: str) -> None:
    _merge(table, r, 0, r, len(table.columns) - 1, text)


def sections_and_two_annexes(path: Path) -> Path:
    """Another province's layout: section rows «I. QUY HOẠCH» spanning the table, indicators
    numbered 1, 2 within them, a unit column, group headers with notes in brackets, bare years
    as income sub-rows, a remarks column; and a second annex with its own table."""
    doc = Document()
    _landscape(doc)
    heading(
        doc,
        ["ỦY BAN NHÂN DÂN", "TỈNH NGHỆ AN"],
        "904/QĐ-UBND",
        "Nghệ An, ngày 15 tháng 4 năm 2026",
        "Bộ tiêu chí xã nông thôn mới tỉnh Nghệ An giai đoạn 2026-2030 (tài liệu thử)",
    )
    header = [
        "STT",
        "Tiêu chí, chỉ tiêu",
        "Đơn vị tính",
        "Xã nhóm 1 (ven đô thị)",
        "Xã nhóm 2",
        "Xã nhóm 3 (khu vực II, III)",
        "Ghi chú",
    ]
    body = [
        ("I. QUY HOẠCH", None),
        (
            ["1", "Có quy hoạch chung xã được phê duyệt", "Đạt/Không đạt", "Đạt", "Đạt", "Đạt", ""],
            None,
        ),
        (
            ["2", "Tỷ lệ thôn có quy hoạch chi tiết", "%", "100", "≥ 90", "≥ 80", "theo hướng dẫn"],
            None,
        ),
        ("II. THU NHẬP", None),
        (["1", "Thu nhập bình quân đầu người", "Triệu đồng/người/năm", "", "", "", ""], None),
        (["", "2026", "", "≥ 70", "≥ 60", "≥ 45", ""], None),
        (["", "2028", "", "≥ 80", "≥ 70", "≥ 52", ""], None),
    ]
    for label, rows in (("PHỤ LỤC I", body), ("PHỤ LỤC II", body[:3])):
        doc.add_paragraph(label)
        table = doc.add_table(rows=1 + len(rows), cols=7)
        _borders(table, [1.2, 9.0, 3.0, 3.0, 3.0, 3.0, 3.0], header_rows=1)
        _set_row(table, 0, header)
        for r, (row, _) in enumerate(rows, start=1):
            if isinstance(row, str):
                _full_width(table, r, row)
            else:
                _set_row(table, r, row)
        doc.add_page_break()
    doc.save(path)
    return path


def roman_numbers_in_tt(path: Path) -> Path:
    """Criteria numbered I, II in the number column, their indicators 1, 2 under them; a row
    numbering the columns under the header."""
    doc = Document()
    _landscape(doc)
    heading(
        doc,
        ["ỦY BAN NHÂN DÂN", "TỈNH THÁI BÌNH"],
        "905/QĐ-UBND",
        "Thái Bình, ngày 05 tháng 5 năm 2026",
        "Bộ tiêu chí xã nông thôn mới kiểu mẫu tỉnh Thái Bình giai đoạn 2026 - 2030 (tài liệu thử)",
    )
    doc.add_paragraph("PHỤ LỤC")
    rows = [
        ["TT", "Nội dung", "Chỉ tiêu"],
        ["(1)", "(2)", "(3)"],
        ["I", "QUY HOẠCH", ""],
        ["1", "Có quy hoạch chung xã được phê duyệt", "Đạt"],
        ["2", "Tỷ lệ thôn có quy hoạch chi tiết", "≥ 90%"],
        ["II", "MÔI TRƯỜNG", ""],
        ["1", "Tỷ lệ hộ phân loại rác tại nguồn", "trên 80%"],
    ]
    table = doc.add_table(rows=len(rows), cols=3)
    _borders(table, [1.5, 14.0, 6.0], header_rows=2)
    for r, row in enumerate(rows):
        _set_row(table, r, row)
    doc.save(path)
    return path
