"""Commands that only print: `ntm sets`, `ntm criteria SET`, `ntm show COMMUNE`."""

from __future__ import annotations

import json
import sys

import pandas as pd

from ..criteria.catalogue import (
    OP_SYMBOL,
    CriteriaSet,
    coverage,
    fmt_number,
    list_sets,
    load_set,
    unverified,
)
from ..i18n import current_lang, pick, t
from .base import Command, Options, data_options
from .common import loaded_from_args


def configure_sets(o: Options) -> None:
    pass


def configure_criteria(o: Options) -> None:
    o.add("set_id")
    o.add("--format", choices=["table", "csv", "json"], default="table")
    o.add("--unverified", action="store_true")
    o.add("--coverage", action="store_true")


def configure_show(o: Options) -> None:
    o.add("commune_id", metavar="COMMUNE_ID")
    data_options(o, out=None)
    o.add("--year", type=int)


def criteria_table(
    cset: CriteriaSet, only_unverified: bool = False, lang: str | None = None
) -> pd.DataFrame:
    """One row per indicator: its rule, every threshold case, and the evidence behind it (the
    weakest level over its thresholds, and the indicator's document, article, quote, URL and
    who checked it when)."""
    rows = []
    for ind in unverified(cset) if only_unverified else cset.indicators:
        detail = ""
        if ind.rule.thresholds:
            detail = "; ".join(_case_text(ind, c) for c in ind.rule.thresholds)
        ev = ind.evidence
        rows.append(
            {
                "criterion": ind.criterion,
                "indicator": ind.code,
                "name": pick(ind.name, lang),
                "unit": ind.unit,
                "rule": ind.rule_text(lang),
                "thresholds": detail,
                "verified": ind.verified,
                "evidence": ind.weakest,
                "evidence_document": ev.get("document", ""),
                "evidence_article": ev.get("article", ""),
                "evidence_quote": ev.get("quote", ""),
                "evidence_url": ev.get("url", ""),
                "checked_by": ev.get("checked_by", ""),
                "checked_on": str(ev.get("checked_on", "")),
                "source": ind.source_text(),
                "defined_in": ind.defined_in,
            }
        )
    return pd.DataFrame(rows)


def _case_text(ind, case) -> str:
    where = f"{case.region or '*'}{f' g{case.group}' if case.group else ''}"
    when = f" ({case.from_year}+)" if case.from_year else ""
    if case.not_applicable is not None:
        return f"{where} n/a{when} [{case.not_applicable.document}]"
    value = fmt_number(case.value) if case.value is not None else "?"
    kind = ind.case_evidence(case)["kind"] if case.value is not None else ""
    return f"{where} {OP_SYMBOL[ind.rule.op]} {value}{when}" + (f" [{kind}]" if kind else "")


def run_sets(args) -> int:
    rows = []
    for set_id in list_sets():
        cset = load_set(set_id)
        rows.append(
            {
                "set": set_id,
                "level": cset.level,
                "title": pick(cset.title),
                "legal_basis": cset.legal_basis.number,
                "parent": cset.lineage[1] if len(cset.lineage) > 1 else "",
                "criteria": len(cset.criteria),
                "indicators": len(cset.indicators),
                "unverified": len(unverified(cset)),
            }
        )
    print(pd.DataFrame(rows).to_string(index=False))
    return 0


def run_criteria(args) -> int:
    cset = load_set(args.set_id)
    if args.coverage:
        return _print_coverage(cset, args.format)
    table = criteria_table(cset, args.unverified)
    if args.format == "csv":
        table.to_csv(sys.stdout, index=False, lineterminator="\n")
    elif args.format == "json":
        print(json.dumps(table.to_dict(orient="records"), ensure_ascii=False, indent=1))
    else:
        print(f"{cset.id}: {pick(cset.title)} — {cset.legal_text()}")
        with pd.option_context("display.max_colwidth", 60, "display.width", 200):
            print(
                table[
                    ["criterion", "indicator", "name", "unit", "rule", "thresholds", "evidence"]
                ].to_string(index=False)
            )
    if args.unverified or args.format == "table":
        stream = sys.stderr if args.format != "table" else sys.stdout
        print(
            t(
                "cli_unverified_count",
                count=len(unverified(cset)),
                total=len(cset.indicators),
                set_id=cset.id,
            ),
            file=stream,
        )
        empty = [c.number for c in cset.criteria if not c.indicators]
        if empty:
            print(t("cli_criteria_without_indicators", criteria=", ".join(empty)), file=stream)
    return 0


COVERAGE_MARK = {"unknown": "?", "not_applicable": "n/a", "undeclared": "!"}


def _print_coverage(cset: CriteriaSet, form: str) -> int:
    cov = coverage(cset)
    if form == "csv":
        cov.to_csv(sys.stdout, index=False, lineterminator="\n")
    elif form == "json":
        print(json.dumps(cov.to_dict(orient="records"), ensure_ascii=False, indent=1))
    else:
        cov["cell"] = [
            COVERAGE_MARK.get(st, fmt_number(v) if v == v else "")
            for st, v in zip(cov["state"], cov["value"])
        ]
        cov["zone"] = cov["region"] + cov["group"].map(lambda g: f" g{g}" if g else "")
        grid = cov.pivot_table(
            index=["indicator", "zone"], columns="year", values="cell", aggfunc="first", sort=False
        )
        print(f"{cset.id}: {pick(cset.title)}")
        print(grid.to_string())
    counts = cov["state"].value_counts()
    print(
        t(
            "cli_coverage",
            cells=len(cov),
            value=int(counts.get("value", 0)),
            unknown=int(counts.get("unknown", 0)),
            na=int(counts.get("not_applicable", 0)),
            undeclared=int(counts.get("undeclared", 0)),
        ),
        file=sys.stdout if form == "table" else sys.stderr,
    )
    return 0


def run_show(args) -> int:
    from .. import fmt
    from ..criteria.text import gap_text, requirement_text, value_text

    run = loaded_from_args(args)
    cid = args.commune_id
    year = run.checked_year(args.year, cid)
    cset, a, lang = run.cset, run.assessment, current_lang()
    row = a.rows("communes", cid, year).iloc[0]
    print(
        f"{run.name(cid)} ({cid}), {year}: "
        f"{fmt.commune_status(row, cset.status_label, lang)} — {pick(cset.title)}"
    )
    crit = a.rows("criteria", cid, year)
    table = pd.DataFrame(
        {
            t("col_criterion_no"): crit["criterion"].astype(str),
            t("col_criterion"): crit["name_vi" if lang == "vi" else "name_en"].astype(str),
            t("col_status"): crit["status"].astype(str).map(lambda s: fmt.status(s, lang)),
            t("show_col_indicators"): [
                f"{m}/{n}" for m, n in zip(crit["indicators_met"], crit["indicators_total"])
            ],
        }
    )
    print(table.to_string(index=False))
    ind = a.rows("indicators", cid, year)
    ind = ind[ind["status"].isin(["not_met", "missing", "no_threshold"])]
    if not len(ind):
        return 0
    print()
    print(t("show_unmet", count=len(ind)))
    names = {i.code: pick(i.name, lang) for i in cset.indicators}
    status = ind["status"].astype(str)
    unmet = pd.DataFrame(
        {
            t("col_code"): ind["indicator"].astype(str),
            t("col_indicator"): ind["indicator"].astype(str).map(names).str.slice(0, 60),
            t("col_value"): [
                value_text(v, u, lang) or fmt.status(st, lang)
                for v, u, st in zip(ind["value"], ind["unit"], status)
            ],
            t("col_requirement"): [
                requirement_text(r, th, u, lang, st)
                for r, th, u, st in zip(ind["rule"], ind["threshold"], ind["unit"], status)
            ],
            t("col_gap"): [gap_text(g, u, lang) for g, u in zip(ind["gap"], ind["unit"])],
        }
    )
    print(unmet.to_string(index=False))
    return 0


COMMANDS = [
    Command("sets", configure_sets, run_sets),
    Command("criteria", configure_criteria, run_criteria),
    Command("show", configure_show, run_show),
]
