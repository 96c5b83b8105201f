"""The shipped Word templates of the board's documents (plan.docx, report.docx), built by code.

    python -m ntm_lib.reports.document_templates    # rewrites templates/documents/*.docx

Each template is an ordinary Word document with docxtpl fields (`{{ commune.name }}`) and loops
(`{%p for ... %}` over paragraphs, `{%tr for ... %}` over table rows), laid out as Decree
30/2020 asks (templates/documents/layout.yaml): A4, margins, Times New Roman, the heading block
as a borderless two-column table, page numbers from page 2, «Nơi nhận» beside the signature.
Table rows never split across pages and header rows repeat. The outline is the one of
commune NTM plans (shared/reference/documents-format.md); the text the board writes is either
carried from its own previous document (`text.*`) or a highlighted placeholder in brackets.
A board copies a template, rewords it in Word, and gives it back with --template; the fields
are listed by `ntm document fields`. The same code gives the same bytes.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from .. import yaml_text
from ..shipped import shipped
from ..tables import make_zip_deterministic
from .docx_writer import DOCUMENTS

WIDTH_MM = 165  # A4 less the margins of layout.yaml
SOURCE_LABELS = [
    ("state_budget", "Ngân sách nhà nước"),
    ("integrated_programmes", "Lồng ghép chương trình"),
    ("people_contributions", "Nhân dân đóng góp"),
    ("credit", "Tín dụng"),
    ("enterprises_other", "Doanh nghiệp và khác"),
]


@lru_cache(maxsize=1)
def layout() -> dict:
    return yaml_text.load((DOCUMENTS / "layout.yaml").read_text(encoding="utf-8"))


def ph(text: str) -> tuple[str, str]:
    """A placeholder: text the board writes itself, in brackets and highlighted."""
    return (text, "placeholder")


class Builder:
    """A document under construction, with the layout's measures."""

    def __init__(self) -> None:
        from docx import Document

        self.doc = Document()
        self.lay = layout()
        self._styles()
        self._page()

    # -- setup ---------------------------------------------------------------------------------

    def _styles(self) -> None:
        from docx.oxml.ns import qn
        from docx.shared import Pt

        font = self.lay["font"]
        for name in ("Normal", "Table Grid"):
            style = self.doc.styles[name]
            style.font.name = font["name"]
            style.font.size = Pt(font["body_pt"])
            rpr = style.element.get_or_add_rPr()
            fonts = rpr.find(qn("w:rFonts"))
            if fonts is None:
                fonts = rpr.makeelement(qn("w:rFonts"), {})
                rpr.append(fonts)
            for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
                fonts.set(qn(attr), font["name"])
        normal = self.doc.styles["Normal"].paragraph_format
        normal.space_after = Pt(self.lay["space_after_pt"])
        normal.line_spacing = self.lay["line_spacing"]

    def _page(self) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Mm, Pt

        lay = self.lay
        section = self.doc.sections[0]
        section.page_width = Mm(lay["page"]["width_mm"])
        section.page_height = Mm(lay["page"]["height_mm"])
        m = lay["margins_mm"]
        section.top_margin, section.bottom_margin = Mm(m["top"]), Mm(m["bottom"])
        section.left_margin, section.right_margin = Mm(m["left"]), Mm(m["right"])
        section.different_first_page_header_footer = not lay["page_number"]["first_page"]
        para = section.header.paragraphs[0]
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = para.add_run()
        run.font.size = Pt(lay["page_number"]["size_pt"])
        for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
            if tag:
                el = OxmlElement("w:fldChar")
                el.set(qn("w:fldCharType"), tag)
            else:
                el = OxmlElement("w:instrText")
                el.set(qn("xml:space"), "preserve")
                el.text = text
            run._r.append(el)

    # -- paragraphs ----------------------------------------------------------------------------

    def runs(self, para, parts, size=None, bold=False, italic=False) -> None:
        from docx.enum.text import WD_COLOR_INDEX
        from docx.shared import Pt, RGBColor

        for part in parts:
            text, kind = (part, "") if isinstance(part, str) else part
            p = self.lay["placeholder"]
            run = para.add_run(f"{p['open']}{text}{p['close']}" if kind == "placeholder" else text)
            run.bold = (bold or kind in ("b", "bi")) or None
            run.italic = (italic or kind in ("i", "bi")) or None
            if size:
                run.font.size = Pt(size)
            if kind == "placeholder":
                run.font.highlight_color = getattr(WD_COLOR_INDEX, p["highlight"].upper())
            if kind == "notice":
                run.bold, run.italic = True, True
                run.font.color.rgb = RGBColor(0x9C, 0x00, 0x06)

    def p(
        self, *parts, align="justify", size=None, bold=False, italic=False, keep=False, cell=None
    ):
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        if cell is not None:
            para = cell.paragraphs[0] if not cell.paragraphs[0].runs else cell.add_paragraph()
        else:
            para = self.doc.add_paragraph()
        para.alignment = getattr(WD_ALIGN_PARAGRAPH, align.upper())
        para.paragraph_format.keep_with_next = keep or None
        self.runs(para, parts, size, bold, italic)
        return para

    def tag(self, text: str, cell=None):
        """A paragraph holding only a docxtpl tag ({%p ... %}): removed when filled."""
        return self.p(text, align="left", cell=cell)

    def heading(self, text, level: int = 1) -> None:
        parts = text if isinstance(text, list) else [text]
        self.p(*parts, align="left", bold=True, italic=level > 2, keep=True)

    def carried(self, key: str, placeholder: str) -> None:
        """The board's own text of section `key`, or a placeholder for it."""
        self.tag(f"{{%p if text.{key} %}}")
        self.tag(f"{{%p for line in text.{key} %}}")
        self.p("{{ line }}")
        self.tag("{%p endfor %}")
        self.tag("{%p else %}")
        self.p(ph(placeholder))
        self.tag("{%p endif %}")

    def lines(self, loop: str, **style) -> None:
        """One paragraph per item of `loop` (a list of strings)."""
        self.tag(f"{{%p for line in {loop} %}}")
        self.p("{{ line }}", **style)
        self.tag("{%p endfor %}")

    # -- tables --------------------------------------------------------------------------------

    def _row_props(self, row, header: bool = False) -> None:
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        props = row._tr.get_or_add_trPr()
        el = OxmlElement("w:cantSplit")
        el.set(qn("w:val"), "true")
        props.append(el)
        if header:
            el = OxmlElement("w:tblHeader")
            el.set(qn("w:val"), "true")
            props.append(el)

    def _widths(self, table, widths) -> None:
        from docx.shared import Mm

        table.autofit = False
        # LibreOffice reads the grid, Word the cells: set both.
        for column, width in zip(table.columns, widths):
            column.width = Mm(width)
        for row in table.rows:
            for cell, width in zip(row.cells, widths):
                cell.width = Mm(width)

    def _cell_text(self, cell, parts, bold=False, align="left") -> None:
        from docx.shared import Pt

        para = self.p(*parts, align=align, size=self.lay["table_pt"], bold=bold, cell=cell)
        para.paragraph_format.space_after = Pt(0)
        para.paragraph_format.line_spacing = 1.0

    def table(self, headers: list[str], cells: list, widths: list[float], loop: str) -> None:
        """A grid table: a repeated header row, then one row per item of `loop`, never split
        across pages; some space after it."""
        assert abs(sum(widths) - WIDTH_MM) < 0.5, widths
        table = self.doc.add_table(rows=4, cols=len(headers))
        table.style = "Table Grid"
        for k, text in enumerate(headers):
            self._cell_text(table.rows[0].cells[k], [text], bold=True, align="center")
        self._cell_text(table.rows[1].cells[0], [f"{{%tr for r in {loop} %}}"])
        for k, parts in enumerate(cells):
            self._cell_text(table.rows[2].cells[k], parts if isinstance(parts, list) else [parts])
        self._cell_text(table.rows[3].cells[0], ["{%tr endfor %}"])
        for k, row in enumerate(table.rows):
            self._row_props(row, header=k == 0)
        self._widths(table, widths)
        self.spacer()

    def spacer(self) -> None:
        from docx.shared import Pt

        para = self.doc.add_paragraph()
        para.paragraph_format.space_after = Pt(self.lay["space_after_pt"])
        para.paragraph_format.line_spacing = 1.0

    def borderless(self, widths: list[float], rows: int = 1):
        table = self.doc.add_table(rows=rows, cols=len(widths))
        for row in table.rows:
            self._row_props(row)
        self._widths(table, widths)
        return table

    def save(self, path: Path) -> Path:
        core = self.doc.core_properties
        core.author, core.last_modified_by, core.title = "ntm-assess", "ntm-assess", ""
        core.revision = 1
        self.doc.save(str(path))
        make_zip_deterministic(path)
        return path


# ---------------------------------------------------------------------------------------------
# Parts shared by the plan and the report


def heading_block(b: Builder, symbol: str) -> None:
    """Issuing body | national title and motto; number | place and date (Decree 30, Annex I)."""
    lay = b.lay["header_block"]
    table = b.borderless([65, 100], rows=2)
    left, right = table.rows[0].cells
    b.p(
        "{% if heading.issuer_parent %}{{ heading.issuer_parent }}{% else %}",
        ph("CƠ QUAN CHỦ QUẢN"),
        "{% endif %}",
        align="center",
        size=lay["issuer_pt"],
        cell=left,
    )
    b.p(
        "{% if heading.issuer %}{{ heading.issuer }}{% else %}",
        ph("CƠ QUAN BAN HÀNH"),
        "{% endif %}",
        align="center",
        size=lay["issuer_pt"],
        bold=True,
        cell=left,
    )
    b.p("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="center", size=lay["title_line_pt"],
        bold=True, cell=right)  # fmt: skip
    b.p("Độc lập - Tự do - Hạnh phúc", align="center", size=lay["motto_pt"], bold=True, cell=right)
    left, right = table.rows[1].cells
    b.p(
        "Số: {% if heading.number %}{{ heading.number }}{% else %}",
        ph("số"),
        f"/{symbol}{{% endif %}}",
        align="center",
        size=lay["number_pt"],
        cell=left,
    )
    b.p(
        "{% if heading.place %}{{ heading.place }}{% else %}",
        ph("địa danh"),
        "{% endif %}, {% if heading.date %}{{ heading.date }}{% else %}ngày ",
        ph("ngày"),
        " tháng ",
        ph("tháng"),
        " năm ",
        ph("năm"),
        "{% endif %}",
        align="center",
        size=lay["place_date_pt"],
        italic=True,
        cell=right,
    )
    b.spacer()


def notices(b: Builder) -> None:
    """What the board must know before using the draft: the illustrative sample, work planned
    after a set's period."""
    b.tag("{%p for line in notices %}")
    b.p(("{{ line }}", "notice"))
    b.tag("{%p endfor %}")


def title(b: Builder, kind: str) -> None:
    size = b.lay["title_pt"]
    b.p(kind, align="center", size=size, bold=True, keep=True)
    b.p("{{ title.subject }}", align="center", size=size, bold=True, keep=True)
    b.tag("{%p if title.period %}")
    b.p("{{ title.period }}", align="center", size=size, bold=True)
    b.tag("{%p endif %}")


def status_tables(b: Builder) -> None:
    """Per set: the status sentence, the criteria table, the provisional note, the unmet
    indicators."""
    b.tag("{%p for s in sets %}")
    b.p("{{ s.summary }}")
    b.table(
        ["TT", "Tiêu chí", "Số chỉ tiêu đạt", "Kết quả"],
        ["{{ r.no }}", "{{ r.number }}. {{ r.name }}", "{{ r.met }}", "{{ r.status }}"],
        [12, 95, 28, 30],
        "s.criteria",
    )
    b.tag("{%p if s.provisional %}")
    b.p("{{ s.provisional }}", italic=True, size=b.lay["table_pt"])
    b.tag("{%p endif %}")
    b.tag("{%p if s.unmet %}")
    b.p("Các chỉ tiêu chưa đạt hoặc chưa đủ số liệu ({{ s.label }}):", keep=True)
    _unmet_table(b)
    b.tag("{%p endif %}")
    b.tag("{%p endfor %}")


def tasks_table(b: Builder, field: str) -> None:
    """The general tasks of a field of work, from the plan file."""
    b.tag(f"{{%p if tasks.{field} %}}")
    b.table(
        ["Nhiệm vụ", "Đơn vị thực hiện", "Thời hạn", "Kinh phí (triệu đồng)", "Nguồn vốn"],
        ["{{ r.solution }}", "{{ r.responsible }}", "{{ r.deadline }}", "{{ r.cost }}",
         "{{ r.sources }}"],
        [58, 35, 22, 20, 30],
        f"tasks.{field}",
    )  # fmt: skip
    b.tag("{%p endif %}")


def closing_and_signature(b: Builder, closing: str) -> None:
    """The closing paragraph, then «Nơi nhận» beside the signature (a borderless two-column
    table whose one row never splits: the signature block stays on one page)."""
    b.carried("closing", closing)
    table = b.borderless([75, 90])
    left, right = table.rows[0].cells
    b.p(("Nơi nhận:", "bi"), align="left", size=12, cell=left)
    b.tag("{%p if text.recipients %}", cell=left)
    b.tag("{%p for line in text.recipients %}", cell=left)
    b.p("{{ line }}", align="left", size=11, cell=left)
    b.tag("{%p endfor %}", cell=left)
    b.tag("{%p else %}", cell=left)
    b.p("- ", ph("nơi nhận"), ";", align="left", size=11, cell=left)
    b.p("- Lưu: VT.", align="left", size=11, cell=left)
    b.tag("{%p endif %}", cell=left)
    b.p("{{ signature.on_behalf }}", align="center", bold=True, cell=right)
    b.tag("{%p if signature.deputy %}", cell=right)
    b.p("{{ signature.deputy }}", align="center", bold=True, cell=right)
    b.tag("{%p endif %}", cell=right)
    b.p(
        "{% if signature.title %}{{ signature.title }}{% else %}",
        ph("CHỨC VỤ NGƯỜI KÝ"),
        "{% endif %}",
        align="center",
        bold=True,
        cell=right,
    )
    b.p(ph("ký, đóng dấu"), align="center", italic=True, cell=right)
    b.p("", cell=right)
    b.p(
        "{% if signature.name %}{{ signature.name }}{% else %}",
        ph("họ và tên"),
        "{% endif %}",
        align="center",
        bold=True,
        cell=right,
    )


# ---------------------------------------------------------------------------------------------
# The plan (Kế hoạch)

# Sections II (the fields of work, in the seed's order) and IV.3 (funds): heading, text key,
# what the placeholder asks for. The keys are those of locale/work_fields.yaml.
PLAN_FIELDS = [
    ("1. Công tác tuyên truyền", "communication", "nội dung tuyên truyền, vận động"),
    ("2. Công tác đào tạo, tập huấn", "training", "nội dung đào tạo, tập huấn"),
    ("3. Hỗ trợ phát triển sản xuất", "production", "nội dung hỗ trợ phát triển sản xuất"),
    ("4. Xây dựng cơ sở hạ tầng", "infrastructure", "nội dung xây dựng cơ sở hạ tầng"),
    ("5. Văn hóa, xã hội", "culture_society", "nội dung về văn hóa, xã hội"),
    ("6. Môi trường", "environment", "nội dung về môi trường"),
    (
        "7. Xây dựng hệ thống chính trị, giữ vững an ninh trật tự",
        "political_security",
        "nội dung xây dựng hệ thống chính trị, an ninh trật tự",
    ),
]
PLAN_FUNDS = [
    ("3.1. Giải pháp huy động", "mobilisation", "giải pháp huy động nguồn lực trong nhân dân"),
    ("3.2. Cơ chế lồng ghép các nguồn vốn", "combining", "cơ chế lồng ghép các nguồn vốn"),
    ("3.3. Cơ chế huy động vốn tín dụng", "credit", "huy động vốn tín dụng, qua các đoàn thể"),
    ("3.4. Chính sách thu hút doanh nghiệp đầu tư", "enterprises", "thu hút doanh nghiệp"),
]


def plan_part_one(b: Builder) -> None:
    b.lines("legal_bases")
    b.p("{{ intro }}")
    b.heading("I. MỤC ĐÍCH, YÊU CẦU")
    b.heading("1. Mục đích", 2)
    b.carried("purpose", "mục đích của kế hoạch")
    b.heading("2. Yêu cầu", 2)
    b.carried("requirements", "yêu cầu của kế hoạch")
    b.heading("II. NỘI DUNG THỰC HIỆN")
    for heading, key, ask in PLAN_FIELDS:
        b.heading(heading, 2)
        b.carried(key, ask)
        tasks_table(b, key)
    b.tag("{%p if tasks.other %}")
    b.heading("8. Nhiệm vụ khác", 2)
    b.tag("{%p endif %}")
    tasks_table(b, "other")


def plan_by_criterion(b: Builder) -> None:
    b.heading("III. KẾ HOẠCH THỰC HIỆN")
    b.heading("1. Kế hoạch thực hiện theo từng tiêu chí", 2)
    b.carried("by_criterion", "cách phân loại, đánh giá và thứ tự ưu tiên")
    b.heading("a) Thực trạng năm {{ doc.year }}", 3)
    status_tables(b)
    b.heading("b) Thuận lợi, khó khăn", 3)
    b.carried("conditions", "thuận lợi, khó khăn của xã")
    b.heading("c) Lộ trình và giải pháp theo thứ tự ưu tiên", 3)
    b.tag("{%p if roadmap %}")
    b.table(
        ["Năm", "Tiêu chí, lĩnh vực", "Giải pháp", "Đơn vị thực hiện", "Kinh phí (triệu đồng)",
         "Ghi chú"],
        ["{{ r.year }}", "{{ r.target }}", "{{ r.solution }}", "{{ r.responsible }}",
         "{{ r.cost }}", "{{ r.note }}"],
        [17, 22, 53, 33, 19, 21],
        "roadmap",
    )  # fmt: skip
    b.p("Cơ cấu nguồn vốn theo lộ trình (triệu đồng):", keep=True)
    b.table(
        ["Năm", "Tiêu chí, lĩnh vực"] + [label for _, label in SOURCE_LABELS],
        ["{{ r.year }}", "{{ r.target }}"] + [f"{{{{ r.{key} }}}}" for key, _ in SOURCE_LABELS],
        [18, 22] + [25] * len(SOURCE_LABELS),
        "money",
    )
    b.lines("funding")
    b.tag("{%p else %}")
    b.p(ph("lộ trình theo năm và theo tiêu chí: chưa có kế hoạch giải pháp (ntm plan / --plan)"))
    b.tag("{%p endif %}")
    b.heading("d) Giữ vững các tiêu chí đã đạt", 3)
    b.lines("keep")
    b.heading("2. Phân công thực hiện", 2)
    b.carried("assignment", "phân công ban, ngành, thôn")
    b.tag("{%p if assignment %}")
    b.table(
        ["Đơn vị", "Nhiệm vụ được giao"],
        ["{{ r.body }}", "{{ r.tasks }}"],
        [45, 120],
        "assignment",
    )
    b.tag("{%p endif %}")


def plan_organisation(b: Builder) -> None:
    b.heading("IV. TỔ CHỨC THỰC HIỆN")
    b.heading(
        "1. Tăng cường sự lãnh đạo của Đảng, quản lý của chính quyền, vai trò của Mặt trận Tổ "
        "quốc và các đoàn thể",
        2,
    )
    b.carried("leadership", "lãnh đạo, chỉ đạo; thỏa ước với nhân dân; giám sát công trình")
    tasks_table(b, "leadership")
    b.heading("2. Tăng cường truyền thông và phát huy quyền làm chủ của người dân", 2)
    b.carried("people_say", "công khai mục tiêu, mức đóng góp, tổng kinh phí; lấy ý kiến")
    tasks_table(b, "people_say")
    b.heading("3. Huy động và lồng ghép các nguồn vốn", 2)
    b.carried("funds", "nguyên tắc huy động và lồng ghép vốn")
    b.lines("funding")
    for heading, key, ask in PLAN_FUNDS:
        b.heading(heading, 3)
        b.carried(key, ask)
        tasks_table(b, key)
    b.heading("V. ĐỀ XUẤT, KIẾN NGHỊ")
    b.carried("proposals", "đề xuất, kiến nghị với cấp trên")
    b.heading("VI. NHIỆM VỤ CỦA BAN QUẢN LÝ XÃ")
    b.carried("board_duties", "nhiệm vụ của Ban quản lý xã")


def build_plan(path: Path) -> Path:
    b = Builder()
    heading_block(b, "KH-BQL")
    notices(b)
    title(b, "KẾ HOẠCH")
    plan_part_one(b)
    plan_by_criterion(b)
    plan_organisation(b)
    closing_and_signature(b, "Trên đây là kế hoạch ...; nơi gửi")
    return b.save(path)


# ---------------------------------------------------------------------------------------------
# The annual report (Báo cáo)


def build_report(path: Path) -> Path:
    b = Builder()
    heading_block(b, "BC-BQL")
    notices(b)
    title(b, "BÁO CÁO")
    b.p("{{ intro }}")
    b.heading("I. KẾT QUẢ ĐẠT ĐƯỢC NĂM {{ doc.year }}")
    b.lines("results")
    b.heading("1. Kết quả nổi bật, cách làm hay", 2)
    b.carried("highlights", "kết quả nổi bật, cách làm hay trong năm")
    b.heading("II. TỰ ĐÁNH GIÁ THEO TỪNG TIÊU CHÍ")
    b.tag("{%p for s in sets %}")
    b.p("{{ s.summary }}")
    b.table(
        ["TT", "Tiêu chí", "Yêu cầu", "Kết quả", "Tự đánh giá"],
        ["{{ r.no }}", "{{ r.number }}. {{ r.name }}", "{{ r.requirements }}", "{{ r.results }}",
         "{{ r.status }}"],
        [11, 36, 48, 45, 25],
        "s.self_assessment",
    )  # fmt: skip
    b.tag("{%p if s.provisional %}")
    b.p("{{ s.provisional }}", italic=True, size=b.lay["table_pt"])
    b.tag("{%p endif %}")
    b.tag("{%p endfor %}")
    b.heading("III. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN")
    b.carried("shortcomings", "tồn tại, hạn chế và nguyên nhân")
    b.heading("IV. NHIỆM VỤ, GIẢI PHÁP NĂM {{ doc.next_year }}")
    b.heading("1. Các chỉ tiêu còn phải thực hiện", 2)
    b.tag("{%p for s in sets %}")
    b.tag("{%p if s.unmet %}")
    b.p("Các chỉ tiêu còn phải thực hiện ({{ s.label }}):", keep=True)
    _unmet_table(b)
    b.tag("{%p else %}")
    b.p("Không còn chỉ tiêu chưa đạt ({{ s.label }}).")
    b.tag("{%p endif %}")
    b.tag("{%p endfor %}")
    b.lines("keep")
    b.heading("2. Giải pháp", 2)
    b.carried("solutions", "giải pháp cho các nhiệm vụ còn lại")
    b.heading("V. ĐỀ XUẤT, KIẾN NGHỊ")
    b.carried("proposals", "đề xuất, kiến nghị với cấp trên")
    closing_and_signature(b, "Trên đây là báo cáo ...; nơi gửi")
    return b.save(path)


TEMPLATES = {"plan": "plan.docx", "report": "report.docx"}
BUILDERS = {"plan": build_plan, "report": build_report}
FIELDS = DOCUMENTS / "fields.yaml"
SAMPLE = shipped("sample")


def template_path(kind: str) -> Path:
    return DOCUMENTS / TEMPLATES[kind]


def sample_listing() -> dict[str, list[list[str]]]:
    """Every field of each document with its value for the bundled sample (Đức Chính, the
    advanced and model sets of Hải Dương, its illustrative plan)."""
    from ..assess.loaded import load_runs
    from ..intake.plans import read_budget, read_plan
    from .board_documents import document_contexts, document_fields, field_listing

    runs = load_runs(
        [str(SAMPLE / "indicators.csv"), str(SAMPLE / "model_conditions.csv")],
        str(SAMPLE / "communes.csv"),
        ["hd-2022-advanced", "hd-2022-model"],
    )
    last = runs[-1]
    year = last.checked_year(None, "10912")
    plan = read_plan([str(SAMPLE / "plan.csv")], last.cset, last.register, year)
    budget = read_budget([str(SAMPLE / "budget.csv")], last.register)
    contexts = document_contexts(runs, "10912", year, plan, budget)
    return {
        kind: [
            [name, value[:100]] for name, value in field_listing(document_fields(kind, contexts))
        ]
        for kind in TEMPLATES
    }


def write_listing(path: Path = FIELDS) -> Path:
    header = (
        "# The fields of the board's documents, for Word templates (ntm document fields), with\n"
        "# their value for the bundled illustrative sample. Written by\n"
        "# python -m ntm_lib.reports.document_templates; do not edit.\n"
    )
    text = yaml.safe_dump(
        sample_listing(), allow_unicode=True, sort_keys=False, width=200, default_flow_style=None
    )
    path.write_text(header + text, encoding="utf-8")
    return path


def listing() -> dict[str, list[list[str]]]:
    return yaml_text.load(FIELDS.read_text(encoding="utf-8"))


def build_all(folder: Path = DOCUMENTS) -> list[Path]:
    built = [BUILDERS[kind](folder / name) for kind, name in TEMPLATES.items()]
    return built + ([write_listing(folder / FIELDS.name)] if SAMPLE.is_dir() else [])


def _unmet_table(b) -> None:
    """The table of a set's unmet indicators (`s.unmet`), in the plan and in the report."""
    b.table(
        ["Chỉ tiêu", "Nội dung", "Hiện trạng", "Yêu cầu", "Còn thiếu"],
        [
            "{{ r.indicator }}",
            "{{ r.name }}",
            "{{ r.value }}",
            "{{ r.requirement }}",
            "{{ r.gap }}",
        ],
        [17, 58, 30, 30, 30],
        "s.unmet",
    )


if __name__ == "__main__":
    for written in build_all():
        print(written)
