"""HTML fragments for the reports: escaped, self-contained, in the report's language."""

from __future__ import annotations

import html
from collections.abc import Iterable

from .. import fmt
from ..criteria.catalogue import CriteriaSet
from ..i18n import pick, t


def esc(x) -> str:
    return html.escape("" if x is None else str(x))


def badge(status: str, lang: str) -> str:
    return f'<span class="badge st-{esc(status)}">{esc(fmt.status(status, lang))}</span>'


def table(headers: Iterable[str], rows: Iterable[Iterable[str]], css: str = "",
          row_classes: Iterable[str] | None = None, sortable: bool = False) -> str:
    """A table from already-escaped cell HTML."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    row_classes = list(row_classes) if row_classes is not None else None
    body = []
    for n, row in enumerate(rows):
        cls = f' class="{row_classes[n]}"' if row_classes else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>")
    attrs = f' class="ntm {css}"' + (' data-sortable="1"' if sortable else "")
    return f"<table{attrs}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def unverified_flag(verified: bool, lang: str) -> str:
    return "" if verified else f' <span class="flag" title="{esc(t("report_unverified_tip", lang))}">' \
                               f'{esc(t("report_unverified", lang))}</span>'


def set_summary(cset: CriteriaSet, lang: str) -> str:
    return f"{esc(pick(cset.title, lang))} — {esc(cset.legal_text(lang))}"


def sha_short(digest: str) -> str:
    return f'<code title="{esc(digest)}">{esc(digest)}</code>'


def provenance_html(provenance: dict, lang: str) -> str:
    """Input and criteria-set files with their SHA-256, the version and the run time."""
    rows = [[esc(f["name"]), esc(t("role_" + f["role"], lang)), sha_short(f["sha256"])]
            for f in provenance["inputs"]]
    rows += [[esc(f"{set_id}.yaml"), esc(t("role_set", lang)), sha_short(digest)]
             for set_id, digest in sorted(provenance["set"]["files"].items())]
    meta = t("report_provenance_meta", lang, version=provenance["version"],
             time=provenance["run_time"])
    return (f'<h2>{esc(t("report_provenance", lang))}</h2><p>{esc(meta)}</p>'
            + table([t("col_file", lang), t("col_role", lang), "SHA-256"], rows, "provenance"))
