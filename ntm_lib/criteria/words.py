"""The words people use for a set's closed choices, in the workbooks and in decisions: units,
comparators, states, evidence levels, set levels, and the zones a column is for (a region, a
commune group, both, or every commune). Vietnamese words first; ntm's codes are accepted too.
Pure: each `*_of` function returns the code a word means, or None."""

from __future__ import annotations

import re

from ..i18n import t
from .regions import common, region_ids, units
from .requirement import fold, parse_requirement
from .schema import EVIDENCE_LEVELS, OPS

ALL = "all"  # the zone key of a column for every commune
# Comparators as a person types them in a cell (a leading "=" would be an Excel formula).
OP_WORDS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "bằng"}
STATE_WORDS = {"value": "có ngưỡng", "unknown": "chưa biết", "not_applicable": "không áp dụng"}
LEVEL_WORDS = {"basic": "cơ bản", "advanced": "nâng cao", "model": "kiểu mẫu", "modern": "hiện đại"}
# Short forms decisions print as column headers, beside the regions' full names.
REGION_SHORT = {
    "tdmnpb": ["tdmnpb", "trung du mien nui phia bac", "mien nui phia bac", "trung du mien nui"],
    "dbsh": ["dbsh", "dong bang song hong"],
    "btb": ["btb", "bac trung bo"],
    "dhntb": ["dhntb", "duyen hai nam trung bo", "nam trung bo"],
    "tn": ["tn", "tay nguyen"],
    "dnb": ["dnb", "dong nam bo"],
    "dbscl": ["dbscl", "dong bang song cuu long"],
}
ALL_WORDS = {
    "tat ca",
    "chung",
    "chi tieu chung",
    "ca nuoc",
    "toan quoc",
    "tat ca cac vung",
    "moi vung",
    "all",
    "tat ca cac xa",
}
GROUP_FORM = re.compile(
    r"^(?:cac\s+)?(?:xa\s*)?(?:thuoc\s+)?(?:nhom\s*(?:xa\s*)?|group\s*)(1|2|3|i{1,3})$"
)
ROMAN = {"i": 1, "ii": 2, "iii": 3}


def unit_word(unit: str) -> str:
    return units()[unit]["label"]["vi"]


UNIT_WORDS = {
    "dat/khong dat": "yes_no",
    "dat/chua dat": "yes_no",
    "co/khong": "yes_no",
    "dat": "yes_no",
    "ty le": "percent",
    "ty le (%)": "percent",
    "lan": None,
}


def unit_of(word: str) -> str | None:
    """'%', 'Đạt/Chưa đạt', 'triệu đồng/người/năm', 'số lượng', '%/năm', a unit code, or a
    unit as decisions write it in a unit column ('Triệu đồng/người', 'Đạt/Không đạt')."""
    w = fold(word)
    for code, spec in units().items():
        if w in (fold(code), fold(spec["label"]["vi"]), fold(spec["label"]["en"])):
            return code
    if w in UNIT_WORDS:
        return UNIT_WORDS[w]
    found = parse_requirement("1 " + word) if w else None
    return found.unit if found is not None and found.unit in units() else None


def op_of(word: str) -> str | None:
    w = fold(word)
    words = {fold(v): k for k, v in OP_WORDS.items()} | {op: op for op in OPS}
    return (words | {"=": "==", "=>": ">=", "=<": "<="}).get(w)


def state_of(word: str) -> str | None:
    w = fold(word)
    words = {fold(v): k for k, v in STATE_WORDS.items()} | {k: k for k in STATE_WORDS}
    return (words | {"?": "unknown", "kad": "not_applicable", "n/a": "not_applicable"}).get(w)


def evidence_word(level: str) -> str:
    return t(f"evidence_{level}", "vi")


def evidence_of(word: str) -> str | None:
    w = fold(word)
    for level in EVIDENCE_LEVELS:
        if w in (level, fold(t(f"evidence_{level}", "vi")), fold(t(f"evidence_{level}", "en"))):
            return level
    return None


def level_of(word: str) -> str | None:
    w = fold(word)
    for code, vi in LEVEL_WORDS.items():
        if w in (code, fold(vi)):
            return code
    return {"nong thon moi": "basic", "ntm": "basic"}.get(w)


def _bare(word: str) -> str:
    """Folded, without a leading «vùng» or a trailing note in brackets."""
    w = re.sub(r"\s*\([^()]*\)\s*$", "", fold(word)).strip()
    return w[5:] if w.startswith("vung ") else w


def region_of(word: str) -> str | None:
    w = _bare(word)
    for r in common()["regions"]:
        if w in (r["id"], fold(r["name"]["vi"]), fold(r["name"]["en"])):
            return r["id"]
    for rid, forms in REGION_SHORT.items():
        if w in forms:
            return rid
    inner = re.search(r"\(([^()]*)\)\s*$", fold(word))
    return region_of(inner.group(1)) if inner and inner.group(1) != fold(word) else None


def group_of(word: str) -> int | None:
    m = GROUP_FORM.match(_bare(word))
    if m is None:
        return None
    g = m.group(1)
    return int(g) if g.isdigit() else ROMAN[g]


def zone_of(header: str) -> tuple[str | None, int | None] | str | None:
    """The zone a column header names: ALL, (region, None), (None, group), (region, group),
    or None when it names no zone."""
    text = str(header or "").strip()
    if fold(text) in ALL_WORDS:
        return ALL
    region, group = region_of(text), group_of(text)
    if region is not None or group is not None:
        return (region, group)
    parts = [p for p in re.split(r"\s[-–·/]\s|,\s|\n", text) if p.strip()]
    if len(parts) == 2:
        a, b = (region_of(parts[0]), group_of(parts[1]))
        if a is not None and b is not None:
            return (a, b)
    return None


def zone_header(zone) -> str:
    """A column header for a zone, in the words zone_of reads back."""
    if zone == ALL:
        return "Tất cả"
    region, group = zone
    names = {r["id"]: r["name"]["vi"] for r in common()["regions"]}
    if region is not None and group is not None:
        return f"{names[region]} - nhóm {group}"
    return names[region] if region is not None else f"Nhóm {group}"


def zone_order(zone) -> tuple:
    """All first, then regions (in regions.yaml order), groups, regions by group."""
    if zone == ALL:
        return (0,)
    region, group = zone
    r = region_ids().index(region) if region is not None else -1
    kind = 1 if group is None else (2 if region is None else 3)
    return (kind, r, group or 0)
