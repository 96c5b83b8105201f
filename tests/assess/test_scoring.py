import numpy as np
import pandas as pd
import pytest
from conftest import data, register
from hypothesis import given, settings
from hypothesis import strategies as st

from ntm_lib.assess.scoring import score

FULL_MET = [("A.1", 55), ("A.2", 1), ("B.1", 11), ("B.2", 5), ("B.3", 4.9), ("C.1", 60), ("D.1", 3)]


def _verdict(assessment, commune, year, code):
    ind = assessment.indicators
    row = ind[(ind.commune_id == commune) & (ind.year == year) & (ind.indicator == code)]
    assert len(row) == 1
    return row.iloc[0]


def _rows(commune, year, pairs):
    return [(commune, year, code, value) for code, value in pairs]


def test_all_met_commune_meets_the_set(base_set):
    a = score(base_set, register(("c1", "dbsh")), data(*_rows("c1", 2024, FULL_MET)))
    assert a.communes.iloc[0][["criteria_met", "criteria_total", "status"]].tolist() == [
        4,
        4,
        "met",
    ]
    assert (a.indicators["status"] == "met").all()
    assert (a.indicators["gap"] == 0).all()


@pytest.mark.parametrize(
    "code, value, status, gap",
    [
        ("A.1", 50, "met", 0),
        ("A.1", 49.5, "not_met", 0.5),  # >=
        ("B.1", 10, "not_met", 0),
        ("B.1", 10.5, "met", 0),  # >  (gap 0 at the boundary)
        ("B.2", 5, "met", 0),
        ("B.2", 7.25, "not_met", 2.25),  # <=
        ("B.3", 5, "not_met", 0),
        ("B.3", 4.99, "met", 0),  # <
        ("D.1", 3, "met", 0),
        ("D.1", 4, "not_met", None),  # == on a number
        ("A.2", 1, "met", 0),
        ("A.2", 0, "not_met", None),  # yes/no
    ],
)
def test_each_comparator(base_set, code, value, status, gap):
    a = score(base_set, register(("c1", "dbsh")), data(("c1", 2024, code, value)))
    v = _verdict(a, "c1", 2024, code)
    assert v["status"] == status
    if gap is None:
        assert np.isnan(v["gap"])
    else:
        assert v["gap"] == pytest.approx(gap)


def test_threshold_depends_on_region_and_year(base_set):
    reg = register(("north", "dbsh"), ("south", "dbscl"))
    rows = [("north", 2023, "C.1", 55), ("north", 2024, "C.1", 55), ("south", 2024, "C.1", 55)]
    a = score(base_set, reg, data(*rows))
    assert _verdict(a, "north", 2023, "C.1")["threshold"] == 50
    assert _verdict(a, "north", 2023, "C.1")["status"] == "met"
    assert _verdict(a, "north", 2024, "C.1")["status"] == "not_met"
    assert _verdict(a, "north", 2024, "C.1")["gap"] == 5
    assert _verdict(a, "south", 2024, "C.1")["threshold"] == 40


def test_missing_data_makes_the_criterion_incomplete(base_set):
    rows = [p for p in FULL_MET if p[0] != "B.3"]
    a = score(base_set, register(("c1", "dbsh")), data(*_rows("c1", 2024, rows)))
    assert _verdict(a, "c1", 2024, "B.3")["status"] == "missing"
    crit = a.criteria.set_index("criterion")
    assert crit.loc["B", "status"] == "incomplete"
    assert crit.loc["B", ["indicators_met", "indicators_total"]].tolist() == [2, 3]
    assert a.communes.iloc[0]["status"] == "incomplete"


def test_a_failure_outweighs_missing_data(base_set):
    rows = [("B.1", 3)] + [p for p in FULL_MET if p[0] not in ("B.1", "B.3")]
    a = score(base_set, register(("c1", "dbsh")), data(*_rows("c1", 2024, rows)))
    assert a.criteria.set_index("criterion").loc["B", "status"] == "not_met"
    assert a.communes.iloc[0][["criteria_met", "status"]].tolist() == [3, "not_met"]


def test_an_unknown_threshold_leaves_its_criterion_undecided_never_dropped():
    """The 2021 income threshold is not known: the commune is judged on all 19 criteria, with
    criterion 10 undecided (it used to be dropped, and the commune judged on 18)."""
    from ntm_lib.criteria.catalogue import load_set

    cset = load_set("vn-2021-advanced")
    a = score(cset, register(("c1", "dbsh")), data(("c1", 2021, "10.1", 70)))
    assert _verdict(a, "c1", 2021, "10.1")["status"] == "no_threshold"
    crit = a.criteria.set_index("criterion")
    assert crit.loc["10", "status"] == "incomplete"
    assert a.communes.iloc[0]["criteria_total"] == 19
    assert a.communes.iloc[0]["status"] != "met"


def test_only_a_cited_legal_text_makes_an_indicator_not_applicable(tmp_path):
    import shutil

    from conftest import TEST_SETS

    from ntm_lib.criteria.catalogue import load_set

    shutil.copy(TEST_SETS / "t-base.yaml", tmp_path / "t-base.yaml")
    text = (TEST_SETS / "t-base.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "            - {region: tn, from_year: 2023, value: 45}",
        "            - {region: tn, from_year: 2023, value: 45}\n"
        '            - {region: dnb, not_applicable: {document: "9/QĐ-TEST", '
        'article: "Điều 2"}}',
    )
    (tmp_path / "t-base.yaml").write_text(text, encoding="utf-8")
    cset = load_set(str(tmp_path / "t-base.yaml"))
    a = score(
        cset,
        register(("c1", "dnb"), ("c2", "dbscl")),
        data(("c1", 2024, "C.1", 70), ("c2", 2024, "C.1", 70)),
    )
    assert _verdict(a, "c1", 2024, "C.1")["status"] == "not_applicable"
    assert _verdict(a, "c2", 2024, "C.1")["status"] == "met"


def test_model_condition_reuses_the_income_value(overlay_set):
    rows = _rows("c1", 2024, FULL_MET + [("A.1", 65)][:0])
    rows = [r if r[2] != "A.1" else ("c1", 2024, "A.1", 65) for r in rows]
    a = score(overlay_set, register(("c1", "dbsh")), data(*rows))
    e1 = _verdict(a, "c1", 2024, "E.1")
    assert e1["value"] == 60 and e1["threshold"] == pytest.approx(66)
    assert (
        e1["status"] == "not_met" and e1["input_ref"] == _verdict(a, "c1", 2024, "C.1")["input_ref"]
    )
    assert a.communes.iloc[0][["criteria_met", "criteria_total"]].tolist() == [4, 5]


def test_relative_threshold_compares_exactly(overlay_set):
    a = score(overlay_set, register(("c1", "dbsh")), data(("c1", 2024, "C.1", 66.0)))
    assert (
        _verdict(a, "c1", 2024, "E.1")["status"] == "met"
    )  # 1.1 × 60 == 66, not 66.00000000000001


def test_every_verdict_carries_rule_source_and_input_row(overlay_set):
    a = score(overlay_set, register(("c1", "dbsh")), data(*_rows("c1", 2024, FULL_MET)))
    v = _verdict(a, "c1", 2024, "A.1")
    assert v["rule"] == ">=" and v["threshold"] == 60 and v["verified"]
    assert v["source"] == "2/QĐ-TEST" and v["input_ref"] == "test.csv:2"
    assert _verdict(a, "c1", 2024, "A.2")["source"] == "1/QĐ-TEST, Phụ lục"


def test_a_register_commune_without_data_is_listed_as_no_data(base_set):
    reg = register(("c1", "dbsh"), ("c2", "dbsh"))
    a = score(base_set, reg, data(("c1", 2023, "A.1", 1), ("c1", 2024, "A.1", 1)))
    assert a.communes[["commune_id", "year", "status"]].values.tolist() == [
        ["c1", 2023, "not_met"],
        ["c1", 2024, "not_met"],
        ["c2", 2023, "no_data"],
        ["c2", 2024, "no_data"],
    ]
    assert len(a.indicators) == 4 * len(base_set.indicators)
    assert set(a.indicators.loc[a.indicators["commune_id"] == "c2", "status"]) == {"missing"}
    a = score(base_set, reg, data(("c1", 2023, "A.1", 1), ("c1", 2024, "A.1", 1)), years=[2024])
    assert a.communes[["commune_id", "year"]].values.tolist() == [["c1", 2024], ["c2", 2024]]


def test_output_order_is_deterministic(base_set):
    rows = [("b", 2024, "A.1", 1), ("a", 2025, "A.1", 1), ("a", 2024, "B.1", 20)]
    reg = register(("a", "dbsh"), ("b", "dbsh"))
    one = score(base_set, reg, data(*rows))
    two = score(base_set, reg, data(*reversed(rows)))
    assert one.communes[["commune_id", "year"]].values.tolist() == [
        ["a", 2024],
        ["a", 2025],
        ["b", 2024],
        ["b", 2025],
    ]
    pd.testing.assert_frame_equal(
        one.indicators.drop(columns="input_ref"), two.indicators.drop(columns="input_ref")
    )


# --- properties

values = st.floats(min_value=0, max_value=100, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(values, st.floats(min_value=0, max_value=50, allow_nan=False))
def test_raising_a_value_never_unmeets_a_ge_indicator(base_set, value, raise_by):
    reg = register(("c1", "dbsh"))
    low = score(base_set, reg, data(("c1", 2024, "A.1", value)))
    high = score(base_set, reg, data(("c1", 2024, "A.1", min(100, value + raise_by))))
    if _verdict(low, "c1", 2024, "A.1")["status"] == "met":
        assert _verdict(high, "c1", 2024, "A.1")["status"] == "met"
    assert _verdict(high, "c1", 2024, "A.1")["gap"] <= _verdict(low, "c1", 2024, "A.1")["gap"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.none(), values), min_size=7, max_size=7))
def test_criterion_met_iff_all_its_indicators_met(base_set, draws):
    codes = ["A.1", "A.2", "B.1", "B.2", "B.3", "C.1", "D.1"]
    rows = [
        ("c1", 2024, code, v if code != "A.2" else float(v > 50))
        for code, v in zip(codes, draws)
        if v is not None
    ]
    if not rows:
        return
    a = score(base_set, register(("c1", "dbsh")), data(*rows))
    merged = a.indicators.groupby("criterion")["status"].apply(lambda s: (s == "met").all())
    crit = a.criteria.set_index("criterion")["status"]
    for number, all_met in merged.items():
        assert (crit[number] == "met") == all_met
    assert (a.communes.iloc[0]["status"] == "met") == bool(merged.all())


def test_thresholds_by_commune_group_and_unknown_ones():
    from conftest import TEST_SETS

    from ntm_lib.criteria.catalogue import load_set

    cset = load_set(str(TEST_SETS / "t-groups.yaml"))
    assert cset.uses_groups
    reg = register(("g1", "dbsh"), ("g2", "dbsh"), ("g3", "dbsh"))
    reg["group"] = [1, 2, 3]
    a = score(cset, reg, data(*[(c, 2026, "1.1", 75) for c in ("g1", "g2", "g3")]))
    assert [_verdict(a, c, 2026, "1.1")["status"] for c in ("g1", "g2", "g3")] == [
        "not_met",
        "met",
        "no_threshold",
    ]
    assert _verdict(a, "g1", 2026, "1.1")["threshold"] == 80
    assert a.communes.set_index("commune_id").loc["g3", "status"] == "incomplete"
    assert a.criteria.set_index("commune_id").loc["g3", "status"] == "incomplete"


def test_a_grouped_set_needs_each_communes_group(tmp_path):
    from conftest import TEST_SETS, write

    from ntm_lib.criteria.catalogue import load_set
    from ntm_lib.errors import InputError
    from ntm_lib.intake.inputs import load_inputs

    cset = load_set(str(TEST_SETS / "t-groups.yaml"))
    reg = write(
        tmp_path / "c.csv",
        "commune_id,name,district,province,region,group\na,A,H,T,dbsh,2\nb,B,H,T,dbsh,\n",
    )
    dat = write(tmp_path / "d.csv", "commune_id,year,indicator,value\na,2026,1.1,75\n")
    with pytest.raises(InputError) as err:
        load_inputs([dat], reg, cset)
    assert [(p.key, p.row) for p in err.value.problems] == [("commune_group_missing", 3)]


def test_a_special_category_commune_is_scored_with_the_northern_mountains_thresholds(tmp_path):
    """Decision 318 Art. 1 / 211: an area-III commune of the delta uses the TDMNPB column."""
    from conftest import write

    from ntm_lib.criteria.catalogue import load_set
    from ntm_lib.intake.inputs import load_inputs

    cset = load_set("hd-2022-advanced")
    reg = write(
        tmp_path / "xa.csv",
        "commune_id,name,district,province,region,Loại xã đặc thù\n"
        "10912,A,H,Hải Dương,dbsh,Khu vực III\n10900,B,H,Hải Dương,dbsh,\n",
    )
    dat = write(
        tmp_path / "d.csv",
        "commune_id,year,indicator,value\n10912,2024,4.1,98.5\n10900,2024,4.1,98.5\n",
    )
    inputs = load_inputs([dat], reg, cset)
    a = score(cset, inputs.register, inputs.data)
    assert _verdict(a, "10912", 2024, "4.1")[["threshold", "status"]].tolist() == [98, "met"]
    assert _verdict(a, "10900", 2024, "4.1")[["threshold", "status"]].tolist() == [100, "not_met"]
