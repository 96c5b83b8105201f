"""Sets as spreadsheets: export, complete, import, diff; the round trip must be exact."""

import pandas as pd
import pytest
from conftest import SAMPLE
from openpyxl import load_workbook

from ntm_lib.cli import main
from ntm_lib.criteria.catalogue import coverage, load_set, threshold_of
from ntm_lib.criteria.diff import diff
from ntm_lib.criteria.spreadsheet import COLUMNS, GRID_SHEET, INFO_SHEET, export_workbook
from ntm_lib.errors import InputError
from ntm_lib.intake.set_import import read_set_workbook, set_yaml

COL = {key: i for i, (key, _, _) in enumerate(COLUMNS)}


def exported(tmp_path, set_id: str, new_id: str):
    path = tmp_path / f"{set_id}.xlsx"
    export_workbook(load_set(set_id), path)
    wb = load_workbook(path)
    wb[INFO_SHEET]["B1"] = new_id
    return wb, path


def imported(tmp_path, wb, name="filled.xlsx"):
    path = tmp_path / name
    wb.save(path)
    spec = read_set_workbook(path)
    folder = tmp_path / "sets"
    folder.mkdir(exist_ok=True)
    (folder / f"{spec['id']}.yaml").write_text(set_yaml(spec), encoding="utf-8")
    return spec, load_set(str(folder / f"{spec['id']}.yaml"))


def grid(cset):
    cov = coverage(cset)
    return cov.assign(value=cov["value"].fillna(-1)).drop(columns=["basis"])


@pytest.mark.parametrize(
    "set_id", ["hd-2022-advanced", "vn-2021-ntm", "vn-2026-ntm", "hd-2022-model"]
)
def test_export_then_import_gives_back_an_identical_set(tmp_path, set_id):
    wb, _ = exported(tmp_path, set_id, "xx-copy")
    spec, copy = imported(tmp_path, wb)
    assert "overrides" not in spec and "criteria" not in spec, "nothing differs"
    pd.testing.assert_frame_equal(grid(copy), grid(load_set(set_id)))
    assert diff(load_set(set_id), copy).empty


def test_a_changed_cell_shows_in_the_diff(tmp_path):
    wb, _ = exported(tmp_path, "hd-2022-advanced", "hd-changed")
    ws = wb[GRID_SHEET]
    for row in ws.iter_rows(min_row=2):
        if (row[COL["indicator"]].value, row[COL["region"]].value, row[COL["year"]].value) == (
            "14.1",
            "dbsh",
            2025,
        ):
            row[COL["value"]].value = 97
            row[COL["evidence"]].value = "official"
            row[COL["document"]].value = "2582/QĐ-UBND"
            row[COL["quote"]].value = "tỷ lệ người dân tham gia bảo hiểm y tế đạt 97%"
            row[COL["url"]].value = None  # the old value's address goes with it
            row[COL["checked_by"]].value = "Phòng NN huyện"
            row[COL["checked_on"]].value = "01/11/2026"
    spec, changed = imported(tmp_path, wb)
    assert [o["code"] for o in spec["overrides"]] == ["14.1"]
    changes = diff(load_set("hd-2022-advanced"), changed)
    assert set(changes["indicator"]) == {"14.1"} and set(changes["year"]) == {"2025"}
    value = changes[changes["field"] == "value"].iloc[0]
    assert (value["region"], value["a"], value["b"]) == ("dbsh", "95", "97")
    assert "official" in set(changes.loc[changes["field"] == "evidence", "b"])
    from ntm_lib.criteria.catalogue import checked_by, threshold_of

    assert threshold_of(changed, "14.1", "dbsh", 2025) == 97
    assert threshold_of(changed, "14.1", "dbsh", 2024) == 95  # the other cells are kept
    assert checked_by(changed) == ["Phòng NN huyện"]


@pytest.mark.parametrize(
    "column, value, key, located",
    [
        ("value", "nhiều", "set_import_requirement_unreadable", "value"),
        ("region", "Miền Bắc", "set_import_bad_choice", "region"),
        ("year", "2030", "set_import_bad_year", "year"),
        ("evidence", "tin đồn", "set_import_bad_choice", "evidence"),
        # not applicable, yet a threshold is left in the row: the threshold cell is named
        ("state", "không áp dụng", "set_import_value_not_expected", "value"),
        ("checked_on", "hôm qua", "set_import_bad_date", "checked_on"),
    ],
)
def test_a_bad_cell_gets_a_located_message(tmp_path, column, value, key, located):
    wb, _ = exported(tmp_path, "hd-2022-advanced", "hd-bad")
    ws = wb[GRID_SHEET]
    target = next(r for r in ws.iter_rows(min_row=2) if r[COL["indicator"]].value == "17.4")
    target[COL[column]].value = value
    with pytest.raises(InputError) as err:
        imported(tmp_path, wb)
    found = [(p.key, p.row, p.column, p.sheet) for p in err.value.problems]
    header = dict((k, h) for k, h, _ in COLUMNS)[located]
    assert any(
        k == key and r == target[0].row and c == header and s == GRID_SHEET for k, r, c, s in found
    ), found


def test_the_new_id_must_differ_from_the_parent(tmp_path):
    wb, _ = exported(tmp_path, "hd-2022-advanced", "hd-2022-advanced")
    with pytest.raises(InputError) as err:
        imported(tmp_path, wb)
    assert [p.key for p in err.value.problems] == ["set_import_same_id"]


def test_the_2026_set_completed_in_a_workbook_is_used_for_assessment(tmp_path, capsys):
    """A province completes vn-2026-ntm: clearly synthetic values for the unknown thresholds of
    the known indicators, and one new indicator in a criterion that had none."""
    wb, _ = exported(tmp_path, "vn-2026-ntm", "xx-2026-synthetic")
    ws = wb[GRID_SHEET]
    template = None
    for row in ws.iter_rows(min_row=2):
        if row[COL["indicator"]].value and row[COL["state"]].value == "chưa biết":
            row[COL["value"]].value = 1 if row[COL["indicator"]].value == "6.1" else 5
            row[COL["state"]].value = "có ngưỡng"
            row[COL["evidence"]].value = "working"
            row[COL["document"]].value = "SYNTHETIC test values, not a real decision"
            template = template or [c.value for c in row]
    added = 0
    for region in ("tdmnpb", "dbsh", "btb", "dhntb", "tn", "dnb", "dbscl"):
        for group in (1, 2, 3):
            for year in range(2026, 2031):
                values = list(template)
                values[COL["criterion"]], values[COL["indicator"]] = "1", "1.1"
                values[COL["name_vi"]] = "Chỉ tiêu thử (tổng hợp)"
                values[COL["name_en"]] = "Synthetic test indicator"
                values[COL["unit"]], values[COL["op"]] = "yes_no", "bằng"
                values[COL["region"]], values[COL["group"]], values[COL["year"]] = (
                    region,
                    group,
                    year,
                )
                values[COL["value"]] = 1
                values[COL["rule_note"]] = None
                ws.append(values)
                added += 1
    spec, completed = imported(tmp_path, wb)
    assert added == 105 and spec["criteria"][0]["number"] == "1"
    assert not (coverage(completed)["state"] == "unknown").any()

    merged = tmp_path / "merged" / "merged.csv"
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
                "--new-set",
                "vn-2026-ntm",
                "--group",
                "2",
                "--out",
                str(merged),
            ]
        )
        == 0
    )
    data = pd.read_csv(merged.with_name("merged.vn-2026-ntm.csv"), dtype=str)
    extra = data[data["indicator"] == "3.2"].assign(indicator="1.1")
    data = pd.concat([data, extra])
    data.to_csv(tmp_path / "data-2026.csv", index=False)
    out = tmp_path / "run"
    assert (
        main(
            [
                "--sets-dir",
                str(tmp_path / "sets"),
                "assess",
                str(tmp_path / "data-2026.csv"),
                "--communes",
                str(merged.with_name("merged.communes.csv")),
                "--set",
                "xx-2026-synthetic",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    ind = pd.read_csv(out / "indicators.csv", dtype=str)
    known = ind[ind["indicator"].isin(["3.1", "3.2", "1.1"]) & ind["value"].notna()]
    assert len(known) and not (known["status"] == "no_threshold").any()
    import json

    manifest = json.loads((out / "manifest.json").read_text())
    assert "xx-2026-synthetic" in manifest["set"]["files"]


def test_set_commands_from_the_cli(tmp_path, capsys):
    book = tmp_path / "hd.xlsx"
    assert main(["set", "export", "hd-2022-advanced", "--out", str(book)]) == 0
    assert main(["set", "export", "hd-2022-advanced", "--out", str(book)]) == 2  # no --force
    assert main(["set", "import", str(book), "--out", str(tmp_path / "sets")]) == 1  # no new id
    assert "Mã bộ tiêu chí mới" in capsys.readouterr().err
    assert (
        main(["set", "diff", "vn-2021-advanced", "hd-2022-advanced", "--out", str(tmp_path / "d")])
        == 0
    )
    rows = pd.read_csv(tmp_path / "d" / "diff.csv", dtype=str)
    assert set(rows["indicator"].dropna()) == {"17.4"}  # and rows about the set as a whole
    page = (tmp_path / "d" / "diff.html").read_text(encoding="utf-8")
    assert "17.4" in page and "<script" not in page


def _dbsh(ws, code):
    return [
        r
        for r in ws.iter_rows(min_row=2)
        if (r[COL["indicator"]].value, r[COL["region"]].value) == (code, "dbsh")
    ]


def _fraction(ws):
    for r in _dbsh(ws, "17.4"):
        r[COL["value"]].value, r[COL["quote"]].value = 0.8, None
        r[COL["evidence"]].value, r[COL["document"]].value = "working", None


def _set(code, year, value):
    def edit(ws):
        for r in _dbsh(ws, code):
            if r[COL["year"]].value == year:
                r[COL["value"]].value = value

    return edit


def _hidden(ws):
    r = _dbsh(ws, "17.4")[3]
    r[COL["value"]].value = 5
    ws.row_dimensions[r[0].row].hidden = True


def _twice(ws):
    ws.append([c.value for c in _dbsh(ws, "17.4")[3]])
    ws.cell(ws.max_row, COL["value"] + 1).value = 5


def _stale(ws):
    for r in _dbsh(ws, "17.4"):
        r[COL["value"]].value, r[COL["evidence"]].value = 60, "official"


def _bidi(ws):
    for r in _dbsh(ws, "17.4"):
        r[COL["name_vi"]].value = "Tỷ lệ \u202ehộ"


@pytest.mark.parametrize(
    "edit, key",
    [
        (_fraction, "set_import_fraction"),
        (_set("10.1", 2025, 72_000_000), "value_in_dong"),
        (_set("10.1", 2025, -72), "value_negative"),
        (_hidden, "set_import_row_hidden"),
        (_twice, "set_import_cell_twice"),
        (_stale, "set_import_quote_mismatch"),
        (lambda ws: ws.delete_rows(_dbsh(ws, "17.4")[3][0].row), "set_import_year_missing"),
        (_bidi, "cell_control_char"),
    ],
    ids=["fraction", "dong", "negative", "hidden", "twice", "stale", "deleted", "bidi"],
)
def test_the_per_cell_grid_is_guarded_like_the_compact_form(tmp_path, edit, key):
    """Each of these was accepted before (a threshold of 0.8 %, 72 million million đồng, 5 %
    from a hidden row or a later twin, 60 % beside the quote of 50 %, a gap, a reversed name)."""
    wb, _ = exported(tmp_path, "hd-2022-advanced", "xx-grid")
    edit(wb[GRID_SHEET])
    with pytest.raises(InputError) as err:
        imported(tmp_path, wb)
    assert key in {p.key for p in err.value.problems}, [p.message() for p in err.value.problems]


def test_the_grid_reads_72_500_by_the_workbooks_convention(tmp_path):
    wb, _ = exported(tmp_path, "hd-2022-advanced", "xx-comma")
    _set("10.1", 2025, "72,500")(wb[GRID_SHEET])
    _, cset = imported(tmp_path, wb)
    assert threshold_of(cset, "10.1", "dbsh", 2025) == 72.5
