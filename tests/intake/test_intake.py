import datetime as dt
import unicodedata

import numpy as np
import pandas as pd
import pytest
from conftest import write
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from ntm_lib.errors import InputError
from ntm_lib.intake.inputs import load_inputs, read_register
from ntm_lib.intake.values import parse_numbers, parse_yes_no

REGISTER = (
    "commune_id,name,district,province,region\n"
    "c1,Đức Chính,Cẩm Giàng,Hải Dương,Đồng bằng sông Hồng\n"
)


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("95", 95),
        ("95%", 95),
        ("95 %", 95),
        ("95,5", 95.5),
        ("95.5", 95.5),
        ("95,5%", 95.5),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("1.234.567", 1234567),
        ("1,234,567", 1234567),
        ("0", 0),
        ("-3", -3),
        (" 7 ", 7),
        ("\u00a012", 12),
    ],
)
def test_numbers_as_typed(typed, expected):
    assert parse_numbers(pd.Series([typed])).iloc[0] == expected


@pytest.mark.parametrize("typed", ["", "abc", "95 phần trăm", "≥95", "1e5", "nan", "inf", "9-5"])
def test_not_numbers(typed):
    assert np.isnan(parse_numbers(pd.Series([typed])).iloc[0])


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("Đạt", 1),
        ("đạt", 1),
        ("ĐẠT", 1),
        ("Chưa đạt", 0),
        ("Không đạt", 0),
        ("có", 1),
        ("Có", 1),
        ("không", 0),
        ("yes", 1),
        ("NO", 0),
        ("1", 1),
        ("0", 0),
        ("x", 1),
        (unicodedata.normalize("NFD", "Chưa đạt"), 0),
        (unicodedata.normalize("NFD", "Đạt"), 1),
    ],
)
def test_yes_no_as_typed(typed, expected):
    assert parse_yes_no(pd.Series([typed])).iloc[0] == expected


@pytest.mark.parametrize("typed", ["maybe", "2", "50%", ""])
def test_not_yes_no(typed):
    assert np.isnan(parse_yes_no(pd.Series([typed])).iloc[0])


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False))
def test_decimal_comma_round_trip(number):
    typed = f"{number:.2f}".replace(".", ",")
    assert parse_numbers(pd.Series([typed])).iloc[0] == pytest.approx(float(number))


def _inputs(tmp_path, data_text, base_set, register_text=REGISTER, encoding="utf-8"):
    reg = write(tmp_path / "communes.csv", register_text)
    dat = write(tmp_path / "data.csv", data_text, encoding)
    return load_inputs([dat], reg, base_set)


def test_valid_csv_is_parsed(tmp_path, base_set):
    text = 'commune_id,year,indicator,value,note\nc1,2024,A.1,"55,5%",ok\nc1,2024,A.2,Đạt,\n'
    inputs = _inputs(tmp_path, text, base_set)
    assert inputs.data["value"].tolist() == [55.5, 1.0]
    assert inputs.data["input_ref"].tolist() == ["data.csv:2", "data.csv:3"]
    assert inputs.register.loc[0, "region"] == "dbsh"


def test_bom_and_nfd_and_vietnamese_headers(tmp_path, base_set):
    text = unicodedata.normalize("NFD", "Mã xã;Năm;Mã chỉ tiêu;Giá trị\nc1;2024;A.2;Chưa đạt\n")
    reg = unicodedata.normalize("NFD", REGISTER)
    dat = write(tmp_path / "data.csv", "\ufeff" + text)
    inputs = load_inputs([dat], write(tmp_path / "communes.csv", "\ufeff" + reg), base_set)
    assert inputs.data["value"].tolist() == [0.0]
    assert inputs.register.loc[0, "name"] == unicodedata.normalize("NFC", "Đức Chính")


def test_messages_name_the_column_as_the_file_has_it(tmp_path, base_set):
    """«Giá trị», the header the officer typed, not the internal name «value»; numbers in
    the message's language."""
    text = "Mã xã,Năm,Mã chỉ tiêu,Giá trị\nc1,2024,A.1,150\nc1,2024,A.1x,5\n"
    with pytest.raises(InputError) as err:
        _inputs(tmp_path, text, base_set)
    message = str(err.value)
    assert "cột «Giá trị»" in message and "«value»" not in message
    assert "cột «Mã chỉ tiêu»" in message
    assert {p.column for p in err.value.problems if p.column} <= {"value", "indicator"}
    with pytest.raises(InputError) as err:
        _inputs(tmp_path, 'Mã xã,Năm,Mã chỉ tiêu,Giá trị\nc1,2024,A.1,"0,925"\n', base_set)
    assert "92,5" in str(err.value)  # the value meant, written the Vietnamese way


def test_utf16_csv(tmp_path, base_set):
    inputs = _inputs(
        tmp_path,
        "\ufeffcommune_id,year,indicator,value\nc1,2024,A.1,60\n",
        base_set,
        encoding="utf-16-le",
    )
    assert inputs.data["value"].tolist() == [60.0]


def test_excel_with_several_sheets(tmp_path, base_set):
    wb = Workbook()
    wb.active.title = "Hướng dẫn"
    wb.active.append(["Điền số liệu vào các trang sau."])
    for year in (2023, 2024):
        ws = wb.create_sheet(str(year))
        ws.append(["Mã xã", "Năm", "Mã chỉ tiêu", "Giá trị"])
        ws.append(["c1", year, "A.1", 61.5])
        ws.append(["c1", year, "A.2", "Đạt"])
    wb.save(tmp_path / "data.xlsx")
    reg = write(tmp_path / "communes.csv", REGISTER)
    inputs = load_inputs([tmp_path / "data.xlsx"], reg, base_set)
    assert sorted(inputs.data["year"].unique().tolist()) == [2023, 2024]
    assert inputs.data["input_ref"].iloc[0] == "data.xlsx[2023]:2"


def _problems(tmp_path, data_text, base_set, register_text=REGISTER):
    with pytest.raises(InputError) as err:
        _inputs(tmp_path, data_text, base_set, register_text)
    return err.value.problems


def test_every_problem_is_reported_at_once_with_its_location(tmp_path, base_set):
    text = (
        "commune_id,year,indicator,value\n"
        "c1,2024,Z.9,1\n"  # unknown indicator
        "c1,2024,A.1,abc\n"  # not a number
        "c1,2024,B.2,120\n"  # percentage out of range
        "c9,2024,A.2,Đạt\n"  # commune not in register
        "c1,2030,A.2,Đạt\n"  # year outside the set's period
        "c1,2024,A.2,có lẽ\n"
    )  # not yes/no
    problems = _problems(tmp_path, text, base_set)
    found = {(p.key, p.row, p.column) for p in problems}
    assert found == {
        ("indicator_unknown", 2, "indicator"),
        ("value_not_number", 3, "value"),
        ("value_percent_range", 4, "value"),
        ("commune_not_in_register", 5, "commune_id"),
        ("year_outside_period", 6, "year"),
        ("value_not_yes_no", 7, "value"),
    }
    message = next(p for p in problems if p.key == "indicator_unknown").message()
    assert (
        "data.csv" in message and "dòng 2" in message and "Z.9" in message and "t-base" in message
    )


def test_messages_in_english(tmp_path, base_set, monkeypatch):
    monkeypatch.setenv("NTM_LANG", "en")
    problems = _problems(tmp_path, "commune_id,year,indicator,value\nc1,2024,A.1,abc\n", base_set)
    assert problems[0].message() == (
        f"ERROR: {tmp_path / 'data.csv'}, row 2, column 'value', "
        "commune c1 (Đức Chính), indicator A.1: "
        "value 'abc' is not a number "
        "(valid examples: 95, 95%, 95.5)."
    )


def test_conflicting_duplicates_are_rejected_identical_ones_warned(tmp_path, base_set):
    text = (
        'commune_id,year,indicator,value\nc1,2024,A.1,50\nc1,2024,A.1,"50,0"\n'
        "c1,2024,B.1,3\nc1,2024,B.1,4\n"
    )
    problems = _problems(tmp_path, text, base_set)
    by_key = {p.key: p for p in problems}
    assert by_key["duplicate_conflict"].severity == "error"
    assert "data.csv:4, data.csv:5" in by_key["duplicate_conflict"].message()
    assert by_key["duplicate_same"].severity == "warning"


def test_missing_columns_are_named(tmp_path, base_set):
    problems = _problems(tmp_path, "commune,year,code,val\nc1,2024,A.1,1\n", base_set)
    assert problems[0].key == "columns_missing"
    assert "commune_id, indicator, value" in problems[0].message()


def test_register_problems(tmp_path):
    path = write(
        tmp_path / "communes.csv",
        "commune_id,name,district,province,region\n"
        "c1,A,H,T,Miền Trăng\nc1,B,H,T,dbsh\n,C,H,T,dbsh\n",
    )
    _, problems = read_register(path)
    assert [p.key for p in problems] == ["commune_id_empty", "region_unknown", "commune_duplicate"]


def test_date_in_a_value_cell_is_refused(tmp_path, base_set):
    wb = Workbook()
    wb.active.append(["commune_id", "year", "indicator", "value"])
    wb.active.append(["c1", 2024, "A.1", dt.datetime(2024, 5, 1)])
    wb.save(tmp_path / "data.xlsx")
    with pytest.raises(InputError) as err:
        load_inputs([tmp_path / "data.xlsx"], write(tmp_path / "c.csv", REGISTER), base_set)
    assert [p.key for p in err.value.problems] == ["value_is_date"]


def test_not_a_spreadsheet(tmp_path, base_set):
    (tmp_path / "data.xlsx").write_bytes(b"this is not a zip file")
    with pytest.raises(InputError) as err:
        load_inputs([tmp_path / "data.xlsx"], write(tmp_path / "c.csv", REGISTER), base_set)
    assert err.value.problems[0].key == "file_not_excel"


def test_empty_value_is_a_warning_and_scores_as_missing(tmp_path, base_set):
    inputs = _inputs(tmp_path, "commune_id,year,indicator,value\nc1,2024,A.1,\n", base_set)
    assert [p.key for p in inputs.warnings] == ["value_empty"]
    assert np.isnan(inputs.data["value"].iloc[0])


def test_derived_indicator_must_not_be_entered(tmp_path, overlay_set):
    with pytest.raises(InputError) as err:
        _inputs(tmp_path, "commune_id,year,indicator,value\nc1,2024,E.1,70\n", overlay_set)
    assert err.value.problems[0].key == "indicator_derived"


def test_sample_data_is_valid():
    from conftest import SAMPLE

    from ntm_lib.criteria.catalogue import load_set

    inputs = load_inputs(
        [SAMPLE / "indicators.csv", SAMPLE / "model_conditions.csv"],
        SAMPLE / "communes.csv",
        load_set("hd-2022-model"),
    )
    assert inputs.warnings == []
    assert inputs.data["commune_id"].nunique() == len(inputs.register) == 11
    assert "Đức Chính" in set(inputs.register["name"])


def test_many_rows_with_one_problem_are_summarised(tmp_path, base_set):
    rows = "".join(f"c1,2024,Z.{i},1\n" for i in range(50))
    problems = _problems(tmp_path, "commune_id,year,indicator,value\n" + rows, base_set)
    assert [p.key for p in problems].count("indicator_unknown") == 20
    summary = [p for p in problems if p.key == "more_rows_same_problem"]
    assert len(summary) == 1 and "30" in summary[0].message()


def test_blank_lines_keep_row_numbers(tmp_path, base_set):
    text = "commune_id,year,indicator,value\nc1,2024,A.1,55\n\nc1,2024,B.2,abc\n"
    problems = _problems(tmp_path, text, base_set)
    assert [(p.key, p.row) for p in problems] == [("value_not_number", 4)]
