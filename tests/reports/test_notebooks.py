"""The notebooks: committed without outputs, the training twins in step, and all of them run
through papermill with the counts they show worked out independently."""

import csv
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest
from conftest import SAMPLE
from openpyxl import load_workbook

from ntm_lib.cli import main
from ntm_lib.commands.summary import run_summary
from ntm_lib.reports.html_export import notebook_to_html
from ntm_lib.reports.kernel import ensure_kernel
from ntm_lib.reports.training import NOTEBOOKS, build_notebook

DATA = str(SAMPLE / "indicators.csv")
REGISTER = str(SAMPLE / "communes.csv")


@pytest.fixture(scope="module")
def assessed(tmp_path_factory):
    """The sample's result tables, by the command line."""
    out = tmp_path_factory.mktemp("assess") / "run"
    assert (
        main(
            ["assess", DATA, "--communes", REGISTER, "--set", "hd-2022-advanced", "--out", str(out)]
        )
        == 0
    )
    with open(out / "communes.csv", encoding="utf-8-sig") as fh:
        communes = list(csv.DictReader(fh))
    with open(out / "indicators.csv", encoding="utf-8-sig") as fh:
        indicators = list(csv.DictReader(fh))
    with open(out / "criteria.csv", encoding="utf-8-sig") as fh:
        criteria = list(csv.DictReader(fh))
    return communes, indicators, criteria


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_notebooks_are_committed_without_outputs(path):
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path.name
    assert nb.metadata["kernelspec"]["name"] == "ntm-assess"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_training_twins_are_built_from_one_source(lang):
    committed = nbformat.read(str(NOTEBOOKS / f"training_{lang}.ipynb"), as_version=4)
    built = build_notebook(lang)
    assert [(c.cell_type, c.source, c.metadata.get("tags")) for c in committed.cells] == [
        (c.cell_type, c.source, c.metadata.get("tags")) for c in built.cells
    ]


def _run(notebook: Path, tmp_path: Path, lang: str, **parameters) -> str:
    out = tmp_path / notebook.name
    papermill.execute_notebook(
        str(notebook),
        str(out),
        kernel_name=ensure_kernel(),
        progress_bar=False,
        cwd=str(notebook.parent),
        parameters=parameters,
    )
    return notebook_to_html(out, tmp_path / (notebook.stem + ".html"), "t", lang).read_text(
        encoding="utf-8"
    )


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_training_notebook_runs_and_answers(lang, tmp_path, assessed):
    communes, indicators, _ = assessed
    met = {r["commune_id"] for r in communes if r["year"] == "2025" and r["status"] == "met"}
    income = [r for r in indicators if r["year"] == "2025" and r["indicator"] == "10.1"]
    lost = sorted(
        r["commune_id"]
        for r in income
        if r["commune_id"] in met and float(r["value"]) < float(r["threshold"]) + 5
    )
    html = _run(NOTEBOOKS / f"training_{lang}.ipynb", tmp_path, lang, data=DATA, communes=REGISTER)
    expected = {
        "vi": f"{len(lost)} xã không còn đạt chuẩn",
        "en": f"{len(lost)} communes no longer meet the standard",
    }[lang]
    assert expected in html
    assert "Hidden check" not in html and "assert " not in html
    assert ("Thuật ngữ" if lang == "vi" else "Glossary") in html
    assert "Phân loại chất thải rắn tại nguồn" in html  # the glossary, in both languages


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_lesson_runs_anywhere_and_teaches_every_criterion(lang, tmp_path):
    """Copied out of notebooks/, with no data given, it finds the sample; it lists the 19
    criteria with their indicators, names communes by name and folds the answers away."""
    import shutil

    from ntm_lib import load_set

    away = tmp_path / "elsewhere"
    away.mkdir()
    copy = Path(shutil.copy(NOTEBOOKS / f"training_{lang}.ipynb", away))
    out = tmp_path / "run.ipynb"
    papermill.execute_notebook(
        str(copy), str(out), kernel_name=ensure_kernel(), progress_bar=False, cwd=str(away)
    )
    html = notebook_to_html(out, tmp_path / "run.html", "t", lang).read_text(encoding="utf-8")
    cset = load_set("hd-2022-advanced")
    overview = html[html.index('class="ntm overview"') :]
    overview = overview[: overview.index("</table>")]
    for c in cset.criteria:
        assert f"{c.number}. {c.name[lang]}" in overview, c.number
    assert all(f'">{i.code}</td>' in overview for i in cset.indicators)
    assert html.count('<details class="answer">') == 2
    answers = html[html.index('<details class="answer">') :]
    assert "Đức Chính" in answers and "10912 (" not in answers


def test_district_summary(tmp_path, assessed):
    communes, _, criteria_rows = assessed
    latest = [r for r in communes if r["year"] == "2025"]
    met = sum(r["status"] == "met" for r in latest)
    page = run_summary(
        [DATA], REGISTER, "hd-2022-advanced", tmp_path / "summary", district="Cẩm Giàng"
    )
    html = page.read_text(encoding="utf-8")
    assert f"{met}/{len(latest)} xã đạt chuẩn NTM nâng cao." in html
    wb = load_workbook(tmp_path / "summary" / "summary.xlsx", read_only=True)
    assert wb.sheetnames == [
        "Ghi chú",
        "Tiêu chí",
        "Xã x tiêu chí",
        "Chỉ tiêu còn thiếu",
        "Chỉ tiêu chính",
        "Thay đổi",
    ]
    criteria = pd.read_excel(
        tmp_path / "summary" / "summary.xlsx", sheet_name="Tiêu chí", dtype={"Tiêu chí": str}
    )
    assert "Tên tiêu chí" in criteria and "name_en" not in criteria
    # Communes not meeting each criterion, counted from the result CSV; hardest first.
    not_met = {}
    for r in criteria_rows:
        if r["year"] == "2025":
            not_met[r["criterion"]] = not_met.get(r["criterion"], 0) + (r["status"] != "met")
    assert dict(zip(criteria["Tiêu chí"], criteria["Số xã bị chặn"])) == not_met
    assert criteria["Số xã bị chặn"].is_monotonic_decreasing
    matrix = pd.read_excel(tmp_path / "summary" / "summary.xlsx", sheet_name="Xã x tiêu chí")
    assert set(matrix.drop(columns="Xã").stack()) <= {
        "Đạt",
        "Chưa đạt",
        "Chưa đủ số liệu",
        "Không áp dụng",
        "Chưa có ngưỡng",
    }
    assert f">{criteria['Tiêu chí'].iloc[0]}</td>" in html
