"""Word documents from a list of blocks, with python-docx; the one module that knows Word.

A document is drafted as plain data (reports.board_documents): a header block, headings,
paragraphs, placeholders and tables. This module lays them out on the shipped template
(`templates/documents/template.docx`, whose styles a province may replace with its own
letterhead) with the measures of `templates/documents/layout.yaml`: A4, margins, Times New
Roman, page numbers centred at the top from page 2, table header rows repeated on every page.
A placeholder, text the board writes itself, is set in brackets and highlighted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from ..tables import make_zip_deterministic

DOCUMENTS = Path(str(resources.files("ntm_lib").joinpath("reports/templates/documents")))
TEMPLATE = DOCUMENTS / "template.docx"


@dataclass
class Block:
    """One piece of a document. kind: heading, paragraph, placeholder, table, header,
    title, signature, page_break."""

    kind: str
    text: str = ""
    level: int = 1
    rows: list = field(default_factory=list)  # table: header row first
    widths: list = field(default_factory=list)  # table: column widths in mm
    parts: list = field(default_factory=list)  # paragraph: [(text, is_placeholder), ...]
    align: str = "justify"


@lru_cache(maxsize=1)
def layout() -> dict:
    return yaml.safe_load((DOCUMENTS / "layout.yaml").read_text(encoding="utf-8"))


def placeholder_text(text: str) -> str:
    p = layout()["placeholder"]
    return f"{p['open']}{text}{p['close']}"


def _run(
    paragraph,
    text: str,
    placeholder: bool = False,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
):
    from docx.enum.text import WD_COLOR_INDEX
    from docx.shared import Pt

    run = paragraph.add_run(placeholder_text(text) if placeholder else text)
    run.bold, run.italic = bold or None, italic or None
    if size:
        run.font.size = Pt(size)
    if placeholder:
        run.font.highlight_color = getattr(
            WD_COLOR_INDEX, layout()["placeholder"]["highlight"].upper()
        )
    return run


def _page_number(section) -> None:
    """A PAGE field, centred in the header, from the second page on."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    section.different_first_page_header_footer = not layout()["page_number"]["first_page"]
    para = section.header.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = para.add_run()
    run.font.size = Pt(layout()["page_number"]["size_pt"])
    for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if tag:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), tag)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)


def _header_block(doc, block: Block) -> None:
    """The two-column heading: issuing body on the left, national title and motto on the
    right; number on the left, place and date on the right."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    lay = layout()["header_block"]
    left, right, number, place_date = block.rows
    table = doc.add_table(rows=2, cols=2)
    table.autofit = False
    for column, width in zip(table.columns, (70, 95)):
        column.width = Mm(width)
    for row in table.rows:
        row.cells[0].width, row.cells[1].width = Mm(70), Mm(95)
    cells = table.rows[0].cells
    for k, (text, placeholder) in enumerate(left):
        para = cells[0].paragraphs[0] if k == 0 else cells[0].add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(para, text, placeholder, bold=k > 0, size=lay["issuer_pt"])
    for k, text in enumerate(right):
        para = cells[1].paragraphs[0] if k == 0 else cells[1].add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(para, text, bold=True, size=lay["title_line_pt"] if k == 0 else lay["motto_pt"])
    bottom = table.rows[1].cells
    para = bottom[0].paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text, placeholder in number:
        _run(para, text, placeholder, size=lay["number_pt"])
    para = bottom[1].paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text, placeholder in place_date:
        _run(para, text, placeholder, italic=True, size=lay["place_date_pt"])


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    props = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    props.append(el)


def _table(doc, block: Block) -> None:
    from docx.shared import Mm, Pt

    header, *body = block.rows
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for k, text in enumerate(header):
        cell = table.rows[0].cells[k]
        _run(cell.paragraphs[0], str(text), bold=True, size=layout()["table_pt"])
    _repeat_header(table.rows[0])
    for values in body:
        cells = table.add_row().cells
        for k, value in enumerate(values):
            placeholder = isinstance(value, tuple)
            text = value[0] if placeholder else str(value)
            _run(cells[k].paragraphs[0], text, placeholder, size=layout()["table_pt"])
    if block.widths:
        table.autofit = False
        # LibreOffice reads the grid, Word the cells: set both.
        for column, width in zip(table.columns, block.widths):
            column.width = Mm(width)
        for row in table.rows:
            for cell, width in zip(row.cells, block.widths):
                cell.width = Mm(width)
    for row in table.rows:
        for cell in row.cells:
            for para in cell.paragraphs:
                para.paragraph_format.space_after = Pt(0)


def write(blocks: list[Block], path: Path, template: Path | None = None) -> Path:
    """Lay `blocks` out in a .docx at `path` (deterministic bytes for the same blocks)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Mm, Pt

    lay = layout()
    doc = Document(str(template or TEMPLATE))
    section = doc.sections[0]
    section.page_width, section.page_height = (
        Mm(lay["page"]["width_mm"]),
        Mm(lay["page"]["height_mm"]),
    )
    m = lay["margins_mm"]
    section.top_margin, section.bottom_margin = Mm(m["top"]), Mm(m["bottom"])
    section.left_margin, section.right_margin = Mm(m["left"]), Mm(m["right"])
    _page_number(section)
    align = {
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
    }
    for block in blocks:
        if block.kind == "header":
            _header_block(doc, block)
        elif block.kind == "title":
            para = doc.add_paragraph()
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _run(para, block.text, bold=True, size=lay["title_pt"])
            for line in block.parts:
                sub = doc.add_paragraph()
                sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
                _run(sub, line, bold=True, size=lay["title_pt"])
        elif block.kind == "heading":
            para = doc.add_paragraph()
            _run(para, block.text, bold=True, italic=block.level > 2)
        elif block.kind in ("paragraph", "placeholder"):
            para = doc.add_paragraph()
            para.alignment = align[block.align]
            parts = block.parts or [(block.text, block.kind == "placeholder")]
            for text, placeholder in parts:
                _run(para, text, placeholder)
        elif block.kind == "table":
            _table(doc, block)
        elif block.kind == "signature":
            para = doc.add_paragraph()
            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            for k, (text, placeholder) in enumerate(block.parts):
                if k:
                    para.add_run().add_break()
                _run(para, text, placeholder, bold=not placeholder)
        elif block.kind == "page_break":
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    for para in doc.paragraphs:
        para.paragraph_format.space_after = Pt(lay["space_after_pt"])
        para.paragraph_format.line_spacing = lay["line_spacing"]
    core = doc.core_properties
    core.author, core.last_modified_by, core.revision = "ntm-assess", "ntm-assess", 1
    doc.save(str(path))
    make_zip_deterministic(Path(path))
    return Path(path)


def build_template(path: Path = TEMPLATE) -> Path:
    """The shipped template: python-docx's default styles, the body font and size of the
    layout. A province may replace the file with its own (letterhead, styles)."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    lay = layout()
    doc = Document()
    for name in ("Normal", "Table Grid"):
        style = doc.styles[name]
        style.font.name = lay["font"]["name"]
        style.font.size = Pt(lay["font"]["body_pt"])
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attr), lay["font"]["name"])
    core = doc.core_properties
    core.author, core.last_modified_by, core.title = "ntm-assess", "ntm-assess", ""
    doc.save(str(path))
    make_zip_deterministic(path)
    return path


if __name__ == "__main__":
    print(build_template())
