"""Closings (a run of years below the threshold ended by a year met) found with numpy over the
codes are those the plain definition finds, row for row and type for type, in random data:
communes and indicators whose texts sort otherwise than they first appear, categorical or
not, years missing, verdicts other than met and not met."""

import random

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from ntm_lib.assess.peers import closings
from ntm_lib.assess.scoring import Assessment


def _by_definition(a: Assessment, until: int) -> pd.DataFrame:
    """The closings as first written, in pandas: sorted by the texts, runs by shifts."""
    ind = a.indicators[
        (a.indicators["year"] <= until) & a.indicators["status"].isin(["met", "not_met"])
    ]
    ind = (
        ind[["commune_id", "indicator", "year", "status"]]
        .astype({"commune_id": str, "indicator": str})
        .sort_values(["commune_id", "indicator", "year"])
        .reset_index(drop=True)
    )
    new_pair = (ind["commune_id"] != ind["commune_id"].shift()) | (
        ind["indicator"] != ind["indicator"].shift()
    )
    below = ind["status"] == "not_met"
    run = (new_pair | (below != below.shift())).cumsum()
    run_start = ind["year"].groupby(run).transform("first")
    closes = (~below) & below.shift(fill_value=False) & ~new_pair
    out = ind.loc[closes, ["commune_id", "indicator"]].assign(
        below_from=run_start.shift()[closes].astype(int), met_in=ind.loc[closes, "year"]
    )
    out["years"] = out["met_in"] - out["below_from"]
    return out.reset_index(drop=True).astype({"met_in": int, "years": int})


def _random_assessment(rng: random.Random, categorical: bool) -> Assessment:
    communes = rng.sample(["X9", "a1", "B2", "10", "9", "Ü3", "xã 4", "S000001"], 6)
    codes = rng.sample(["1.1", "10.2", "2.1", "9.1", "1.10", "19.1"], 4)
    statuses = ["met", "not_met", "not_met", "met", "no_data", "missing", "no_threshold"]
    rows = [
        (cid, year, code, rng.choice(statuses))
        for cid in communes
        for code in codes
        for year in range(2019, 2026)
        if rng.random() > 0.15
    ]
    rng.shuffle(rows)
    frame = pd.DataFrame(rows, columns=["commune_id", "year", "indicator", "status"])
    frame["year"] = frame["year"].astype(np.int64)
    if categorical:
        frame = frame.astype({"commune_id": "category", "indicator": "category"})
        frame["status"] = frame["status"].astype("category")
    return Assessment("s", frame, pd.DataFrame(), pd.DataFrame())


@pytest.mark.parametrize("categorical", [True, False])
def test_closings_are_those_of_the_definition(categorical):
    rng = random.Random(11)
    found = 0
    for _ in range(60):
        a = _random_assessment(rng, categorical)
        for until in (2018, 2021, 2025):
            got, expected = closings(a, until), _by_definition(a, until)
            assert_frame_equal(got, expected, check_exact=True)
            found += len(got)
    assert found > 100
