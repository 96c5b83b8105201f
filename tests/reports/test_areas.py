"""A page's `area` digest decides whether `--update` computes again what the page shows of
other communes: whenever what it shows (or, for a notebook that may read its whole slice, the
slice) changed, its area changed too. Checked against random corrections of verdicts, names
and plans, in districts and among communes without a district (compared across their
province)."""

import random
from dataclasses import replace

import pytest
from conftest import SAMPLE, make_sample, without_districts

from ntm_lib.assess.loaded import load_run
from ntm_lib.intake.plans import read_budget, read_plan
from ntm_lib.reports.areas import area_digests, areas
from ntm_lib.reports.fingerprint import commune_digests, frame_digest, named_digests
from ntm_lib.reports.slices import district_parts

TRIALS = 40


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    folder = make_sample(tmp_path_factory.mktemp("areas"), 45, 3)
    communes = without_districts(folder / "communes.csv", folder / "two_tier.csv", 15)
    return load_run([str(folder / "indicators.csv")], str(communes), "hd-2022-advanced")


def _state(run, year, plan=None, budget=None):
    """Each page's area (shipped and whole-slice), what it shows and its slice's content."""
    a = areas(run, year)
    ids = list(run.register["commune_id"])
    own = commune_digests(run, plan, budget)
    named = named_digests(run, plan)
    shown, content = {}, {}
    for _, part in district_parts(run, year, plan, budget, own, districts=a):
        shown |= part["shown"]
        tables = [part["run"].register, part["closings"], part["plan_rows"], part["budget"]]
        tables += [getattr(part["run"].assessment, n) for n in ("indicators", "criteria")]
        content |= dict.fromkeys(part["ids"], [frame_digest(f) for f in tables])
    return {
        "area": area_digests(a, run, year, own, named, ids),
        "whole": area_digests(a, run, year, own, named, ids, whole=True),
        "shown": shown,
        "content": content,
        "own": own,
    }


def _corrected(run, rng, plan):
    """One random correction: a verdict flipped, a commune renamed or a plan's cost changed."""
    kind = rng.choice(["verdict"] * 4 + ["name"] + (["plan"] if plan is not None else []))
    if kind == "verdict":
        ind = run.assessment.indicators.copy()
        rows = ind.index[ind["status"].isin(["met", "not_met"])]
        row = rng.choice(list(rows))
        ind.loc[row, "status"] = "met" if ind.at[row, "status"] == "not_met" else "not_met"
        return replace(run, assessment=replace(run.assessment, indicators=ind)), plan
    if kind == "name":
        reg = run.register.copy()
        row = rng.randrange(len(reg))
        reg.loc[reg.index[row], "name"] = reg["name"].iloc[row] + " (mới)"
        return replace(run, register=reg), plan
    plan = plan.copy()
    row = rng.randrange(len(plan))
    plan.loc[plan.index[row], "cost"] = plan["cost"].iloc[row] + 7
    return run, plan


def _check(run, year, plan=None, budget=None, trials=TRIALS, seed=3):
    rng = random.Random(seed)
    before = _state(run, year, plan, budget)
    seen = {"kept": 0, "recomputed": 0, "shown_elsewhere": 0, "finer": 0}
    for _ in range(trials):
        changed, changed_plan = _corrected(run, rng, plan)
        after = _state(changed, year, changed_plan, budget)
        edited = {c for c in before["own"] if before["own"][c] != after["own"].get(c)}
        for cid in before["area"]:
            if before["area"][cid] == after["area"][cid]:
                assert before["shown"][cid] == after["shown"][cid], cid
                seen["kept"] += 1
            else:
                seen["recomputed"] += 1
            if before["whole"][cid] == after["whole"][cid]:
                assert before["content"][cid] == after["content"][cid], cid
            elif before["area"][cid] == after["area"][cid]:
                seen["finer"] += 1
            shown_changed = before["shown"][cid] != after["shown"][cid]
            district = run.register.set_index("commune_id")["district"]
            if shown_changed and not any(district[cid] == district[e] for e in edited):
                seen["shown_elsewhere"] += 1
    return seen


def test_an_unchanged_area_means_an_unchanged_page_in_districts_and_provinces(synthetic):
    seen = _check(synthetic, synthetic.checked_year())
    assert seen["kept"] and seen["recomputed"]
    assert seen["shown_elsewhere"], "no correction moved a page of another district"
    assert seen["finer"], "the shipped notebook's area is never finer than the whole slice"


def test_an_unchanged_area_means_an_unchanged_page_with_a_plan(tmp_path):
    """The sample's plan: a peer's cost is on the pages that name it."""
    communes = without_districts(SAMPLE / "communes.csv", tmp_path / "communes.csv", 5)
    data = [str(SAMPLE / "indicators.csv"), str(SAMPLE / "model_conditions.csv")]
    run = load_run(data, str(communes), "hd-2022-model")
    year = run.checked_year()
    plan = read_plan([str(SAMPLE / "plan.csv")], run.cset, run.register, year)
    budget = read_budget([str(SAMPLE / "budget.csv")], run.register)
    seen = _check(run, year, plan, budget, trials=30)
    assert seen["kept"] and seen["recomputed"]


def test_a_commune_that_once_closed_its_own_gap_looks_at_its_province(synthetic):
    """Its own closing is no peer in its district: the closings elsewhere count for it."""
    from ntm_lib.assess.views import has_district

    run, year = synthetic, synthetic.checked_year()
    reg = run.register[run.register["district"].map(has_district)]
    first, other = sorted(reg["district"].unique())[:2]
    page = reg.loc[reg["district"] == first, "commune_id"].iloc[0]
    far = reg.loc[reg["district"] == other, "commune_id"].iloc[0]
    ind = run.assessment.indicators.copy()
    code = str(ind["indicator"].iloc[0])
    years = sorted(ind["year"].unique())[-3:]
    same = ind["indicator"].astype(str) == code
    ind.loc[same, "status"] = "met"  # nobody else closed it
    ind.loc[(ind["commune_id"] == page) & (ind["year"] == year), "status"] = "met"

    def statuses(cid, *found):
        for y, status in zip(years, found):
            mask = same & (ind["commune_id"] == cid) & (ind["year"] == y)
            ind.loc[mask, "status"] = status

    statuses(page, "not_met", "met", "not_met")  # closed, then fell back: its only gap
    statuses(far, "not_met", "met", "met")
    with_far = replace(run, assessment=replace(run.assessment, indicators=ind.copy()))
    statuses(far, "met", "met", "met")
    without = replace(run, assessment=replace(run.assessment, indicators=ind))
    before, after = _state(with_far, year), _state(without, year)
    assert before["shown"][page] != after["shown"][page]
    assert before["area"][page] != after["area"][page]
