"""The board's drafts (.docx), read back with python-docx and checked against the assessment,
the plan and the budget; their templates, the board's carried text, and what ntm refuses."""

import shutil
import zipfile

import pandas as pd
import pytest
from conftest import SAMPLE, write
from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml.ns import qn
from docx.shared import Mm

from ntm_lib import fmt
from ntm_lib.cli import main
from ntm_lib.criteria.catalogue import load_set, unverified

ZWSP = "\u200b"
DATA = [str(SAMPLE / "indicators.csv"), str(SAMPLE / "model_conditions.csv")]
ARGS = DATA + ["--communes", str(SAMPLE / "communes.csv"), "--set", "hd-2022-model"]
PLAN = ["--plan", str(SAMPLE / "plan.csv"), "--budget", str(SAMPLE / "budget.csv")]
# The sample's plan, with general tasks and a work no year's budget covers.
GENERAL_TASKS = (
    "10912,,,Tuyên truyền,Tăng thời lượng phát thanh về nông thôn mới,Đài truyền thanh xã,"
    "Thường xuyên,20,20,0,0,0,0,1\n"
    "10912,,,tín dụng,Cho vay phát triển sản xuất qua Hội Nông dân,Hội Nông dân xã,2027,300,"
    "0,0,0,300,0,2\n"
    "10912,17,,,Xây khu xử lý rác tập trung,UBND xã,2027,9000,9000,0,0,0,0,5\n"
)


def _plan_with_general_tasks(folder):
    text = (SAMPLE / "plan.csv").read_text(encoding="utf-8").splitlines()
    header = text[0].replace("criterion,indicator,", "criterion,indicator,field,")
    rows = [",".join(r.split(",")[:3] + [""] + r.split(",")[3:]) for r in text[1:]]
    return write(folder / "plan.csv", "\n".join([header] + rows) + "\n" + GENERAL_TASKS)


@pytest.fixture(scope="module")
def drafts(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("docs")
    commune = ["--commune", "10912"]
    assert (
        main(["document", "plan"] + ARGS + commune + PLAN + ["--out", str(tmp / "ke-hoach.docx")])
        == 0
    )
    report = ["--year", "2025", "--out", str(tmp / "bao-cao.docx")]
    assert main(["document", "report"] + ARGS + commune + report) == 0
    assert main(["assess"] + ARGS + ["--out", str(tmp / "assess")]) == 0
    assert main(["plan"] + ARGS + PLAN + ["--out", str(tmp / "plan")]) == 0
    plan = _plan_with_general_tasks(tmp)
    more = ["--plan", str(plan), "--budget", str(SAMPLE / "budget.csv")]
    sets = DATA + [
        "--communes",
        str(SAMPLE / "communes.csv"),
        "--set",
        "hd-2022-advanced",
        "--set",
        "hd-2022-model",
    ]
    signer = [
        "--signer-title",
        "Phó Trưởng ban thường trực",
        "--signer-name",
        "Nguyễn Văn An",
        "--number",
        "15/KH-BQL",
        "--date",
        "2026-02-05",
    ]
    assert (
        main(
            ["document", "plan"] + sets + commune + more + signer + ["--out", str(tmp / "two.docx")]
        )
        == 0
    )
    assert main(["plan"] + ARGS + more + ["--out", str(tmp / "plan2")]) == 0
    return tmp


def _plain(text: str) -> str:
    return text.replace(ZWSP, "")


def _texts(doc) -> list[str]:
    return [_plain(p.text) for p in doc.paragraphs]


def _runs(doc):
    for p in doc.paragraphs:
        yield from p.runs
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                for p in cell.paragraphs:
                    yield from p.runs


def _table(doc, *header):
    return next(
        t
        for t in doc.tables
        if [_plain(c.text) for c in t.rows[0].cells[: len(header)]] == list(header)
    )


def _rows(table) -> list[list[str]]:
    return [[_plain(c.text) for c in row.cells] for row in table.rows[1:]]


def _el_text(el) -> str:
    """The text of a body element (paragraph or table), ntm's zero-width breaks removed."""
    return _plain("".join(t.text or "" for t in el.iter(qn("w:t"))))


def _after(doc, heading: str) -> list[str]:
    """The paragraphs between `heading` and the next bold heading."""
    texts = [(_plain(p.text), bool(p.runs and p.runs[0].bold)) for p in doc.paragraphs]
    start = next(k for k, (t, _) in enumerate(texts) if t == heading)
    out = []
    for text, bold in texts[start + 1 :]:
        if bold:
            break
        out.append(text)
    return out


# ---------------------------------------------------------------------------------------------
# Heading, layout, placeholders


@pytest.mark.parametrize("name", ["ke-hoach.docx", "bao-cao.docx"])
def test_header_block_page_and_numbering(drafts, name):
    doc = Document(str(drafts / name))
    head = doc.tables[0]
    text = "\n".join(_plain(c.text) for row in head.rows for c in row.cells)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "UBND XÃ ĐỨC CHÍNH" in text and "Số: [số]/" in text
    section = doc.sections[0]

    def close(a, b):  # Word stores twentieths of a point
        return abs(a - b) < Mm(0.1)

    assert close(section.page_width, Mm(210)) and close(section.page_height, Mm(297))
    assert close(section.left_margin, Mm(30)) and close(section.right_margin, Mm(15))
    assert section.different_first_page_header_footer  # no number on page 1
    assert "PAGE" in section.header._element.xml
    assert doc.styles["Normal"].font.name == "Times New Roman"


@pytest.mark.parametrize("name", ["ke-hoach.docx", "bao-cao.docx"])
def test_every_placeholder_is_marked_and_only_placeholders_are(drafts, name):
    doc = Document(str(drafts / name))
    runs = [(r.text, r.font.highlight_color == WD_COLOR_INDEX.YELLOW) for r in _runs(doc)]
    marked = [text for text, yellow in runs if yellow]
    bracketed = [text for text, _ in runs if text.startswith("[") and text.endswith("]")]
    assert len(marked) >= 5 and marked == bracketed
    assert "[họ và tên]" in marked and "[CHỨC VỤ NGƯỜI KÝ]" in marked


def test_heading_and_signature_from_options(drafts):
    """The signer's title is data (here a standing deputy: KT. TRƯỞNG BAN), with the name,
    number and date; «Nơi nhận» sits beside the signature in a borderless table."""
    doc = Document(str(drafts / "two.docx"))
    head = "\n".join(_plain(c.text) for row in doc.tables[0].rows for c in row.cells)
    assert "Số: 15/KH-BQL" in head and "ngày 05 tháng 02 năm 2026" in head
    last = doc.tables[-1]
    assert len(last.rows) == 1 and len(last.columns) == 2
    left, right = (_plain(c.text) for c in last.rows[0].cells)
    assert left.startswith("Nơi nhận:")
    assert right.split("\n")[:3] == [
        "TM. BAN QUẢN LÝ XÂY DỰNG NÔNG THÔN MỚI",
        "KT. TRƯỞNG BAN",
        "PHÓ TRƯỞNG BAN THƯỜNG TRỰC",
    ]
    assert right.split("\n")[-1] == "Nguyễn Văn An"
    assert "TRƯỞNG BAN\n" not in right.replace("KT. TRƯỞNG BAN\n", "")  # never a fixed title
    assert last.style is None or last.style.name != "Table Grid"


def test_heading_and_signature_from_the_register(tmp_path, capsys):
    register = (SAMPLE / "communes.csv").read_text(encoding="utf-8").splitlines()
    register[0] += ",Cơ quan chủ quản,Chức vụ người ký,Người ký,Địa danh"
    register = [register[0]] + [
        line
        + (
            ",UBND xã Đức Chính,Chủ tịch,Trần Văn Tưởng,Cẩm Giàng"
            if line.startswith("10912,")
            else ",,,,"
        )
        for line in register[1:]
    ]
    path = write(tmp_path / "communes.csv", "\n".join(register) + "\n")
    out = tmp_path / "kh.docx"
    args = DATA + ["--communes", str(path), "--set", "hd-2022-model", "--commune", "10912"]
    assert main(["document", "plan"] + args + ["--out", str(out)]) == 0, capsys.readouterr().err
    doc = Document(str(out))
    right = _plain(doc.tables[-1].rows[0].cells[1].text).split("\n")
    assert right[1] == "CHỦ TỊCH" and right[-1] == "Trần Văn Tưởng"
    head = "\n".join(_plain(c.text) for row in doc.tables[0].rows for c in row.cells)
    assert "Cẩm Giàng, ngày [ngày]" in head


def test_table_rows_never_split_and_headers_repeat(drafts):
    for name in ("ke-hoach.docx", "two.docx", "bao-cao.docx"):
        doc = Document(str(drafts / name))
        for table in doc.tables:
            for k, row in enumerate(table.rows):
                props = row._tr.trPr
                assert props is not None and props.find(qn("w:cantSplit")) is not None, name
            grid = table.style is not None and table.style.name == "Table Grid"
            if grid:
                assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


def test_every_table_is_followed_by_space(drafts):
    doc = Document(str(drafts / "two.docx"))
    for tbl in doc.element.body.iter(qn("w:tbl")):
        after = tbl.getnext()
        if after is None or after.tag != qn("w:p"):
            continue
        text = _el_text(after).strip()
        spacing = after.find(qn("w:pPr") + "/" + qn("w:spacing"))
        assert text == "" or (spacing is not None and int(spacing.get(qn("w:before"), "0")) >= 120)


def test_units_may_break_only_at_the_slash(drafts):
    doc = Document(str(drafts / "ke-hoach.docx"))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    units = [c for c in cells if "đồng/" in _plain(c)]
    assert units and all("đồng/" + ZWSP + "người/" + ZWSP + "năm" in c for c in units)


# ---------------------------------------------------------------------------------------------
# Numbers against the assessment, the plan and the budget


def test_the_plan_cites_the_sets_legal_bases(drafts):
    bases = [
        t
        for t in _texts(Document(str(drafts / "ke-hoach.docx")))
        if t.startswith("Căn cứ Quyết định")
    ]
    for number in ("318/QĐ-TTg", "211/QĐ-TTg", "319/QĐ-TTg", "2582/QĐ-UBND", "2583/QĐ-UBND"):
        assert sum(number in b.split(" ngày")[0] for b in bases) == 1, number
    assert bases[0].startswith("Căn cứ Quyết định số 318/QĐ-TTg")  # national first


def test_the_criteria_table_matches_criteria_csv(drafts):
    doc = Document(str(drafts / "ke-hoach.docx"))
    table = _table(doc, "TT", "Tiêu chí", "Số chỉ tiêu đạt")
    crit = pd.read_csv(drafts / "assess" / "criteria.csv", dtype=str)
    crit = crit[(crit["commune_id"] == "10912") & (crit["year"] == "2025")]
    got = [(row[1].split(".")[0], row[2], row[3]) for row in _rows(table)]
    want = [
        (r.criterion, f"{r.indicators_met}/{r.indicators_total}", fmt.status(r.status, "vi"))
        for r in crit.itertuples()
    ]
    assert got == want


def test_the_provisional_note_is_under_the_status_table(drafts):
    doc = Document(str(drafts / "ke-hoach.docx"))
    texts = _texts(doc)
    weak = unverified(load_set("hd-2022-model"))
    note = next(t for t in texts if t.startswith("Lưu ý: kết luận trên là tạm thời"))
    assert f"{len(weak)}/{len(load_set('hd-2022-model').indicators)} chỉ tiêu" in note
    assert all(i.code in note for i in weak)
    body = list(doc.element.body.iterchildren())
    tables = [k for k, el in enumerate(body) if el.tag == qn("w:tbl")]
    at = next(k for k, el in enumerate(body) if _el_text(el).startswith("Lưu ý: kết luận"))
    status = next(k for k in tables if "Số chỉ tiêu đạt" in _el_text(body[k]))
    assert at > status and all(not (status < k < at) for k in tables)


def test_a_draft_of_the_illustrative_sample_says_so_first(drafts, tmp_path):
    doc = Document(str(drafts / "ke-hoach.docx"))
    first = [t for t in _texts(doc) if t.strip()][0]
    assert first.startswith("BẢN MINH HỌA")
    own = {}
    for name in ("indicators.csv", "model_conditions.csv", "communes.csv"):
        own[name] = tmp_path / name  # the same figures, other bytes: a commune's own files
        own[name].write_bytes((SAMPLE / name).read_bytes().replace(b"\n", b"\r\n"))
    args = [
        str(own["indicators.csv"]),
        str(own["model_conditions.csv"]),
        "--communes",
        str(own["communes.csv"]),
        "--set",
        "hd-2022-model",
    ]
    out = tmp_path / "own.docx"
    assert main(["document", "plan"] + args + ["--commune", "10912", "--out", str(out)]) == 0
    assert not any("BẢN MINH HỌA" in t for t in _texts(Document(str(out))))


def test_the_roadmap_reads_by_year_then_criterion_with_late_work(drafts):
    doc = Document(str(drafts / "ke-hoach.docx"))
    table = _table(doc, "Năm", "Tiêu chí, lĩnh vực", "Giải pháp")
    road = pd.read_csv(drafts / "plan" / "roadmap.csv", dtype=str)
    road = road[road["commune_id"] == "10912"]
    order = {c.number: k for k, c in enumerate(load_set("hd-2022-model").criteria)}
    road = road.assign(o=road["criterion"].map(order)).sort_values(["year_scheduled", "o"])
    got = [(r[0], r[1], r[4], "chậm" in r[5]) for r in _rows(table)]
    want = [
        (
            r.year_scheduled,
            f"Tiêu chí {r.criterion}",
            fmt.number(float(r.cost), "vi"),
            r.late == "True",
        )
        for r in road.itertuples()
    ]
    assert got == want
    assert any(late for *_, late in got)  # criterion 17 is funded in 2028, due 2027
    assert [y for y, *_ in got] == sorted(y for y, *_ in got)


def test_funds_not_arranged_are_shown_apart_from_the_total(drafts):
    doc = Document(str(drafts / "two.docx"))
    road = pd.read_csv(drafts / "plan2" / "roadmap.csv", dtype=str)
    road = road[road["commune_id"] == "10912"]
    funded = road[road["funded"] == "True"]
    unfunded = road[road["funded"] == "False"]
    assert len(unfunded) == 1 and float(unfunded["cost"].iloc[0]) == 9000 + 2000 + 120
    texts = _texts(doc)
    total = next(t for t in texts if t.startswith("Tổng kinh phí đã bố trí"))
    assert f"{fmt.number(funded['cost'].astype(float).sum(), 'vi')} triệu đồng" in total
    apart = next(t for t in texts if t.startswith("Chưa bố trí được vốn"))
    assert f"{fmt.number(11120.0, 'vi')} triệu đồng" in apart and "không tính vào tổng" in apart
    table = _table(doc, "Năm", "Tiêu chí, lĩnh vực", "Giải pháp")
    assert _rows(table)[-1][0] == "Chưa bố trí được vốn"


def test_general_tasks_land_in_their_section_and_the_budget(drafts):
    doc = Document(str(drafts / "two.docx"))
    road = pd.read_csv(drafts / "plan2" / "roadmap.csv", dtype=str, keep_default_na=False)
    general = road[road["kind"] == "general"].set_index("field")
    assert set(general.index) == {"communication", "credit"}
    assert general.loc["communication", "funded"] == "True"
    tasks = _table(doc, "Nhiệm vụ", "Đơn vị thực hiện", "Thời hạn")
    first = _rows(tasks)[0]
    assert first[:3] == [
        "Tăng thời lượng phát thanh về nông thôn mới",
        "Đài truyền thanh xã",
        "Thường xuyên",
    ]
    # the table sits in section II.1, right after its heading's placeholder
    body = list(doc.element.body.iterchildren())
    heading = next(k for k, el in enumerate(body) if _el_text(el) == "1. Công tác tuyên truyền")
    nxt = next(k for k in range(heading + 1, len(body)) if body[k].tag == qn("w:tbl"))
    assert "Tăng thời lượng phát thanh" in _el_text(body[nxt])
    assert all("Công tác đào tạo" not in _el_text(body[k]) for k in range(heading, nxt))
    credit = next(k for k, el in enumerate(body) if _el_text(el).startswith("3.3."))
    nxt = next(k for k in range(credit + 1, len(body)) if body[k].tag == qn("w:tbl"))
    assert "Hội Nông dân" in _el_text(body[nxt])
    roadmap = _table(doc, "Năm", "Tiêu chí, lĩnh vực", "Giải pháp")
    assert "Công tác tuyên truyền" in [r[1] for r in _rows(roadmap)]


def test_several_sets_in_one_plan(drafts, capsys):
    doc = Document(str(drafts / "two.docx"))
    texts = _texts(doc)
    assert "Xây dựng xã Đức Chính đạt chuẩn NTM nâng cao, NTM kiểu mẫu" in texts
    summaries = [t for t in texts if t.startswith("Theo Bộ tiêu chí")]
    assert len(summaries) == 2 and "nâng cao" in summaries[0] and "kiểu mẫu" in summaries[1]
    crit = [t for t in doc.tables if _plain(t.rows[0].cells[0].text) == "TT"]
    assert len(crit) == 2 and len(crit[1].rows) == len(crit[0].rows) + 1  # KM besides 1-19
    warning = [t for t in texts if "sau khi giai đoạn 2021 - 2025" in t]
    assert len(warning) == 2 and all("năm 2026, 2027, sau khi" in w for w in warning)


def test_plan_years_after_the_period_are_warned_on_the_terminal(tmp_path, capsys):
    out = tmp_path / "kh.docx"
    assert (
        main(["document", "plan"] + ARGS + ["--commune", "10912"] + PLAN + ["--out", str(out)]) == 0
    )
    err = capsys.readouterr().err
    assert "2026, 2027, 2028" in err and "2021 - 2025" in err


def test_the_report_has_the_self_assessment_of_every_criterion(drafts):
    doc = Document(str(drafts / "bao-cao.docx"))
    table = _table(doc, "TT", "Tiêu chí", "Yêu cầu", "Kết quả", "Tự đánh giá")
    crit = pd.read_csv(drafts / "assess" / "criteria.csv", dtype=str)
    crit = crit[(crit["commune_id"] == "10912") & (crit["year"] == "2025")]
    assert [r[4] for r in _rows(table)] == [fmt.status(s, "vi") for s in crit["status"]]
    texts = "\n".join(_texts(doc))
    assert "So với năm 2024" in texts and "năm 2025" in texts


def test_drafts_are_reproducible(drafts, tmp_path):
    again = tmp_path / "again.docx"
    assert (
        main(["document", "plan"] + ARGS + ["--commune", "10912", "--out", str(again)] + PLAN) == 0
    )
    assert again.read_bytes() == (drafts / "ke-hoach.docx").read_bytes()


def test_a_commune_without_data_is_refused(tmp_path, capsys):
    assert (
        main(
            ["document", "plan"] + ARGS + ["--commune", "99999", "--out", str(tmp_path / "x.docx")]
        )
        == 1
    )
    assert not (tmp_path / "x.docx").exists()


# ---------------------------------------------------------------------------------------------
# The board's own text and template


def test_the_boards_text_is_carried_from_last_years_draft(drafts, tmp_path):
    """The board fills last year's draft in Word; its wording comes into this year's, under
    the same headings; the data parts are not carried."""
    last = tmp_path / "nam-truoc.docx"
    shutil.copy(drafts / "ke-hoach.docx", last)
    doc = Document(str(last))
    paras = doc.paragraphs
    for heading, words in (
        ("1. Mục đích", "Mục đích riêng của xã."),
        ("VI. NHIỆM VỤ CỦA BAN QUẢN LÝ XÃ", "Ban quản lý họp mỗi quý."),
    ):
        k = next(i for i, p in enumerate(paras) if _plain(p.text) == heading)
        paras[k + 1].text = words
    cell = doc.tables[-1].rows[0].cells[0]
    cell.paragraphs[1].text = "- Ban Chỉ đạo NTM tỉnh;"
    doc.save(str(last))
    text = write(tmp_path / "yeu-cau.txt", "2. Yêu cầu\nCác ban ngành vào cuộc.\nĐoạn thứ hai.\n")
    out = tmp_path / "nam-nay.docx"
    args = ["--text", str(last), "--text", str(text), "--out", str(out)]
    assert main(["document", "plan"] + ARGS + ["--commune", "10912"] + PLAN + args) == 0
    new = Document(str(out))
    assert _after(new, "1. Mục đích") == ["Mục đích riêng của xã."]
    assert _after(new, "2. Yêu cầu") == ["Các ban ngành vào cuộc.", "Đoạn thứ hai."]
    assert _after(new, "VI. NHIỆM VỤ CỦA BAN QUẢN LÝ XÃ")[0] == "Ban quản lý họp mỗi quý."
    assert "- Ban Chỉ đạo NTM tỉnh;" in _plain(new.tables[-1].rows[0].cells[0].text)
    texts = _texts(new)
    assert texts.count("Mục đích riêng của xã.") == 1
    assert sum(t.startswith("Theo Bộ tiêu chí") for t in texts) == 1  # data not carried twice


def test_a_text_file_with_no_known_heading_is_refused(tmp_path, capsys):
    text = write(tmp_path / "x.txt", "Một đoạn văn không có tiêu đề.\n")
    out = tmp_path / "kh.docx"
    assert (
        main(
            ["document", "plan"]
            + ARGS
            + ["--commune", "10912", "--text", str(text), "--out", str(out)]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert "x.txt" in err and "mục đích" in err and not out.exists()


def _edit_template(src, dst, edit):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info, edit(info.filename, data))
    return dst


def test_a_boards_own_template_with_renamed_headings_and_extra_text(tmp_path):
    from ntm_lib.reports.document_templates import template_path

    doc = Document(str(template_path("plan")))
    for p in doc.paragraphs:
        if p.text == "1. Mục đích":
            p.runs[0].text = "1. Mục tiêu của kế hoạch"
            extra = p.insert_paragraph_before(
                "Văn bản riêng của tỉnh, huyện {{ commune.district }}."
            )
            extra.runs[0].bold = False
    own = tmp_path / "mau-cua-xa.docx"
    doc.save(str(own))
    out = tmp_path / "kh.docx"
    assert (
        main(
            ["document", "plan"]
            + ARGS
            + ["--commune", "10912", "--template", str(own), "--out", str(out)]
        )
        == 0
    )
    texts = _texts(Document(str(out)))
    assert "Văn bản riêng của tỉnh, huyện Cẩm Giàng." in texts
    assert "1. Mục tiêu của kế hoạch" in texts and "1. Mục đích" not in texts
    assert any(t.startswith("Theo Bộ tiêu chí") for t in texts)
    # next year: the board's wording under its own heading is carried into the new draft
    filled = Document(str(out))
    k = next(i for i, p in enumerate(filled.paragraphs) if p.text == "1. Mục tiêu của kế hoạch")
    filled.paragraphs[k + 1].text = "Mục tiêu do xã tự viết."
    filled.save(str(out))
    again = tmp_path / "kh-2.docx"
    args = ["--template", str(own), "--text", str(out), "--out", str(again)]
    assert main(["document", "plan"] + ARGS + ["--commune", "10912"] + args) == 0
    assert _after(Document(str(again)), "1. Mục tiêu của kế hoạch") == ["Mục tiêu do xã tự viết."]


DOC, RELS, SUBJECT = "word/document.xml", "word/_rels/document.xml.rels", b"{{ title.subject }}"
ATTACHED = (
    b'<Relationship Id="rIdX" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/attachedTemplate" Target="http://example.org/t.dotm" TargetMode="External"/>'
)
INCLUDE = (
    b'</w:t></w:r><w:r><w:instrText xml:space="preserve"> INCLUDETEXT "//host/x.docx" '
    b"</w:instrText></w:r><w:r><w:t>"
)
# part of the template, text replaced, what it becomes
HOSTILE = {
    "python internals": (DOC, SUBJECT, b"{{ ''.__class__.__mro__[1].__subclasses__() }}"),
    "a cycler's globals": (
        DOC,
        SUBJECT,
        b"{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    ),
    "jinja include": (DOC, SUBJECT, b"{% include '/etc/passwd' %}"),
    "jinja macro": (DOC, SUBJECT, b"{% macro m() %}x{% endmacro %}"),
    "a huge repetition": (DOC, SUBJECT, b"{{ 'x' * 900000000 }}"),
    "an attached template": (RELS, b"</Relationships>", ATTACHED + b"</Relationships>"),
    "an include field": (DOC, SUBJECT, INCLUDE),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_template_is_refused(tmp_path, capsys, case):
    from ntm_lib.reports.document_templates import template_path

    part, old, new = HOSTILE[case]
    bad = _edit_template(
        template_path("plan"),
        tmp_path / "bad.docx",
        lambda name, data: data.replace(old, new) if name == part else data,
    )
    out = tmp_path / "kh.docx"
    assert (
        main(
            ["document", "plan"]
            + ARGS
            + ["--commune", "10912", "--template", str(bad), "--out", str(out)]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert "bad.docx" in err and "Traceback" not in err and "uid=" not in err
    assert not out.exists()


def test_a_template_with_macros_is_refused(tmp_path, capsys):
    from ntm_lib.reports.document_templates import template_path

    bad = tmp_path / "macro.docx"
    shutil.copy(template_path("plan"), bad)
    with zipfile.ZipFile(bad, "a") as zf:
        zf.writestr("word/vbaProject.bin", b"\x00" * 64)
    out = tmp_path / "kh.docx"
    assert (
        main(
            ["document", "plan"]
            + ARGS
            + ["--commune", "10912", "--template", str(bad), "--out", str(out)]
        )
        == 1
    )
    assert "macro" in capsys.readouterr().err and not out.exists()


def test_document_fields_lists_every_field_of_the_templates(capsys):
    from docxtpl import DocxTemplate

    from ntm_lib.reports.document_templates import sample_listing, template_path
    from ntm_lib.reports.docx_writer import _environment

    assert main(["document", "fields"]) == 0
    out = capsys.readouterr().out
    assert "commune.name: Đức Chính" in out and "roadmap[].year: 2026" in out
    assert "signature.title:" in out and "sets[].criteria[].status: Đạt" in out
    listed = {
        line.split(":")[0].strip().split(".")[0].split("[")[0]
        for line in out.splitlines()
        if ": " in line
    }
    for kind in ("plan", "report"):
        used = DocxTemplate(str(template_path(kind))).get_undeclared_template_variables(
            _environment()
        )
        assert used <= listed, used - listed
    from ntm_lib.reports.document_templates import listing

    assert listing() == sample_listing(), (
        "fields.yaml is stale: python -m ntm_lib.reports.document_templates"
    )


def test_the_shipped_templates_are_built_by_code(tmp_path):
    from ntm_lib.reports.document_templates import (
        TEMPLATES,
        build_plan,
        build_report,
        template_path,
    )

    for kind, build in (("plan", build_plan), ("report", build_report)):
        built = build(tmp_path / TEMPLATES[kind])
        assert built.read_bytes() == template_path(kind).read_bytes(), kind


# ---------------------------------------------------------------------------------------------
# Never lose the board's edits; never stop on a character


def test_an_edited_draft_survives_a_rerun(drafts, tmp_path, capsys):
    out = tmp_path / "kh.docx"
    run = ["document", "plan"] + ARGS + ["--commune", "10912", "--out", str(out), "--force"]
    assert main(run) == 0
    assert main(run) == 0  # a draft nobody changed is replaced
    doc = Document(str(out))
    doc.add_paragraph("Ý kiến của Ban quản lý.")
    doc.save(str(out))
    edited = out.read_bytes()
    capsys.readouterr()
    assert main(run) == 2
    err = capsys.readouterr().err
    assert str(out) in err and "--text" in err
    assert out.read_bytes() == edited


def test_a_file_ntm_did_not_write_is_never_replaced(tmp_path, capsys):
    out = tmp_path / "kh.docx"
    out.write_bytes(b"the board's own file")
    run = ["document", "report"] + ARGS + ["--commune", "10912", "--out", str(out), "--force"]
    assert main(run) == 2
    assert out.read_bytes() == b"the board's own file"


@pytest.mark.parametrize("char", ["\ufffe", "\uffff", "\ufdd0", "\U0001fffe", "\x01"])
def test_a_noncharacter_in_a_name_or_a_plan_text_gives_a_draft(tmp_path, char):
    """Issue 23: a Unicode noncharacter in a commune name or a plan text stopped the drafts."""
    from ntm_lib.assess.loaded import load_runs
    from ntm_lib.intake.plans import read_budget, read_plan
    from ntm_lib.reports.board_documents import document_contexts, write_document

    runs = load_runs(DATA, str(SAMPLE / "communes.csv"), ["hd-2022-model"])
    year = runs[0].checked_year()
    (ctx,) = document_contexts(
        runs,
        "10912",
        year,
        read_plan([str(SAMPLE / "plan.csv")], runs[0].cset, runs[0].register, year),
        read_budget([str(SAMPLE / "budget.csv")], runs[0].register),
    )
    ctx.register = ctx.register.assign(name=ctx.register["name"].str.replace("Đức", f"Đức{char}"))
    road = ctx.roadmap.roadmap
    road["solution"] = road["solution"] + char
    road["responsible"] = char + road["responsible"]
    for kind in ("plan", "report"):
        draft = write_document(kind, [ctx], tmp_path / f"{kind}.docx")
        texts = "\n".join(_texts(Document(str(draft.path))))
        assert "Đức\ufffd Chính" in texts and char not in texts


def test_a_noncharacter_in_the_register_is_no_unexpected_error(tmp_path, capsys):
    register = (
        (SAMPLE / "communes.csv").read_text(encoding="utf-8").replace("Đức Chính", "Đức\ufffeChính")
    )
    path = write(tmp_path / "communes.csv", register)
    out = tmp_path / "kh.docx"
    code = main(
        ["document", "plan"]
        + DATA
        + [
            "--communes",
            str(path),
            "--set",
            "hd-2022-model",
            "--commune",
            "10912",
            "--out",
            str(out),
        ]
    )
    err = capsys.readouterr().err
    assert "Traceback" not in err and "log" not in err.lower()
    assert (code == 0 and out.exists()) or (code == 1 and "communes.csv" in err)


def test_the_batch_writes_links_and_verifies_the_drafts(tmp_path):
    from ntm_lib.commands.report import run_report
    from ntm_lib.commands.verify import verify

    out = tmp_path / "run"
    manifest = run_report(
        [str(SAMPLE / "indicators.csv")],
        str(SAMPLE / "communes.csv"),
        "hd-2022-advanced",
        out,
        communes=["10912"],
        jobs=1,
        documents=True,
    )
    docs = sorted(p.name for p in (out / "documents").iterdir())
    assert docs == ["10912_duc-chinh-2025-bao-cao.docx", "10912_duc-chinh-2025-ke-hoach.docx"]
    page = (out / "communes" / "10912_duc-chinh-2025.html").read_text(encoding="utf-8")
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "../documents/10912_duc-chinh-2025-ke-hoach.docx" in page
    assert "documents/10912_duc-chinh-2025-bao-cao.docx" in index
    assert {
        "documents/10912_duc-chinh-2025-ke-hoach.docx",
        "documents/10912_duc-chinh-2025-bao-cao.docx",
    } <= set(manifest["files"])
    assert verify(out) == []
