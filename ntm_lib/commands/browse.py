"""Commands that only print: `ntm sets`, `ntm criteria SET`, `ntm show COMMUNE`."""

from __future__ import annotations

import json
import sys

import pandas as pd

from ..criteria.catalogue import CriteriaSet, coverage, fmt_number, load_set, unverified
from ..criteria.text import case_text
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
            detail = "; ".join(case_text(ind, c, lang) for c in ind.rule.thresholds)
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


def run_sets(args) -> int:
    from ..reports import terminal

    print(terminal.sets_text(current_lang(), terminal.width()))
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
        from ..reports import terminal

        print(terminal.criteria_text(cset, args.unverified, current_lang(), terminal.width()))
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
    from ..reports import terminal

    run = loaded_from_args(args)
    cid = run.resolve(args.commune_id)
    year = run.checked_year(args.year, cid)
    print(
        terminal.show_text(
            run.assessment,
            run.cset,
            run.register,
            cid,
            year,
            run.provenance["inputs"],
            current_lang(),
            terminal.width(),
        )
    )
    return 0


COMMANDS = [
    Command("sets", configure_sets, run_sets),
    Command("criteria", configure_criteria, run_criteria),
    Command("show", configure_show, run_show),
]
