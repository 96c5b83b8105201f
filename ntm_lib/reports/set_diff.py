"""The page of `ntm set diff`: what set B changes from set A, readable and self-contained."""

from __future__ import annotations

import pandas as pd

from .. import __version__
from ..criteria.catalogue import CriteriaSet, provenance_of
from ..i18n import pick, t
from .html import esc, set_origin_html, set_summary, stylesheet, table


def diff_page(changes: pd.DataFrame, a: CriteriaSet, b: CriteriaSet, lang: str) -> str:
    headers = [t(f"diff_col_{c}", lang) for c in changes.columns]
    rows = [[esc(v) for v in row] for row in changes.itertuples(index=False)]
    title = t("diff_title", lang, a=a.id, b=b.id)
    summary = t(
        "diff_summary",
        lang,
        count=len(changes),
        indicators=changes["indicator"].nunique() if len(changes) else 0,
    )
    return (
        f'<!DOCTYPE html><html lang="{esc(lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="ntm-assess {esc(__version__)}">'
        f"<title>{esc(title)}</title><style>{stylesheet()}</style></head><body>"
        f'<main class="report"><h1>{esc(title)}</h1>'
        f"<p>A: {set_summary(a, lang)}</p>{set_origin_html(provenance_of(a), lang)}"
        f"<p>B: {set_summary(b, lang)}</p>{set_origin_html(provenance_of(b), lang)}"
        f'<p class="overall">{esc(summary)}</p>'
        f'<div class="table-scroll">{table(headers, rows, "diff", sortable=True)}</div>'
        f'<p class="note">{esc(pick(b.title, lang))}</p></main></body></html>'
    )
