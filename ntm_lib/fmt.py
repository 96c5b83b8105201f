"""Numbers, dates and statuses as people read them: 1.234,5 in Vietnamese, 1,234.5 in English."""

from __future__ import annotations

import math
import re

from babel.numbers import format_decimal

from .i18n import current_lang, t

LOCALES = {"vi": "vi_VN", "en": "en_US"}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def number(x, lang: str | None = None, digits: int = 2) -> str:
    """A number with at most `digits` decimals, in the language's convention; '' for missing."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return format_decimal(x, format=pattern, locale=LOCALES[lang or current_lang()])


def percent(share, lang: str | None = None, digits: int = 0) -> str:
    """A share (0.953) as a percentage ('95 %' style of the language, e.g. '95%')."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return ""
    return number(share * 100, lang, digits) + "%"


def date(text, lang: str | None = None) -> str:
    """An ISO date ('2025-11-20') as people write it: 20/11/2025 in Vietnamese, 2025-11-20 in
    English (unambiguous); any other text as it is."""
    text = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text)
    if (lang or current_lang()) != "vi" or not ISO_DATE.fullmatch(text):
        return text
    year, month, day = text.split("-")
    return f"{day}/{month}/{year}"


def status(code: str, lang: str | None = None) -> str:
    return t(f"status_{code}", lang)


def commune_status(row, status_label: dict, lang: str | None = None) -> str:
    """'Đạt chuẩn NTM nâng cao' or 'Chưa đạt: 17/19 tiêu chí' for a communes.csv row."""
    lang = lang or current_lang()
    if row["status"] == "met":
        return status_label[lang]
    if row["status"] == "no_data":
        return status("no_data", lang)
    key = "commune_not_met" if row["status"] == "not_met" else "commune_incomplete"
    return t(key, lang, met=int(row["criteria_met"]), total=int(row["criteria_total"]))
