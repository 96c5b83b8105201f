"""Every workbook ntm writes, printed by LibreOffice to A4 PDF: all its columns on the page (one
page wide, never bands of columns), pages in proportion to its rows, the header row and the
title atop every page, page numbers, and the first sheet's notes (illustrative, provisional)."""

import re

import pandas as pd
import pytest
from conftest import SAMPLE
from openpyxl import load_workbook

from ntm_lib.assess.pipeline import assess
from ntm_lib.criteria.catalogue import load_set
from ntm_lib.intake.inputs import load_inputs
from ntm_lib.provenance import files
from ntm_lib.reports.workbooks import write_assessment

SET = "hd-2022-advanced"
DATA, REGISTER = SAMPLE / "indicators.csv", SAMPLE / "communes.csv"


def _sheet_pages(texts: list[str]) -> dict[str, list[str]]:
    """Each printed page under the sheet its header names (the header's right part)."""
    out: dict[str, list[str]] = {}
    for text in texts:
        head = text.strip().splitlines()[0]
        out.setdefault(re.split(r"\s{2,}", head.strip())[-1], []).append(text)
    return out


@pytest.fixture(scope="module")
def sample_workbook(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wb")
    cset = load_set(SET)
    inputs = load_inputs([str(DATA)], str(REGISTER), cset)
    a = assess(cset, inputs.register, inputs.data)
    write_assessment(a, folder, cset, inputs.register, "vi", inputs=files([str(DATA)], "data"))
    return folder / "assessment.xlsx", a


def test_the_sample_workbook_prints_one_page_wide(sample_workbook, libreoffice, pdf_pages):
    path, a = sample_workbook
    texts = pdf_pages(libreoffice(path, "pdf"))
    sheets = _sheet_pages(texts)
    assert list(sheets)[:2] == ["Ghi chú", "Tổng hợp"]
    assert "SỐ LIỆU MINH HỌA" in texts[0] and "Ngưỡng tạm thời" in texts[0]
    assert len(sheets["Tổng hợp"]) == 1  # the summary on one page
    wb = load_workbook(path, read_only=True)
    for name in ("Tổng hợp", "Xã", "Tiêu chí", "Chỉ tiêu"):
        header = [c.value for c in next(wb[name].iter_rows(max_row=1))]
        for page in sheets[name]:  # every column on every page: no band of columns
            flat = " ".join(page.split())
            assert all(h.split()[-1] in flat for h in header), (name, header)
    rows = {"Xã": len(a.communes), "Tiêu chí": len(a.criteria), "Chỉ tiêu": len(a.indicators)}
    for name, n in rows.items():  # pages in proportion to rows: at least 25 rows a page
        assert len(sheets[name]) <= n // 25 + 1, (name, len(sheets[name]), n)
    for n, text in enumerate(texts, start=1):
        assert f"Trang {n}/{len(texts)}" in text


def test_the_workbook_says_how_to_print(sample_workbook):
    """The print setup itself: A4, one page wide, the header row repeated, a title atop."""
    path, _ = sample_workbook
    wb = load_workbook(path)
    for sheet in wb.worksheets:
        setup = sheet.page_setup
        # fitToWidth: 1 is the default, which the file leaves unsaid
        assert setup.paperSize == 9 and setup.fitToWidth in (None, 1) and setup.fitToHeight == 0
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows.replace("$", "") == "1:1"
        assert "Kết quả đánh giá" in sheet.oddHeader.left.text
        assert "&P" in sheet.oddFooter.center.text
    assert wb["Chỉ tiêu"].page_setup.orientation == "landscape"


def test_printed_numbers_never_run_into_the_next_column(tmp_path, libreoffice, pdf_pages):
    """A right-aligned number followed by a left-aligned text ('1' then '12' printed as
    '1 12'): text cells start a character in, so a gap always stands between them."""
    from ntm_lib.cli import main

    args = [str(DATA), str(SAMPLE / "model_conditions.csv"), "--communes", str(REGISTER)]
    args += ["--set", "hd-2022-model", "--plan", str(SAMPLE / "plan.csv")]
    args += ["--budget", str(SAMPLE / "budget.csv"), "--out", str(tmp_path / "plan")]
    assert main(["plan"] + args) == 0
    path = tmp_path / "plan" / "roadmap.xlsx"
    wb = load_workbook(path)
    sheet = wb["Lộ trình"]
    texts = [c for row in sheet.iter_rows(min_row=2) for c in row if c.data_type == "s"]
    assert texts and all(c.alignment.indent >= 1 for c in texts)
    assert wb.sheetnames[0] == "Ghi chú"
    pages = pdf_pages(libreoffice(path, "pdf"))
    roadmap = [p for p in pages if p.strip().splitlines()[0].rstrip().endswith("Lộ trình")]
    assert len(roadmap) == 1
    # priority 1 then its kind, and priority 2 then its: apart, not run together; kinds in words
    assert re.search(r"\b1\s{2,}Theo tiêu chí\s{2,}KM\b", roadmap[0])
    assert re.search(r"\b2\s{2,}Theo tiêu chí\s{2,}2\b", roadmap[0])
    assert "criterion" not in roadmap[0]


@pytest.mark.parametrize("kind", ["template", "set", "set grid"])
def test_entry_workbooks_print_one_page_wide(tmp_path, libreoffice, pdf_pages, kind):
    from ntm_lib.cli import main

    out = tmp_path / f"{kind.replace(' ', '-')}.xlsx"
    if kind == "template":
        args = ["template", SET, "--communes", str(REGISTER), "--year", "2025"]
    else:
        args = ["set", "export", SET] + (["--form", "grid"] if kind == "set grid" else [])
    assert main(args + ["--out", str(out)]) == 0
    wb = load_workbook(out, read_only=True)
    sheet = wb[{"template": "Số liệu", "set": "Chỉ tiêu", "set grid": "Ngưỡng"}[kind]]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    rows = sum(1 for _ in sheet.iter_rows(min_row=2))
    texts = pdf_pages(libreoffice(out, "pdf"))
    grid = [p for p in texts if header[0] in p and header[-1].split()[-1] in " ".join(p.split())]
    assert grid, "the last column is not on the first column's page"
    assert len(texts) <= rows // 25 + 4, (len(texts), rows)  # a set export printed on 151


def test_the_printed_summary_names_what_it_counts(tmp_path, libreoffice, pdf_pages):
    from ntm_lib.reports.district_report import export_tables, prepare

    s = prepare(str(DATA), str(REGISTER), SET, district_name="Cẩm Giàng")
    pages = pdf_pages(libreoffice(export_tables(s, tmp_path), "pdf"))
    criteria = " ".join(p for p in pages if "Tiêu chí" in p.strip().splitlines()[0][-30:])
    assert "Số xã đạt" in " ".join(criteria.split())
    assert pd.notna(pages[0]) and "SỐ LIỆU MINH HỌA" in pages[0]
