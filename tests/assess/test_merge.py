"""Old-to-new communes: the official crosswalk and the roll-up rules, on hand-worked cases."""

import numpy as np
import pandas as pd
import pytest
from conftest import SAMPLE, data

from ntm_lib.assess.crosswalk import crosswalk
from ntm_lib.assess.merge import merge


def test_cam_giang_crosswalk_matches_the_official_table():
    """Rows of the official old-to-new table (NSO catalogue) for former Cẩm Giàng district."""
    official = {
        ("10888", "10888", True),
        ("10897", "10888", True),
        ("10918", "10888", True),
        ("10894", "10903", True),
        ("10903", "10903", True),
        ("10924", "10903", True),
        ("10933", "10903", False),
        ("10900", "10909", True),
        ("10909", "10909", True),
        ("10912", "10909", True),
        ("10930", "10930", True),
        ("10933", "10930", False),
        ("10939", "10930", True),
    }
    cw = crosswalk()
    mine = cw[cw["old_code"].isin({o for o, _, _ in official})]
    assert set(zip(mine["old_code"], mine["new_code"], mine["whole"])) == official
    tue_tinh = cw[cw["new_code"] == "10909"]
    assert set(tue_tinh["new_name"]) == {"Xã Tuệ Tĩnh"}
    assert set(tue_tinh["old_name"]) == {"Xã Cẩm Văn", "Xã Cẩm Vũ", "Xã Đức Chính"}
    # A new code equal to an old one stays in its own column: 10909 is new Tuệ Tĩnh and old Cẩm Vũ.
    assert cw[cw["old_code"] == "10909"]["old_name"].iloc[0] == "Xã Cẩm Vũ"


CW = pd.DataFrame(
    [
        # new N1 = A + B whole; new N2 = part of C; new N3 = part of C + D whole
        {
            "old_code": "A",
            "new_code": "N1",
            "whole": True,
            "new_name": "Xã Một",
            "new_province": "Thành phố X",
        },
        {
            "old_code": "B",
            "new_code": "N1",
            "whole": True,
            "new_name": "Xã Một",
            "new_province": "Thành phố X",
        },
        {
            "old_code": "C",
            "new_code": "N2",
            "whole": False,
            "new_name": "Xã Hai",
            "new_province": "Thành phố X",
        },
        {
            "old_code": "C",
            "new_code": "N3",
            "whole": False,
            "new_name": "Xã Ba",
            "new_province": "Thành phố X",
        },
        {
            "old_code": "D",
            "new_code": "N3",
            "whole": True,
            "new_name": "Xã Ba",
            "new_province": "Thành phố X",
        },
    ]
)


def _register():
    return pd.DataFrame(
        {
            "commune_id": list("ABCD"),
            "name": list("ABCD"),
            "district": "H",
            "province": "T",
            "region": "dbsh",
            "households": [1000, 3000, 2000, 500],
        }
    )


def _merge(base_set, rows, shares=None):
    return merge(data(*rows), _register(), base_set, shares=shares, crosswalk=CW)


def _value(m, new, code):
    row = m.data[(m.data["commune_id"] == new) & (m.data["indicator"] == code)]
    return row["value"].iloc[0], row["note"].iloc[0]


def test_counts_are_summed(base_set):
    m = _merge(base_set, [("A", 2024, "B.1", 4), ("B", 2024, "B.1", 7)])
    assert _value(m, "N1", "B.1") == (11, "sum of the parts")


def test_shares_are_weighted_by_households(base_set):
    # (40·1000 + 80·3000) / 4000 = 70
    m = _merge(base_set, [("A", 2024, "A.1", 40), ("B", 2024, "A.1", 80)])
    assert _value(m, "N1", "A.1") == (70, "mean weighted by households")


def test_ratios_are_re_derived_from_numerators_and_denominators(base_set):
    rows = data(("A", 2024, "A.1", 50), ("B", 2024, "A.1", 90))
    rows["numerator"] = [100.0, 900.0]
    rows["denominator"] = [200.0, 1000.0]
    m = merge(rows, _register(), base_set, crosswalk=CW)
    # (100 + 900) / (200 + 1000) = 83.333...%
    assert _value(m, "N1", "A.1")[0] == pytest.approx(83.333333, abs=1e-6)
    assert _value(m, "N1", "A.1")[1] == "re-derived from numerators and denominators"


def test_yes_no_is_met_only_if_met_in_every_part(base_set):
    m = _merge(base_set, [("A", 2024, "A.2", 1), ("B", 2024, "A.2", 0)])
    assert _value(m, "N1", "A.2")[0] == 0
    m = _merge(base_set, [("A", 2024, "A.2", 1), ("B", 2024, "A.2", 1)])
    assert _value(m, "N1", "A.2")[0] == 1


def test_a_split_commune_without_share_is_flagged(base_set):
    m = _merge(base_set, [("C", 2024, "B.1", 10), ("D", 2024, "B.1", 5)])
    value, note = _value(m, "N3", "B.1")
    assert np.isnan(value) and note == "not derivable: split_without_share"
    assert set(m.flags.loc[m.flags["new_code"] == "N3", "reason"]) == {"split_without_share"}


def test_a_split_commune_with_shares(base_set):
    shares = pd.DataFrame({"old_code": ["C", "C"], "new_code": ["N2", "N3"], "share": [0.25, 0.75]})
    m = _merge(
        base_set,
        [
            ("C", 2024, "B.1", 8),
            ("D", 2024, "B.1", 5),
            ("C", 2024, "A.1", 40),
            ("D", 2024, "A.1", 60),
        ],
        shares=shares,
    )
    assert _value(m, "N2", "B.1")[0] == 2  # 8 · 0.25
    assert _value(m, "N3", "B.1")[0] == 11  # 8 · 0.75 + 5
    # weights: C 2000 · 0.75 = 1500, D 500 → (40·1500 + 60·500) / 2000 = 45
    assert _value(m, "N3", "A.1")[0] == 45
    reg = m.register.set_index("commune_id")
    assert reg.loc["N3", "households"] == 2000 and reg.loc["N3", "predecessors_old_codes"] == "C D"


def test_a_new_commune_missing_a_part_is_flagged(base_set):
    m = _merge(base_set, [("A", 2024, "A.1", 40)])
    assert _value(m, "N1", "A.1")[1] == "not derivable: missing_part"


def test_merge_command_on_the_sample(tmp_path, capsys):
    from ntm_lib.cli import main

    out = tmp_path / "tue-tinh.csv"
    assert (
        main(
            [
                "merge",
                str(SAMPLE / "indicators.csv"),
                "--communes",
                str(SAMPLE / "communes.csv"),
                "--set",
                "hd-2022-advanced",
                "--to",
                "new",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    merged = pd.read_csv(out, dtype={"commune_id": str, "indicator": str})
    tue = merged[(merged["commune_id"] == "10909") & (merged["year"] == 2025)]
    assert tue["value"].notna().all()  # its three parts are whole and in the sample
    register = pd.read_csv(tmp_path / "tue-tinh.communes.csv", dtype=str)
    assert register.set_index("commune_id").loc["10909", "name"] == "Tuệ Tĩnh"
    flags = pd.read_csv(tmp_path / "tue-tinh.flags.csv", dtype=str)
    assert set(flags.loc[flags["new_code"] == "10903", "reason"]) == {"split_without_share"}
