"""A fraction slip is judged by the file (the indicator's column), never by a lone value; real
small shares are never refused; what officers type in cells reads as they meant it."""

import pandas as pd
import pytest

from ntm_lib.criteria.catalogue import load_set
from ntm_lib.intake.indicator_data import directions
from ntm_lib.intake.plausibility import Direction, fraction_slips
from ntm_lib.intake.values import cell_numbers, codes_from_date, refused_character

HD = load_set("hd-2022-advanced")


def _slips(rows, explicit=None, rules=None):
    code = pd.Series([c for c, _ in rows], dtype="category")
    value = pd.Series([v for _, v in rows], dtype=float)
    explicit = pd.Series(explicit or [False] * len(rows))
    return fraction_slips(code, value, explicit, rules or directions(HD)).tolist()


@pytest.mark.parametrize(
    "rows, expected",
    [
        ([("14.1", 0.95), ("14.1", 0.97), ("14.1", 0.92)], [True, True, True]),
        ([("14.1", 0.95), ("14.1", 1.0)], [True, True]),  # 1 among fractions is 100 %
        ([("14.1", 95), ("14.1", 97), ("14.1", 0.96)], [False, False, True]),
        ([("14.4", 45), ("14.4", 60), ("14.4", 0.02)], [False, False, False]),  # 2 % is not 45-60
        ([("17.4", 55), ("17.4", 0.9)], [False, True]),  # 90 % beside 55 %, not 0,9 %
        ([("14.1", 0), ("14.1", 0), ("14.1", 0)], [False, False, False]),
        ([("11.1", 0.9)], [False]),  # poverty ≤ 2 %: 0,9 % is real
        ([("11.1", 0.9), ("11.1", 0.4), ("11.1", 1.2)], [False, False, False]),
        ([("11.1", 0.012), ("11.1", 0.015)], [True, True]),  # below 2 % / 100: fractions
        ([("11.1", 0.012), ("11.1", 0.9)], [False, False]),  # the column is of percentages
        ([("14.1", 0.95), ("11.1", 0.9)], [True, False]),  # each column judged on its own
    ],
)
def test_a_fraction_is_judged_by_its_column(rows, expected):
    assert _slips(rows) == expected


def test_a_percent_sign_or_cell_is_a_percentage_whatever_the_column():
    rows = [("14.1", 0.5), ("14.1", 0.8), ("14.1", 0.3)]
    assert _slips(rows, explicit=[True, True, True]) == [False, False, False]
    # the signed values do not make the plain one a column of percentages, nor of fractions
    assert _slips(rows, explicit=[True, True, False]) == [False, False, True]


def test_a_lower_is_better_share_without_a_known_threshold_is_never_a_fraction():
    rules = {"x": Direction("<=", ())}
    assert _slips([("x", 0.001), ("x", 0.002)], rules=rules) == [False, False]


def test_stunting_thresholds_make_small_values_plausible():
    rules = directions(load_set("vn-2021-ntm"))
    assert rules["15.3"].fraction_bound() == pytest.approx(0.145)
    assert _slips([("15.3", 0.8)], rules=rules) == [False]
    assert _slips([("15.3", 0.12), ("15.3", 0.2)], rules=rules) == [False, False]
    assert _slips([("15.3", 0.12), ("15.3", 0.14)], rules=rules) == [True, True]


@pytest.mark.parametrize(
    "text, codes",
    [
        ("01/10", ["1.10", "10.1"]),
        ("10/01", ["10.1", "1.10"]),
        ("10/01/2024", ["10.1", "1.10"]),
        ("2024-01-10 00:00:00", ["10.1", "1.10"]),
        ("17/04", ["17.4", "4.17"]),
        ("1-Oct", ["1.10", "10.1"]),
        ("Apr-17", ["17.4", "4.17"]),
        ("17.4", []),
        ("1.10", []),
        ("abc", []),
    ],
)
def test_the_codes_a_date_may_have_been(text, codes):
    assert codes_from_date(text) == codes


@pytest.mark.parametrize(
    "text, key",
    [
        ("55", None),
        ("Đức Chính", None),
        ("a\tb", None),  # a tab in a cell is white space
        ("5\x1b[31m5", "cell_control_char"),
        ("\u202e55", "cell_control_char"),
        ("Chính\ufffe", "cell_noncharacter"),
        ("\ufdd0", "cell_noncharacter"),
        ("\ufdef", "cell_noncharacter"),
        ("x\U0001ffff", "cell_noncharacter"),
        ("x\U0010fffe", "cell_noncharacter"),
        ("\ufdcf\ufdf0\ufffd", None),  # next to the noncharacters, but characters
    ],
)
def test_characters_no_cell_may_hold(text, key):
    assert refused_character(text) == key


def test_excel_number_cells_are_read_as_excel_holds_them():
    text = pd.Series(["1.234", "1.234", "3.102"])
    flag = pd.Series(["number", "", ""])
    assert cell_numbers(text, flag, "vi").tolist() == [1.234, 1234, 3102]
    assert cell_numbers(text, flag, "en").tolist() == [1.234, 1.234, 3.102]
