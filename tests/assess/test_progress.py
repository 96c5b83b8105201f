import pandas as pd
import pytest
from conftest import data, register

from ntm_lib.assess.progress import indicator_trends, per_year, regressions
from ntm_lib.assess.scoring import score

REG = register(("c1", "dbsh"))


def _trend(cset, rows, code):
    a = score(cset, REG, data(*rows))
    t = indicator_trends(a, cset, REG)
    return t.set_index("indicator").loc[code]


@pytest.mark.parametrize(
    "values, note, year",
    [
        ([40, 44, 48], "projected", 2025),  # +4 a year: 52 >= 50 in 2025
        ([40, 40.01, 40.02], "beyond_horizon", None),  # +0.01 a year: 1,000 years away
        ([45, 45, 45], "flat", None),
        ([49, 47, 45], "wrong_direction", None),
        ([40, 45, 55], "met", 2024),
    ],
)
def test_projection_of_a_ge_indicator(base_set, values, note, year):
    rows = [("c1", y, "A.1", v) for y, v in zip((2022, 2023, 2024), values)]
    t = _trend(base_set, rows, "A.1")
    assert t["projection_note"] == note
    assert pd.isna(t["projected_year"]) if year is None else t["projected_year"] == year


def test_projection_of_a_le_indicator(base_set):
    rows = [("c1", y, "B.2", v) for y, v in zip((2022, 2023, 2024), (9, 8, 7))]
    t = _trend(base_set, rows, "B.2")
    assert t["slope_per_year"] == pytest.approx(-1)
    assert t["direction"] == "improving"
    assert t["projected_year"] == 2026  # 6 in 2025, 5 <= 5 in 2026


def test_projection_follows_year_dependent_thresholds(base_set):
    # Thresholds for dbsh: 50 from 2022, 60 from 2024. +4 a year from 48 in 2023:
    # 52 < 60 in 2024, 56 < 60 in 2025, 60 >= 60 in 2026.
    rows = [("c1", y, "C.1", v) for y, v in zip((2021, 2022, 2023), (40, 44, 48))]
    t = _trend(base_set, rows, "C.1")
    assert t["projected_year"] == 2026


def test_projection_uses_the_last_three_years(base_set):
    # Over all four years the trend falls; over the last three it is flat.
    rows = [("c1", y, "A.1", v) for y, v in zip((2021, 2022, 2023, 2024), (49, 40, 40, 40))]
    t = _trend(base_set, rows, "A.1")
    assert t["years_used"] == 3 and t["projection_note"] == "flat"


def test_no_projection_with_one_year_or_for_yes_no(base_set):
    assert _trend(base_set, [("c1", 2024, "A.1", 10)], "A.1")["projection_note"] == "too_few_years"
    rows = [("c1", y, "A.2", 0) for y in (2023, 2024)]
    assert _trend(base_set, rows, "A.2")["projection_note"] == "yes_no"


def test_regressions_of_criteria_and_indicators(base_set):
    rows = [
        ("c1", 2022, "A.1", 55),
        ("c1", 2022, "A.2", 1),
        ("c1", 2023, "A.1", 60),
        ("c1", 2023, "A.2", 1),
        ("c1", 2024, "A.1", 45),
        ("c1", 2024, "A.2", 1),
    ]
    a = score(base_set, REG, data(*rows))
    lost = regressions(a.criteria, "criterion", "c1", 2024)
    assert lost["criterion"].tolist() == ["A"] and lost["last_met"].tolist() == [2023]
    lost = regressions(a.indicators, "indicator", "c1", 2024)
    assert lost["indicator"].tolist() == ["A.1"]
    assert regressions(a.criteria, "criterion", "c1", 2023).empty


def test_per_year_counts(base_set):
    rows = [("c1", 2023, "A.1", 55), ("c1", 2024, "A.1", 45), ("c1", 2024, "A.2", 1)]
    a = score(base_set, REG, data(*rows))
    py = per_year(a, "c1")
    assert py["indicators_met"].tolist() == [1, 1]
    assert py["indicators_total"].tolist() == [len(base_set.indicators)] * 2


def test_per_year_of_a_commune_rows_or_of_the_whole_assessment_alike(base_set):
    """The counts of one commune's own rows equal those of the whole assessment, a year whose
    indicator rows are absent counted as unknown (NaN), never as zero."""
    reg = register(("c1", "dbsh"), ("c2", "dbsh"))
    rows = [("c1", 2023, "A.1", 55), ("c1", 2024, "A.1", 45), ("c2", 2024, "A.1", 60)]
    a = score(base_set, reg, data(*rows))
    own = a.only(lambda frame: frame["commune_id"] == "c1")
    pd.testing.assert_frame_equal(per_year(a, "c1"), per_year(own, "c1"))
    gone = a.only(lambda frame: ~((frame["year"] == 2023) & ("indicator" in frame)))
    counts = per_year(gone, "c1")
    assert counts["year"].tolist() == [2023, 2024]
    assert pd.isna(counts["indicators_met"].iloc[0]) and counts["indicators_met"].iloc[1] == 0


def test_the_window_of_values_is_the_pivot_of_the_rows():
    """Each value in its (commune, indicator) row and year column, as a pivot table puts it,
    missing values and indicators the last year has no row for included."""
    import numpy as np
    from conftest import SAMPLE

    from ntm_lib.assess.loaded import load_run
    from ntm_lib.assess.progress import _last_and_window

    run = load_run(
        [str(SAMPLE / "indicators.csv")], str(SAMPLE / "communes.csv"), "hd-2022-advanced"
    )
    ind = run.assessment.indicators
    ind = ind[
        ~((ind["commune_id"] == "10912") & (ind["indicator"] == "2.1") & (ind["year"] == 2025))
    ]
    ind = ind.assign(value=ind["value"].mask(ind.index % 7 == 0))
    last, values, years = _last_and_window(ind, 2025, 3)
    kept = ind[ind["year"].isin(years)]
    pivot = kept.pivot_table(
        index=["commune_id", "indicator"],
        columns="year",
        values="value",
        aggfunc="first",
        observed=True,
        dropna=False,
    ).reindex(columns=years)
    keys = list(zip(last["commune_id"], last["indicator"]))
    expected = pivot.reindex(keys).to_numpy(dtype=float)
    assert years == [2023, 2024, 2025] and values.shape == expected.shape
    assert np.array_equal(values, expected, equal_nan=True)
    assert ("10912", "2.1") not in keys and np.isnan(values).any()
    lasts = ind[ind["year"] == 2025]
    assert keys == list(zip(lasts["commune_id"], lasts["indicator"].astype(str)))
    assert list(last["status"]) == lasts["status"].astype(str).tolist()
    assert np.array_equal(last["value"], lasts["value"].to_numpy(dtype=float), equal_nan=True)
