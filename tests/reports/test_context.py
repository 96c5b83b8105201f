"""A worker reads a district's slice once for its consecutive pages; each page still gets
tables of its own: what one notebook changes in them never reaches the next page."""

import os
import pickle

import pytest
from conftest import SAMPLE

from ntm_lib.assess.loaded import load_run
from ntm_lib.reports import commune_report as report
from ntm_lib.reports import context
from ntm_lib.reports.context import prepare, shared_slice
from ntm_lib.reports.slices import write_slices

SET = "hd-2022-advanced"
SECTIONS = [
    "header_html",
    "criteria_html",
    "groups_chart_html",
    "gaps_html",
    "achievement_chart_html",
    "regressions_html",
    "trend_chart_html",
    "progress_html",
    "warning_html",
    "district_html",
    "peers_html",
    "indicators_html",
    "proof_html",
    "provenance_html",
]


@pytest.fixture
def slices(tmp_path):
    run = load_run([str(SAMPLE / "indicators.csv")], str(SAMPLE / "communes.csv"), SET)
    year = run.checked_year()
    out = write_slices(tmp_path, run, year)
    first = run.register["commune_id"].iloc[0]
    mates = [c for c in run.register["commune_id"] if out[c] == out[first] and c != first]
    return out, first, mates[0]


def _page(cid, slices):
    ctx = prepare("", "", SET, cid, None, "vi", str(slices[cid]))
    return ctx, [getattr(report, name)(ctx) for name in SECTIONS]


def _spoil(ctx):
    """What a careless notebook might do to the tables it was given."""
    ctx.assessment.indicators["value"] = -1.0
    ctx.assessment.criteria["status"] = "not_met"
    ctx.assessment.communes["criteria_met"] = 0
    ctx.register["name"] = "<b>spoilt</b>"
    ctx.cset.indicators[0].name["vi"] = "spoilt"
    ctx.provenance["inputs"].clear()
    if ctx.closings is not None:
        ctx.closings["indicator"] = "1.1"
    if ctx.compared is not None:
        ctx.compared["value"] = 0.0


def test_a_page_cannot_change_what_the_next_page_of_its_slice_reads(slices, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    paths, first, mate = slices
    context._last_slice.clear()
    _, alone = _page(mate, paths)  # the page made in a fresh process
    context._last_slice.clear()
    spoilt, _ = _page(first, paths)
    _spoil(spoilt)
    _, after = _page(mate, paths)
    assert after == alone


def test_the_slice_is_read_once_for_the_pages_of_its_district(slices, monkeypatch):
    paths, first, mate = slices
    context._last_slice.clear()
    reads = []
    real = context.read_slice
    monkeypatch.setattr(context, "read_slice", lambda p: reads.append(p) or real(p))
    _page(first, paths)
    _page(mate, paths)
    assert reads == [str(paths[first])]


def test_the_slice_stays_read_when_the_process_is_put_back_between_notebooks(slices, monkeypatch):
    """process_state puts ntm_lib's module names back before each notebook of a worker."""
    from ntm_lib.reports.process_state import Snapshot

    paths, first, mate = slices
    context._last_slice.clear()
    snapshot = Snapshot()
    reads = []
    real = context.read_slice
    monkeypatch.setattr(context, "read_slice", lambda p: reads.append(p) or real(p))
    _page(first, paths)
    snapshot.restore()
    monkeypatch.setattr(context, "read_slice", lambda p: reads.append(p) or real(p))
    _page(mate, paths)
    assert reads == [str(paths[first])]


def test_a_slice_written_again_under_the_same_name_is_read_again(tmp_path):
    path = tmp_path / "0.pkl"
    context._last_slice.clear()
    for n in (1, 2):
        with open(tmp_path / "new.pkl", "wb") as fh:
            pickle.dump({"n": n}, fh)
        os.replace(tmp_path / "new.pkl", path)  # same size, maybe the same time: a new file
        assert shared_slice(path) == {"n": n}
