"""Each report reads only its district's slice of the scored data, and says exactly what it
would say had it scored the whole data set itself."""

import pickle
import subprocess
import sys

import pytest
from conftest import ROOT, SAMPLE

from ntm_lib.assess.loaded import load_run
from ntm_lib.reports import commune_report as report
from ntm_lib.reports.context import plan_files, prepare
from ntm_lib.reports.slices import write_slices

SECTIONS = [
    "header_html",
    "criteria_html",
    "gaps_html",
    "regressions_html",
    "progress_html",
    "warning_html",
    "roadmap_html",
    "district_html",
    "peers_html",
    "indicators_html",
    "proof_html",
]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """60 communes in 3 districts, 3 years (seeded)."""
    folder = tmp_path_factory.mktemp("synthetic")
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "data" / "make_sample.py"),
            "--communes",
            "60",
            "--years",
            "3",
            "--out",
            str(folder),
        ],
        check=True,
        capture_output=True,
    )
    return folder


def _pages(data, communes, set_id, ids, slices, **kw):
    data = [str(d) for d in (data if isinstance(data, list) else [data])]
    out = {}
    for cid in ids:
        whole = prepare(data, str(communes), set_id, cid, **kw)
        part = prepare(data, str(communes), set_id, cid, cache=str(slices[cid]), **kw)
        out[cid] = [(getattr(report, s)(whole), getattr(report, s)(part)) for s in SECTIONS]
    return out


def test_a_slice_holds_its_district_and_the_page_is_the_same(synthetic, tmp_path):
    data, communes = synthetic / "indicators.csv", synthetic / "communes.csv"
    run = load_run([str(data)], str(communes), "hd-2022-advanced")
    register, assessment = run.register, run.assessment
    year = run.checked_year()
    slices = write_slices(tmp_path, run, year)
    assert len(set(slices.values())) == register["district"].nunique() == 3
    first = register["commune_id"].iloc[0]
    with open(slices[first], "rb") as fh:
        part = pickle.load(fh)
    district = register.loc[register["commune_id"] == first, "district"].iloc[0]
    mates = set(register.loc[register["district"] == district, "commune_id"])
    assert set(part["run"].assessment.indicators["commune_id"]) == mates
    assert len(part["run"].assessment.indicators) < len(assessment.indicators) / 2
    # peers come from the whole province, not from the slice's district alone
    assert set(part["closings"]["commune_id"]) - mates
    ids = register["commune_id"].tolist()[::7]
    for cid, pairs in _pages(data, communes, "hd-2022-advanced", ids, slices, year=year).items():
        for name, (whole, sliced) in zip(SECTIONS, pairs):
            assert whole == sliced, (cid, name)


def test_a_slice_carries_the_plan_read_once(tmp_path):
    data = [str(SAMPLE / "indicators.csv"), str(SAMPLE / "model_conditions.csv")]
    communes, plan, budget = SAMPLE / "communes.csv", SAMPLE / "plan.csv", SAMPLE / "budget.csv"
    from ntm_lib.intake.plans import read_budget, read_plan

    run = load_run(data, str(communes), "hd-2022-model")
    year = run.checked_year()
    page_run = run.with_inputs(plan_files(str(plan), str(budget)))
    plan_rows = read_plan([str(plan)], run.cset, run.register, year)
    slices = write_slices(
        tmp_path, page_run, year, plan_rows, read_budget([str(budget)], run.register)
    )
    ids = sorted(set(plan_rows["commune_id"]))
    kw = {"year": year, "plan": str(plan), "budget": str(budget)}
    for cid, pairs in _pages(data, communes, "hd-2022-model", ids, slices, **kw).items():
        for name, (whole, sliced) in zip(SECTIONS, pairs):
            assert whole == sliced, (cid, name)
    ctx = prepare(data, str(communes), "hd-2022-model", ids[0], cache=str(slices[ids[0]]), **kw)
    assert ctx.roadmap is not None and len(ctx.roadmap.roadmap)
    assert report.provenance_html(ctx).count("plan.csv") == 1


def _shown_alone(part, cid):
    """What a page showed of others, computed for that page alone as the worker used to."""
    import hashlib

    from ntm_lib.assess.peers import PEERS_SHOWN, same_gap
    from ntm_lib.assess.views import district_comparison
    from ntm_lib.reports.fingerprint import row_hashes

    run, year = part["run"], part["year"]
    compared = district_comparison(run.assessment, run.register, run.cset, cid, year)
    peers = same_gap(run.assessment, run.register, cid, year, part["plan_rows"], part["closings"])
    peers = peers.groupby("indicator", sort=False).head(PEERS_SHOWN)
    digest = hashlib.sha256(row_hashes(compared) + b"\x1d" + row_hashes(peers)).hexdigest()
    return compared, peers, digest


@pytest.mark.parametrize("with_plan", [False, True])
def test_a_slice_carries_what_each_page_shows_of_others_as_computed_alone(tmp_path, with_plan):
    """The district comparison, peers and their digest a slice carries for each commune (one
    pass per district, in the parent) are those the page computed alone, commune by commune:
    districts and two-tier communes (compared in their province), with and without a plan."""
    from pandas.testing import assert_frame_equal

    from ntm_lib.intake.plans import read_budget, read_plan

    data = [str(SAMPLE / "indicators.csv")]
    set_id = "hd-2022-advanced"
    if with_plan:  # the sample's plan is the model set's
        data, set_id = data + [str(SAMPLE / "model_conditions.csv")], "hd-2022-model"
    run = load_run(data, str(SAMPLE / "communes.csv"), set_id)
    year = run.checked_year()
    plan = budget = None
    if with_plan:
        plan = read_plan([str(SAMPLE / "plan.csv")], run.cset, run.register, year)
        budget = read_budget([str(SAMPLE / "budget.csv")], run.register)
    slices = write_slices(tmp_path, run, year, plan, budget)
    seen = set()
    for path in sorted(set(slices.values())):
        with open(path, "rb") as fh:
            part = pickle.load(fh)
        for cid in part["ids"]:
            compared, peers, digest = _shown_alone(part, cid)
            assert part["shown"][cid] == digest, cid
            assert_frame_equal(part["compared"][cid], compared, check_exact=True)
            assert_frame_equal(part["peers"][cid], peers.reset_index(drop=True), check_exact=True)
            seen.add((len(compared) > 0, len(peers) > 0))
    assert (True, True) in seen  # communes with a comparison and with peers were checked


def test_each_row_hashes_are_each_frames_own():
    """Frames hashed together (same columns and types) give each the bytes it gives alone."""
    import pandas as pd

    from ntm_lib.reports.fingerprint import each_row_hashes, row_hashes

    frames = {
        "a": pd.DataFrame({"k": ["x", "y"], "v": [1.0, float("nan")], "r": [1, 2]}),
        "b": pd.DataFrame({"k": ["z"], "v": [2.5], "r": [3]}),
        "c": pd.DataFrame({"k": ["x"], "v": [1.0], "r": [pd.NA]}),  # other types
        "d": pd.DataFrame(columns=["k", "v", "r"]),
        "e": pd.DataFrame({"k": pd.Categorical(["x"], categories=["x", "q"]), "v": [1.0]}),
        "f": pd.DataFrame({"k": pd.Categorical(["x"], categories=["q", "x"]), "v": [1.0]}),
    }
    assert each_row_hashes(frames) == {k: row_hashes(f) for k, f in frames.items()}


def test_a_slice_read_for_an_earlier_year_shows_that_years_comparisons(synthetic, tmp_path):
    """What a slice computed of others is of its own year: a page of another year (a notebook
    run by hand with the slice) computes its own, the same as without the slice."""
    data, communes = synthetic / "indicators.csv", synthetic / "communes.csv"
    run = load_run([str(data)], str(communes), "hd-2022-advanced")
    year = run.checked_year()
    slices = write_slices(tmp_path, run, year)
    ids = run.register["commune_id"].tolist()[::11]
    for cid, pairs in _pages(
        data, communes, "hd-2022-advanced", ids, slices, year=year - 1
    ).items():
        for name, (whole, sliced) in zip(SECTIONS, pairs):
            assert whole == sliced, (cid, name)
