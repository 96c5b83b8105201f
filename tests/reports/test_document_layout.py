"""The drafts as printed: converted to PDF with LibreOffice and read back page by page
(pdftotext). No table row split across pages, the signature block and «Nơi nhận» on one page,
units never broken inside a word."""

import os
import re
import shutil
import subprocess

import pytest
from conftest import SAMPLE, write
from docx import Document

from ntm_lib.cli import main

DATA = [str(SAMPLE / "indicators.csv"), str(SAMPLE / "model_conditions.csv")]
SETS = ["--set", "hd-2022-advanced", "--set", "hd-2022-model"]
FILLER = (
    "tổ chức thực hiện theo kế hoạch của Ban quản lý xã, phối hợp với các thôn, các đoàn thể "
    "và người dân, báo cáo kết quả hằng quý, rà soát và điều chỉnh khi cần thiết, bảo đảm "
    "công khai, minh bạch và đúng quy định về quản lý vốn"
)
TASKS = 28


def _tools():
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    missing = [
        name
        for name, path in (("LibreOffice", soffice), ("pdftotext", shutil.which("pdftotext")))
        if not path
    ]
    if missing:
        if os.environ.get("NTM_REQUIRE_LIBREOFFICE"):
            pytest.fail(f"{', '.join(missing)} required here (NTM_REQUIRE_LIBREOFFICE)")
        pytest.skip(f"no {', '.join(missing)}: apt-get install libreoffice-writer poppler-utils")
    return soffice


def _plan(folder):
    """The sample's plan and many long general tasks, each marked at its start and end."""
    lines = (SAMPLE / "plan.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].replace("criterion,indicator,", "criterion,indicator,field,")
    rows = [",".join(r.split(",")[:3] + [""] + r.split(",")[3:]) for r in lines[1:]]
    for k in range(TASKS):
        field = ("tuyên truyền", "đào tạo", "tín dụng", "lãnh đạo")[k % 4]
        rows.append(
            f'10912,,,{field},"BD{k:02d} {FILLER} KT{k:02d}",Hội Nông dân xã,2026,1,1,0,0,0,0,1'
        )
    return write(folder / "plan.csv", "\n".join([header] + rows) + "\n")


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    soffice = _tools()
    tmp = tmp_path_factory.mktemp("print")
    plan = _plan(tmp)
    args = ["--communes", str(SAMPLE / "communes.csv"), "--commune", "10912"]
    signer = ["--signer-title", "Chủ tịch", "--signer-name", "Trần Văn Tưởng"]
    budget = ["--plan", str(plan), "--budget", str(SAMPLE / "budget.csv")]
    out = {}
    for kind in ("plan", "report"):
        out[kind] = tmp / f"{kind}.docx"
        command = (
            ["document", kind] + DATA + SETS + args + budget + signer + ["--out", str(out[kind])]
        )
        assert main(command) == 0
    subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation=file://{tmp}/lo", "--convert-to", "pdf",
         "--outdir", str(tmp)] + [str(p) for p in out.values()],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    pages = {}
    for kind, docx in out.items():
        pdf = docx.with_suffix(".pdf")
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True
        ).stdout.decode("utf-8")
        pages[kind] = [p.replace("\u200b", "") for p in text.split("\f")]
    return out, pages


def _page_of(pages: list[str], token: str) -> list[int]:
    return [k for k, page in enumerate(pages) if re.search(rf"\b{token}\b", page)]


def test_no_table_row_is_split_across_pages(printed):
    _, pages = printed
    plan = pages["plan"]
    assert len(plan) > 4
    crossings = 0
    for k in range(TASKS):
        # each task is a row of its section's table and of the roadmap: both whole on a page
        start, end = _page_of(plan, f"BD{k:02d}"), _page_of(plan, f"KT{k:02d}")
        assert len(start) == 2 and start == end, (k, start, end)
        crossings += start[0] != _page_of(plan, f"BD{max(k - 1, 0):02d}")[0]
    assert crossings >= 1  # the tasks' tables do run over a page break


def test_the_signature_block_and_recipients_are_on_one_page(printed):
    _, pages = printed
    for kind, doc_pages in pages.items():
        where = {
            part: _page_of(doc_pages, part) for part in ("Nơi nhận", "TM", "CHỦ TỊCH", "Tưởng")
        }
        last = [k for k, page in enumerate(doc_pages) if "Trần Văn Tưởng" in page]
        assert len(last) == 1, kind
        assert all(last[0] in found for found in where.values()), (kind, where)


def _words(path) -> set[str]:
    doc = Document(str(path))
    texts = [p.text for p in doc.paragraphs]
    texts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return {w for text in texts for w in re.split(r"[\s/]+", text.replace("\u200b", "")) if w}


def broken_words(pages: list[str], words: set[str]) -> list[str]:
    """Words of the document that the PDF shows cut in two at a line's end ("n" + "ăm")."""
    out = []
    for page in pages:
        lines = [line for line in page.splitlines() if line.strip()]
        for a, b in zip(lines, lines[1:]):
            last, first = re.split(r"[\s/]+", a.strip())[-1], re.split(r"[\s/]+", b.strip())[0]
            joined = last + first
            if last and first and joined in words and (last not in words or first not in words):
                out.append(f"{last}|{first}")
    return out


def test_the_check_for_broken_words_sees_a_break():
    assert broken_words(["76,5 triệu đồng/người/n\năm đầu người"], {"năm", "người"}) == ["n|ăm"]
    assert broken_words(["76,5 triệu đồng/người/\nnăm"], {"năm", "người"}) == []


def test_units_and_words_are_never_broken(printed):
    """A unit such as đồng/người/năm may break at its slashes, never inside a word."""
    docs, pages = printed
    for kind, path in docs.items():
        words = _words(path)
        assert "người" in words and "năm" in words
        assert not broken_words(pages[kind], words), kind
