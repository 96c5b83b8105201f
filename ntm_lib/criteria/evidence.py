"""How well a set's thresholds are known and where the set came from: evidence counts, who
checked it, and its origin (shipped with ntm, or made by `ntm set import` from which workbook
and decision file), for manifests, reports, workbooks and Word drafts."""

from __future__ import annotations

from ..i18n import t
from .model import CriteriaSet, Indicator
from .schema import EVIDENCE_LEVELS


def unverified(cset: CriteriaSet) -> list[Indicator]:
    """Indicators with a threshold below `official` evidence, or none known at all."""
    return [i for i in cset.indicators if not i.verified]


def evidence_counts(cset: CriteriaSet) -> dict[str, int]:
    """Indicators by the weakest evidence of their thresholds ('none': no threshold known)."""
    counts = {k: 0 for k in EVIDENCE_LEVELS + ("none",)}
    for ind in cset.indicators:
        counts[ind.weakest] += 1
    return counts


def checked_by(cset: CriteriaSet) -> list[str]:
    """Who checked the set's thresholds (as its evidence and its origin record)."""
    names = set()
    for ind in cset.indicators:
        for case in [None] + list(ind.rule.thresholds or []):
            who = ind.case_evidence(case).get("checked_by")
            if who:
                names.add(who)
    for entry in cset.origins.values():
        who = (entry.get("origin") or {}).get("checked_by")
        if who:
            names.add(who)
    return sorted(names)


def provenance_of(cset: CriteriaSet) -> dict:
    """What manifests and reports record of a set: its files' SHA-256, who checked it, and how
    each file was made (see origin_lines)."""
    return {
        "id": cset.id,
        "files": cset.files,
        "checked_by": checked_by(cset),
        "origins": {k: cset.origins[k] for k in cset.files if k in cset.origins},
    }


def _date(text: str | None) -> str:
    """'2026-03-01' -> '01/03/2026'."""
    if not text:
        return ""
    y, m, d = str(text).split("-")
    return f"{d}/{m}/{y}"


def _origin_line(set_id: str, entry: dict, lang: str | None) -> str:
    made = entry.get("origin")
    if entry.get("shipped"):
        return t("set_origin_shipped", lang, set_id=set_id)
    if not made:
        return t("set_origin_hand", lang, set_id=set_id)
    line = t(
        "set_origin_workbook",
        lang,
        set_id=set_id,
        workbook=made["workbook"]["name"],
        sha=made["workbook"]["sha256"][:12],
        date=_date(made.get("made_on")),
    )
    if made.get("decision"):
        line += " " + t(
            "set_origin_decision",
            lang,
            decision=made["decision"]["name"],
            sha=made["decision"]["sha256"][:12],
        )
    if made.get("checked_by"):
        line += " " + t(
            "set_origin_checked",
            lang,
            name=made["checked_by"],
            date=_date(made.get("checked_on")) or "?",
        )
    else:
        line += " " + t("set_origin_unchecked", lang)
    return line


def origin_lines(provenance: dict, lang: str | None = None) -> list[str]:
    """One sentence per file of a set, the set itself first: shipped with ntm, written by
    hand, or made by `ntm set import` from a workbook (its name and SHA-256), read from a
    decision file, checked by whom and when. `provenance` is provenance_of(cset) (or the same
    dict read back from a manifest)."""
    origins = provenance.get("origins") or {}
    order = [provenance["id"]] + sorted(k for k in provenance["files"] if k != provenance["id"])
    return [_origin_line(k, origins.get(k) or {}, lang) for k in order if k in origins]


def set_origin(cset: CriteriaSet, lang: str | None = None) -> list[str]:
    """The set's origin, one sentence per file (see origin_lines)."""
    return origin_lines(provenance_of(cset), lang)
