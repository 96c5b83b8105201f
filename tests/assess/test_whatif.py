import csv

import pandas as pd
import pytest
from conftest import SAMPLE, data, register

from ntm_lib import load_inputs, load_set
from ntm_lib.assess.whatif import what_if, with_thresholds
from ntm_lib.intake.values import parse_numbers


def test_a_value_change_flips_its_criterion_and_status(base_set):
    rows = [
        ("c1", 2024, "A.1", 45),
        ("c1", 2024, "A.2", 1),
        ("c1", 2024, "B.1", 11),
        ("c1", 2024, "B.2", 1),
        ("c1", 2024, "B.3", 1),
        ("c1", 2024, "C.1", 70),
        ("c1", 2024, "D.1", 3),
    ]
    w = what_if(base_set, register(("c1", "dbsh")), data(*rows), values={("c1", 2024, "A.1"): 55})
    assert w.indicators[["indicator", "status_before", "status_after"]].values.tolist() == [
        ["A.1", "not_met", "met"]
    ]
    assert w.criteria["criterion"].tolist() == ["A"]
    assert w.communes[["status_before", "status_after"]].values.tolist() == [["not_met", "met"]]


def test_nothing_flips_without_changes(base_set):
    w = what_if(base_set, register(("c1", "dbsh")), data(("c1", 2024, "A.1", 45)))
    assert w.communes.empty and w.criteria.empty and w.indicators.empty


def test_unknown_indicator_threshold(base_set):
    with pytest.raises(KeyError):
        with_thresholds(base_set, {"Z.1": 1})


def test_threshold_change_flips_a_known_number_of_sample_communes():
    """Raising the waste-sorting threshold (17.4) from 50% to 55% in 2025: the communes that
    flip are those meeting the set whose 17.4 value lies in [50, 55), read straight from the
    sample CSV."""
    cset = load_set("hd-2022-advanced")
    inputs = load_inputs([SAMPLE / "indicators.csv"], SAMPLE / "communes.csv", cset)
    w = what_if(cset, inputs.register, inputs.data, thresholds={"17.4": 55}, years=[2025])

    from ntm_lib.assess.scoring import score

    met = score(cset, inputs.register, inputs.data, years=[2025]).communes
    met = set(met.loc[met["status"] == "met", "commune_id"].astype(str))
    with open(SAMPLE / "indicators.csv", encoding="utf-8-sig") as fh:
        raw = [r for r in csv.DictReader(fh) if r["year"] == "2025" and r["indicator"] == "17.4"]
    values = dict(
        zip((r["commune_id"] for r in raw), parse_numbers(pd.Series([r["value"] for r in raw])))
    )
    expected = sorted(c for c, v in values.items() if c in met and 50 <= v < 55)
    assert expected, "the sample should have such communes"
    assert sorted(w.communes["commune_id"]) == expected
    assert (w.communes["status_after"] == "not_met").all()
