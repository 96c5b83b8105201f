"""The result workbook reads back exactly as if xlsxwriter had written every cell itself.

`tables.write_xlsx` renders each distinct cell of a column once (`table_sheet.TableSheet`); the
reference here writes every cell through xlsxwriter's public API, one call a cell, with the
rule the workbooks always had. Both files are read back with openpyxl and compared sheet by
sheet: values, types, number formats, cell styles, conditional formats, widths, panes, filters
and the print setup.
"""

import datetime as dt
import math

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import ROOT
from test_tables import _tables
from xlsxwriter.worksheet import Worksheet

from ntm_lib import table_sheet
from ntm_lib.tables import write_xlsx

STATUS = {"Đạt": "met", "Chưa đạt": "not_met", "Thiếu": "missing"}


def _one_call_a_cell(self, frame, number, text):
    """The reference: every cell through xlsxwriter's public API, by the per-cell rule."""
    values = frame.astype(object)
    values = values.where(values.notna(), None)
    for i, row in enumerate(values.itertuples(index=False, name=None), start=1):
        for j, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                self.write_string(i, j, value, text)
            elif isinstance(value, (bool, np.bool_)):
                self.write_boolean(i, j, bool(value))
            elif isinstance(value, (float, np.floating)) and not float(value).is_integer():
                self.write_number(i, j, float(value), number)
            elif isinstance(value, (int, float, np.integer, np.floating)):
                self.write_number(i, j, float(value))
            else:
                self.write_string(i, j, str(value))


def _reading(path) -> dict:
    book = openpyxl.load_workbook(path)
    out = {}
    for ws in book.worksheets:
        cells = {
            c.coordinate: (
                c.value,
                c.data_type,
                c.number_format,
                c.alignment.indent,
                c.font.b,
                c.fill.fgColor.rgb,
            )
            for row in ws.iter_rows()
            for c in row
            if c.value is not None or c.has_style
        }
        rules = [
            (str(r.sqref), [(x.type, x.operator, x.text, x.formula) for x in r.rules])
            for r in ws.conditional_formatting
        ]
        setup = (
            ws.page_setup.paperSize,
            ws.page_setup.orientation,
            ws.page_setup.fitToWidth,
            ws.print_title_rows,
            ws.oddHeader.left.text,
            ws.oddFooter.center.text,
        )
        widths = {k: v.width for k, v in ws.column_dimensions.items()}
        out[ws.title] = (cells, rules, setup, widths, ws.freeze_panes, ws.auto_filter.ref)
        out[ws.title + " size"] = (ws.max_row, ws.max_column, ws.calculate_dimension())
    return out


def _both(tmp_path, monkeypatch, write) -> tuple[dict, dict]:
    """Readings of the workbook `write(folder)` writes there, then of the reference's."""
    fast = write(tmp_path / "fast")
    with monkeypatch.context() as m:
        m.setattr(table_sheet.TableSheet, "put_rows", _one_call_a_cell)
        reference = write(tmp_path / "reference")
    return _reading(fast), _reading(reference)


def _odd_cells() -> pd.DataFrame:
    n = 12
    objects = [
        True,
        1,
        1.0,
        np.bool_(False),
        0.0,
        -0.0,
        math.inf,
        -math.inf,
        dt.date(2024, 5, 1),
        pd.NA,
        "x\x01y\x1f",
        "a" * 40_000,  # longer than a cell holds: cut as xlsxwriter cuts it
    ]
    return pd.DataFrame(
        {
            "objects": pd.Series(objects, dtype=object),
            "floats": [0.5, -0.0, 0.0, math.inf, np.nan, 2.0, 1e300, 1e-300, 7.0, 3.25, 1, 2],
            "text": pd.array(["=SUM(A1)", "", " x ", "+1", "<b>", "&amp;", None] + ["Đạt"] * 5),
            "status": ["Đạt", "Chưa đạt: 3/19", "Thiếu", None] * 3,
            "all missing": [None] * n,
            "ints": pd.array([1, None] * 6, dtype="Int64"),
            "flags": [True, False] * 6,
            "trailing gap": ["a", "b"] + [None] * (n - 2),
        }
    )


@pytest.mark.parametrize("name", [*_tables(), "odd cells"])
def test_a_table_reads_back_as_written_one_cell_at_a_time(tmp_path, monkeypatch, name):
    frame = _odd_cells() if name == "odd cells" else _tables()[name]

    def write(folder):
        folder.mkdir()
        sheets = {"notes": pd.DataFrame({"note": ["n"]}), name[:31]: frame}
        write_xlsx(sheets, folder / "x.xlsx", "status", STATUS, title="T & T", lang="vi")
        return folder / "x.xlsx"

    fast, reference = _both(tmp_path, monkeypatch, write)
    assert fast == reference


def test_text_is_never_a_formula_and_the_same_tables_give_the_same_bytes(tmp_path):
    frame = _odd_cells()
    for name in ("a.xlsx", "b.xlsx"):
        write_xlsx({"s": frame}, tmp_path / name, "status", STATUS, title="T")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    sheet = openpyxl.load_workbook(tmp_path / "a.xlsx")["s"]
    assert sheet["C2"].value == "=SUM(A1)" and sheet["C2"].data_type == "s"
    assert sheet["A12"].value == "x_x0001_y_x001F_"  # xlsxwriter's escape, which Excel reads


def test_each_distinct_cell_goes_through_xlsxwriter_once(tmp_path, monkeypatch):
    """The equality above would hold trivially if every cell went through xlsxwriter."""
    calls = []
    real = Worksheet.write_string
    monkeypatch.setattr(Worksheet, "write_string", lambda s, *a: calls.append(1) or real(s, *a))
    frame = pd.DataFrame({"status": ["Đạt", "Chưa đạt"] * 5_000, "n": range(10_000)})
    write_xlsx({"s": frame}, tmp_path / "x.xlsx")
    assert len(calls) == 2  # each distinct text once (the header goes through write_row)
    assert openpyxl.load_workbook(tmp_path / "x.xlsx")["s"]["A10001"].value == "Chưa đạt"


def test_the_sample_assessment_workbook_reads_back_as_written_one_cell_at_a_time(
    tmp_path, monkeypatch
):
    from ntm_lib.assess.loaded import load_run
    from ntm_lib.reports.workbooks import write_assessment

    sample = ROOT / "data" / "sample"
    run = load_run([sample / "indicators.csv"], sample / "communes.csv", "hd-2022-advanced")

    def write(folder):
        folder.mkdir()
        inputs = run.provenance["inputs"]
        write_assessment(run.assessment, folder, run.cset, run.register, "vi", inputs=inputs)
        return folder / "assessment.xlsx"

    fast, reference = _both(tmp_path, monkeypatch, write)
    assert len(fast) == 2 * 5  # notes, summary, communes, criteria, indicators
    assert fast == reference


def test_the_summary_of_communes_that_meet_every_criterion_names_none_without_warnings():
    import warnings

    from ntm_lib.reports.workbooks import _summary

    com = pd.DataFrame({"commune_id": ["a", "a", "b"], "year": [2023, 2024, 2024]})
    crit = pd.DataFrame(
        {
            "commune_id": ["a", "b"],
            "year": [2024, 2024],
            "status": ["met", "met"],
            "criterion_name": ["x", "y"],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pandas warns of a str filling a float column
        summary = _summary(com, crit)
    assert summary["unmet"].tolist() == ["", ""]
