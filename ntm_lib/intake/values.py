"""Officers' typed values to numbers: separators, percent signs, yes/no words, accents; and
the characters no cell may hold."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from .. import yaml_text
from ..i18n import current_lang

# C0/C1 controls (a tab, line feed or carriage return inside a cell is only white space) and
# the characters that reorder text on screen.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Unicode noncharacters (U+FDD0-U+FDEF and the last two code points of every plane) and lone
# surrogates: never meant for interchange, and U+FFFE/U+FFFF are not even XML, so a commune
# name holding one would stop a Word document or a page half-written.
NONCHARACTER = re.compile(
    "[\ufdd0-\ufdef\ud800-\udfff"
    + "".join(chr(p * 0x10000 + 0xFFFE) + chr(p * 0x10000 + 0xFFFF) for p in range(17))
    + "]"
)
INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
INVISIBLE_SPACE = re.compile(r"[\u00a0\u2007\u202f]")


ODD = re.compile("|".join(p.pattern for p in (CONTROL, NONCHARACTER, INVISIBLE, INVISIBLE_SPACE)))


def refused_character(text: str) -> str | None:
    """The message key for a text holding a character no cell may hold, else None."""
    if CONTROL.search(text):
        return "cell_control_char"
    if NONCHARACTER.search(text):
        return "cell_noncharacter"
    return None


def any_odd_character(texts) -> bool:
    """Whether any of `texts` holds a character to refuse or an invisible one to remove: one
    search over them all, so that the usual clean table costs next to nothing."""
    return ODD.search("\n".join(texts)) is not None


def without_invisibles(text: str) -> str:
    """No-break and figure spaces as spaces; zero-width characters removed."""
    return INVISIBLE_SPACE.sub(" ", INVISIBLE.sub("", text))


@lru_cache(maxsize=1)
def column_spec() -> dict:
    text = resources.files("ntm_lib").joinpath("locale/columns.yaml").read_text(encoding="utf-8")
    return yaml_text.load(text)


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced: 'Mã  Xã' -> 'ma xa'. NFC and NFD fold alike."""
    decomposed = unicodedata.normalize("NFD", str(text))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    bare = bare.replace("đ", "d").replace("Đ", "D").replace("_", " ")
    return " ".join(bare.casefold().split())


def fold_series(s: pd.Series) -> pd.Series:
    out = s.astype(str).str.normalize("NFD").str.replace(r"[\u0300-\u036f]", "", regex=True)
    out = out.str.replace("đ", "d").str.replace("Đ", "D").str.replace("_", " ")
    return out.str.casefold().str.split().str.join(" ")


# The forms a number may take: plain (95, 95,5, 95.5), grouped in threes by dots (Vietnamese:
# 1.234.567,5) or by commas (English: 1,234,567.5), or a bare decimal (,5). Anything else,
# '1.234.5' or '12.05.2024', is not read as a number.
NUMBER_FORM = (
    r"[+-]?(?:\d+(?:[.,]\d+)?|[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?"
    r"|[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?|[.,]\d+)"
)
# One separator and three digits after a leading 1-999: a thousand in one convention, a
# decimal in the other ('0.026' is never a thousand).
AMBIGUOUS_FORM = r"[+-]?[1-9]\d{0,2}[.,]\d{3}"
DATE_FORM = r"\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\d{4}[./-]\d{1,2}[./-]\d{1,2}"


def distinct(text: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """(code per cell, distinct texts): a categorical column's own codes, else factorized."""
    if isinstance(text.dtype, pd.CategoricalDtype) and not (text.cat.codes < 0).any():
        return text.cat.codes.to_numpy(), pd.Series(
            np.asarray(text.cat.categories, dtype=object), dtype=object
        )
    codes, uniques = pd.factorize(text.astype(str), use_na_sentinel=False)
    return codes, pd.Series(np.asarray(uniques, dtype=object), dtype=object)


def per_distinct(func):
    """Run a column-wise parser once per distinct text and spread the result back: a column of
    a million cells typically holds a few hundred distinct values."""

    def run(text: pd.Series, *args, **kwargs) -> pd.Series:
        codes, uniques = distinct(text)
        parsed = func(uniques, *args, **kwargs).to_numpy()
        return pd.Series(parsed[codes], index=text.index)

    run.__doc__, run.__name__, run.__wrapped__ = func.__doc__, func.__name__, func
    return run


def map_text(text: pd.Series, func) -> pd.Series:
    """`func` (texts -> texts) applied once per distinct text; a categorical column back."""
    codes, uniques = distinct(text)
    new_codes, labels = pd.factorize(func(uniques).astype(object), use_na_sentinel=False)
    return pd.Series(
        pd.Categorical.from_codes(new_codes[codes], categories=labels), index=text.index
    )


def _squeeze(text: pd.Series) -> pd.Series:
    s = text.astype(str).str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
    return s.str.removesuffix("%")


@per_distinct
def ambiguous_numbers(text: pd.Series) -> pd.Series:
    """'1.234' or '1,234': one separator followed by exactly three digits, which Vietnamese
    reads as a thousand and English as a decimal (and the other way round for the comma)."""
    return _squeeze(text).str.fullmatch(AMBIGUOUS_FORM).astype(bool)


@per_distinct
def has_percent_sign(text: pd.Series) -> pd.Series:
    return text.astype(str).str.strip().str.endswith("%")


@per_distinct
def looks_like_date(text: pd.Series) -> pd.Series:
    """'01.05.2024', '1/5/24', '2024-05-01': a date typed where a number belongs."""
    return text.astype(str).str.strip().str.fullmatch(DATE_FORM).astype(bool)


@per_distinct
def parse_numbers(text: pd.Series, convention: str | None = None) -> pd.Series:
    """Numbers as officers type them: '95', '95%', '95,5', '1.234,5', '1,234.5'. NaN if not.

    With both separators the last one is the decimal mark. A lone separator is a decimal mark,
    except in the ambiguous '1.234' / '1,234' form, read by the convention of the language
    (Vietnamese by default: '.' groups thousands, ',' marks decimals). Malformed groupings
    ('1.234.5') and dates are not numbers.
    """
    convention = convention or current_lang()
    s = _squeeze(text)
    s = s.where(s.str.fullmatch(NUMBER_FORM).astype(bool), "")
    n_comma, n_dot = s.str.count(","), s.str.count(r"\.")
    dec_comma = ((n_comma == 1) & (n_dot == 0)) | (
        (n_comma > 0) & (n_dot > 0) & (s.str.rfind(",") > s.str.rfind("."))
    )
    out = s.mask(dec_comma, s.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
    out = out.mask(~dec_comma & (n_comma > 0), s.str.replace(",", "", regex=False))
    out = out.mask((n_dot > 1) & (n_comma == 0), s.str.replace(".", "", regex=False))
    ambiguous = s.str.fullmatch(AMBIGUOUS_FORM).astype(bool)
    if convention == "vi":
        out = out.mask(ambiguous & (n_dot == 1), s.str.replace(".", "", regex=False))
    else:
        out = out.mask(ambiguous & (n_comma == 1), s.str.replace(",", "", regex=False))
    nums = pd.to_numeric(
        out.where(out.str.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)").astype(bool)), errors="coerce"
    )
    return nums.astype(float)


@per_distinct
def parse_year(text: pd.Series) -> pd.Series:
    """A four-digit year, else NaN."""
    text = text.astype(str)
    return pd.to_numeric(text.where(text.str.fullmatch(r"\d{4}").astype(bool)), errors="coerce")


@per_distinct
def parse_cell_numbers(text: pd.Series) -> pd.Series:
    """An Excel number cell's text ('95.5', '1e-05'), as Python wrote it; NaN if not."""
    return pd.to_numeric(text.astype(str), errors="coerce").astype(float)


def cell_numbers(
    text: pd.Series, flag: pd.Series | None = None, convention: str | None = None
) -> pd.Series:
    """Numbers from cells: an Excel number cell as Excel holds it (no separator to guess), a
    typed one by the convention of the language. NaN where a cell is not a number."""
    typed = parse_numbers(text, convention)
    if flag is None:
        return typed
    numeric = flag.isin(["number", "percent"]).to_numpy()
    if not numeric.any():
        return typed
    return typed.where(~numeric, parse_cell_numbers(text))


MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
# How a code such as 1.10 or 10.1 reads once Excel has made it a date: the date cell itself
# (2024-10-01 00:00:00), or the text a CSV export keeps (01/10, 1/10/2024, 1-Oct, Oct-1).
ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?")
DAY_MONTH = re.compile(
    r"(\d{1,2})[/-](\d{1,2})(?:[/-](?:\d{2}|\d{4}))?|(\d{1,2})\.(\d{1,2})\.\d{4}"
)
NAMED_MONTH = re.compile(r"(\d{1,2})[- ]([a-z]{3})(?:[- ]\d{2,4})?|([a-z]{3})[- ](\d{1,2})")
# Vietnamese Excel: 01-thg 10, 1 tháng 10
VI_MONTH = re.compile(r"(\d{1,2})[-/ ]?th(?:g|ang)\.?[- ]?(\d{1,2})(?:[-/ ]\d{2,4})?")


def _day_month(text: str) -> tuple[int, int] | None:
    text = fold(text)
    if m := VI_MONTH.fullmatch(text):
        return int(m.group(1)), int(m.group(2))
    if m := ISO_DATE.fullmatch(text):
        return int(m.group(3)), int(m.group(2))
    if m := DAY_MONTH.fullmatch(text):
        a, b = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        return int(a), int(b)
    if (m := NAMED_MONTH.fullmatch(text)) and (m.group(2) or m.group(3)) in MONTHS:
        if m.group(1):
            return int(m.group(1)), MONTHS[m.group(2)]
        return int(m.group(4)), MONTHS[m.group(3)]
    return None


def codes_from_date(text: str) -> list[str]:
    """The codes a date may have been before Excel turned it into one: day.month first (how
    Vietnamese Excel reads 1.10), then month.day; [] if `text` is not a date."""
    parts = _day_month(text)
    if parts is None:
        return []
    day, month = parts
    return list(dict.fromkeys([f"{day}.{month}", f"{month}.{day}"]))


@per_distinct
def is_blank(text: pd.Series) -> pd.Series:
    return text.astype(str).str.strip() == ""


@per_distinct
def parse_yes_no(text: pd.Series) -> pd.Series:
    """1.0 for yes words, 0.0 for no words (Đạt/Chưa đạt, có/không, yes/no, 1/0), else NaN."""
    spec = column_spec()
    words = {fold(w): 1.0 for w in spec["yes_words"]} | {fold(w): 0.0 for w in spec["no_words"]}
    folded = fold_series(text)
    out = folded.map(words).astype(float)
    nums = parse_numbers.__wrapped__(text)
    return out.fillna(nums.where(nums.isin([0.0, 1.0])))


# --- branch outputs (issue 26): a tick mark read as "Đạt" is said so
TICK_MARKS = {"x"}  # yes words that are marks on a form, not words: read as yes, with a warning


@per_distinct
def is_tick_mark(text: pd.Series) -> pd.Series:
    """Whether each cell is a tick mark ('x', 'X') rather than a word."""
    return fold_series(text).isin(TICK_MARKS)


def number_examples_key(unit_spec: dict) -> str:
    """Which examples a 'not a number' message shows for a unit: a count's are whole."""
    if unit_spec.get("kind") == "percent":
        return "number_examples_percent"
    return "number_examples_count" if "whole" in unit_spec.get("slips", []) else "number_examples"
