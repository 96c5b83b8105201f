"""The run's index page: every commune's status, its report link or its error, and a chart."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

import jinja2
from markupsafe import Markup

from .. import __version__, fmt
from ..assess.views import has_district
from ..atomic import atomic_file
from ..i18n import pick, t
from ..illustrative import inputs_illustrative
from .html import TEMPLATES, evidence_note, illustrative_note, print_header, stylesheet
from .svg_charts import district_chart

CHART_MAX_COMMUNES = 100
PAGE_ROWS = 200  # rows shown at first; the rest on demand, or found by the filter


@lru_cache(maxsize=1)
def template() -> jinja2.Template:
    """The index's template, compiled once per process (a command may ready it beforehand)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)
    return env.get_template("index.html.j2")


def write_index(
    path: Path,
    cset,
    register,
    assessment,
    year: int,
    outcomes: list,
    lang: str,
    summaries: dict[str, str],
    with_no_data: bool = True,
    documents: dict[str, dict] | None = None,
    inputs: list[dict] | None = None,
    changed: set[str] | None = None,
) -> None:
    """The index of a run. With `with_no_data` (a run over every commune), the register's
    communes without data that year are listed too, as such: none is silently left out.
    `inputs` (the run's input files, provenance entries) mark a run on the bundled
    illustrative sample as such. A commune without a district (two tiers since July 2025) is
    listed with its province. `changed`: the communes whose page changed since the last run
    (`--update`), marked."""
    com = assessment.communes[assessment.communes["year"] == year].copy()
    com["commune_id"] = com["commune_id"].astype(str)
    com = com.merge(register, on="commune_id", how="left")
    rows = _rows(com, cset, outcomes, lang, with_no_data, documents, changed or set())
    shown = com[com["commune_id"].isin({r["id"] for r in rows})]
    # One bar per commune: past a district's worth, a chart no phone can show (3,300 bars are
    # 3 MB and half a minute to draw); each district's summary (--summary) has its own.
    drawn = 0 < len(shown) <= CHART_MAX_COMMUNES
    chart = _chart(shown, lang) if drawn else None
    page = template().render(
        lang=lang,
        t=lambda key, **kw: t(key, lang, **kw),
        rows=[SimpleNamespace(**r) for r in rows],  # attributes: Jinja tries them first
        chart=chart,
        year=year,
        set_title=pick(cset.title, lang),
        legal=cset.legal_text(lang),
        css=stylesheet(),
        n_ok=sum(o.ok for o in outcomes),
        n_failed=sum(not o.ok for o in outcomes),
        n_met=sum(r["status"] == "met" for r in rows),
        version=__version__,
        summaries=summaries,
        n_changed=len(changed or ()),
        page_rows=PAGE_ROWS,
        chart_left_out=len(shown) > CHART_MAX_COMMUNES,
        chart_max=CHART_MAX_COMMUNES,
        evidence_note=Markup(evidence_note(cset, lang)),
        illustrative=Markup(illustrative_note(inputs or [], lang)),
        area_header=t(_area_key(rows), lang),
        print_header=Markup(_print_header(year, inputs or [], lang)),
    )
    atomic_file(path, lambda p: Path(p).write_text(page, encoding="utf-8"))


def _chart(shown, lang: str) -> tuple[str, int, int]:
    return district_chart(shown, lang).image()


def _print_header(year: int, inputs: list[dict], lang: str) -> str:
    """The printed pages' running header: the title, and the illustrative mark."""
    mark = " · " + t("illustrative_short", lang) if inputs_illustrative(inputs) else ""
    return print_header(t("index_title", lang, year=year) + mark, lang)


def _area_key(rows: list[dict]) -> str:
    """The area column's header: district, province, or both when the register mixes
    communes with a district and communes without one."""
    kinds = {r["area_kind"] for r in rows}
    return {
        frozenset({"district"}): "report_district",
        frozenset({"province"}): "report_province",
    }.get(frozenset(kinds), "index_col_area")


def _rows(
    com, cset, outcomes: list, lang: str, with_no_data: bool, documents, changed: set[str]
) -> list[dict]:
    """The index's rows: each commune reported (or failed), and with `with_no_data` those
    without data that year."""
    by_id = {o.commune_id: o for o in outcomes}
    rows = []
    for r in com.itertuples():
        outcome = by_id.get(r.commune_id)
        if outcome is None and not (with_no_data and r.status == "no_data"):
            continue
        rows.append(
            {
                "id": r.commune_id,
                "name": r.name,
                "area": r.district if has_district(r.district) else r.province,
                "area_kind": "district" if has_district(r.district) else "province",
                "status": r.status,
                "status_text": fmt.commune_status(r._asdict(), cset.status_label, lang),
                "met": int(r.criteria_met),
                "total": int(r.criteria_total),
                "html": outcome.html if outcome and outcome.ok else "",
                "error": outcome.error if outcome else "",
                "changed": r.commune_id in changed,
                "documents": [
                    (t(f"document_{kind}", lang), path)
                    for kind, path in (documents or {}).get(r.commune_id, {}).items()
                ],
            }
        )
    return rows
