"""One grammar for requirements: what decisions and officers write, read to (op, value, unit);
what ntm writes, read back to what it states."""

import pytest

from ntm_lib.criteria.catalogue import load_set
from ntm_lib.criteria.requirement import (
    TIMES,
    parse_requirement,
    quote_supports,
    requirement_text,
    split_years,
    to_number,
    year_label,
)
from ntm_lib.criteria.text import case_text


@pytest.mark.parametrize(
    "text, op, value, unit",
    [
        ("≥ 90%", ">=", 90, "percent"),
        ("≥90 %", ">=", 90, "percent"),
        (">= 90%", ">=", 90, "percent"),
        ("từ 90% trở lên", ">=", 90, "percent"),
        ("Từ 90 % trở lên", ">=", 90, "percent"),
        ("90% trở lên", ">=", 90, "percent"),
        ("tối thiểu 90%", ">=", 90, "percent"),
        ("ít nhất 90%", ">=", 90, "percent"),
        ("không dưới 90%", ">=", 90, "percent"),
        ("đạt từ 95% trở lên", ">=", 95, "percent"),
        ("≤ 2%", "<=", 2, "percent"),
        ("≤ 0,5%", "<=", 0.5, "percent"),
        ("dưới 13%", "<", 13, "percent"),
        ("< 13%", "<", 13, "percent"),
        ("không quá 13%", "<=", 13, "percent"),
        ("không vượt quá 13%", "<=", 13, "percent"),
        ("tối đa 13%", "<=", 13, "percent"),
        ("từ 5% trở xuống", "<=", 5, "percent"),
        ("trên 50%", ">", 50, "percent"),
        ("> 50%", ">", 50, "percent"),
        ("100%", None, 100, "percent"),
        ("= 100%", "==", 100, "percent"),
        ("Đạt", "==", 1, "yes_no"),
        ("đạt", "==", 1, "yes_no"),
        ("Có", "==", 1, "yes_no"),
        ("Đạt chuẩn", "==", 1, "yes_no"),
        ("Không", "==", 0, "yes_no"),
        ("≥ 1,1 lần", ">=", 1.1, TIMES),
        ("≥ 48 triệu đồng/người/năm", ">=", 48, "million_vnd_per_person_year"),
        ("≥ 48 triệu đồng/người", ">=", 48, "million_vnd_per_person_year"),
        ("≥ 70,5 tr.đ/người/năm", ">=", 70.5, "million_vnd_per_person_year"),
        ("≥ 48.000.000 đồng/người/năm", ">=", 48, "million_vnd_per_person_year"),
        ("≥ 5%/năm", ">=", 5, "percent_per_year"),
        ("≥ 1.234,5", ">=", 1234.5, None),
        ("> 10", ">", 10, None),
        ("72,500", None, 72.5, None),  # the Vietnamese convention: a decimal comma
        ("≥", ">=", None, None),
    ],
)
def test_requirements_as_people_write_them(text, op, value, unit):
    found = parse_requirement(text)
    assert found is not None, text
    assert (found.op, found.value, found.unit) == (op, value, unit)


def test_a_footnote_mark_is_kept_apart():
    found = parse_requirement("≥ 95%(1)")
    assert (found.op, found.value, found.footnote) == (">=", 95, "(1)")
    assert parse_requirement("≥ 95%*").footnote == "*"


def test_ranges_are_read_as_ranges_never_as_one_bound():
    for text in ("từ 15% đến 20%", "15-20%", "15 - 20 %"):
        found = parse_requirement(text)
        assert found.is_range and (found.value, found.high, found.unit) == (15, 20, "percent")
        assert found.op is None


@pytest.mark.parametrize(
    "text",
    [
        "≥ 70% (đối với xã có trên 3 trường)",  # a condition: never read as a plain ≥ 70
        "dưới 5% trở lên",  # contradicts itself
        "theo quy định của Bộ",
        "",
        "Chưa đạt",
        "1.234.5",
    ],
)
def test_what_the_grammar_does_not_read_is_none(text):
    assert parse_requirement(text) is None


def test_numbers_by_convention():
    assert to_number("72,500", "vi") == 72.5 and to_number("72,500", "en") == 72500
    assert to_number("1.234", "vi") == 1234 and to_number("1.234", "en") == 1.234
    assert to_number("1.234.567,5") == 1234567.5 and to_number("0,5") == 0.5
    assert to_number("1,5", "en") == 1.5 and to_number("abc") is None


def test_years_in_a_cell_and_as_row_labels():
    assert split_years("Năm 2022: ≥ 48\nNăm 2023: ≥ 52") == [
        (2022, None, "≥ 48"),
        (2023, None, "≥ 52"),
    ]
    assert split_years("- Năm 2024 - 2025: ≥ 60") == [(2024, 2025, "≥ 60")]
    assert split_years("≥ 48") == [(None, None, "≥ 48")]
    assert year_label("- Năm 2022") == (2022, None)
    assert year_label("Giai đoạn 2024-2025") == (2024, 2025)
    assert year_label("Năm 2022: ≥ 5") is None
    assert year_label("Tỷ lệ hộ nghèo") is None


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize(
    "op, value, unit",
    [
        (">=", 95.5, "percent"),
        ("<", 13, "percent"),
        (">", 50, "percent"),
        ("<=", 0.25, "percent"),
        (">=", 48, "million_vnd_per_person_year"),
        (">=", 1234.5, "million_vnd_per_person_year"),
        (">", 10, "count"),
        (">=", 5, "percent_per_year"),
        ("==", 1, "yes_no"),
        ("==", 0, "yes_no"),
    ],
)
def test_what_ntm_writes_reads_back(op, value, unit, lang):
    text = requirement_text(op, value, unit, lang)
    found = parse_requirement(text, lang)
    assert (found.op, found.value) == (op, value), text
    assert found.unit in (unit, None) and (found.unit == unit or unit == "count"), text


def test_ntm_criteria_shows_each_threshold_as_it_reads_back():
    """Every threshold case `ntm criteria` lists, of every shipped set, parses back to the
    case's own comparator and value."""
    for set_id in ("vn-2021-ntm", "vn-2021-advanced", "hd-2022-model"):
        cset = load_set(set_id)
        for ind in cset.indicators:
            for case in ind.rule.thresholds or []:
                if case.value is None:
                    continue
                text = case_text(ind, case)
                stated = text.split(" ", 1)[1].split(" (")[0].split(" [")[0]
                if case.group:
                    stated = stated.split(" ", 1)[1]
                found = parse_requirement(stated)
                assert (found.op, found.value) == (ind.rule.op, case.value), text
            if ind.rule.threshold is not None:
                found = parse_requirement(ind.rule_text())
                assert found.op == ind.rule.op and found.value == ind.rule.threshold


def test_a_quote_supports_only_its_own_value():
    assert quote_supports("Có từ 50% trở lên hộ gia đình", 50, "percent")
    assert not quote_supports("Có từ 50% trở lên hộ gia đình", 60, "percent")
    assert quote_supports("đạt 95,5%", 95.5, "percent")
    assert quote_supports("≥ 48.000.000 đồng/người/năm", 48, "million_vnd_per_person_year")
    assert quote_supports("Xã có nhà văn hóa", 1, "yes_no")
