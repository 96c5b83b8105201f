"""HTML fragments for the reports: escaped, self-contained, in the report's language."""

from __future__ import annotations

import html
from collections.abc import Iterable

from .. import fmt
from ..criteria.catalogue import CriteriaSet, evidence_counts, unverified
from ..i18n import pick, t


def esc(x) -> str:
    return html.escape("" if x is None else str(x))


def badge(status: str, lang: str) -> str:
    return f'<span class="badge st-{esc(status)}">{esc(fmt.status(status, lang))}</span>'


def table(
    headers: Iterable[str],
    rows: Iterable[Iterable[str]],
    css: str = "",
    row_classes: Iterable[str] | None = None,
    sortable: bool = False,
) -> str:
    """A table from already-escaped cell HTML."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    row_classes = list(row_classes) if row_classes is not None else None
    body = []
    for n, row in enumerate(rows):
        cls = f' class="{row_classes[n]}"' if row_classes else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>")
    attrs = f' class="ntm {css}"' + (' data-sortable="1"' if sortable else "")
    return f"<table{attrs}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def evidence_flag(level: str, lang: str) -> str:
    """How well the threshold behind a verdict is known, as a small label with its meaning."""
    if not level or level == "official":
        return ""
    return (
        f' <span class="flag ev-{esc(level)}" title="{esc(t(f"evidence_{level}_tip", lang))}">'
        f"{esc(t(f'evidence_{level}', lang))}</span>"
    )


def evidence_note(cset: CriteriaSet, lang: str) -> str:
    """The note every page carries: how many indicators rest on thresholds below `official`,
    by level, which texts to check them against, and that such verdicts are provisional."""
    weak = unverified(cset)
    if not weak:
        return ""
    counts = evidence_counts(cset)
    levels = "; ".join(
        f"{t(f'evidence_{k}', lang)}: {n}" for k, n in counts.items() if k != "official" and n
    )
    texts = sorted({i.source_text() for i in weak if i.source_text()})
    return (
        '<p class="warning evidence-note">'
        + esc(
            t(
                "report_evidence_note",
                lang,
                count=len(weak),
                total=len(cset.indicators),
                levels=levels,
                texts="; ".join(texts),
            )
        )
        + "</p>"
    )


def set_summary(cset: CriteriaSet, lang: str) -> str:
    return f"{esc(pick(cset.title, lang))} — {esc(cset.legal_text(lang))}"


def sha_short(digest: str) -> str:
    return f'<code title="{esc(digest)}">{esc(digest)}</code>'


def provenance_html(provenance: dict, lang: str) -> str:
    """Input and criteria-set files with their SHA-256 (a page of a batch names its input
    files, and the SHA-256 of its commune's own data in them), the version and the run time."""
    rows = [
        [
            esc(f["name"]),
            esc(t("role_" + f["role"], lang)),
            sha_short(f["sha256"]) if f.get("sha256") else "—",
        ]
        for f in provenance["inputs"]
    ]
    if provenance.get("commune_data"):
        rows.append(
            [
                esc(t("provenance_commune_data", lang)),
                esc(t("role_commune_data", lang)),
                sha_short(provenance["commune_data"]),
            ]
        )
    rows += [
        [esc(f"{set_id}.yaml"), esc(t("role_set", lang)), sha_short(digest)]
        for set_id, digest in sorted(provenance["set"]["files"].items())
    ]
    meta = t(
        "report_provenance_meta", lang, version=provenance["version"], time=provenance["run_time"]
    )
    checked = provenance["set"].get("checked_by") or []
    who = (
        f"<p>{esc(t('report_set_checked_by', lang, names=', '.join(checked)))}</p>"
        if checked
        else ""
    )
    return (
        f"<h2>{esc(t('report_provenance', lang))}</h2><p>{esc(meta)}</p>"
        + table([t("col_file", lang), t("col_role", lang), "SHA-256"], rows, "provenance")
        + who
    )
