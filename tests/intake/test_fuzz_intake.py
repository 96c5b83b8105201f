"""Fuzzing the intake: whatever is typed, the result is either located problems or data that
scores without error."""

import csv
import io

from conftest import SAMPLE
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ntm_lib.assess.scoring import STATUS, score
from ntm_lib.criteria.catalogue import load_set
from ntm_lib.errors import InputError
from ntm_lib.intake.inputs import load_inputs
from ntm_lib.intake.sheets import read_grids

SET = load_set("hd-2022-advanced")
CODES = [i.code for i in SET.indicators]
COMMUNES = ["10912", "10900", "10894"]

numbers = st.floats(min_value=-50, max_value=500, allow_nan=False, allow_infinity=False)
typed_number = st.one_of(
    numbers.map(lambda x: f"{x:.2f}"),
    numbers.map(lambda x: f"{x:.1f}".replace(".", ",")),
    numbers.map(lambda x: f"{x:g}%"),
    numbers.map(lambda x: f"{x:,.3f}"),
    st.sampled_from(
        [
            "Đạt",
            "Chưa đạt",
            "có",
            "không",
            "yes",
            "no",
            "1",
            "0",
            "",
            "x",
            "≥95%",
            "đạt 100%",
            "#N/A",
            "1.234",
            "1,234",
            "nan",
            "inf",
            "95 %",
            "٣",
        ]
    ),
    st.text(max_size=8),
)
row = st.tuples(
    st.one_of(st.sampled_from(COMMUNES), st.text(max_size=6)),
    st.one_of(st.integers(2019, 2027).map(str), st.text(max_size=5)),
    st.one_of(st.sampled_from(CODES), st.text(max_size=5)),
    typed_number,
)


def _csv(rows, sep):
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep)
    writer.writerow(["commune_id", "year", "indicator", "value"])
    writer.writerows(rows)
    return buf.getvalue()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(row, max_size=25), st.sampled_from([",", ";", "\t"]))
def test_any_typed_table_is_refused_clearly_or_scored(tmp_path, rows, sep):
    path = tmp_path / "fuzz.csv"
    path.write_text(_csv(rows, sep), encoding="utf-8")
    try:
        inputs = load_inputs([path], SAMPLE / "communes.csv", SET)
    except InputError as exc:
        assert exc.problems and all(p.message("vi") and p.message("en") for p in exc.problems)
        return
    a = score(SET, inputs.register, inputs.data)
    assert set(a.indicators["status"].astype(str)) <= set(STATUS)
    assert (a.communes["criteria_met"] <= a.communes["criteria_total"]).all()


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=2000), st.sampled_from([".csv", ".xlsx"]))
@example(b"\r\x01", ".csv")  # a bare carriage return once crashed the CSV reader
def test_any_bytes_give_grids_or_problems(tmp_path, content, suffix):
    path = tmp_path / f"f{suffix}"
    path.write_bytes(content)
    grids, problems = read_grids(path)
    assert grids or problems
