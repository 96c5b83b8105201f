"""Every kind of task in a plan: tied to a criterion, or general by field of work; the tool's own
plan workbook with its untouched rows; funds not yet arranged kept apart."""

import pandas as pd
import pytest
from conftest import SAMPLE, data, register, write
from openpyxl import load_workbook

from ntm_lib.assess.roadmap import by_year, funding, make_roadmap
from ntm_lib.assess.scoring import score
from ntm_lib.cli import main
from ntm_lib.errors import InputError
from ntm_lib.intake.plans import GENERAL, SOURCES, read_budget, read_plan

REG = register(("c1", "dbsh"))
ROWS = [
    ("c1", 2024, "A.1", 45),
    ("c1", 2024, "A.2", 1),
    ("c1", 2024, "B.1", 5),
    ("c1", 2024, "B.2", 3),
    ("c1", 2024, "B.3", 4),
    ("c1", 2024, "C.1", 70),
    ("c1", 2024, "D.1", 3),
]
HEADER = "commune_id,criterion,indicator,field,solution,responsible,target_year,cost," + ",".join(
    SOURCES
)
SAMPLE_ARGS = [
    str(SAMPLE / "indicators.csv"),
    str(SAMPLE / "model_conditions.csv"),
    "--communes",
    str(SAMPLE / "communes.csv"),
    "--set",
    "hd-2022-model",
]


def _plan(tmp_path, base_set, lines):
    return read_plan([write(tmp_path / "plan.csv", HEADER + "\n" + lines)], base_set, REG, 2024)


def test_general_tasks_are_read_with_their_field(tmp_path, base_set):
    plan = _plan(
        tmp_path,
        base_set,
        "c1,A,,,Fix A,UBND xã,2025,100,100,0,0,0,0\n"
        "c1,,,Tuyên truyền,Tăng thời lượng phát thanh,Đài truyền thanh xã,Thường xuyên,"
        "5,5,0,0,0,0\n"
        "c1,,,tín dụng,Vay vốn qua Hội Nông dân,Hội Nông dân,2026,300,0,0,0,300,0\n"
        "c1,,,,Ký thỏa ước với các thôn,UBND xã,2025,0,0,0,0,0,0\n",
    )
    assert plan["kind"].tolist() == ["criterion", GENERAL, GENERAL, GENERAL]
    assert plan["field"].tolist() == ["", "communication", "credit", "other"]
    assert plan["target_year"].isna().tolist() == [False, True, False, False]
    assert plan.loc[1, "deadline"] == "Thường xuyên"
    # the row without any target is kept, with a warning naming it
    assert [w.key for w in plan.attrs["warnings"]] == ["plan_general_no_field"]
    assert plan.attrs["warnings"][0].row == 5


def test_an_unknown_field_is_refused_with_the_list(tmp_path, base_set):
    with pytest.raises(InputError) as info:
        _plan(tmp_path, base_set, "c1,,,bóng đá,Giải bóng đá,Đoàn thanh niên,2025,0,0,0,0,0,0\n")
    text = str(info.value)
    assert "bóng đá" in text and "Công tác tuyên truyền" in text and "dòng 2" in text


def test_general_tasks_are_scheduled_in_the_budget(tmp_path, base_set):
    plan = _plan(
        tmp_path,
        base_set,
        "c1,A,,,Fix A,UBND xã,2025,100,100,0,0,0,0\n"
        "c1,,,tuyên truyền,Phát thanh,Đài truyền thanh,Thường xuyên,50,50,0,0,0,0\n"
        "c1,,,đào tạo,Tập huấn cán bộ thôn,UBND xã,2025,80,80,0,0,0,0\n",
    )
    budget = read_budget(
        [
            write(
                tmp_path / "budget.csv",
                "commune_id,year," + ",".join(SOURCES) + "\nc1,2025,150,0,0,0,0\n"
                "c1,2026,100,0,0,0,0\n",
            )
        ],
        REG,
    )
    road = make_roadmap(plan, budget, score(base_set, REG, data(*ROWS)), base_set, 2024).roadmap
    by_field = road.set_index(road["field"].where(road["field"] != "", road["criterion"]))
    # A first (it blocks the status), then the cheaper general task; 150 in 2025 covers A
    # and the 50, the training (80) goes to 2026 and is late against its 2025 deadline.
    assert by_field.loc["A", "year_scheduled"] == 2025
    assert by_field.loc["communication", "year_scheduled"] == 2025
    assert not by_field.loc["communication", "late"]
    assert by_field.loc["training", "year_scheduled"] == 2026
    assert by_field.loc["training", "late"]
    assert set(road.loc[road["kind"] == GENERAL, "criterion"]) == {""}


def test_funds_not_arranged_are_kept_apart(tmp_path, base_set):
    plan = _plan(
        tmp_path,
        base_set,
        "c1,A,,,Fix A,UBND xã,2025,120,100,20,0,0,0\nc1,B,,,Fix B,UBND xã,2025,2000,2000,0,0,0,0\n",
    )
    budget = read_budget(
        [
            write(
                tmp_path / "b.csv",
                "commune_id,year," + ",".join(SOURCES) + "\nc1,2025,500,50,0,0,0\n",
            )
        ],
        REG,
    )
    road = make_roadmap(plan, budget, score(base_set, REG, data(*ROWS)), base_set, 2024).roadmap
    money = funding(road)
    assert money["arranged"]["total"] == 120
    assert money["arranged"]["by_source"]["integrated_programmes"] == 20
    assert money["not_arranged"]["total"] == 2000 and money["not_arranged"]["items"] == 1


def test_the_roadmap_reads_by_year_then_criterion(tmp_path, base_set):
    plan = _plan(
        tmp_path,
        base_set,
        "c1,D,,,Keep D,UBND xã,2026,10,10,0,0,0,0\nc1,B,,,Fix B,UBND xã,2026,30,30,0,0,0,0\n"
        "c1,A,,,Fix A,UBND xã,2026,500,500,0,0,0,0\nc1,C,,,Keep C,UBND xã,2026,900,900,0,0,0,0\n",
    )
    budget = read_budget(
        [
            write(
                tmp_path / "b.csv",
                "commune_id,year," + ",".join(SOURCES) + "\nc1,2025,510,0,0,0,0\n"
                "c1,2026,30,0,0,0,0\n",
            )
        ],
        REG,
    )
    road = make_roadmap(plan, budget, score(base_set, REG, data(*ROWS)), base_set, 2024).roadmap
    ordered = by_year(road, base_set)
    got = [
        (r.criterion, None if pd.isna(r.year_scheduled) else int(r.year_scheduled))
        for r in ordered.itertuples()
    ]
    # priority gives A, B, D, C; B (30) fits only 2026, D (10) still fits 2025
    assert road["criterion"].tolist() == ["A", "B", "D", "C"]
    assert got == [("A", 2025), ("D", 2025), ("B", 2026), ("C", None)]


def test_the_tools_own_plan_workbook_filled_for_one_commune_is_accepted(tmp_path, capsys):
    """Issue 23: the untouched rows of `ntm template-plan`'s workbook are no task, not 42
    errors; general tasks go in the «Nhiệm vụ chung» sheet by field."""
    path = tmp_path / "ke-hoach.xlsx"
    assert main(["template-plan"] + SAMPLE_ARGS + ["--out", str(path)]) == 0
    wb = load_workbook(path)
    plan, general = wb["Kế hoạch"], wb["Nhiệm vụ chung"]
    header = [c.value for c in plan[1]]
    assert [c.value for c in general[1]] == header and "Lĩnh vực" in header
    assert plan.max_row > 20 and general.max_row > 10
    col = {name: header.index(name) + 1 for name in header}
    filled = next(r for r in range(2, plan.max_row + 1) if plan.cell(r, 1).value == "10912")
    for name, value in (("Giải pháp", "Làm thử"), ("Năm hoàn thành", 2026),
                        ("Kinh phí (triệu đồng)", 10), ("Ngân sách nhà nước", 10)):  # fmt: skip
        plan.cell(filled, col[name]).value = value
    row = next(
        r
        for r in range(2, general.max_row + 1)
        if general.cell(r, 1).value == "10912"
        and general.cell(r, col["Lĩnh vực"]).value == "Công tác tuyên truyền"
    )
    for name, value in (("Giải pháp", "Tăng thời lượng phát thanh"),
                        ("Năm hoàn thành", "Thường xuyên"), ("Kinh phí (triệu đồng)", 5),
                        ("Ngân sách nhà nước", 5)):  # fmt: skip
        general.cell(row, col[name]).value = value
    wb.save(path)
    capsys.readouterr()
    out = tmp_path / "r"
    args = ["--plan", str(path), "--budget", str(path), "--out", str(out)]
    assert main(["plan"] + SAMPLE_ARGS + args) == 0, capsys.readouterr().err
    road = pd.read_csv(out / "roadmap.csv", dtype=str, keep_default_na=False)
    assert sorted(road["kind"]) == ["criterion", GENERAL]
    assert road.loc[road["kind"] == GENERAL, "field"].tolist() == ["communication"]


def test_a_half_filled_row_is_still_an_error(tmp_path, base_set):
    """A row with a cost but no solution is a task with a slip, not an untouched row."""
    with pytest.raises(InputError) as info:
        _plan(tmp_path, base_set, "c1,A,,,,,,100,100,0,0,0,0\n")
    assert "chưa ghi giải pháp" in str(info.value)


def test_amounts_in_excel_number_cells_are_read_as_excel_holds_them(tmp_path, base_set):
    """2.125 (million đồng) in a number cell is 2.125; typed as text, «2.125» is 2125 by the
    Vietnamese convention, as the officer would read it."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    ws.append(["c1", "A", "", "", "Fix A", "UBND xã", 2025, 2.125, 2.125, 0, 0, 0, 0])
    ws.append(["c1", "B", "", "", "Fix B", "UBND xã", 2025, "2.125", "2.125", 0, 0, 0, 0])
    wb.save(tmp_path / "plan.xlsx")
    plan = read_plan([str(tmp_path / "plan.xlsx")], base_set, REG, 2024)
    assert plan["cost"].tolist() == [2.125, 2125.0]
    assert plan[SOURCES[0]].tolist() == [2.125, 2125.0]
