"""What one criteria set changes from another: every field that can change a verdict or what a
reader is told about it.

Three kinds of rows, one per (place, field) that differs, with the value in `a` and in `b`:
the set as a whole (level, period, province, legal basis, which special communes use another
region's thresholds, display groups, key indicators); each indicator (present or not, its
criterion, names, unit, comparator, relative rule, tolerance, where its value comes from); and
each threshold cell (state, value, evidence level, document, article, quote, URL, who checked
it when) over a zone grid both sets share: every region, by commune group when either set has
groups, and for each special category either set's region override names. Pure: the page and
the CSV are made by the caller.
"""

from __future__ import annotations

import pandas as pd

from .authoring import date_text
from .grid import STATES, cell
from .model import CriteriaSet, Indicator
from .regions import region_ids
from .schema import OP_SYMBOL

KEY = ["indicator", "region", "group", "year"]
COLUMNS = ["indicator", "region", "group", "year", "field", "a", "b"]
CELL_FIELDS = ["state", "value", "evidence", "document", "article", "quote", "url"]
CELL_FIELDS += ["checked_by", "checked_on"]


def _text(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _override_text(cset: CriteriaSet) -> str:
    ov = cset.region_override
    if ov is None:
        return ""
    rules = [
        f"{','.join(r.categories)} {r.from_year or ''}-{r.until_year or ''} → {ov.region}"
        for r in ov.rules
    ]
    return "; ".join(rules)


def _set_fields(cset: CriteriaSet) -> dict:
    lb = cset.legal_basis
    return {
        "level": cset.level,
        "period": f"{cset.period.start}-{cset.period.end}",
        "province": cset.province or "",
        "legal_basis": f"{lb.number} {lb.date.isoformat()}",
        "region_override": _override_text(cset),
        "groups": "; ".join(f"{g.id}: {','.join(g.criteria)}" for g in cset.groups),
        "key_indicators": ", ".join(cset.key_indicators),
    }


def _indicator_fields(ind: Indicator) -> dict:
    rel = ind.rule.relative_to
    return {
        "criterion": ind.criterion,
        "name_vi": ind.name["vi"],
        "name_en": ind.name["en"],
        "unit": ind.unit,
        "op": OP_SYMBOL[ind.rule.op],
        "relative_to": f"{_text(rel.factor)} × {rel.indicator}" if rel else "",
        "tolerance": _text(ind.tolerance) if ind.tolerance else "",
        "value_from": ind.value_from or "",
    }


def _zones(a: CriteriaSet, b: CriteriaSet) -> list[tuple]:
    groups = (1, 2, 3) if a.uses_groups or b.uses_groups else (None,)
    categories = sorted(
        {
            c
            for s in (a, b)
            if s.region_override is not None
            for r in s.region_override.rules
            for c in r.categories
        }
    )
    return [(r, g, c) for c in [None] + categories for r in region_ids() for g in groups]


def _cell_fields(cset: CriteriaSet, code: str, zone, year: int) -> dict:
    x = cell(cset, code, zone, year)
    ev = x.basis if x.basis else x.evidence
    return {
        "state": STATES[x.state],
        "value": _text(x.value),
        "evidence": x.evidence.get("kind", ""),
        "document": ev.get("document", ""),
        "article": ev.get("article", ""),
        "quote": ev.get("quote", ""),
        "url": ev.get("url", ""),
        "checked_by": x.evidence.get("checked_by", ""),
        "checked_on": date_text(x.evidence.get("checked_on")),
    }


def _pairs(where: dict, left: dict, right: dict) -> list[dict]:
    return [
        where | {"field": f, "a": _text(left.get(f)), "b": _text(right.get(f))}
        for f in left
        if _text(left.get(f)) != _text(right.get(f))
    ]


def _cell_rows(a, b, code: str, zones: list, years: list, where: dict) -> list[dict]:
    """The cells of one indicator that differ; a special category's cell only where it
    differs otherwise than its region's own (a category both sets treat as its region would
    repeat every row)."""
    rows, plain = [], {}
    for region, group, category in zones:
        label = region + (f" ({category})" if category else "")
        for year in years:
            left = _cell_fields(a, code, (region, group, category), year)
            right = _cell_fields(b, code, (region, group, category), year)
            if category is None:
                plain[(region, group, year)] = (left, right)
            elif plain.get((region, group, year)) == (left, right):
                continue
            place = where | {"region": label, "group": _text(group), "year": str(year)}
            rows += _pairs(place, left, right)
    return rows


def diff(a: CriteriaSet, b: CriteriaSet) -> pd.DataFrame:
    """One row per (place, field) that differs: the value in `a` and the value in `b`."""
    blank = {"indicator": "", "region": "", "group": "", "year": ""}
    rows = _pairs(blank, _set_fields(a), _set_fields(b))
    ia, ib = {i.code: i for i in a.indicators}, {i.code: i for i in b.indicators}
    years = sorted(
        set(range(a.period.start, a.period.end + 1)) | set(range(b.period.start, b.period.end + 1))
    )
    zones = _zones(a, b)
    for code in list(ia) + [c for c in ib if c not in ia]:
        where = blank | {"indicator": code}
        if code not in ia or code not in ib:
            rows.append(
                where | {"field": "indicator", "a": code * (code in ia), "b": code * (code in ib)}
            )
            continue
        rows += _pairs(where, _indicator_fields(ia[code]), _indicator_fields(ib[code]))
        rows += _cell_rows(a, b, code, zones, years, where)
    out = _everywhere(pd.DataFrame(rows, columns=COLUMNS), len(region_ids()) * len(years))
    return out.sort_values(KEY + ["field"], kind="stable").reset_index(drop=True)


def _everywhere(rows: pd.DataFrame, cells: int) -> pd.DataFrame:
    """A change made alike in every region and year of a group is one row, region and year
    «*»: an indicator restated everywhere reads as one line, not one per cell."""
    if rows.empty:
        return rows
    plain = rows["year"].ne("") & ~rows["region"].str.contains("(", regex=False)
    key = ["indicator", "group", "field", "a", "b"]
    counts = rows[plain].groupby(key, sort=False)["region"].transform("size")
    whole = pd.Series(False, index=rows.index)
    whole[counts.index] = counts == cells
    merged = rows[whole].drop_duplicates(key).assign(region="*", year="*")
    return pd.concat([rows[~whole], merged], ignore_index=True)
