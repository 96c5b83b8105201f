"""The index of a province or of the country stays light on a phone: its first rows shown, the
rest on demand or found by the filter, no chart of thousands of bars; pages changed since the
last run marked."""

import re

import pytest
from conftest import make_sample

from ntm_lib.assess.loaded import load_run
from ntm_lib.reports.batch import Outcome
from ntm_lib.reports.index import CHART_MAX_COMMUNES, PAGE_ROWS, write_index

SET = "hd-2022-advanced"


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    folder = make_sample(tmp_path_factory.mktemp("province"), 260, 1)
    return load_run([str(folder / "indicators.csv")], str(folder / "communes.csv"), SET)


def index(run, path, changed=None, communes=None) -> str:
    year = run.checked_year()
    ids = list(run.register["commune_id"])[:communes]
    outcomes = [Outcome(c, year, True, 0.1, "", html=f"communes/{c}.html") for c in ids]
    write_index(
        path, run.cset, run.register, run.assessment, year, outcomes, "vi", {}, changed=changed
    )
    return path.read_text(encoding="utf-8")


def test_a_long_index_shows_its_first_rows_and_finds_the_others(province, tmp_path):
    page = index(province, tmp_path / "index.html", changed={"S000007", "S000250"})
    rows = re.findall(r"<tr class=\"st-[^\"]*\" data-id=\"[^\"]*\"( hidden)?>", page)
    assert len(rows) == 260
    assert [bool(h) for h in rows] == [False] * PAGE_ROWS + [True] * (260 - PAGE_ROWS)
    assert 'id="filter"' in page and 'id="more"' in page
    assert "<img" not in page, "no chart of 260 bars"
    assert page.count('class="badge changed"') == 2
    assert "2 báo cáo thay đổi so với lần chạy trước" in page


def test_a_districts_index_is_whole_with_its_chart(province, tmp_path):
    page = index(province, tmp_path / "index.html", communes=CHART_MAX_COMMUNES)
    assert " hidden>" not in page and 'id="filter"' not in page
    assert "<img" in page
    assert "badge changed" not in page
