"""Requirements as people write them, read and written by one grammar.

`parse_requirement` reads the way decisions and officers state a requirement: `≥ 90%`,
`từ 90% trở lên`, `tối thiểu 90%`, `dưới 13%` (strict), `không quá 13%`, `trên 50%` (strict),
`100%`, `Đạt`, `Có`, `≥ 1,1 lần`, `≥ 48 triệu đồng/người/năm`, ranges (`từ 15% đến 20%`),
with Vietnamese decimal commas. It returns the comparator, the value and the unit the text
names, or None when the text says something else (a condition, a note): such a text is never
guessed at. `requirement_text` writes a requirement in the same forms, so that what `ntm
criteria`, the workbooks and the reports show reads back to what was stated. Pure.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, replace

from .. import fmt
from ..i18n import pick, t
from .regions import units
from .schema import OP_SYMBOL

# A relative factor ("≥ 1,1 lần" the threshold of another indicator), not a unit of
# regions.yaml.
TIMES = "times"

# Comparators written before the number, as folded text (lower-case, no accents, đ -> d),
# longest first so that "khong duoi" is not read as "duoi".
PREFIX_OPS = {
    ">=": [
        "≥",
        ">=",
        "=>",
        "bang hoac lon hon",
        "lon hon hoac bang",
        "bang hoac cao hon",
        "cao hon hoac bang",
        "tren hoac bang",
        "bang hoac tren",
        "khong duoi",
        "khong thap hon",
        "khong it hon",
        "khong nho hon",
        "toi thieu",
        "it nhat",
        "dat tu",
        "dat toi thieu",
        "tu",
        "dat",
    ],
    ">": [">", "cao hon", "lon hon", "nhieu hon", "tren", "hon", "vuot"],
    "<=": [
        "≤",
        "<=",
        "=<",
        "bang hoac nho hon",
        "nho hon hoac bang",
        "bang hoac thap hon",
        "thap hon hoac bang",
        "bang hoac duoi",
        "duoi hoac bang",
        "khong vuot qua",
        "khong qua",
        "khong cao hon",
        "khong lon hon",
        "khong tren",
        "khong nhieu hon",
        "toi da",
        "dat toi da",
    ],
    "<": ["<", "thap hon", "nho hon", "it hon", "duoi"],
    "==": ["=", "bang", "dat dung"],
}
SUFFIX_OPS = {"tro len": ">=", "tro xuong": "<="}
YES_WORDS = {"dat", "co", "dat chuan", "dat yeu cau", "hoan thanh", "x", "✓", "yes"}
NO_WORDS = {"khong", "khong co", "no"}
# Numbers in either grouping: 1.234.567,5 (Vietnamese), 1,234,567.5 (English), or plain.
NUMBER = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?|[.,]\d+"
UNIT_FORMS = [
    (r"%\s*/\s*(?:nam|year)", "percent_per_year", 1.0),
    (r"%", "percent", 1.0),
    (r"trieu\s*dong(?:\s*/\s*nguoi)?(?:\s*/\s*nam)?", "million_vnd_per_person_year", 1.0),
    (r"tr(?:\.|\s)?\s*d(?:\s*/\s*nguoi)?(?:\s*/\s*nam)?", "million_vnd_per_person_year", 1.0),
    (r"nghin\s*dong(?:\s*/\s*nguoi)?(?:\s*/\s*nam)?", "million_vnd_per_person_year", 1e-3),
    (r"dong(?:\s*/\s*nguoi)?(?:\s*/\s*nam)?", "million_vnd_per_person_year", 1e-6),
    (
        r"million\s*(?:vnd|dong)(?:\s*/\s*person)?(?:\s*/\s*year)?",
        "million_vnd_per_person_year",
        1.0,
    ),
    (r"lan|times", TIMES, 1.0),
]
BARE_YEAR = re.compile(r"[-+•–]?\s*(\d{4})(?:\s*[-–]\s*(\d{4}))?")
FOOTNOTE = re.compile(r"\s*(\(\s*(?:\d{1,2}|\*+)\s*\)|\*+|[¹²³⁴⁵⁶⁷⁸⁹⁰]+)\s*$")
YEAR_LINE = re.compile(
    r"^[-+•–]?\s*(?:nam|giai doan|tu nam)\s*(\d{4})(?:\s*[-–]\s*(\d{4}))?\s*[:,]?\s*(.*)$"
)


@dataclass(frozen=True)
class Requirement:
    """A requirement as read: `op` (None when the text gives only a value, e.g. '100%'),
    `value` (None when it gives only a comparator, e.g. '≥'), the unit the text names (a unit
    id of regions.yaml, TIMES, or None), and for a range its upper end `high`."""

    op: str | None
    value: float | None
    unit: str | None = None
    high: float | None = None
    footnote: str = ""

    @property
    def is_range(self) -> bool:
        return self.high is not None


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced; 'đ' -> 'd'; comparators and digits kept."""
    decomposed = unicodedata.normalize("NFD", str(text))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    bare = bare.replace("đ", "d").replace("Đ", "D").replace("\u00a0", " ")
    return " ".join(bare.casefold().split())


def to_number(text: str, convention: str = "vi") -> float | None:
    """A number as written in `convention` ('vi': 1.234,5; 'en': 1,234.5); a lone separator
    with three digits after it ('72,500', '1.234') is read by the convention, any other lone
    separator is a decimal mark. None if the text is not a number."""
    s = text.strip().replace(" ", "")
    if not re.fullmatch(NUMBER, s):
        return None
    commas, dots = s.count(","), s.count(".")
    if commas and dots:
        decimal = "," if s.rfind(",") > s.rfind(".") else "."
    elif commas > 1 or dots > 1:
        decimal = "." if commas else ","  # repeated: a thousands separator
    elif commas or dots:
        sep = "," if commas else "."
        three = re.fullmatch(r"[1-9]\d{0,2}[.,]\d{3}", s) is not None
        grouping = "." if convention == "vi" else ","
        decimal = "" if three and sep == grouping else sep
    else:
        decimal = ""
    thousands = {",": ".", ".": ","}.get(decimal, "," if commas else ".")
    plain = s.replace(thousands, "").replace(decimal, ".") if decimal else s.replace(thousands, "")
    try:
        return float(plain)
    except ValueError:
        return None


def _unit(rest: str) -> tuple[str | None, float, str] | None:
    """The unit a text starts with: (unit id, factor to the unit, what follows)."""
    for form, unit, factor in UNIT_FORMS:
        m = re.match(rf"({form})(?![a-z])", rest)
        if m:
            return unit, factor, rest[m.end() :].strip()
    return None


def _prefix(folded: str) -> tuple[str | None, str]:
    forms = sorted(((w, op) for op, ws in PREFIX_OPS.items() for w in ws), key=lambda x: -len(x[0]))
    for word, op in forms:
        if folded.startswith(word):
            rest = folded[len(word) :]
            if word[-1].isalpha() and rest[:1].isalpha():
                continue  # 'tu' must not match the start of 'tuoi'
            return op, rest.strip()
    return None, folded


def _quantity(text: str, convention: str) -> tuple[float, str | None, str] | None:
    """'90%' -> (90.0, 'percent', ''); the number, its unit and what follows."""
    m = re.match(rf"({NUMBER})\s*", text)
    if not m:
        return None
    value = to_number(m.group(1), convention)
    if value is None:
        return None
    rest = text[m.end() :]
    found = _unit(rest)
    if found is None:
        return value, None, rest.strip()
    unit, factor, rest = found
    return value * factor, unit, rest


def _range(folded: str, convention: str) -> Requirement | None:
    """'từ 15% đến 20%', '15 - 20%', '15% - 20%'."""
    m = re.fullmatch(rf"(?:tu\s*)?({NUMBER})\s*(%?)\s*(?:den|-|–)\s*({NUMBER})\s*(.*)", folded)
    if not m:
        return None
    low, high = to_number(m.group(1), convention), to_number(m.group(3), convention)
    tail = _unit(m.group(4)) if m.group(4) else (None, 1.0, "")
    if low is None or high is None or tail is None or tail[2] or low >= high:
        return None
    unit, factor = tail[0] or ("percent" if m.group(2) else None), tail[1]
    return Requirement(None, low * factor, unit, high * factor)


def parse_requirement(text: str, convention: str = "vi") -> Requirement | None:
    """The requirement `text` states, or None if it states something this grammar does not
    read (the caller lists it for a person to check)."""
    raw = unicodedata.normalize("NFC", str(text or "")).strip()
    footnote = ""
    m = FOOTNOTE.search(raw)
    if m and m.start() > 0:
        footnote, raw = m.group(1), raw[: m.start()]
    folded = fold(raw).rstrip(" .;")
    if not folded:
        return None
    found = _words(folded) or _range(folded, convention) or _comparison(folded, convention)
    return None if found is None else replace(found, footnote=footnote)


def _words(folded: str) -> Requirement | None:
    if folded in YES_WORDS:
        return Requirement("==", 1.0, "yes_no")
    if folded in NO_WORDS:
        return Requirement("==", 0.0, "yes_no")
    return None


def _comparison(folded: str, convention: str) -> Requirement | None:
    """'≥ 90%', 'từ 90% trở lên', 'dưới 13%', '100%', '≥'."""
    op, rest = _prefix(folded)
    if rest == "" and op is not None:
        return Requirement(op, None, None)
    quantity = _quantity(rest, convention)
    if quantity is None:
        return None
    value, unit, rest = quantity
    suffix = SUFFIX_OPS.get(rest.rstrip(" ."))
    if rest and suffix is None:
        return None  # a condition or a note follows: not a plain requirement
    if suffix is not None:
        if op not in (None, suffix) and not (op == ">=" and folded.startswith("tu")):
            return None  # 'dưới 5% trở lên' contradicts itself
        op = suffix
    return Requirement(op, value, unit)


def split_years(text: str) -> list[tuple[int | None, int | None, str]]:
    """A cell that states a requirement per year ('Năm 2022: ≥ 48; Năm 2025: ≥ 60', one per
    line or separated by ';') as (first year, last year or None, requirement text); a cell
    without years is one entry (None, None, text)."""
    parts = [p.strip() for p in re.split(r"[;\n]+", str(text or "")) if p.strip()]
    out = []
    for part in parts:
        m = YEAR_LINE.match(fold(part))
        if m is None:
            return [(None, None, str(text).strip())]
        start = int(m.group(1))
        end = int(m.group(2)) if m.group(2) else None
        # the requirement as written, after the year: same length in the folded form
        out.append((start, end, part[len(part) - len(m.group(3)) :].strip()))
    return out or [(None, None, "")]


def year_label(text: str) -> tuple[int, int | None] | None:
    """'- Năm 2022', 'Giai đoạn 2024-2025' or a bare '2022' (a row label of year sub-rows):
    the years."""
    folded = fold(text)
    m = YEAR_LINE.match(folded) or BARE_YEAR.fullmatch(folded)
    if m is None or (m.re is YEAR_LINE and m.group(3)):
        return None
    first = int(m.group(1))
    if not 1990 <= first <= 2100:
        return None
    return first, (int(m.group(2)) if m.group(2) else None)


def number_text(value: float, lang: str | None = None) -> str:
    """A threshold in the language's convention, with every decimal it has (up to 6)."""
    return fmt.number(value, lang, 6)


def requirement_text(op: str, value: float | None, unit: str, lang: str | None = None) -> str:
    """'≥ 95,5%', '< 13%', '≥ 48 triệu đồng/người/năm', 'Đạt', '> 10': what parse_requirement
    reads back to (op, value, unit)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return OP_SYMBOL[op]
    spec = units()[unit]
    if spec["kind"] == "yes_no":
        return t("rule_yes", lang) if value == 1 else t("rule_no", lang)
    number = number_text(value, lang)
    if unit == "percent":
        suffix = "%"
    elif unit == "percent_per_year":
        suffix = "%/năm" if (lang or "vi") == "vi" else "%/year"
    elif unit == "million_vnd_per_person_year":
        suffix = " " + pick(spec["label"], lang)
    else:
        suffix = ""
    return f"{OP_SYMBOL[op]} {number}{suffix}"


def numbers_in(text: str, convention: str = "vi") -> list[float]:
    """Every number a text mentions (years included), in the convention."""
    out = []
    for m in re.finditer(NUMBER, fold(text)):
        value = to_number(m.group(), convention)
        if value is not None:
            out.append(value)
    return out


def quote_supports(quote: str, value: float, unit: str) -> bool:
    """Whether a quote mentions the threshold it is evidence for: a number equal to the value
    (in million đồng, also as đồng or thousand đồng), read by either convention. A yes/no
    threshold is stated in words: any quote supports it."""
    kind = units().get(unit, {}).get("kind")
    if kind == "yes_no":
        return True
    scales = (1.0, 1e6, 1e3) if unit == "million_vnd_per_person_year" else (1.0,)
    found = set(numbers_in(quote, "vi")) | set(numbers_in(quote, "en"))
    return any(
        math.isclose(n, value * s, rel_tol=1e-9, abs_tol=1e-9) for n in found for s in scales
    )
