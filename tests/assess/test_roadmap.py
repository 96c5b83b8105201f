import csv

import pandas as pd
import pytest
from conftest import SAMPLE, data, register, write
from openpyxl import load_workbook

from ntm_lib.assess.roadmap import bundles, make_roadmap
from ntm_lib.assess.scoring import score
from ntm_lib.cli import main
from ntm_lib.errors import InputError
from ntm_lib.intake.plans import SOURCES, read_budget, read_plan

REG = register(("c1", "dbsh"))
# In 2024: A.1 is 45 against >= 50 (relative gap 0.1), so A is not met; B.1 is 5 against > 10
# (relative gap 0.5), so B is not met; C and D are met.
ROWS = [
    ("c1", 2024, "A.1", 45),
    ("c1", 2024, "A.2", 1),
    ("c1", 2024, "B.1", 5),
    ("c1", 2024, "B.2", 3),
    ("c1", 2024, "B.3", 4),
    ("c1", 2024, "C.1", 70),
    ("c1", 2024, "D.1", 3),
]
HEADER = "commune_id,criterion,indicator,solution,target_year,cost," + ",".join(SOURCES) + "\n"


def _assessment(base_set):
    return score(base_set, REG, data(*ROWS))


def _plan(tmp_path, base_set, lines, name="plan.csv"):
    return read_plan([write(tmp_path / name, HEADER + lines)], base_set, REG, 2024)


PLAN = (
    "c1,,A.1,Fix A,2025,100,100,0,0,0,0\n"
    "c1,B,,Fix B,2026,400,300,0,0,100,0\n"
    "c1,C,,Keep C,2025,50,0,0,50,0,0\n"
)


def _budget(tmp_path, lines):
    text = "commune_id,year," + ",".join(SOURCES) + "\n" + lines
    return read_budget([write(tmp_path / "budget.csv", text)], REG)


def test_priority_scores_worked_by_hand(tmp_path, base_set):
    b = bundles(_plan(tmp_path, base_set, PLAN), _assessment(base_set), base_set, 2024)
    by = b.set_index("criterion")
    # A: 40 + 25·(1 − 0.1) + 20·1 + 15·(1 − 100/400) = 93.75
    # B: 40 + 25·(1 − 0.5) + 20·1 + 15·(1 − 400/400) = 72.5
    # C (kept, not blocking): 0 + 0 + 20·0 + 15·(1 − 50/400) = 13.125
    assert by.loc["A", "score"] == pytest.approx(93.75)
    assert by.loc["B", "score"] == pytest.approx(72.5)
    assert by.loc["C", "score"] == pytest.approx(13.125, abs=0.006)
    assert b["criterion"].tolist() == ["A", "B", "C"]
    assert b["priority"].tolist() == [1, 2, 3]


def test_ties_go_to_the_cheaper_bundle(tmp_path, base_set):
    lines = (
        "c1,C,,Keep C,2025,50,50,0,0,0,0\nc1,D,,Keep D,2025,50,0,0,50,0,0\n"
        "c1,A,,Fix A,2025,100,100,0,0,0,0\n"
    )
    b = bundles(_plan(tmp_path, base_set, lines), _assessment(base_set), base_set, 2024)
    # C and D score the same (15·(1 − 50/100)); equal cost too, so set order decides.
    assert b["criterion"].tolist() == ["A", "C", "D"]


def test_everything_fundable_in_the_first_year(tmp_path, base_set):
    budget = _budget(tmp_path, "c1,2025,1000,0,1000,1000,0\nc1,2026,1000,0,1000,1000,0\n")
    r = make_roadmap(_plan(tmp_path, base_set, PLAN), budget, _assessment(base_set), base_set, 2024)
    assert r.roadmap["year_scheduled"].tolist() == [2025, 2025, 2025]
    assert r.summary.loc[0, "earliest_status_year"] == 2025
    used = r.budget_use.set_index(["year", "source"])["used"]
    assert used[(2025, "state_budget")] == 400 and used[(2026, "state_budget")] == 0


def test_nothing_fundable(tmp_path, base_set):
    budget = _budget(tmp_path, "c1,2025,10,0,10,10,0\n")
    r = make_roadmap(_plan(tmp_path, base_set, PLAN), budget, _assessment(base_set), base_set, 2024)
    assert not r.roadmap["funded"].any()
    assert pd.isna(r.summary.loc[0, "earliest_status_year"])
    assert r.summary.loc[0, "unfunded"] == "A B"


def test_budget_limited_schedule(tmp_path, base_set):
    # 2025: A takes 100 of the 350 state budget; B needs 300 state and 100 credit, which only
    # 2026 has left; C needs 50 from the people, available in 2025. Status: 2026.
    budget = _budget(tmp_path, "c1,2025,350,0,50,100,0\nc1,2026,300,0,0,100,0\n")
    r = make_roadmap(_plan(tmp_path, base_set, PLAN), budget, _assessment(base_set), base_set, 2024)
    assert dict(zip(r.roadmap["criterion"], r.roadmap["year_scheduled"])) == {
        "A": 2025,
        "B": 2026,
        "C": 2025,
    }
    assert r.roadmap.set_index("criterion").loc["B", "late"] == False  # noqa: E712 target 2026
    assert r.summary.loc[0, "earliest_status_year"] == 2026


def test_unplanned_or_partly_planned_criteria_block_the_status(tmp_path, base_set):
    budget = _budget(tmp_path, "c1,2025,1000,1000,1000,1000,1000\n")
    plan = _plan(tmp_path, base_set, "c1,,A.1,Fix A,2025,100,100,0,0,0,0\n")
    r = make_roadmap(plan, budget, _assessment(base_set), base_set, 2024)
    assert pd.isna(r.summary.loc[0, "earliest_status_year"]) and r.summary.loc[0, "no_plan"] == "B"
    plan = _plan(
        tmp_path, base_set, "c1,,A.2,Keep A.2,2025,1,1,0,0,0,0\nc1,B,,Fix B,2025,1,1,0,0,0,0\n"
    )
    r = make_roadmap(plan, budget, _assessment(base_set), base_set, 2024)
    assert r.summary.loc[0, "partly_covered"] == "A"


def test_bad_plan_rows_are_all_reported_with_their_location(tmp_path, base_set):
    lines = (
        "c1,,Z.1,x,2025,1,1,0,0,0,0\n"  # unknown indicator
        "c1,,A.1,x,2025,-5,0,0,0,0,0\n"  # negative cost
        "c1,,A.1,x,2025,100,50,0,0,0,0\n"  # shares add up to 50, not 100
        "c1,,A.1,x,2023,1,1,0,0,0,0\n"  # target before the data year
        "c9,,A.1,x,2025,1,1,0,0,0,0\n"  # commune not in the register
        "c1,B,A.1,x,2025,1,1,0,0,0,0\n"  # A.1 is not in criterion B
        "c1,,A.1,,2025,1,1,0,0,0,0\n"
    )  # no solution
    with pytest.raises(InputError) as err:
        _plan(tmp_path, base_set, lines)
    found = {(p.key, p.row, p.column) for p in err.value.problems}
    assert found >= {
        ("indicator_unknown", 2, "indicator"),
        ("value_negative", 3, "cost"),
        ("plan_shares_mismatch", 4, "cost"),
        ("plan_target_before_data", 5, "target_year"),
        ("commune_not_in_register", 6, "commune_id"),
        ("plan_indicator_criterion", 7, "indicator"),
        ("plan_solution_empty", 8, "solution"),
    }
    message = next(p for p in err.value.problems if p.key == "plan_shares_mismatch").message("en")
    assert "plan.csv, row 4, column 'cost'" in message and "50" in message and "100" in message


def test_budget_problems(tmp_path):
    text = "commune_id,year," + ",".join(SOURCES) + "\nc1,2025,abc,0,0,0,0\nc1,2025,1,0,0,0,0\n"
    with pytest.raises(InputError) as err:
        read_budget([write(tmp_path / "b.csv", text)], REG)
    assert {p.key for p in err.value.problems} == {"value_not_number", "budget_duplicate"}


SAMPLE_ARGS = [
    str(SAMPLE / "indicators.csv"),
    str(SAMPLE / "model_conditions.csv"),
    "--communes",
    str(SAMPLE / "communes.csv"),
    "--set",
    "hd-2022-model",
]


def test_sample_plan_for_duc_chinh(tmp_path, capsys):
    """The sample: Đức Chính misses only the model income condition (KM) in 2025. Its bundle
    needs 500 million VND of credit; 2026 has 300, 2027 has 600: the status comes in 2027.
    Criterion 17's two works (2,120, of which 1,260 state budget) fit no year before 2028."""
    out = tmp_path / "roadmap"
    assert (
        main(
            ["plan"]
            + SAMPLE_ARGS
            + [
                "--plan",
                str(SAMPLE / "plan.csv"),
                "--budget",
                str(SAMPLE / "budget.csv"),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert "Đức Chính (10912): có thể đạt chuẩn năm 2027" in capsys.readouterr().out
    with open(out / "roadmap.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["criterion"], r["year_scheduled"], r["late"]) for r in rows] == [
        ("KM", "2027", "False"),
        ("2", "2026", "False"),
        ("17", "2028", "True"),
    ]
    assert load_workbook(out / "roadmap.xlsx").sheetnames == [
        "Ghi chú",  # the notes every verdict carries: illustrative data, provisional thresholds
        "Lộ trình",
        "Triển vọng",
        "Ngân sách",
    ]


def test_template_plan_round_trip(tmp_path, capsys):
    path = tmp_path / "ke-hoach.xlsx"
    assert main(["template-plan"] + SAMPLE_ARGS + ["--out", str(path)]) == 0
    wb = load_workbook(path)
    plan, budget = wb["Kế hoạch"], wb["Ngân sách"]
    header = [c.value for c in plan[1]]
    n_rows = plan.max_row - 1
    assert n_rows > 0
    for row in range(2, plan.max_row + 1):
        plan.cell(row, header.index("Giải pháp") + 1).value = "Giải pháp thử"
        plan.cell(row, header.index("Năm hoàn thành") + 1).value = 2026
        plan.cell(row, header.index("Kinh phí (triệu đồng)") + 1).value = 10
        plan.cell(row, header.index("Ngân sách nhà nước") + 1).value = 10
    bheader = [c.value for c in budget[1]]
    for row in range(2, budget.max_row + 1):
        budget.cell(row, bheader.index("Ngân sách nhà nước") + 1).value = 10_000
    wb.save(path)
    capsys.readouterr()
    assert (
        main(
            ["plan"]
            + SAMPLE_ARGS
            + ["--plan", str(path), "--budget", str(path), "--out", str(tmp_path / "r")]
        )
        == 0
    )
    summary = pd.read_csv(tmp_path / "r" / "summary.csv", dtype=str)
    assert (summary["earliest_status_year"] == "2026").all()
