"""How a value, a requirement and a gap read, in an indicator's unit and the reader's language."""

from __future__ import annotations

import pandas as pd

from .. import fmt
from ..i18n import pick, t
from .catalogue import OP_SYMBOL, units


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
    """'≥ 50%', '= Đạt'; without a threshold, 'Không áp dụng' when the verdict says the
    indicator does not apply, else 'Chưa có ngưỡng' (a threshold not known)."""
    if threshold is None or pd.isna(threshold):
        return t(
            "status_not_applicable" if status == "not_applicable" else "status_no_threshold", lang
        )
    if units()[unit]["kind"] == "yes_no":
        return t("rule_yes", lang) if threshold == 1 else t("rule_no", lang)
    return f"{OP_SYMBOL[rule]} {value_text(threshold, unit, lang)}"


def gap_text(gap, unit: str, lang: str) -> str:
    """The shortfall in the indicator's unit; nothing when met, missing or yes/no."""
    if gap is None or pd.isna(gap) or gap == 0 or units()[unit]["kind"] == "yes_no":
        return ""
    return value_text(gap, unit, lang)
