"""Each report reads only its district's slice of the scored data, and says exactly what it
would say had it scored the whole data set itself."""

import pickle
import subprocess
import sys

import pytest
from conftest import ROOT, SAMPLE, without_districts

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


def _area(register, cid):
    """The communes `cid` is compared with: its district's, or its province's without one."""
    from ntm_lib.assess.views import has_district

    reg = register.set_index("commune_id")
    district, province = reg.loc[cid, "district"], reg.loc[cid, "province"]
    same = reg["province"] == province
    if has_district(district):
        return set(reg.index[same & (reg["district"] == district)]), True
    return set(reg.index[same]), False


def _compared_alone(run, cid, year):
    """A commune's district comparison, computed naively for it alone (pandas ranks)."""
    import numpy as np
    import pandas as pd

    members, _ = _area(run.register, cid)
    ind = run.assessment.indicators
    ind = ind[(ind["year"] == year) & ind["commune_id"].isin(members)]
    rows = []

    def add(key, values, ascending):
        values = values.dropna()
        if cid in values.index:
            n = len(values)
            rank = values.rank(ascending=ascending, method="min")[cid]
            median = np.nan if n < 2 else values.median()
            rows.append([key, values[cid], median, pd.NA if n < 2 else int(rank), n])

    for code in run.cset.key_indicators:
        sel = ind[ind["indicator"] == code]
        values = pd.Series(sel["value"].to_numpy(float), index=sel["commune_id"].astype(str))
        add(code, values, run.cset.indicator(code).rule.op in ("<=", "<"))
    com = run.assessment.communes
    com = com[
        (com["year"] == year) & com["commune_id"].isin(members) & (com["status"] != "no_data")
    ]
    add(
        "criteria_met",
        com.set_index(com["commune_id"].astype(str))["criteria_met"].astype(float),
        False,
    )
    return pd.DataFrame(rows, columns=["key", "value", "median", "rank", "n"])


def _peers_alone(part, cid, most=3):
    """The peers a page names, computed naively for it alone: for each gap in its order, the
    closings of the same indicator by others in its district (if any of its gaps has one),
    else in its province; quickest first, at most `most`, with what the peer spent."""
    import pandas as pd

    run, year, done, plan = part["run"], part["year"], part["closings"], part["plan_rows"]
    ind = run.assessment.indicators
    gaps = ind[(ind["commune_id"] == cid) & (ind["year"] == year) & (ind["status"] == "not_met")]
    codes = list(dict.fromkeys(gaps["indicator"].astype(str)))
    reg = run.register.set_index("commune_id")
    district, named = _area(run.register, cid)
    others = done[done["commune_id"] != cid]
    in_district = others[others["commune_id"].isin(district)] if named else others.iloc[:0]
    near = in_district["indicator"].astype(str).isin(codes).any()
    province = reg.loc[cid, "province"]
    pool = in_district if near else others[others["commune_id"].map(reg["province"]) == province]
    rows = []
    for code in codes:
        mine = pool[pool["indicator"].astype(str) == code].sort_values(
            ["years", "met_in", "commune_id"]
        )
        for r in mine.head(most).itertuples():
            cost = float("nan")
            if plan is not None and len(plan):
                crit = str(ind.loc[ind["indicator"].astype(str) == code, "criterion"].iloc[0])
                p = plan[plan["commune_id"] == r.commune_id]
                p = p[
                    (p["indicator"].astype(str) == code)
                    | ((p["indicator"].astype(str) == "") & (p["criterion"].astype(str) == crit))
                ]
                cost = float(p["cost"].sum()) if len(p) else float("nan")
            area = "district" if near else "province"
            rows.append(
                [
                    code,
                    r.commune_id,
                    reg.loc[r.commune_id, "name"],
                    area,
                    r.below_from,
                    r.met_in,
                    r.years,
                    cost,
                ]
            )
    return pd.DataFrame(
        rows,
        columns=["indicator", "peer", "peer_name", "area", "below_from", "met_in", "years", "cost"],
    )


@pytest.mark.parametrize("with_plan,two_tier", [(False, False), (True, False), (False, True)])
def test_a_slice_carries_what_each_page_shows_of_others_as_computed_alone(
    tmp_path, with_plan, two_tier
):
    """The district comparison and peers a slice carries for each commune (one pass per
    district, in the parent) are those computed naively for that page alone, and their digest
    is the one the page computes alone: districts and two-tier communes (compared in their
    province), with and without a plan."""
    from pandas.testing import assert_frame_equal

    from ntm_lib.intake.plans import read_budget, read_plan
    from ntm_lib.reports.fingerprint import shown_digest

    data = [str(SAMPLE / "indicators.csv")]
    set_id = "hd-2022-advanced"
    if with_plan:  # the sample's plan is the model set's
        data, set_id = data + [str(SAMPLE / "model_conditions.csv")], "hd-2022-model"
    communes = SAMPLE / "communes.csv"
    if two_tier:  # five communes formed after July 2025: no district
        communes = without_districts(communes, tmp_path / "communes.csv", 5)
    run = load_run(data, str(communes), set_id)
    year = run.checked_year()
    plan = budget = None
    if with_plan:
        plan = read_plan([str(SAMPLE / "plan.csv")], run.cset, run.register, year)
        budget = read_budget([str(SAMPLE / "budget.csv")], run.register)
    slices = write_slices(tmp_path / "slices", run, year, plan, budget)
    seen = set()
    for path in sorted(set(slices.values())):
        with open(path, "rb") as fh:
            part = pickle.load(fh)
        for cid in part["ids"]:
            compared, peers = _compared_alone(part["run"], cid, year), _peers_alone(part, cid)
            assert part["shown"][cid] == shown_digest(part, cid), cid
            got = part["compared"][cid]
            assert_frame_equal(got, compared, check_dtype=False, check_exact=True)
            assert_frame_equal(part["peers"][cid], peers, check_dtype=False, check_exact=True)
            seen.add((len(compared) > 0, len(peers) > 0, peers["area"].eq("province").any()))
    assert (True, True, False) in seen  # a comparison, and peers in the district
    assert any(s[2] for s in seen) == two_tier  # peers found in the province


def test_a_pages_shown_digest_changes_with_any_value_it_shows():
    """Every value of a row a page shows of others is in its digest; another commune's rows
    are not."""
    import pandas as pd

    from ntm_lib.reports.fingerprint import shown_digests

    compared = pd.DataFrame(
        {
            "commune_id": pd.array(["A", "A", "B"], dtype="str"),
            "key": pd.array(["1.1", "criteria_met", "1.1"], dtype="str"),
            "value": [80.0, 12.0, 70.0],
            "median": [75.0, 11.0, 75.0],
            "rank": [1.0, 2.0, 2.0],
            "n": [2, 2, 2],
        }
    )
    peers = pd.DataFrame({"asker": pd.array(["B"], dtype="str"), "peer": ["A"], "years": [1]})
    base = shown_digests((compared, peers), ["A", "B", "C"])
    assert len(set(base.values())) == 3
    for column in ["key", "value", "median", "rank", "n"]:
        changed = compared.copy()
        changed.loc[1, column] = "x" if column == "key" else 3
        after = shown_digests((changed, peers), ["A", "B", "C"])
        assert after["A"] != base["A"] and after["B"] == base["B"], column
    fewer = shown_digests((compared.iloc[[0, 2]], peers), ["A", "B", "C"])
    assert fewer["A"] != base["A"] and fewer["B"] == base["B"]
    later = peers.assign(years=[2])
    assert shown_digests((compared, later), ["A", "B", "C"])["B"] != base["B"]


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
