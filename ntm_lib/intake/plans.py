"""Reading a commune's plan of solutions and its yearly budget by funding source.

A plan row is a task: tied to an indicator or a criterion, or a general task of a field of work
(communication, training, credit...: locale/work_fields.yaml), each with its responsible body,
its deadline (a year, or "thường xuyên" for ongoing work) and its cost by source. A row whose
task columns are all empty (the untouched rows of `ntm template-plan`'s workbook) is no task.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from .. import fmt, yaml_text
from ..criteria.catalogue import CriteriaSet, fmt_number
from ..errors import InputError, Problem, cap_problems
from ..i18n import t
from .inputs import MAX_SAME_PROBLEM, read_tables
from .plausibility import DONG, amounts_in_dong
from .register import named_communes
from .table import once_each
from .values import cell_numbers, column_spec, fold

SOURCES = [
    "state_budget",
    "integrated_programmes",
    "people_contributions",
    "credit",
    "enterprises_other",
]
# Shares may differ from the total by rounding, up to this many million VND.
SHARE_TOLERANCE = 0.5
# The columns that make a row a task; a row with none of them filled is no task.
TASK_COLUMNS = ["solution", "responsible", "target_year", "cost", *SOURCES, "difficulty"]
GENERAL = "general"  # the `kind` of a task not tied to an indicator or a criterion
PLAN_COLUMNS = [
    "commune_id",
    "indicator",
    "criterion",
    "field",
    "kind",
    "solution",
    "responsible",
    "target_year",
    "deadline",
    "difficulty",
    "cost",
    *SOURCES,
    "input_ref",
]


@lru_cache(maxsize=1)
def work_fields() -> dict:
    """The fields of work (key -> labels and accepted words), in the plan's order."""
    path = resources.files("ntm_lib").joinpath("locale/work_fields.yaml")
    return yaml_text.load(path.read_text(encoding="utf-8"))


def field_lookup() -> dict[str, str]:
    """Folded word or label -> field key."""
    out = {}
    for key, spec in work_fields()["fields"].items():
        for word in [key, spec["vi"], spec["en"], *spec["words"]]:
            out[fold(word)] = key
    return out


def _amounts(table, f: pd.DataFrame, columns: list[str], problems: list[Problem]) -> pd.DataFrame:
    out = pd.DataFrame(index=f.index)
    for col in columns:
        text = f[col] if col in f else pd.Series("", index=f.index)
        # An Excel number cell is read as Excel holds it: 2.125 stays 2.125 (a typed "2.125"
        # would be 2125 by the Vietnamese convention).
        value = cell_numbers(text, table.flag(col, f.index))
        blank = text.str.strip() == ""
        value = value.where(~blank, 0.0)
        for row in value.index[value.isna()]:
            problems.append(
                table.problem(
                    "value_not_number",
                    int(row),
                    col,
                    value=text[row],
                    examples=t("number_examples"),
                )
            )
        for row in value.index[value < 0]:
            problems.append(table.problem("value_negative", int(row), col, value=text[row]))
        out[col] = value.mask(_in_dong(table, col, text, value, problems))
    return out


def _in_dong(table, col: str, text: pd.Series, value: pd.Series, problems: list) -> pd.Series:
    """Amounts typed in đồng, refused with the amount meant (and left out of further checks)."""
    slips = amounts_in_dong(value)
    for row in value.index[slips]:
        amount = float(value[row])
        problems.append(
            table.problem(
                "plan_amount_in_dong",
                int(row),
                col,
                value=text[row],
                amount=fmt.number(amount, None, 0),
                hint=fmt.number(amount / DONG, None, 6),
            )
        )
    return slips


def _column(f: pd.DataFrame, name: str) -> pd.Series:
    return f[name] if name in f else pd.Series("", index=f.index, dtype=object)


def _tasks(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows that carry a task: stripped, NFC, without the untouched template rows."""
    f = frame.apply(lambda c: c.str.strip().str.normalize("NFC"))
    task = [c for c in TASK_COLUMNS if c in f]
    return f[(f[task] != "").any(axis=1)] if task else f.iloc[0:0]


def _targets(table, f, cset: CriteriaSet, known: set, problems: list[Problem]) -> pd.DataFrame:
    """Each row's commune, indicator, criterion and field of work, checked."""
    indicators = {i.code: i for i in cset.indicators}
    numbers = {c.number for c in cset.criteria}
    fields = field_lookup()
    code, crit, typed_field = _column(f, "indicator"), _column(f, "criterion"), _column(f, "field")
    resolved = code.map(lambda c: indicators[c].criterion if c in indicators else "")
    field = typed_field.map(lambda v: fields.get(fold(v), "?") if v else "")
    for row in f.index:
        r = int(row)
        if f.at[row, "commune_id"] not in known:
            problems.append(
                table.problem(
                    "commune_not_in_register", r, "commune_id", value=f.at[row, "commune_id"]
                )
            )
        problems += _target_problem(table, r, code[row], crit[row], resolved[row], cset, numbers)
        problems += _field_problem(table, r, typed_field[row], field[row], code[row] or crit[row])
    general = (code == "") & (crit == "")
    return pd.DataFrame(
        {
            "indicator": code,
            "criterion": crit.where(crit != "", resolved),
            "field": field.where(field != "?", "").where(~general | (field != ""), "other"),
            "kind": np.where(general, GENERAL, "criterion"),
        },
        index=f.index,
    )


def _target_problem(table, r: int, code, crit, resolved, cset, numbers) -> list[Problem]:
    """The indicator and criterion a task names: known, and consistent with each other."""
    if code and not resolved:
        return [table.problem("indicator_unknown", r, "indicator", value=code, set_id=cset.id)]
    if crit and crit not in numbers:
        return [table.problem("plan_criterion_unknown", r, "criterion", value=crit, set_id=cset.id)]
    if code and crit and resolved != crit:
        return [
            table.problem("plan_indicator_criterion", r, "indicator", value=code, criterion=crit)
        ]
    return []


def _field_problem(table, r: int, typed: str, field: str, tied: str) -> list[Problem]:
    """A field of work that is not one of work_fields.yaml's; a general task without one."""
    if field == "?":
        known = ", ".join(s["vi"] for s in work_fields()["fields"].values())
        return [table.problem("plan_field_unknown", r, "field", value=typed, known=known)]
    if not tied and not field:
        return [_warning(table.problem("plan_general_no_field", r, "field"))]
    return []


def _warning(problem: Problem) -> Problem:
    return dataclasses.replace(problem, severity="warning")


def _deadlines(table, f: pd.DataFrame, data_year: int, problems: list[Problem]) -> pd.DataFrame:
    """The target year of each row, or none for ongoing work ("thường xuyên")."""
    text = f["target_year"]
    ongoing = {fold(w) for w in work_fields()["ongoing_words"]}
    is_ongoing = text.map(lambda v: fold(v) in ongoing)
    year = pd.to_numeric(text.where(text.str.fullmatch(r"\d{4}")), errors="coerce")
    for row in year.index[year.isna() & ~is_ongoing.astype(bool)]:
        problems.append(table.problem("year_invalid", int(row), "target_year", value=text[row]))
    for row in year.index[year < data_year]:
        problems.append(
            table.problem(
                "plan_target_before_data",
                int(row),
                "target_year",
                value=int(year[row]),
                data_year=data_year,
            )
        )
    deadline = text.where(~is_ongoing, work_fields()["ongoing_words"][0].capitalize())
    return pd.DataFrame({"target_year": year.astype("Int64"), "deadline": deadline})


def _costs(table, f: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    money = _amounts(table, f, ["cost"] + SOURCES, problems)
    shares = money[SOURCES].sum(axis=1)
    off = (shares - money["cost"]).abs() > SHARE_TOLERANCE
    valid = money.notna().all(axis=1) & (money >= 0).all(axis=1)
    for row in money.index[off & valid]:
        problems.append(
            table.problem(
                "plan_shares_mismatch",
                int(row),
                "cost",
                cost=fmt_number(money.at[row, "cost"]),
                shares=fmt_number(round(float(shares[row]), 3)),
            )
        )
    return money


def _difficulty(table, f: pd.DataFrame, problems: list[Problem]) -> pd.Series:
    words = {fold(k): v for k, v in column_spec()["difficulty_words"].items()}
    text = _column(f, "difficulty")
    difficulty = pd.to_numeric(text.where(text.str.fullmatch(r"[1-5]")), errors="coerce").fillna(
        fold_map(text, words)
    )
    for row in difficulty.index[difficulty.isna() & (text != "")]:
        problems.append(
            table.problem("plan_difficulty_invalid", int(row), "difficulty", value=text[row])
        )
    return difficulty.astype("Int64")


def _plan_table(table, cset, known: set, data_year: int, problems: list[Problem]) -> pd.DataFrame:
    f = _tasks(table.frame)
    targets = _targets(table, f, cset, known, problems)
    for row in f.index[f["solution"] == ""]:
        problems.append(table.problem("plan_solution_empty", int(row), "solution"))
    deadlines = _deadlines(table, f, data_year, problems)
    money = _costs(table, f, problems)
    where = Path(table.file).name + (f"[{table.sheet}]" if table.sheet else "")
    return pd.DataFrame(
        {
            "commune_id": f["commune_id"],
            **{c: targets[c] for c in ["indicator", "criterion", "field", "kind"]},
            "solution": f["solution"],
            "responsible": _column(f, "responsible"),
            **{c: deadlines[c] for c in ["target_year", "deadline"]},
            "difficulty": _difficulty(table, f, problems),
            **{c: money[c] for c in ["cost"] + SOURCES},
            "input_ref": where + ":" + f.index.astype(str),
        }
    )


def read_plan(paths, cset: CriteriaSet, register: pd.DataFrame, data_year: int) -> pd.DataFrame:
    """Plan rows (tasks) with their criterion or field resolved; raises InputError listing every
    problem. `kind` is "criterion" for a task tied to an indicator or a criterion, "general" for
    one of a field of work."""
    known = set(register["commune_id"])
    frames, problems = [], []
    for path in once_each(paths):
        tables, found = read_tables(path, "plan")
        problems += found
        for table in tables:
            frames.append(_plan_table(table, cset, known, data_year, problems))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise InputError(named_communes(cap_problems(problems, MAX_SAME_PROBLEM), register))
    plan = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=PLAN_COLUMNS)
    plan.attrs["warnings"] = [p for p in problems if p.severity != "error"]
    return plan


def fold_map(text: pd.Series, words: dict) -> pd.Series:
    return text.map(lambda s: words.get(fold(s), np.nan) if s else np.nan)


def read_budget(paths, register: pd.DataFrame) -> pd.DataFrame:
    """Yearly budget per commune and source (million VND)."""
    known = set(register["commune_id"])
    frames, problems = [], []
    for path in once_each(paths):
        tables, found = read_tables(path, "budget")
        problems += found
        for table in tables:
            f = table.frame.apply(lambda c: c.str.strip())
            f = f[(f != "").any(axis=1)]
            for row in f.index[~f["commune_id"].isin(known)]:
                problems.append(
                    table.problem(
                        "commune_not_in_register",
                        int(row),
                        "commune_id",
                        value=f.at[row, "commune_id"],
                    )
                )
            year = pd.to_numeric(
                f["year"].where(f["year"].str.fullmatch(r"\d{4}")), errors="coerce"
            )
            for row in year.index[year.isna()]:
                problems.append(
                    table.problem("year_invalid", int(row), "year", value=f.at[row, "year"])
                )
            money = _amounts(table, f, SOURCES, problems)
            frames.append(
                pd.concat([f[["commune_id"]], year.rename("year").astype("Int64"), money], axis=1)
            )
    budget = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["commune_id", "year"] + SOURCES)
    )
    for (cid, year), _ in budget[budget.duplicated(["commune_id", "year"], keep=False)].groupby(
        ["commune_id", "year"]
    ):
        problems.append(
            Problem(str(paths), "budget_duplicate", params={"commune": cid, "year": year})
        )
    if [p for p in problems if p.severity == "error"]:
        raise InputError(named_communes(cap_problems(problems, MAX_SAME_PROBLEM), register))
    return budget
