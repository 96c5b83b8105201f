"""What the training notebooks call: the levels, one criterion worked through, exercises whose
answers the library computes, the glossary; and the notebooks' build from one bilingual source."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import nbformat

from .. import fmt, yaml_text
from ..assess.whatif import what_if, with_values
from ..criteria.catalogue import list_sets, load_set, threshold_of
from ..criteria.text import requirement_text, value_text
from ..i18n import pick, t
from ..intake.inputs import load_inputs
from ..shipped import shipped
from .commune_report import peers_html, warning_html
from .context import Context, prepare
from .html import badge, esc, table

NOTEBOOKS = shipped("notebooks")


@dataclass
class Answer:
    criteria: list[str]  # criteria whose verdict flips
    communes: list[str]  # communes whose status flips
    html: str


def levels_html(lang: str) -> str:
    rows = []
    for set_id in list_sets():
        c = load_set(set_id)
        rows.append(
            [
                esc(set_id),
                esc(pick(c.title, lang)),
                esc(t(f"level_{c.level}", lang)),
                esc(c.legal_basis.number),
                esc(c.lineage[1] if len(c.lineage) > 1 else ""),
                esc(len(c.criteria)),
                esc(len(c.indicators)),
            ]
        )
    headers = [
        t(k, lang)
        for k in (
            "training_col_set",
            "report_set",
            "training_col_level",
            "training_col_decision",
            "training_col_parent",
            "training_col_criteria",
            "training_col_indicators",
        )
    ]
    return table(headers, rows, "levels")


SAMPLE = shipped("sample")


def sample(name: str) -> str:
    """A file of the bundled sample (data/sample beside the installed package), so that the
    lesson runs from whatever folder it is opened or copied to."""
    path = SAMPLE / name
    if not path.is_file():
        raise FileNotFoundError(t("training_sample_missing", None, path=str(path)))
    return str(path)


def context(data, communes: str, set_id: str, commune_id: str, year: int, lang: str) -> Context:
    """The lesson's commune; empty paths mean the bundled sample."""
    return prepare(
        data or sample("indicators.csv"),
        communes or sample("communes.csv"),
        set_id,
        commune_id,
        year,
        lang,
    )


def criteria_overview_html(ctx: Context) -> str:
    """Every criterion of the set by group: what it measures (its indicators) and what each
    indicator requires of the lesson's commune in its year, with the commune's verdict."""
    lang, cset = ctx.lang, ctx.cset
    ind = ctx.assessment.indicators
    mine = ind[(ind["commune_id"] == ctx.commune_id) & (ind["year"] == ctx.year)]
    by_code = {str(r.indicator): r for r in mine.itertuples()}
    crit = ctx.assessment.criteria
    crit_status = {
        str(r.criterion): str(r.status)
        for r in crit[
            (crit["commune_id"] == ctx.commune_id) & (crit["year"] == ctx.year)
        ].itertuples()
    }
    group_of = {c: g for g in cset.groups for c in g.criteria}
    rows = []
    for c in cset.criteria:
        group = group_of.get(c.number)
        first = True
        for i in c.indicators or [None]:
            r = by_code.get(i.code) if i else None
            requirement = (
                requirement_text(r.rule, r.threshold, r.unit, lang, str(r.status))
                if r is not None
                else ""
            )
            rows.append(
                [
                    esc(pick(group.name.model_dump(), lang)) if group and first else "",
                    esc(f"{c.number}. {pick(c.name, lang)}") if first else "",
                    badge(crit_status.get(c.number, "missing"), lang) if first else "",
                    esc(i.code) if i else "",
                    esc(pick(i.name, lang)) if i else "",
                    esc(requirement),
                ]
            )
            first = False
    headers = [
        t(k, lang)
        for k in (
            "training_col_group",
            "training_col_criterion",
            "col_status",
            "col_code",
            "col_indicator",
            "col_requirement",
        )
    ]
    return table(headers, rows, "overview")


def criterion_html(ctx: Context, number: str) -> str:
    lang = ctx.lang
    ind = ctx.assessment.indicators
    rows = ind[
        (ind["commune_id"] == ctx.commune_id)
        & (ind["year"] == ctx.year)
        & (ind["criterion"].astype(str) == number)
    ]
    body = [
        [
            esc(r.indicator),
            esc(pick(ctx.cset.indicator(str(r.indicator)).name, lang)),
            esc(value_text(r.value, r.unit, lang)),
            esc(requirement_text(r.rule, r.threshold, r.unit, lang, r.status)),
            badge(r.status, lang),
        ]
        for r in rows.itertuples()
    ]
    crit = ctx.assessment.criteria
    status = crit[
        (crit["commune_id"] == ctx.commune_id)
        & (crit["year"] == ctx.year)
        & (crit["criterion"].astype(str) == number)
    ]["status"].iloc[0]
    headers = [
        t(k, lang)
        for k in ("col_code", "col_indicator", "col_value", "col_requirement", "col_status")
    ]
    return (
        table(headers, body, "criterion")
        + f"<p>{esc(t('training_criterion_result', lang, number=number))} {badge(status, lang)}</p>"
    )


def _answer_html(w, ctx: Context) -> str:
    lang = ctx.lang
    names = ctx.register.set_index("commune_id")["name"]
    titles = {c.number: pick(c.name, lang) for c in ctx.cset.criteria}
    crit = ", ".join(
        f"{r.criterion} {titles.get(str(r.criterion), '')} "
        f"({fmt.status(r.status_before, lang)} → {fmt.status(r.status_after, lang)})"
        for r in w.criteria.drop_duplicates("criterion").itertuples()
    )
    com = ", ".join(
        f"{names.get(str(r.commune_id), r.commune_id)} ({fmt.status(r.status_before, lang)}"
        f" → {fmt.status(r.status_after, lang)})"
        for r in w.communes.itertuples()
    )
    return (
        f"<p><strong>{esc(t('training_answer_criteria', lang))}</strong> {esc(crit or '—')}</p>"
        f"<p><strong>{esc(t('training_answer_communes', lang))}</strong> {esc(com or '—')}</p>"
    )


def hidden(answer_html: str, lang: str) -> str:
    """An answer folded away until the learner opens it (in JupyterLab and in the HTML)."""
    return (
        f'<details class="answer"><summary>{esc(t("training_show_answer", lang))}</summary>'
        f"{answer_html}</details>"
    )


def _data(ctx: Context):
    """The parsed input rows behind the context (the exercises change them)."""
    inputs = ctx.provenance["inputs"]
    return load_inputs(
        [i["path"] for i in inputs if i["role"] == "data"],
        next(i["path"] for i in inputs if i["role"] == "communes"),
        ctx.cset,
    ).data


def value_exercise(ctx: Context, code: str, before: float, after: float) -> Answer:
    """Set the commune's indicator to `before`, then to `after`: what flips between the two."""
    base = with_values(_data(ctx), {(ctx.commune_id, ctx.year, code): before})
    w = what_if(
        ctx.cset,
        ctx.register,
        base,
        values={(ctx.commune_id, ctx.year, code): after},
        communes=[ctx.commune_id],
        years=[ctx.year],
    )
    return Answer(
        sorted(w.criteria["criterion"].astype(str)),
        sorted(w.communes["commune_id"]),
        hidden(_answer_html(w, ctx), ctx.lang),
    )


def threshold_exercise(ctx: Context, code: str, raise_by: float) -> Answer:
    """Raise one indicator's threshold for the year: which communes of the data stop meeting
    the set."""
    new = threshold_of(ctx.cset, code, ctx.commune["region"], ctx.year) + raise_by
    w = what_if(ctx.cset, ctx.register, _data(ctx), thresholds={code: new}, years=[ctx.year])
    lost = w.communes[w.communes["status_before"] == "met"]
    return Answer(
        sorted(set(w.criteria["criterion"].astype(str))),
        sorted(lost["commune_id"]),
        hidden(
            "<p>"
            + esc(
                t(
                    "training_threshold_answer",
                    ctx.lang,
                    count=len(lost),
                    threshold=fmt.number(new, ctx.lang),
                )
            )
            + "</p>"
            + _answer_html(w, ctx),
            ctx.lang,
        ),
    )


def keeping_html(ctx: Context) -> str:
    """The commune's early warnings, borderline verdicts and who closed its gaps."""
    return warning_html(ctx) + peers_html(ctx)


@lru_cache(maxsize=1)
def glossary() -> list[dict]:
    text = resources.files("ntm_lib").joinpath("locale/glossary.yaml").read_text(encoding="utf-8")
    return yaml_text.load(text)


def glossary_html(lang: str) -> str:
    rows = [[esc(g["vi"]), esc(g["en"])] for g in glossary()]
    return table(["Tiếng Việt", "English"], rows, "glossary")


def build_notebook(lang: str, source: Path = NOTEBOOKS / "training.yaml") -> nbformat.NotebookNode:
    """The training notebook in `lang`, from the bilingual source."""
    cells = []
    for n, spec in enumerate(yaml_text.load(source.read_text(encoding="utf-8"))):
        if "markdown" in spec:
            cell = nbformat.v4.new_markdown_cell(spec["markdown"][lang].rstrip("\n"))
        else:
            code = spec["code"][lang] if isinstance(spec["code"], dict) else spec["code"]
            cell = nbformat.v4.new_code_cell(code.replace("__LANG__", lang).rstrip("\n"))
        cell["id"] = f"cell-{n:02d}"
        if spec.get("tags"):
            cell.metadata["tags"] = list(spec["tags"])
        if "check" in spec.get("tags", []):
            cell.metadata["jupyter"] = {"source_hidden": True, "outputs_hidden": True}
        cells.append(cell)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata = {
        "kernelspec": {
            "display_name": "Python 3 (ntm-assess)",
            "language": "python",
            "name": "ntm-assess",
        },
        "language_info": {"name": "python"},
    }
    return nb


def write_notebooks() -> list[Path]:
    paths = []
    for lang in ("vi", "en"):
        path = NOTEBOOKS / f"training_{lang}.ipynb"
        nbformat.write(build_notebook(lang), str(path))
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in write_notebooks():
        print(written)
