"""The board's drafts (.docx), read back with python-docx and checked against the tables."""

import os
import shutil
import subprocess

import pandas as pd
import pytest
from conftest import SAMPLE
from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml.ns import qn
from docx.shared import Mm

from ntm_lib import fmt
from ntm_lib.cli import main

ARGS = [
    str(SAMPLE / "indicators.csv"),
    str(SAMPLE / "model_conditions.csv"),
    "--communes",
    str(SAMPLE / "communes.csv"),
    "--set",
    "hd-2022-model",
]
PLAN = ["--plan", str(SAMPLE / "plan.csv"), "--budget", str(SAMPLE / "budget.csv")]


@pytest.fixture(scope="module")
def drafts(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("docs")
    assert (
        main(
            ["document", "plan"]
            + ARGS
            + ["--commune", "10912", "--out", str(tmp / "ke-hoach.docx")]
            + PLAN
        )
        == 0
    )
    assert (
        main(
            ["document", "report"]
            + ARGS
            + ["--commune", "10912", "--year", "2025", "--out", str(tmp / "bao-cao.docx")]
        )
        == 0
    )
    assert main(["assess"] + ARGS + ["--out", str(tmp / "assess")]) == 0
    assert main(["plan"] + ARGS + PLAN + ["--out", str(tmp / "plan")]) == 0
    return tmp


def _texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def _runs(doc):
    for p in doc.paragraphs:
        yield from p.runs
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                for p in cell.paragraphs:
                    yield from p.runs


def _table_with(doc, header_start: str):
    return next(
        t
        for t in doc.tables
        if t.rows[0].cells[0].text == header_start
        and len(t.rows[0].cells) > 2
        and t.rows[0].cells[1].text != ""
    )


@pytest.mark.parametrize("name", ["ke-hoach.docx", "bao-cao.docx"])
def test_header_block_page_and_numbering(drafts, name):
    doc = Document(str(drafts / name))
    head = doc.tables[0]
    text = "\n".join(c.text for row in head.rows for c in row.cells)
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
    assert "[họ và tên]" in marked


def test_the_plan_cites_the_sets_legal_bases(drafts):
    bases = [
        t
        for t in _texts(Document(str(drafts / "ke-hoach.docx")))
        if t.startswith("Căn cứ Quyết định")
    ]
    for number in ("318/QĐ-TTg", "211/QĐ-TTg", "319/QĐ-TTg", "2582/QĐ-UBND", "2583/QĐ-UBND"):
        assert any(number in b for b in bases), number
    assert bases[0].startswith("Căn cứ Quyết định số 318/QĐ-TTg")  # national first


def test_the_criteria_table_matches_criteria_csv(drafts):
    doc = Document(str(drafts / "ke-hoach.docx"))
    table = _table_with(doc, "TT")
    crit = pd.read_csv(drafts / "assess" / "criteria.csv", dtype=str)
    crit = crit[(crit["commune_id"] == "10912") & (crit["year"] == "2025")]
    got = [(row.cells[1].text.split(".")[0], row.cells[3].text) for row in table.rows[1:]]
    want = [(r.criterion, fmt.status(r.status, "vi")) for r in crit.itertuples()]
    assert got == want
    xml = table.rows[0]._tr.xml
    assert qn("w:tblHeader").split("}")[1] in xml  # header row repeated on every page


def test_the_roadmap_table_matches_roadmap_csv(drafts):
    doc = Document(str(drafts / "ke-hoach.docx"))
    table = next(
        t
        for t in doc.tables
        if t.rows[0].cells[0].text == "Năm" and t.rows[0].cells[2].text == "Giải pháp"
    )
    road = pd.read_csv(drafts / "plan" / "roadmap.csv", dtype=str)
    road = road[road["commune_id"] == "10912"]
    got = [(r.cells[0].text, r.cells[1].text, r.cells[4].text) for r in table.rows[1:]]
    want = [
        (
            r.year_scheduled if r.funded == "True" else "chưa bố trí được vốn",
            r.criterion,
            fmt.number(float(r.cost), "vi"),
        )
        for r in road.itertuples()
    ]
    assert got == want


def test_the_report_has_the_self_assessment_of_every_criterion(drafts):
    doc = Document(str(drafts / "bao-cao.docx"))
    table = _table_with(doc, "TT")
    assert [c.text for c in table.rows[0].cells] == [
        "TT",
        "Tiêu chí",
        "Yêu cầu",
        "Kết quả",
        "Tự đánh giá",
    ]
    crit = pd.read_csv(drafts / "assess" / "criteria.csv", dtype=str)
    crit = crit[(crit["commune_id"] == "10912") & (crit["year"] == "2025")]
    assert len(table.rows) - 1 == len(crit)
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


def test_drafts_open_in_libreoffice(drafts, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("NTM_REQUIRE_LIBREOFFICE"):
            pytest.fail("LibreOffice is required here (NTM_REQUIRE_LIBREOFFICE) but not installed")
        pytest.skip("no LibreOffice on this machine: apt-get install libreoffice-writer")
    for name in ("ke-hoach.docx", "bao-cao.docx"):
        subprocess.run(
            [
                soffice,
                "--headless",
                f"-env:UserInstallation=file://{tmp_path}/lo",
                "--convert-to",
                "pdf",
                "--outdir",
                str(tmp_path),
                str(drafts / name),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        pdf = tmp_path / name.replace(".docx", ".pdf")
        assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
        assert pdf.read_bytes().count(b"/Type /Page") >= 2 or b"/Count" in pdf.read_bytes()


def test_the_batch_writes_links_and_verifies_the_drafts(tmp_path):
    from ntm_lib.reports.batch import run_report
    from ntm_lib.verify import verify

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
