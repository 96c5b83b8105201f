"""How a value, a requirement and a gap read, in an indicator's unit and the reader's language."""

from __future__ import annotations

import pandas as pd

from .. import fmt
from ..i18n import pick, t
from .regions import units
from .requirement import requirement_text as format_requirement
from .schema import OP_SYMBOL


def value_text(value, unit: str, lang: str) -> str:
    """A value in its unit: 'Đạt', '95,5%', '68,5 triệu đồng/người/năm'."""
    if value is None or pd.isna(value):
        return ""
    kind = units()[unit]["kind"]
    if kind == "yes_no":
        return t("rule_yes", lang) if value == 1 else t("rule_no", lang)
    if kind == "percent":
        return fmt.number(value, lang, 2) + "%"
    return fmt.number(value, lang, 2) + " " + pick(units()[unit]["label"], lang)


def requirement_text(rule: str, threshold, unit: str, lang: str, status: str | None = None) -> str:
    """'≥ 50%', 'Đạt' (the forms criteria.requirement reads back); without a threshold,
    'Không áp dụng' when the verdict says the indicator does not apply, else 'Chưa có ngưỡng'
    (a threshold not known)."""
    if threshold is None or pd.isna(threshold):
        return t(
            "status_not_applicable" if status == "not_applicable" else "status_no_threshold", lang
        )
    return format_requirement(rule, float(threshold), unit, lang)


def gap_text(gap, unit: str, lang: str) -> str:
    """The shortfall in the indicator's unit; nothing when met, missing or yes/no."""
    if gap is None or pd.isna(gap) or gap == 0 or units()[unit]["kind"] == "yes_no":
        return ""
    return value_text(gap, unit, lang)


def case_text(ind, case, lang: str | None = None) -> str:
    """One threshold case as `ntm criteria` lists it: 'dbsh g2 ≥ 95% (2024+) [guidance]', the
    requirement in the form the requirement parser reads back."""
    where = f"{case.region or '*'}{f' g{case.group}' if case.group else ''}"
    when = f" ({case.from_year}+)" if case.from_year else ""
    if case.not_applicable is not None:
        return f"{where} n/a{when} [{case.not_applicable.document}]"
    if case.value is None:
        return f"{where} {OP_SYMBOL[ind.rule.op]} ?{when}"
    kind = ind.case_evidence(case)["kind"]
    return f"{where} {format_requirement(ind.rule.op, case.value, ind.unit, lang)}{when} [{kind}]"
