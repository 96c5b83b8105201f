"""The commune notebook through papermill, the HTML export and the batch runner."""

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, SAMPLE, notebook_with, report_stem

from ntm_lib import fmt
from ntm_lib.commands.report import run_report
from ntm_lib.provenance import sha256
from ntm_lib.reports.batch import exit_code

DATA = [str(SAMPLE / "indicators.csv")]
REGISTER = str(SAMPLE / "communes.csv")
SET = "hd-2022-advanced"


@pytest.fixture(scope="module")
def sample_statuses():
    """Commune statuses of the sample, worked out by the scoring engine directly."""
    from ntm_lib import load_inputs, load_set, score

    cset = load_set(SET)
    inputs = load_inputs(DATA, REGISTER, cset)
    return score(cset, inputs.register, inputs.data).communes


@pytest.fixture(scope="module")
def report_run(tmp_path_factory, sample_statuses):
    """One batch run on a commune that meets the set and one that does not (latest year)."""
    latest = sample_statuses[sample_statuses["year"] == sample_statuses["year"].max()]
    met = latest.loc[latest["status"] == "met", "commune_id"].astype(str).iloc[0]
    not_met = latest.loc[latest["status"] == "not_met", "commune_id"].astype(str).iloc[0]
    out = tmp_path_factory.mktemp("reports") / "run"
    manifest = run_report(DATA, REGISTER, SET, out, communes=[met, not_met], jobs=2)
    return out, manifest, met, not_met, latest


def _html(out, commune, year):
    return (out / "communes" / f"{report_stem(commune, year)}.html").read_text(encoding="utf-8")


def test_batch_writes_reports_index_manifest(report_run):
    out, manifest, met, not_met, latest = report_run
    year = int(latest["year"].iloc[0])
    assert exit_code(manifest) == 0
    for cid in (met, not_met):
        assert (out / "communes" / f"{report_stem(cid, year)}.html").is_file()
        assert (out / "communes" / f"{report_stem(cid, year)}.ipynb").is_file()
    assert {p.name for p in (out / "results").iterdir()} >= {"indicators.csv", "communes.csv"}
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f'href="communes/{report_stem(met, year)}.html"' in index
    assert manifest["set"]["files"]["hd-2022-advanced"] == sha256(
        ROOT / "ntm_lib/criteria/sets/hd-2022-advanced.yaml"
    )
    assert [i["sha256"] for i in manifest["inputs"]] == [sha256(DATA[0]), sha256(REGISTER)]
    assert all(c["ok"] and c["duration_s"] > 0 for c in manifest["communes"])
    on_disk = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk["communes"] == manifest["communes"]
    assert not list(out.parent.glob(".run.*")), "no temporary folder left behind"


def test_report_of_a_commune_that_meets_the_set(report_run):
    out, _, met, _, latest = report_run
    html = _html(out, met, int(latest["year"].iloc[0]))
    assert '<p class="overall st-met" data-status="met">Đạt chuẩn NTM nâng cao</p>' in html


def test_report_of_a_commune_that_does_not(report_run, sample_statuses):
    out, _, _, not_met, latest = report_run
    year = int(latest["year"].iloc[0])
    row = latest[latest["commune_id"].astype(str) == not_met].iloc[0]
    html = _html(out, not_met, year)
    expected = f"Chưa đạt: {row['criteria_met']}/{row['criteria_total']} tiêu chí"
    assert f'data-status="not_met">{expected}</p>' in html
    # A criterion marked not met, and its unmet indicator listed with its gap.
    assert '<tr class="st-not_met">' in html
    ind = pd.read_csv(
        out / "results" / "indicators.csv", dtype={"commune_id": str, "indicator": str}
    )
    unmet = ind[
        (ind.commune_id == not_met)
        & (ind.year == year)
        & (ind.status == "not_met")
        & ind.gap.notna()
    ]
    code = unmet.sort_values("indicator").iloc[0]["indicator"]
    gaps_table = html[html.index('class="ntm gaps"') :]
    assert re.search(f"<td[^>]*>{re.escape(code)}</td>", gaps_table[: gaps_table.index("</table>")])


def test_report_names_what_it_was_made_from(report_run):
    """The page names its input files and the SHA-256 of its commune's own data in them (the
    manifest records each file's): not a hash that changes with any other commune's data."""
    out, manifest, met, _, latest = report_run
    html = _html(out, met, int(latest["year"].iloc[0]))
    entry = next(c for c in manifest["communes"] if c["commune_id"] == met)
    assert entry["inputs"]["commune"] in html
    for path in DATA + [REGISTER]:
        assert Path(path).name in html
        assert sha256(path) not in html
    assert [i["sha256"] for i in manifest["inputs"]] == [sha256(DATA[0]), sha256(REGISTER)]


def test_report_has_no_code_and_loads_nothing_from_elsewhere(report_run):
    out, _, met, not_met, latest = report_run
    year = int(latest["year"].iloc[0])
    for page in [_html(out, c, year) for c in (met, not_met)] + [
        (out / "index.html").read_text(encoding="utf-8")
    ]:
        assert "report.prepare" not in page and "import " not in page
        assert "input_area" not in page and "jp-InputArea" not in page
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
        assert "<link" not in page and not re.search(r"<script[^>]*\bsrc=", page)
        assert "@import" not in page and "url(http" not in page


def test_report_in_english_with_english_numbers(tmp_path, sample_statuses):
    latest = sample_statuses[sample_statuses["year"] == 2025]
    cid = latest["commune_id"].astype(str).iloc[0]
    out = tmp_path / "en"
    run_report(DATA, REGISTER, SET, out, communes=[cid], jobs=1, lang="en", year=2025)
    html = _html(out, cid, 2025)
    assert 'lang="en"' in html and "Results by criterion" in html
    assert f"{_income(out, cid, 2025, 'en')} million VND/person/year" in html


def _income(out, cid, year, lang):
    ind = pd.read_csv(
        out / "results" / "indicators.csv", dtype={"commune_id": str, "indicator": str}
    )
    value = ind[(ind.commune_id == cid) & (ind.year == year) & (ind.indicator == "10.1")]["value"]
    return fmt.number(float(value.iloc[0]), lang)


def test_vietnamese_number_format(report_run):
    out, _, met, _, latest = report_run
    year = int(latest["year"].iloc[0])
    text = _income(out, met, year, "vi")
    assert f"{text} triệu đồng/người/năm" in _html(out, met, year)


def _failing_notebook(tmp_path: Path) -> Path:
    """The report notebook with a first cell that fails for one commune (set by env)."""
    return notebook_with(
        tmp_path,
        "import os\nif commune_id == os.environ.get('NTM_TEST_FAIL'):\n"
        "    raise RuntimeError('broken on purpose')",
        "breaker",
    )


def test_one_failure_does_not_stop_the_others_and_resume_finishes(
    tmp_path, monkeypatch, sample_statuses
):
    notebook = _failing_notebook(tmp_path)
    ids = sample_statuses["commune_id"].astype(str).unique()[:3].tolist()
    out = tmp_path / "run"
    monkeypatch.setenv("NTM_TEST_FAIL", ids[1])
    first = run_report(DATA, REGISTER, SET, out, communes=ids, jobs=2, notebook=notebook)
    by_id = {c["commune_id"]: c for c in first["communes"]}
    assert exit_code(first) == 1
    assert not by_id[ids[1]]["ok"] and "broken on purpose" in by_id[ids[1]]["error"]
    assert by_id[ids[0]]["ok"] and by_id[ids[2]]["ok"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "broken on purpose" in index
    good_page = (out / by_id[ids[0]]["html"]).read_bytes()

    # A user-level kernelspec of the same name that cannot start must not be picked up.
    user_dir = tmp_path / "jupyter-data"
    (user_dir / "kernels" / "ntm-assess").mkdir(parents=True)
    (user_dir / "kernels" / "ntm-assess" / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [
                    "/nonexistent/python",
                    "-m",
                    "ipykernel_launcher",
                    "-f",
                    "{connection_file}",
                ],
                "display_name": "broken",
                "language": "python",
            }
        )
    )
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(user_dir))
    monkeypatch.delenv("NTM_TEST_FAIL")
    second = run_report(
        DATA, REGISTER, SET, out, communes=ids, jobs=2, notebook=notebook, resume=True
    )
    by_id = {c["commune_id"]: c for c in second["communes"]}
    assert exit_code(second) == 0
    assert by_id[ids[1]]["ok"] and not by_id[ids[1]]["reused"]
    assert by_id[ids[0]]["reused"] and by_id[ids[2]]["reused"]
    assert (out / by_id[ids[0]]["html"]).read_bytes() == good_page


def test_resume_redoes_communes_whose_inputs_changed(tmp_path, sample_statuses):
    ids = sample_statuses["commune_id"].astype(str).unique()[:1].tolist()
    data = tmp_path / "indicators.csv"
    data.write_bytes(Path(DATA[0]).read_bytes())
    out = tmp_path / "run"
    run_report([str(data)], REGISTER, SET, out, communes=ids, jobs=1)
    data.write_bytes(Path(DATA[0]).read_bytes() + b"\n")  # same rows, different file
    second = run_report([str(data)], REGISTER, SET, out, communes=ids, jobs=1, resume=True)
    assert not second["communes"][0]["reused"]


def test_existing_output_needs_force(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "old.txt").write_text("keep")
    from ntm_lib.errors import UsageError

    with pytest.raises(UsageError):
        run_report(DATA, REGISTER, SET, out, communes=["10912"], jobs=1)
    assert (out / "old.txt").read_text() == "keep"


def test_each_notebook_starts_from_an_empty_namespace(tmp_path, sample_statuses):
    """Kernels are reused within a worker; nothing one notebook defines may reach the next."""
    path = notebook_with(
        tmp_path, "assert 'leftover' not in globals()\nleftover = commune_id", "probe", at_end=True
    )
    ids = sample_statuses["commune_id"].astype(str).unique()[:2].tolist()
    manifest = run_report(
        DATA, REGISTER, SET, tmp_path / "run", communes=ids, jobs=1, notebook=path
    )
    assert [c["ok"] for c in manifest["communes"]] == [True, True], manifest["communes"]


def test_relative_output_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    manifest = run_report(DATA, REGISTER, SET, "rel/out", communes=["10912"], jobs=1)
    assert (
        exit_code(manifest) == 0
        and (tmp_path / "rel/out/communes/10912_duc-chinh-2025.html").is_file()
    )


def test_report_with_roadmap_and_progress(tmp_path):
    out = tmp_path / "model"
    manifest = run_report(
        [str(SAMPLE / "indicators.csv"), str(SAMPLE / "model_conditions.csv")],
        REGISTER,
        "hd-2022-model",
        out,
        communes=["10912"],
        jobs=1,
        plan=str(SAMPLE / "plan.csv"),
        budget=str(SAMPLE / "budget.csv"),
        summary=True,
    )
    assert exit_code(manifest) == 0
    html = _html(out, "10912", 2025)
    assert "<h2>Tiến độ</h2>" in html and "<h2>Lộ trình thực hiện</h2>" in html
    assert "Đức Chính: có thể đạt chuẩn năm 2027 theo lộ trình." in html
    assert "Hỗ trợ mô hình sản xuất hàng hóa tập trung" in html
    assert "plan.csv" in html and "budget.csv" in html  # named; their hashes in the manifest
    recorded = {i["name"]: i["sha256"] for i in manifest["inputs"]}
    assert recorded["plan.csv"] == sha256(SAMPLE / "plan.csv")
    assert recorded["budget.csv"] == sha256(SAMPLE / "budget.csv")
    assert html.count("<img") == 5  # groups, achievement, trend, Gantt, funding mix
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="summary/cam-giang/summary.html"' in index
    assert (out / "summary" / "cam-giang" / "summary.xlsx").is_file()


def test_bad_plan_is_refused_before_any_notebook_runs(tmp_path):
    bad = tmp_path / "plan.csv"
    bad.write_text(
        (SAMPLE / "plan.csv").read_text(encoding="utf-8").replace(",2026,1500,", ",2019,1500,"),
        encoding="utf-8",
    )
    from ntm_lib.errors import InputError

    with pytest.raises(InputError) as err:
        run_report(
            DATA,
            REGISTER,
            SET,
            tmp_path / "out",
            communes=["10912"],
            jobs=1,
            plan=str(bad),
            budget=str(SAMPLE / "budget.csv"),
        )
    assert any(p.key == "plan_target_before_data" for p in err.value.problems)
    assert not (tmp_path / "out").exists()


def test_reports_are_reproducible_and_verifiable(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    one, two = tmp_path / "one", tmp_path / "two"
    for out in (one, two):
        run_report(DATA, REGISTER, SET, out, communes=["10912", "10900"], jobs=2)
    for name in (
        "communes/10912_duc-chinh-2025.html",
        "communes/10900_cam-van-2025.html",
        "index.html",
        "results/indicators.csv",
        "results/assessment.xlsx",
    ):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    assert "2023-11-14T22:13:20Z" in (one / "communes/10912_duc-chinh-2025.html").read_text(
        encoding="utf-8"
    )

    from ntm_lib.commands.verify import verify

    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert verify(one) == []  # a new run time, nothing else
    page = one / "communes" / "10900_cam-van-2025.html"
    page.write_text(
        page.read_text(encoding="utf-8").replace("Cẩm Văn", "Cẩm Vân"), encoding="utf-8"
    )
    problems = verify(one)
    assert (
        "communes/10900_cam-van-2025.html đã bị sửa sau lần chạy (mã SHA-256 khác manifest)."
        in problems
    )
    assert "communes/10900_cam-van-2025.html khác với kết quả chạy lại." in problems
    assert all("10900_cam-van-2025.html" in p for p in problems)


def test_pages_and_index_say_how_provisional_the_verdicts_are(report_run):
    from ntm_lib.criteria.catalogue import load_set, unverified

    out, manifest, met, not_met, latest = report_run
    cset = load_set(SET)
    n = len(unverified(cset))
    for page in (out / "index.html", out / "communes" / f"{report_stem(met, 2025)}.html"):
        text = page.read_text(encoding="utf-8")
        assert f"{n}/{len(cset.indicators)} chỉ tiêu" in text and "318/QĐ-TTg" in text
    report = (out / "communes" / f"{report_stem(met, 2025)}.html").read_text(encoding="utf-8")
    assert report.count('class="flag ev-working"') >= 1
    assert 'class="flag ev-secondary"' in report  # 17.4, quoted by the Đức Chính plan
    rows = pd.read_csv(out / "results" / "indicators.csv", dtype=str)
    assert set(rows["evidence"].dropna()) <= {"official", "guidance", "secondary", "working"}
    assert rows.loc[rows["indicator"] == "17.4", "evidence"].eq("secondary").all()
