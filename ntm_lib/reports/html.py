"""HTML fragments for the reports: escaped, self-contained, in the report's language."""

from __future__ import annotations

import html
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .. import fmt
from ..criteria.catalogue import CriteriaSet, evidence_counts, origin_lines, unverified
from ..i18n import pick, t
from ..illustrative import inputs_illustrative

# The pages' templates and stylesheet (nbconvert's template, the index page): here, not in
# html_export, so that the index is written without importing nbconvert.
TEMPLATES = Path(str(resources.files("ntm_lib").joinpath("reports/templates")))


@lru_cache(maxsize=1)
def stylesheet() -> str:
    return (TEMPLATES / "report.css").read_text(encoding="utf-8")


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
    roles: Iterable[str] | None = None,
) -> str:
    """A table from already-escaped cell HTML, with plain-text `headers`.

    Every cell carries its column's header (`data-label`), so that below the stylesheet's
    breakpoint each row reads as a card of labelled lines, with no sideways scrolling. `roles`
    (one per column, "" for none) place a column in the card: `key` and `name` make its
    title, `verdict` comes right after them, `minor` (sources, file rows, hashes) is small
    print; in a wide layout they change nothing."""
    headers = [str(h) for h in headers]
    roles = list(roles) if roles is not None else [""] * len(headers)
    labels = [f' data-label="{esc(h)}"' for h in headers]
    kinds = [f' class="c-{esc(r)}"' if r else "" for r in roles]
    head = "".join(f"<th{k}>{esc(h)}</th>" for h, k in zip(headers, kinds))
    row_classes = list(row_classes) if row_classes is not None else None
    body = []
    for n, row in enumerate(rows):
        cls = f' class="{row_classes[n]}"' if row_classes else ""
        cells = "".join(
            f"<td{kinds[j] if j < len(kinds) else ''}{labels[j] if j < len(labels) else ''}>"
            f"{c}</td>"
            for j, c in enumerate(row)
        )
        body.append(f"<tr{cls}>{cells}</tr>")
    attrs = f' class="ntm {css}"' + (' data-sortable="1"' if sortable else "")
    return f"<table{attrs}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def section(title: str, body: str, css: str = "", fold: bool = False) -> str:
    """A report section under its heading. A long one (`fold`) is a <details> element, open
    as written: the page's script folds it on a small screen, and opens every fold again to
    print, so nothing is ever left out of a printed page."""
    heading = f"<h2>{esc(title)}</h2>"
    cls = f' class="section {esc(css)}"' if css else ' class="section"'
    if not fold:
        return f"<section{cls}>{heading}{body}</section>"
    return (
        f"<details{cls.replace('section', 'section fold', 1)} open>"
        f"<summary>{heading}</summary>{body}</details>"
    )


def file_ref(text) -> str:
    """A file row reference (indicators.csv:1046) that may break after its colon only."""
    return esc(text).replace(":", ":<wbr>")


def css_string(text) -> str:
    """`text` as a CSS string literal: letters, digits and spaces as they are, every other
    character escaped, so that no text can end the string, the rule or the <style> element."""
    body = "".join(ch if ch.isalnum() or ch == " " else f"\\{ord(ch):x} " for ch in str(text))
    return f'"{body}"'


def print_header(text: str, lang: str) -> str:
    """A running header for the printed page: `text` (the commune and year, say) on the left
    of every A4 page, the page number on the right."""
    page = css_string(t("print_page", lang) + " ")
    style = "font-size: 8pt; color: #616161;"
    return (
        "<style>@page { @top-left { content: "
        + css_string(text)
        + f'; {style} }} @top-right {{ content: {page} counter(page) "/" counter(pages); '
        + f"{style} }} }}</style>"
    )


def illustrative_note(inputs: list[dict], lang: str) -> str:
    """The mark of outputs made from the bundled illustrative sample (recognised by its files'
    hashes), or "" for anyone's own data."""
    if not inputs_illustrative(inputs):
        return ""
    return f'<p class="illustrative">{esc(t("illustrative_note", lang))}</p>'


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
    body = (
        f"<p>{esc(meta)}</p>"
        + table(
            [t("col_file", lang), t("col_role", lang), "SHA-256"],
            rows,
            "provenance",
            roles=["name", "", "minor"],
        )
        + who
        + set_origin_html(provenance["set"], lang)
    )
    return section(t("report_provenance", lang), body, "provenance-section", fold=True)


def set_origin_html(set_provenance: dict, lang: str) -> str:
    """Where the set's files came from: shipped, or imported from which workbook and decision
    file, checked by whom (criteria.evidence.origin_lines)."""
    lines = origin_lines(set_provenance, lang) if set_provenance.get("origins") else []
    if not lines:
        return ""
    items = "".join(f"<li>{esc(line)}</li>" for line in lines)
    return f'<ul class="set-origin">{items}</ul>'
