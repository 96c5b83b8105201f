"""Reading a commune's plan of solutions and its yearly budget by funding source."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..criteria.catalogue import CriteriaSet, fmt_number
from ..errors import InputError, Problem, cap_problems
from ..i18n import t
from .inputs import MAX_SAME_PROBLEM, read_tables
from .values import column_spec, fold, parse_numbers

SOURCES = [
    "state_budget",
    "integrated_programmes",
    "people_contributions",
    "credit",
    "enterprises_other",
]
# Shares may differ from the total by rounding, up to this many million VND.
SHARE_TOLERANCE = 0.5


def _amounts(table, f: pd.DataFrame, columns: list[str], problems: list[Problem]) -> pd.DataFrame:
    out = pd.DataFrame(index=f.index)
    for col in columns:
        text = f[col] if col in f else pd.Series("", index=f.index)
        value = parse_numbers(text)
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
        out[col] = value
    return out


def read_plan(paths, cset: CriteriaSet, register: pd.DataFrame, data_year: int) -> pd.DataFrame:
    """Plan rows with their criterion resolved; raises InputError listing every problem."""
    indicators = {i.code: i for i in cset.indicators}
    numbers = [c.number for c in cset.criteria]
    known = set(register["commune_id"].astype(str))
    words = {fold(k): v for k, v in column_spec()["difficulty_words"].items()}
    frames, problems = [], []
    for path in paths if isinstance(paths, (list, tuple)) else [paths]:
        tables, found = read_tables(Path(path), "plan")
        problems += found
        for table in tables:
            f = table.frame.apply(lambda c: c.str.strip().str.normalize("NFC"))
            f = f[(f != "").any(axis=1)]
            code = f["indicator"] if "indicator" in f else pd.Series("", index=f.index)
            crit = f["criterion"] if "criterion" in f else pd.Series("", index=f.index)
            resolved = code.map(lambda c: indicators[c].criterion if c in indicators else "")
            for row in f.index:
                r = int(row)
                if f.at[row, "commune_id"] not in known:
                    problems.append(
                        table.problem(
                            "commune_not_in_register",
                            r,
                            "commune_id",
                            value=f.at[row, "commune_id"],
                        )
                    )
                if code[row] and code[row] not in indicators:
                    problems.append(
                        table.problem(
                            "indicator_unknown", r, "indicator", value=code[row], set_id=cset.id
                        )
                    )
                elif crit[row] and crit[row] not in numbers:
                    problems.append(
                        table.problem(
                            "plan_criterion_unknown",
                            r,
                            "criterion",
                            value=crit[row],
                            set_id=cset.id,
                        )
                    )
                elif code[row] and crit[row] and resolved[row] != crit[row]:
                    problems.append(
                        table.problem(
                            "plan_indicator_criterion",
                            r,
                            "indicator",
                            value=code[row],
                            criterion=crit[row],
                        )
                    )
                elif not code[row] and not crit[row]:
                    problems.append(table.problem("plan_no_target", r, "indicator"))
                if not f.at[row, "solution"]:
                    problems.append(table.problem("plan_solution_empty", r, "solution"))
            year = pd.to_numeric(
                f["target_year"].where(f["target_year"].str.fullmatch(r"\d{4}")), errors="coerce"
            )
            for row in year.index[year.isna()]:
                problems.append(
                    table.problem(
                        "year_invalid", int(row), "target_year", value=f.at[row, "target_year"]
                    )
                )
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
            diff_text = f["difficulty"] if "difficulty" in f else pd.Series("", index=f.index)
            difficulty = pd.to_numeric(
                diff_text.where(diff_text.str.fullmatch(r"[1-5]")), errors="coerce"
            ).fillna(fold_map(diff_text, words))
            for row in difficulty.index[difficulty.isna() & (diff_text != "")]:
                problems.append(
                    table.problem(
                        "plan_difficulty_invalid", int(row), "difficulty", value=diff_text[row]
                    )
                )
            frames.append(
                pd.DataFrame(
                    {
                        "commune_id": f["commune_id"],
                        "indicator": code,
                        "criterion": crit.where(crit != "", resolved),
                        "solution": f["solution"],
                        "responsible": f["responsible"] if "responsible" in f else "",
                        "target_year": year.astype("Int64"),
                        "difficulty": difficulty.astype("Int64"),
                        **{c: money[c] for c in ["cost"] + SOURCES},
                        "input_ref": Path(table.file).name
                        + (f"[{table.sheet}]" if table.sheet else "")
                        + ":"
                        + f.index.astype(str),
                    }
                )
            )
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise InputError(cap_problems(problems, MAX_SAME_PROBLEM))
    return pd.concat(frames, ignore_index=True)


def fold_map(text: pd.Series, words: dict) -> pd.Series:
    return text.map(lambda s: words.get(fold(s), np.nan) if s else np.nan)


def read_budget(paths, register: pd.DataFrame) -> pd.DataFrame:
    """Yearly budget per commune and source (million VND)."""
    known = set(register["commune_id"].astype(str))
    frames, problems = [], []
    for path in paths if isinstance(paths, (list, tuple)) else [paths]:
        tables, found = read_tables(Path(path), "budget")
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
        raise InputError(cap_problems(problems, MAX_SAME_PROBLEM))
    return budget
