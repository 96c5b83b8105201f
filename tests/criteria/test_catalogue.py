import math
import shutil

import pytest
from conftest import TEST_SETS

from ntm_lib.criteria.catalogue import (
    NOT_APPLICABLE,
    UNDECLARED,
    UNKNOWN,
    VALUE,
    cell,
    coverage,
    evidence_counts,
    list_sets,
    load_set,
    threshold_grid,
    threshold_of,
    unverified,
)
from ntm_lib.errors import CriteriaSetError


def test_every_shipped_set_loads_with_complete_indicators():
    assert set(list_sets()) >= {
        "vn-2021-ntm",
        "vn-2021-advanced",
        "vn-2021-model",
        "hd-2022-advanced",
        "hd-2022-model",
    }
    for set_id in list_sets():
        cset = load_set(set_id)
        codes = [i.code for i in cset.indicators]
        assert len(codes) == len(set(codes)), set_id
        for ind in cset.indicators:
            assert ind.name["vi"] and ind.name["en"], (set_id, ind.code)
            assert ind.unit and ind.rule.op, (set_id, ind.code)
            assert ind.source.get("document"), (set_id, ind.code)
            assert ind.evidence.get("kind") in {"official", "guidance", "secondary", "working"}
            assert ind.verified == (ind.weakest == "official")
        for crit in cset.criteria:
            assert crit.name["vi"] and crit.name["en"]


def test_national_sets_have_19_criteria_and_model_adds_conditions():
    assert len(load_set("vn-2021-ntm").criteria) == 19
    advanced = load_set("vn-2021-advanced")
    model = load_set("vn-2021-model")
    assert len(advanced.criteria) == 19
    assert [c.number for c in model.criteria[:19]] == [c.number for c in advanced.criteria]
    assert len(model.criteria) == 20
    assert model.lineage == ("vn-2021-model", "vn-2021-advanced")


def test_provincial_overlay_overrides_only_what_differs():
    national = load_set("vn-2021-advanced")
    provincial = load_set("hd-2022-advanced")
    changed = [i.code for i in provincial.indicators if i != national.indicator(i.code)]
    assert changed == ["17.4"]
    waste = provincial.indicator("17.4")
    assert waste.evidence["kind"] == "secondary" and waste.defined_in == "hd-2022-advanced"
    assert "50%" in waste.evidence["quote"]
    assert waste.source["document"] == "2582/QĐ-UBND"
    assert waste.name == national.indicator("17.4").name


def test_provincial_model_set_carries_provincial_advanced_overrides():
    model = load_set("hd-2022-model")
    assert model.indicator("17.4").defined_in == "hd-2022-advanced"
    assert model.indicator("KM.3").source["document"] == "2583/QĐ-UBND"
    assert set(model.files) == {
        "hd-2022-model",
        "hd-2022-advanced",
        "vn-2021-model",
        "vn-2021-advanced",
    }


def test_overlay_of_test_sets(overlay_set, base_set):
    assert overlay_set.indicator("A.1").rule.threshold == 60
    assert overlay_set.indicator("A.1").verified
    assert overlay_set.indicator("A.2") == base_set.indicator("A.2")
    assert overlay_set.status_label == base_set.status_label  # inherited


@pytest.mark.parametrize(
    "region, year, expected",
    [
        ("dbsh", 2021, 40),  # only the national value applies before 2022
        ("dbsh", 2022, 50),
        ("dbsh", 2023, 50),  # a value holds until the next listed year
        ("dbsh", 2024, 60),
        ("dbsh", 2025, 60),
        ("tn", 2022, 40),
        ("tn", 2023, 45),
        ("dbscl", 2025, 40),
    ],
)
def test_region_and_year_thresholds(base_set, region, year, expected):
    assert threshold_of(base_set, "C.1", region, year) == expected


def test_relative_threshold_follows_the_referenced_one(overlay_set):
    assert threshold_of(overlay_set, "E.1", "dbsh", 2024) == pytest.approx(66)
    assert threshold_of(overlay_set, "E.1", "dbsh", 2021) == pytest.approx(44)


def test_an_unknown_threshold_is_declared_so_and_gives_nan():
    cset = load_set("vn-2021-advanced")
    assert math.isnan(threshold_of(cset, "10.1", "dbsh", 2021))
    assert cell(cset, "10.1", "dbsh", 2021).state == UNKNOWN
    assert cell(cset, "10.1", "dbsh", 2023).value == 68
    grid = threshold_grid(cset, ["dbsh"], [2021, 2022])
    assert grid.values.shape == grid.state.shape == (len(cset.indicators), 1, 2)


def test_an_undeclared_cell_is_never_not_applicable(base_set):
    # C.1 of the test set lists regions and years; a region it does not list is a gap
    x = cell(base_set, "C.1", "tdmnpb", 2021)
    assert x.state in (VALUE, UNDECLARED) and x.state != NOT_APPLICABLE


def test_unverified_lists_all_but_the_verified(overlay_set):
    codes = [i.code for i in unverified(overlay_set)]
    assert "A.1" not in codes and "A.2" in codes and len(codes) == len(overlay_set.indicators) - 1


def _copy_set(tmp_path, name="t-base.yaml", edit=lambda s: s):
    shutil.copy(TEST_SETS / "t-base.yaml", tmp_path / "t-base.yaml")
    target = tmp_path / name
    target.write_text(edit((TEST_SETS / name).read_text(encoding="utf-8")), encoding="utf-8")
    return target


def test_schema_error_names_file_and_key(tmp_path):
    path = _copy_set(
        tmp_path, edit=lambda s: s.replace('op: ">", threshold: 10', 'op: "≫", threshold: 10')
    )
    with pytest.raises(CriteriaSetError) as err:
        load_set(str(path))
    assert str(path) in str(err.value)
    assert "criteria[B].indicators[B.1].rule.op" in str(err.value)


def test_missing_key_is_reported(tmp_path):
    path = _copy_set(tmp_path, edit=lambda s: s.replace("level: advanced\n", ""))
    with pytest.raises(CriteriaSetError, match="level"):
        load_set(str(path))


def test_override_of_unknown_indicator_is_rejected(tmp_path):
    path = _copy_set(tmp_path, "t-overlay.yaml", lambda s: s.replace('code: "A.1"', 'code: "Z.9"'))
    with pytest.raises(CriteriaSetError, match="Z.9"):
        load_set(str(path))


def test_verified_follows_the_evidence(tmp_path):
    path = _copy_set(
        tmp_path, "t-overlay.yaml", lambda s: s.replace("kind: official", "kind: working")
    )
    assert not load_set(str(path)).indicator("A.1").verified
    bad = _copy_set(
        tmp_path, "t-overlay.yaml", lambda s: s.replace("kind: official", "kind: rumour")
    )
    with pytest.raises(CriteriaSetError, match="A.1"):
        load_set(str(bad))


def test_percentage_threshold_out_of_range_is_rejected(tmp_path):
    path = _copy_set(tmp_path, edit=lambda s: s.replace("threshold: 50}", "threshold: 150}"))
    with pytest.raises(CriteriaSetError, match="A.1"):
        load_set(str(path))


def test_unknown_set_names_the_available_ones():
    with pytest.raises(CriteriaSetError, match="vn-2021-advanced"):
        load_set("no-such-set")


@pytest.mark.parametrize(
    "set_id",
    [
        "vn-2021-ntm",
        "vn-2021-advanced",
        "vn-2021-model",
        "hd-2022-advanced",
        "hd-2022-model",
        "vn-2026-ntm",
        "vn-2026-modern",
    ],
)
def test_no_shipped_set_has_an_undeclared_cell(set_id):
    cov = coverage(load_set(set_id))
    assert len(cov) > 0
    gaps = cov[cov["state"] == "undeclared"]
    assert gaps.empty, gaps.head(10).to_string()


@pytest.mark.parametrize(
    "set_id", ["vn-2021-ntm", "vn-2021-advanced", "hd-2022-model", "vn-2026-ntm"]
)
def test_every_region_and_year_gets_a_decided_or_no_threshold_verdict(set_id):
    import pandas as pd

    from ntm_lib.assess.scoring import score
    from ntm_lib.criteria.catalogue import region_ids

    cset = load_set(set_id)
    regs = region_ids()
    register = pd.DataFrame(
        {
            "commune_id": regs,
            "name": regs,
            "district": "H",
            "province": cset.province or "P",
            "region": regs,
            "group": 2,
        }
    )
    period = range(cset.period.start, cset.period.end + 1)
    rows = [
        (r, y, i.code, 1.0 if i.unit_kind == "yes_no" else 50.0)
        for r in regs
        for y in period
        for i in cset.indicators
        if not i.value_from
    ]
    data = pd.DataFrame(rows, columns=["commune_id", "year", "indicator", "value"])
    data["input_ref"] = "x"
    a = score(cset, register, data)
    assert set(a.indicators["status"]) <= {"met", "not_met", "no_threshold"}
    assert not (a.indicators["status"] == "not_applicable").any()


def test_corrections_found_are_applied_with_their_evidence():
    basic, advanced = load_set("vn-2021-ntm"), load_set("vn-2021-advanced")
    assert threshold_of(basic, "15.3", "dbsh", 2023) == 16.5
    assert threshold_of(basic, "15.3", "tn", 2023) == 26.5
    assert basic.indicator("15.3").evidence["kind"] == "secondary"
    assert threshold_of(basic, "5.1", "dbsh", 2023) == 100
    assert cell(basic, "5.1", "btb", 2023).state == UNKNOWN
    assert {"8.2", "8.3", "8.4", "6.2", "12.2", "15.4", "17.3"} <= {
        i.code for i in basic.indicators
    }
    assert all(cell(basic, "11.1", r, 2023).state == UNKNOWN for r in ("dbsh", "tdmnpb"))
    assert threshold_of(advanced, "4.1", "dbsh", 2024) == 100
    assert threshold_of(advanced, "4.1", "tdmnpb", 2024) == 98
    assert cell(advanced, "4.1", "dbsh", 2024).evidence["kind"] == "guidance"
    assert cell(advanced, "4.1", "dbsh", 2023).evidence["kind"] == "working"
    assert threshold_of(advanced, "14.3", "dbsh", 2023) == 90
    assert threshold_of(advanced, "14.4", "dbsh", 2023) == 40
    assert threshold_of(advanced, "10.1", "dbsh", 2022) == 64
    counts = evidence_counts(advanced)
    assert counts["official"] == 0 and counts["secondary"] + counts["guidance"] >= 5
    assert advanced.indicator("14.1").evidence["kind"] == "guidance"


@pytest.mark.parametrize(
    "category, year, region",
    [
        ("dbkk", 2022, "tdmnpb"),  # 318 Art. 1
        ("dbkk", 2024, "dbsh"),  # no longer on 211's list
        ("kv3", 2024, "tdmnpb"),  # 211
        ("kv3", 2022, "dbsh"),  # not on 318's list
        ("atk", 2022, "tdmnpb"),
        ("atk", 2025, "tdmnpb"),
        (None, 2024, "dbsh"),
    ],
)
def test_special_categories_use_the_northern_mountains_thresholds(category, year, region):
    from ntm_lib.criteria.catalogue import effective_region

    cset = load_set("hd-2022-advanced")
    assert effective_region(cset, "dbsh", category, year) == region
    expected = threshold_of(cset, "4.1", region, year)
    assert threshold_of(cset, "4.1", "dbsh", year, category=category) == expected
