"""Ids are data, not paths; names are text, not markup: a batch over a hostile register.

The register holds commune ids that are paths ('../../x'), URL syntax ('a#b?c%d e'), and
names that are HTML, script, a spreadsheet formula and matplotlib mathtext. Every report must
land inside --out under a safe name, link correctly from the index, show each text as typed,
and no output may carry live markup or a formula.
"""

import csv
import html
import io
import re
import urllib.parse
import zipfile

import pandas as pd
import pytest
from conftest import SAMPLE, notebook_with

from ntm_lib.commands.report import run_report
from ntm_lib.reports.batch import exit_code, file_stem

SET = "hd-2022-advanced"
HOSTILE = {
    "10894": ("../../escaped", "<script>alert('x')</script>"),
    "10897": ("a#b?c%d e", '"><img src=x onerror=alert(1)>'),
    "10900": ("Xã-Đông", '=HYPERLINK("http://evil","click")'),
    "10903": ("x" * 300, "$\\hat{x}$ Cẩm $\\frac{1}{0}$"),
}


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    register = pd.read_csv(SAMPLE / "communes.csv", dtype=str)
    register = register[register["commune_id"].isin(HOSTILE)].copy()
    register["name"] = register["commune_id"].map(lambda c: HOSTILE[c][1])
    register["commune_id"] = register["commune_id"].map(lambda c: HOSTILE[c][0])
    data = pd.read_csv(SAMPLE / "indicators.csv", dtype=str)
    data = data[data["commune_id"].isin(HOSTILE) & (data["year"] == "2025")].copy()
    data["commune_id"] = data["commune_id"].map(lambda c: HOSTILE[c][0])
    reg_path, data_path = tmp / "communes.csv", tmp / "data.csv"
    register.to_csv(reg_path, index=False, quoting=csv.QUOTE_ALL)
    data.to_csv(data_path, index=False, quoting=csv.QUOTE_ALL)
    out = tmp / "deep" / "run"
    manifest = run_report([str(data_path)], str(reg_path), SET, out, jobs=2)
    return tmp, out, manifest


def test_every_report_lands_inside_out_under_a_safe_name(hostile_run):
    tmp, out, manifest = hostile_run
    assert exit_code(manifest) == 0, [c["error"] for c in manifest["communes"]]
    pages = sorted((out / "communes").glob("*.html"))
    assert len(pages) == len(HOSTILE)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+\.html", p.name) and len(p.name) < 80 for p in pages)
    assert not (tmp / "escaped-2025.html").exists() and not list(tmp.glob("*.html"))


def test_file_names_never_collide():
    ids = ["a/b", "a_b", "a:b", "A_B", "", ".", "..", "x" * 300, "x" * 301]
    stems = [file_stem(i, 2025) for i in ids]
    assert len(set(stems)) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", s) for s in stems)


def test_the_index_links_every_report(hostile_run):
    _, out, _ = hostile_run
    index = (out / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<a href="([^"]+)"', index)
    targets = [out / urllib.parse.unquote(html.unescape(link)) for link in links]
    assert len({t for t in targets if t.suffix == ".html"}) == len(HOSTILE)
    assert all(t.is_file() for t in targets)


def test_names_are_shown_as_typed_never_as_markup(hostile_run):
    _, out, _ = hostile_run
    for page in [out / "index.html", *(out / "communes").glob("*.html")]:
        text = page.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "<img src=x" not in text
        title = re.search(r"<title>(.*?)</title>", text, re.S).group(1)
        assert "<" not in title
    shown = "".join(p.read_text(encoding="utf-8") for p in (out / "communes").glob("*.html"))
    assert "&lt;script&gt;alert(" in shown and "&lt;img src=x onerror=alert(1)&gt;" in shown


def test_no_formula_in_the_workbook_and_csv_cells_are_neutralised(hostile_run):
    _, out, _ = hostile_run
    with zipfile.ZipFile(out / "results" / "assessment.xlsx") as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in zf.read(n) or b"<f " in zf.read(n) for n in sheets)
    for name in ("indicators.csv", "criteria.csv", "communes.csv"):
        for row in csv.reader(
            io.StringIO((out / "results" / name).read_text(encoding="utf-8-sig"))
        ):
            for cell in row:
                if cell in ("=", "≥", ">", "≤", "<"):
                    continue  # a rule's sign: nothing to compute or call
                assert not re.match(r"[=+@\t\r]", cell), (name, cell)
                if cell.startswith("-"):
                    float(cell)  # only numbers may start with a minus


@pytest.mark.parametrize(
    "label",
    ["$\\hat$", "$x^$", "a $ b $$ c", "\\frac{1}{0}", "<script>alert(1)</script>", 'a & "b"'],
)
def test_chart_labels_are_written_as_typed(label):
    """A commune's name is data: never mathtext, never markup, shown exactly as typed."""
    from xml.etree import ElementTree

    from ntm_lib.reports import svg_charts

    frame = pd.DataFrame(
        {
            "commune_id": ["c"],
            "name": [label],
            "criteria_met": [3],
            "criteria_total": [19],
            "status": ["not_met"],
        }
    )
    svg = svg_charts.district_chart(frame, "vi").svg()
    root = ElementTree.fromstring(svg)  # well formed: the label closed nothing
    assert label in [x.text for x in root.iter("{http://www.w3.org/2000/svg}text")]
    assert not [e for e in root.iter() if e.tag.endswith("script")]


def test_a_hung_commune_times_out_and_the_batch_goes_on(tmp_path):
    notebook = notebook_with(
        tmp_path, "import time\nif commune_id == '10897':\n    time.sleep(600)", "hang"
    )
    manifest = run_report(
        [str(SAMPLE / "indicators.csv")],
        str(SAMPLE / "communes.csv"),
        SET,
        tmp_path / "out",
        communes=["10894", "10897"],
        jobs=2,
        notebook=notebook,
        timeout=20,
    )
    by_id = {c["commune_id"]: c for c in manifest["communes"]}
    assert by_id["10894"]["ok"] and not by_id["10897"]["ok"]
    assert "20" in by_id["10897"]["error"] and by_id["10897"]["duration_s"] < 120
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert html.escape(by_id["10897"]["error"], quote=False)[:30] in index


def test_entry_templates_store_a_formula_like_name_as_text(tmp_path):
    from openpyxl import load_workbook

    from ntm_lib.cli import main

    register = tmp_path / "xa.csv"
    register.write_text(
        "commune_id,name,district,province,region\n"
        '10912,"=HYPERLINK(""http://x"",""y"")",Cẩm Giàng,Hải Dương,'
        "Đồng bằng sông Hồng\n",
        encoding="utf-8",
    )
    out = tmp_path / "nhap.xlsx"
    assert (
        main(["template", SET, "--communes", str(register), "--year", "2025", "--out", str(out)])
        == 0
    )
    with zipfile.ZipFile(out) as zf:
        assert not any(b"<f>" in zf.read(n) for n in zf.namelist() if "worksheets" in n)
    cell = load_workbook(out)["Số liệu"]["B2"]
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"


def test_on_the_index_the_commune_name_is_the_link(hostile_run):
    _, out, _ = hostile_run
    index = (out / "index.html").read_text(encoding="utf-8")
    named = re.findall(r'<a href="([^"]+)">([^<]+)</a> \(', index)
    assert len(named) == len(HOSTILE)
    assert all((out / urllib.parse.unquote(html.unescape(link))).is_file() for link, _ in named)
    assert {html.unescape(name) for _, name in named} == {n for _, n in HOSTILE.values()}
