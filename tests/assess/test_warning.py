"""Early warning, fragile verdicts, evidence behind values, and who closed the same gap, on
hand-made multi-year data (the test set t-base: A.1 >= 50 %, B.2 <= 5 %, C.1 income rising
from 50 to 60 in the Red River Delta in 2024)."""

import pandas as pd
import pytest
from conftest import data, register

from ntm_lib.assess.peers import closings, same_gap
from ntm_lib.assess.pipeline import assess
from ntm_lib.assess.proof import dossier, proof_status


def _row(a, commune, year, code):
    ind = a.indicators
    row = ind[(ind["commune_id"] == commune) & (ind["year"] == year) & (ind["indicator"] == code)]
    assert len(row) == 1
    return row.iloc[0]


def test_an_indicator_falling_toward_its_threshold_is_at_risk(base_set):
    a = assess(
        base_set,
        register(("c1", "dbsh")),
        data(("c1", 2022, "A.1", 60), ("c1", 2023, "A.1", 55), ("c1", 2024, "A.1", 51)),
    )
    row = _row(a, "c1", 2024, "A.1")
    assert row["status"] == "met" and row["margin"] == pytest.approx(1)
    assert row["trend"] == pytest.approx(-4.5)
    assert bool(row["at_risk"]) and row["risk"] == "falling"
    steady = assess(
        base_set,
        register(("c1", "dbsh")),
        data(("c1", 2022, "A.1", 51), ("c1", 2023, "A.1", 55), ("c1", 2024, "A.1", 60)),
    )
    assert not _row(steady, "c1", 2024, "A.1")["at_risk"]


def test_trends_stay_per_commune_in_a_large_district(base_set):
    """Regression: the (commune, indicator) key overflowed 16-bit codes past 32,767 pairs and
    mixed communes' values into each other's trends."""
    n = 12_000
    ids = [f"c{i:05d}" for i in range(n)]
    rows = [
        (c, y, code, v)
        for i, c in enumerate(ids)
        for y in (2022, 2023, 2024)
        for code, v in (("A.1", 60 + i % 7), ("B.2", 2))
    ]
    a = assess(base_set, register(*[(c, "dbsh") for c in ids]), data(*rows))
    ind = a.indicators
    flat = ind[(ind["year"] == 2024) & ind["indicator"].isin(["A.1", "B.2"])]
    assert len(flat) == 2 * n
    assert (flat["trend"] == 0).all(), flat[flat["trend"] != 0].head()
    assert not flat["at_risk"].any()


def test_a_lower_is_better_indicator_rising_toward_its_ceiling_is_at_risk(base_set):
    a = assess(
        base_set,
        register(("c1", "dbsh")),
        data(("c1", 2022, "B.2", 2), ("c1", 2023, "B.2", 3.5), ("c1", 2024, "B.2", 4.8)),
    )
    row = _row(a, "c1", 2024, "B.2")
    assert row["status"] == "met" and bool(row["at_risk"]) and row["risk"] == "falling"


def test_a_rising_threshold_flags_a_flat_value(base_set):
    a = assess(
        base_set, register(("c1", "dbsh")), data(("c1", 2022, "C.1", 55), ("c1", 2023, "C.1", 55))
    )
    row = _row(a, "c1", 2023, "C.1")
    assert row["status"] == "met" and row["next_threshold"] == 60
    assert bool(row["at_risk"]) and row["risk"] == "rising_threshold"
    other = assess(
        base_set, register(("c2", "dbscl")), data(("c2", 2022, "C.1", 55), ("c2", 2023, "C.1", 55))
    )
    assert not _row(other, "c2", 2023, "C.1")["at_risk"]  # its region's threshold stays 40


def test_a_verdict_inside_the_tolerance_is_fragile(base_set):
    # percent: 1 point (an assumption of regions.yaml); income: 3 % of the threshold
    a = assess(
        base_set,
        register(("c1", "dbsh"), ("c2", "dbsh")),
        data(
            ("c1", 2024, "A.1", 50.6),
            ("c1", 2024, "B.2", 5.8),
            ("c1", 2024, "C.1", 61.5),
            ("c2", 2024, "A.1", 53),
        ),
    )
    assert bool(_row(a, "c1", 2024, "A.1")["fragile"])  # met by 0.6
    assert bool(_row(a, "c1", 2024, "B.2")["fragile"])  # not met by 0.8
    assert bool(_row(a, "c1", 2024, "C.1")["fragile"])  # 61.5 vs 60 +- 1.8
    assert _row(a, "c1", 2024, "C.1")["tolerance"] == pytest.approx(1.8)
    b = assess(base_set, register(("c1", "dbsh")), data(("c1", 2024, "A.1", 53)))
    assert not _row(b, "c1", 2024, "A.1")["fragile"]
    assert a.communes.set_index("commune_id").loc["c1", "fragile"] == 3


def test_a_count_is_exact_and_a_full_share_is_a_count(tmp_path):
    from ntm_lib.criteria.catalogue import load_set

    cset = load_set("vn-2021-advanced")
    assert cset.indicator("13.2").tolerance_at(1) == 0  # OCOP products: counted
    assert cset.indicator("2.1").tolerance_at(100) == 0  # every road: counted
    assert cset.indicator("2.3").tolerance_at(70) == 1.0


def test_stale_missing_and_undated_evidence_are_flagged():
    rows = pd.DataFrame(
        {
            "proof_document": ["Báo cáo 12/BC-UBND", "", "Biên bản", "Biên bản"],
            "proof_number": ["12/BC-UBND", "", "07/BB", ""],
            "proof_date": ["2024-12-15", "", "2021-03-20", ""],
            "proof_kept_at": ["UBND xã", "", "", ""],
        }
    )
    assert proof_status(rows, 2025).tolist() == ["ok", "missing", "stale", "undated"]
    assert proof_status(rows, 2022).tolist() == ["ok", "missing", "ok", "undated"]
    assert proof_status(rows, 2025, max_age_months=60).tolist()[2] == "ok"


def test_evidence_columns_are_read_and_carried_to_the_dossier(base_set, tmp_path):
    from conftest import write

    from ntm_lib.intake.inputs import load_inputs

    reg = write(tmp_path / "xa.csv", "commune_id,name,district,province,region\nc1,Xã 1,H,T,dbsh\n")
    dat = write(
        tmp_path / "d.csv",
        "Mã xã,Năm,Mã chỉ tiêu,Giá trị,Minh chứng,Số văn bản,"
        "Ngày văn bản,Nơi lưu\nc1,2025,A.1,60,Báo cáo,5/BC,01/12/2025,UBND xã\n"
        "c1,2025,A.2,Đạt,,,,\nc1,2025,B.2,3,Biên bản,2/BB,15/01/2020,\n"
        "c1,2025,B.1,12,Sổ theo dõi,,ngày mai,\n",
    )
    with pytest.raises(Exception) as err:
        load_inputs([dat], reg, base_set)
    assert [p.key for p in err.value.problems] == ["proof_date_invalid"]
    dat.write_text(dat.read_text(encoding="utf-8").replace("ngày mai", ""), encoding="utf-8")
    inputs = load_inputs([dat], reg, base_set)
    a = assess(base_set, inputs.register, inputs.data)
    rows = dossier(a, base_set, "c1", 2025).set_index("indicator")
    assert rows.loc["A.1", "proof_status"] == "ok" and rows.loc["A.1", "proof_date"] == "2025-12-01"
    assert rows.loc["A.2", "proof_status"] == "missing"
    assert rows.loc["B.2", "proof_status"] == "stale"
    assert rows.loc["B.1", "proof_status"] == "undated"
    assert rows.loc["B.3", "proof_status"] == "no_value"


def test_a_neighbour_that_crossed_the_threshold_is_found_with_its_years(base_set):
    reg = pd.concat(
        [
            register(("c1", "dbsh"), ("n1", "dbsh"), ("n2", "dbsh")),
            pd.DataFrame(
                [
                    {
                        "commune_id": "far",
                        "name": "Xã far",
                        "district": "Other",
                        "province": "T",
                        "region": "dbsh",
                    }
                ]
            ),
        ],
        ignore_index=True,
    )
    rows = [("c1", y, "A.1", 40) for y in (2021, 2022, 2023, 2024)]
    rows += [
        ("n1", 2021, "A.1", 42),
        ("n1", 2022, "A.1", 45),
        ("n1", 2023, "A.1", 51),
        ("n1", 2024, "A.1", 52),
    ]  # below 2021-22, met 2023
    rows += [("n2", 2021, "A.1", 30), ("n2", 2022, "A.1", 55)]  # met the next year
    rows += [("far", 2021, "A.1", 30), ("far", 2022, "A.1", 55)]  # another district
    a = assess(base_set, reg, data(*rows))
    found = same_gap(a, reg, "c1", 2024)
    assert found[["peer", "below_from", "met_in", "years"]].values.tolist() == [
        ["n2", 2021, 2022, 1],
        ["n1", 2021, 2023, 2],
    ]
    assert set(found["area"]) == {"district"}
    plan = pd.DataFrame(
        {
            "commune_id": ["n1", "n1"],
            "indicator": ["A.1", ""],
            "criterion": ["A", "A"],
            "cost": [120.0, 30.0],
        }
    )
    costed = same_gap(a, reg, "c1", 2024, plan)
    assert costed.set_index("peer").loc["n1", "cost"] == 150
    alone = reg[reg["commune_id"].isin(["c1", "far"])]
    wider = same_gap(
        assess(base_set, alone, data(*[r for r in rows if r[0] in ("c1", "far")])),
        alone,
        "c1",
        2024,
    )
    assert wider[["peer", "area", "years"]].values.tolist() == [["far", "province", 1]]
    assert len(closings(a, 2022)) == 2  # n2 and far by 2022; n1 only in 2023


def test_the_district_summary_counts_recognitions_at_risk_and_fragile(base_set):
    from ntm_lib.assess import district

    full = [("A.1", 60), ("A.2", 1), ("B.1", 20), ("B.2", 2), ("B.3", 2), ("C.1", 70), ("D.1", 3)]
    rows = [(c, y, code, v) for c in ("c1", "c2") for y in (2023, 2024) for code, v in full]
    rows = [r if not (r[0] == "c2" and r[2] == "A.1") else ("c2", r[1], "A.1", 50.5) for r in rows]
    rows = [
        r
        if not (r[0] == "c1" and r[2] == "B.1")
        else ("c1", r[1], "B.1", 30 if r[1] == 2023 else 11)
        for r in rows
    ]
    a = assess(base_set, register(("c1", "dbsh"), ("c2", "dbsh")), data(*rows))
    o = district.overview(a, ["c1", "c2"], 2024)
    assert o["met"] == 2 and o["met_at_risk"] == 1 and o["met_fragile"] == 1
    assert o["at_risk"] == 1 and o["fragile_verdicts"] == 1  # c2 A.1 at 50.5 against 50
    table = district.at_risk(a, register(("c1", "dbsh"), ("c2", "dbsh")), ["c1", "c2"], 2024)
    assert table.set_index("commune_id").loc["c1", "indicators"] == "B.1"


def test_a_strict_rule_is_at_risk_when_the_trend_reaches_its_threshold(base_set):
    """B.1 is '> 10' (strict): a count falling 14, 12 projects to 10, which fails a strict
    rule; B.3 is '< 5': rising 3, 4 projects to 5, which fails too."""
    a = assess(
        base_set,
        register(("c1", "dbsh")),
        data(
            ("c1", 2022, "B.1", 14),
            ("c1", 2023, "B.1", 12),
            ("c1", 2022, "B.3", 3),
            ("c1", 2023, "B.3", 4),
        ),
    )
    for code in ("B.1", "B.3"):
        row = _row(a, "c1", 2023, code)
        assert row["status"] == "met" and bool(row["at_risk"]), (code, row.to_dict())
    at = assess(base_set, register(("c1", "dbsh")), data(("c1", 2023, "B.1", 10)))
    assert _row(at, "c1", 2023, "B.1")["status"] == "not_met"  # equal fails a strict rule
