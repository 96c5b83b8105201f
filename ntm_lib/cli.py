"""The `ntm` command. Exit codes: 0 success, 1 invalid data, 2 bad usage."""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
import tempfile
import time
import traceback
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from . import __version__
from .assess.pipeline import assess
from .assess.resolve import communes_named
from .atomic import atomic_dir, check_target_dir, check_target_file, write_manifest
from .criteria.catalogue import (
    OP_SYMBOL,
    CriteriaSet,
    coverage,
    fmt_number,
    load_set,
    provenance_of,
    unverified,
)
from .errors import InputError, NoDataError, NtmError, printable
from .i18n import LANGUAGES, current_lang, pick, t
from .intake.inputs import load_inputs, read_register
from .intake.sheets import SettingError, max_bytes
from .provenance import files, package_versions, relative_inputs, run_time
from .reports.workbooks import (
    CSV_NAMES,
    write_assessment,
    write_noted_workbook,
    write_plan_workbook,
)

MAX_PRINTED_PROBLEMS = 100
DEFAULT_TIMEOUT = 300.0  # the batch's; kept here so that --help does not import reports


@lru_cache(maxsize=1)
def help_catalogue() -> dict:
    text = resources.files("ntm_lib").joinpath("locale/cli_help.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def argv_lang(argv: list[str]) -> str:
    """The language asked for on the command line (--lang / --lang=), else $NTM_LANG's."""
    for k, arg in enumerate(argv):
        if arg == "--lang" and k + 1 < len(argv) and argv[k + 1] in LANGUAGES:
            return argv[k + 1]
        if arg.startswith("--lang=") and arg.split("=", 1)[1] in LANGUAGES:
            return arg.split("=", 1)[1]
    return current_lang()


def localize(parser: argparse.ArgumentParser, lang: str, path: str = "") -> None:
    """Every command's and option's help in `lang`, from locale/cli_help.yaml."""
    cat = help_catalogue()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                choice.help = cat["commands"][f"{path} {choice.dest}".strip()][lang]
            for name, sub in action.choices.items():
                key = f"{path} {name}".strip()
                sub.description = cat["commands"][key][lang]
                localize(sub, lang, key)
            continue
        entry = cat["per_command"].get(f"{path} {action.dest}".strip()) or cat["options"].get(
            action.dest
        )
        if entry:
            action.help = entry[lang]


def _argparse_words(lang: str) -> None:
    """argparse's own words (usage, errors) in `lang`: it looks them up through `_`."""
    words = {k: v.get(lang, k) for k, v in help_catalogue()["argparse"].items()}
    argparse._ = lambda msgid: words.get(msgid, msgid)


def _parser(lang: str | None = None) -> argparse.ArgumentParser:
    lang = lang or current_lang()
    p = argparse.ArgumentParser(prog="ntm", description=help_catalogue()["description"][lang])
    _add_commands(p)
    localize(p, lang)
    return p


def _add_commands(p: argparse.ArgumentParser) -> None:
    p.add_argument("--version", action="version", version=f"ntm-assess {__version__}")
    p.add_argument("--lang", choices=["vi", "en"], help="vi (default) or en")
    p.add_argument(
        "--sets-dir",
        metavar="DIR",
        action="append",
        help="also look for criteria sets in DIR (repeatable; or NTM_SETS_DIR)",
    )
    sub = p.add_subparsers(dest="command", required=True)

    st = sub.add_parser("set", help="criteria sets as workbooks: export, import, diff")
    st_sub = st.add_subparsers(dest="set_command", required=True)
    ex = st_sub.add_parser("export", help="write a set's thresholds as a Vietnamese workbook")
    ex.add_argument("set_id")
    ex.add_argument("--out", required=True, help="the workbook to write (.xlsx)")
    ex.add_argument("--force", action="store_true", help="replace an existing --out file")
    im = st_sub.add_parser("import", help="a completed workbook to a set file (an overlay)")
    im.add_argument("workbook")
    im.add_argument("--out", required=True, help="folder for the set file")
    im.add_argument("--force", action="store_true", help="replace an existing set file")
    df = st_sub.add_parser("diff", help="what set B changes from set A, value by value")
    df.add_argument("a")
    df.add_argument("b")
    df.add_argument("--out", help="folder for diff.csv and diff.html")
    df.add_argument("--force", action="store_true", help="replace an existing --out folder")

    sub.add_parser("sets", help="list the criteria sets")

    c = sub.add_parser("criteria", help="list the indicators of a set")
    c.add_argument("set_id")
    c.add_argument("--format", choices=["table", "csv", "json"], default="table")
    c.add_argument(
        "--unverified", action="store_true", help="only thresholds not verified in an official text"
    )
    c.add_argument(
        "--coverage",
        action="store_true",
        help="the indicator x zone x year grid: each cell's threshold, or ? (not "
        "known), n/a (not applicable by a cited text), or ! (not declared)",
    )

    tp = sub.add_parser("template", help="write a data-entry workbook")
    tp.add_argument("set_id")
    tp.add_argument("--communes", required=True)
    tp.add_argument("--year", type=int, required=True)
    tp.add_argument("--out", required=True)
    tp.add_argument("--force", action="store_true", help="replace an existing --out file")

    def on_data(name: str, helptext: str, out: bool = True) -> argparse.ArgumentParser:
        """A command that reads data files against a register and a criteria set."""
        cmd = sub.add_parser(name, help=helptext)
        cmd.add_argument("data", nargs="+", help="CSV or .xlsx files in long form")
        cmd.add_argument("--communes", required=True, help="commune register (CSV or .xlsx)")
        cmd.add_argument("--set", dest="set_id", required=True)
        if out:
            cmd.add_argument("--out", required=True)
        return cmd

    on_data("validate", "check data files", out=False)
    a = on_data("assess", "score data files")
    a.add_argument("--year", type=int, action="append", help="only this year (repeatable)")
    a.add_argument("--force", action="store_true", help="replace an existing --out folder")

    tpl = on_data("template-plan", "write a plan workbook for the unmet indicators")
    tpl.add_argument("--year", type=int, help="data year (default: the latest)")
    tpl.add_argument("--force", action="store_true", help="replace an existing --out file")

    pl = on_data("plan", "priority roadmap of the unmet criteria within the budget")
    pl.add_argument("--plan", required=True, help="plan (CSV or .xlsx), see ntm template-plan")
    pl.add_argument("--budget", required=True, help="yearly budget by source (CSV or .xlsx)")
    pl.add_argument("--year", type=int, help="data year (default: the latest)")
    pl.add_argument("--force", action="store_true", help="replace an existing --out folder")

    sm = on_data("summary", "summary report of a district or a province")
    sm.add_argument("--year", type=int)
    area = sm.add_mutually_exclusive_group()
    area.add_argument("--district")
    area.add_argument("--province")
    sm.add_argument("--lang", dest="report_lang", choices=["vi", "en"])
    sm.add_argument("--force", action="store_true")

    mg = on_data("merge", "roll old communes' data up into the new (2025) communes")
    mg.add_argument(
        "--to",
        choices=["new"],
        default="new",
        help="the units to roll up to: the communes since 1 July 2025",
    )
    mg.add_argument("--shares", help="old_code, new_code, share for communes split in 2025")
    mg.add_argument(
        "--new-set",
        help="also write a baseline for this set (e.g. vn-2026-ntm) "
        "through the working concordance of the two sets",
    )
    mg.add_argument("--as-year", type=int, help="the baseline's year (default: the set's first)")
    mg.add_argument(
        "--group",
        type=int,
        choices=[1, 2, 3],
        help="commune group of the new communes, for sets with groups (your call)",
    )
    mg.add_argument("--force", action="store_true", help="replace existing output files")

    ds = on_data(
        "dossier",
        "a commune's values, verdicts and the evidence behind each, for a recognition dossier",
        out=False,
    )
    ds.add_argument("--commune", required=True, metavar="ID")
    ds.add_argument("--year", type=int, help="year (default: the latest with data)")
    ds.add_argument(
        "--max-age",
        type=int,
        default=24,
        metavar="MONTHS",
        help="evidence older than this before the end of the year is flagged",
    )
    ds.add_argument("--out", help="also write the list (.csv or .xlsx)")
    ds.add_argument("--force", action="store_true", help="replace an existing --out file")

    sh = sub.add_parser("show", help="one commune's verdict in the terminal")
    sh.add_argument("commune_id", metavar="COMMUNE_ID")
    sh.add_argument("data", nargs="+", help="CSV or .xlsx files in long form")
    sh.add_argument("--communes", required=True, help="commune register (CSV or .xlsx)")
    sh.add_argument("--set", dest="set_id", required=True)
    sh.add_argument("--year", type=int, help="year (default: the latest with data)")

    doc = sub.add_parser("document", help="draft the board's plan or annual report (.docx)")
    doc_sub = doc.add_subparsers(dest="document_kind", required=True)
    for kind, helptext in (
        ("plan", "the plan (Kế hoạch), from the assessment and the roadmap"),
        (
            "report",
            "the annual results report (Báo cáo) with the self-assessment of every criterion",
        ),
    ):
        d = doc_sub.add_parser(kind, help=helptext)
        d.add_argument("data", nargs="+", help="CSV or .xlsx files in long form")
        d.add_argument("--communes", required=True, help="commune register (CSV or .xlsx)")
        d.add_argument("--set", dest="set_id", required=True)
        d.add_argument("--commune", required=True, metavar="ID")
        d.add_argument("--year", type=int, help="data year (default: the latest)")
        d.add_argument("--plan", help="plan of solutions: fills the roadmap by year and source")
        d.add_argument("--budget", help="yearly budget by source (default: read from --plan)")
        d.add_argument("--out", required=True, help="the .docx to write")
        d.add_argument("--force", action="store_true", help="replace an existing --out file")

    v = sub.add_parser("verify", help="run a finished run again and report any difference")
    v.add_argument("folder")
    v.add_argument(
        "--inputs-from",
        metavar="DIR",
        help="look for the run's inputs in DIR (a run folder moved without them)",
    )

    r = on_data("report", "HTML report per commune, with an index")
    r.add_argument("--year", type=int, help="year to report (default: the latest in the data)")
    r.add_argument(
        "--commune",
        action="append",
        dest="commune_ids",
        metavar="ID",
        help="only this commune (repeatable; default: all)",
    )
    r.add_argument("--jobs", type=int, help="parallel workers (default: all cores)")
    r.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help="seconds a commune's notebook may run before it is failed "
        f"(default {DEFAULT_TIMEOUT:g})",
    )
    r.add_argument("--lang", dest="report_lang", choices=["vi", "en"], help="report language")
    r.add_argument(
        "--resume",
        action="store_true",
        help="redo only communes that failed or whose inputs changed",
    )
    r.add_argument("--force", action="store_true", help="replace an existing --out folder")
    r.add_argument(
        "--notebook", help="report notebook (default: notebooks/commune_assessment.ipynb)"
    )
    r.add_argument("--plan", help="plan of solutions: adds the roadmap section (Lộ trình)")
    r.add_argument("--budget", help="yearly budget by source (default: read from --plan)")
    r.add_argument(
        "--summary",
        action="store_true",
        help="also write each district's summary report, linked from the index",
    )
    r.add_argument(
        "--documents",
        action="store_true",
        help="also draft each commune's plan and annual report (.docx)",
    )
    r.add_argument(
        "--predecessors-data",
        nargs="+",
        metavar="FILE",
        help="old communes' data: merged communes show their last old verdicts",
    )
    r.add_argument("--predecessors-communes", metavar="FILE", help="old communes' register")
    r.add_argument("--predecessors-set", metavar="SET", help="old communes' criteria set")
    r.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a Dask cluster, e.g. tcp://127.0.0.1:8786 (needs ntm-assess[dask])",
    )


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


def _cmd_sets(args) -> int:
    from .reports import terminal

    print(terminal.sets_text(current_lang(), terminal.width()))
    return 0


def _cmd_criteria(args) -> int:
    cset = load_set(args.set_id)
    if args.coverage:
        return _print_coverage(cset, args.format)
    table = criteria_table(cset, args.unverified)
    if args.format == "csv":
        table.to_csv(sys.stdout, index=False, lineterminator="\n")
    elif args.format == "json":
        print(json.dumps(table.to_dict(orient="records"), ensure_ascii=False, indent=1))
    else:
        from .reports import terminal

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


def _cmd_template(args) -> int:
    cset = load_set(args.set_id)
    out = check_target_file(args.out, args.force, [args.communes])
    register, problems = read_register(args.communes)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise InputError(problems)
    from .intake.template import write_template

    rows = write_template(cset, register, args.year, out)
    print(t("cli_template_written", path=args.out, rows=rows))
    return 0


def _print_warnings(warnings) -> None:
    for p in warnings[:MAX_PRINTED_PROBLEMS]:
        print(p.message(), file=sys.stderr)


def _cmd_validate(args) -> int:
    cset = load_set(args.set_id)
    inputs = load_inputs(args.data, args.communes, cset)
    _print_warnings(inputs.warnings)
    years = sorted(inputs.data["year"].unique().tolist())
    print(
        t(
            "cli_valid" if len(years) != 1 else "cli_valid_one_year",
            rows=len(inputs.data),
            communes=inputs.data["commune_id"].nunique(),
            years=", ".join(map(str, years)),
        )
    )
    return 0


def _cmd_assess(args) -> int:
    out = check_target_dir(args.out, args.force, args.data + [args.communes])
    cset = load_set(args.set_id)
    inputs = load_inputs(args.data, args.communes, cset)
    _print_warnings(inputs.warnings)
    started = run_time()
    if args.year:
        have = set(inputs.data["year"].unique().tolist())
        absent = [y for y in args.year if y not in have]
        if absent:
            raise NoDataError(
                t(
                    "no_data_for_year",
                    year=", ".join(map(str, absent)),
                    years=", ".join(map(str, sorted(have))),
                )
            )
    assessment = assess(cset, inputs.register, inputs.data, years=args.year)
    register = inputs.register
    del inputs  # the input rows are in the verdicts now: their memory goes before writing
    manifest = {
        "version": __version__,
        "command": "assess",
        "started": started,
        "parameters": {"set": args.set_id, "years": args.year, "reading_lang": current_lang()},
        "set": provenance_of(cset),
        "inputs": relative_inputs(
            files(args.data, "data") + files([args.communes], "communes"), out
        ),
        "packages": package_versions(),
    }
    with atomic_dir(args.out, force=args.force, inputs=args.data + [args.communes]) as tmp:
        write_assessment(assessment, tmp, cset, register, inputs=manifest["inputs"])
        write_manifest(tmp, manifest | {"finished": run_time()})
    from .reports import terminal

    print(
        terminal.assess_text(assessment, cset, manifest["inputs"], current_lang(), terminal.width())
    )
    print(t("cli_written", path=args.out))
    return 0


def _assessed(args):
    cset = load_set(args.set_id)
    inputs = load_inputs(args.data, args.communes, cset)
    _print_warnings(inputs.warnings)
    assessment = assess(cset, inputs.register, inputs.data)
    year = args.year or int(assessment.communes["year"].max())
    return cset, inputs, assessment, year


def _cmd_template_plan(args) -> int:
    from .intake.template import write_plan_template

    out = check_target_file(args.out, args.force, args.data + [args.communes])
    cset, inputs, assessment, year = _assessed(args)
    rows = write_plan_template(cset, inputs.register, assessment.indicators, year, out)
    print(t("cli_template_plan_written", path=args.out, rows=rows, years=f"{year + 1}-{year + 3}"))
    return 0


def _cmd_plan(args) -> int:
    from .assess.roadmap import make_roadmap
    from .intake.plans import read_budget, read_plan
    from .tables import write_csv

    inputs_paths = args.data + [args.communes, args.plan, args.budget]
    out = check_target_dir(args.out, args.force, inputs_paths)
    started = run_time()
    cset, inputs, assessment, year = _assessed(args)
    plan = read_plan([args.plan], cset, inputs.register, year)
    budget = read_budget([args.budget], inputs.register)
    result = make_roadmap(plan, budget, assessment, cset, year)
    tables = {
        "roadmap": result.roadmap,
        "plan_summary": result.summary,
        "budget": result.budget_use,
    }
    manifest = {
        "version": __version__,
        "command": "plan",
        "started": started,
        "parameters": {"set": args.set_id, "year": args.year, "reading_lang": current_lang()},
        "set": provenance_of(cset),
        "inputs": relative_inputs(
            files(args.data, "data")
            + files([args.communes], "communes")
            + files([args.plan], "plan")
            + files([args.budget], "budget"),
            out,
        ),
        "packages": package_versions(),
    }
    with atomic_dir(args.out, force=args.force, inputs=inputs_paths) as tmp:
        for name, frame in tables.items():
            write_csv(frame, tmp / f"{CSV_NAMES.get(name, name)}.csv")
        write_plan_workbook(tables, tmp / "roadmap.xlsx", cset, manifest["inputs"])
        write_manifest(tmp, manifest | {"finished": run_time()})
    from .reports import terminal

    print(
        terminal.plan_text(
            result.roadmap,
            result.summary,
            result.budget_use,
            cset,
            inputs.register,
            current_lang(),
            terminal.width(),
        )
    )
    print(t("cli_plan_written", path=args.out))
    return 0


def _cmd_summary(args) -> int:
    from .reports.batch import run_summary

    page = run_summary(
        args.data,
        args.communes,
        args.set_id,
        args.out,
        year=args.year,
        district=args.district,
        province=args.province,
        lang=args.report_lang or args.lang or "vi",
        force=args.force,
    )
    from .reports import terminal

    inputs = files(args.data, "data") + files([args.communes], "communes")
    print(terminal.notes_text(load_set(args.set_id), inputs, current_lang(), terminal.width()))
    print(t("cli_summary_done", path=str(page)))
    return 0


def _cmd_merge(args) -> int:
    from .assess.merge import merge
    from .atomic import atomic_file
    from .tables import write_csv

    cset = load_set(args.set_id)
    own_inputs = args.data + [args.communes, args.shares]
    out = check_target_file(args.out, args.force, own_inputs)
    for extra in (".communes.csv", ".flags.csv") + (
        (f".{args.new_set}.csv",) if args.new_set else ()
    ):
        check_target_file(out.with_name(out.stem + extra), args.force, own_inputs)
    inputs = load_inputs(args.data, args.communes, cset)
    shares = (
        pd.read_csv(args.shares, dtype={"old_code": str, "new_code": str}) if args.shares else None
    )
    merged = merge(inputs.data, inputs.register, cset, shares=shares)
    register = merged.register.assign(group=args.group) if args.group else merged.register
    written = {
        out: merged.data,
        out.with_name(out.stem + ".communes.csv"): register,
        out.with_name(out.stem + ".flags.csv"): merged.flags,
    }
    if args.new_set:
        from .assess.merge import carry_over, concordance

        new_set = load_set(args.new_set)
        last = int(merged.data["year"].max())
        baseline = carry_over(
            merged.data,
            concordance(cset.id, new_set.id),
            last,
            args.as_year or new_set.period.start,
        )
        written[out.with_name(f"{out.stem}.{new_set.id}.csv")] = baseline
    for path, frame in written.items():
        atomic_file(path, lambda tmp, frame=frame: write_csv(frame, Path(tmp)))
    print(
        t(
            "cli_merge_done",
            rows=int(merged.data["value"].notna().sum()),
            communes=len(merged.register),
            flags=len(merged.flags),
            paths=", ".join(str(p) for p in written),
        )
    )
    return 0


def _cmd_verify(args) -> int:
    from .verify import verify

    problems = verify(args.folder, args.inputs_from)
    for line in problems:
        print(line, file=sys.stderr)
    if not problems:
        print(t("verify_identical", path=args.folder))
    return 1 if problems else 0


def _cmd_report(args) -> int:
    from .reports.batch import NOTEBOOK, exit_code, run_report

    lang = args.report_lang or args.lang or "vi"
    manifest = run_report(
        args.data,
        args.communes,
        args.set_id,
        args.out,
        year=args.year,
        communes=communes_named(args.communes, args.commune_ids),
        jobs=args.jobs,
        lang=lang,
        resume=args.resume,
        force=args.force,
        notebook=Path(args.notebook) if args.notebook else NOTEBOOK,
        plan=args.plan,
        budget=args.budget,
        scheduler=args.scheduler,
        summary=args.summary,
        documents=args.documents,
        timeout=args.timeout,
        predecessors={
            "data": args.predecessors_data,
            "communes": args.predecessors_communes,
            "set": args.predecessors_set,
        }
        if args.predecessors_set
        else None,
    )
    ok = sum(c["ok"] for c in manifest["communes"])
    print(
        t(
            "cli_report_done",
            ok=ok,
            failed=len(manifest["communes"]) - ok,
            index=str(Path(args.out).resolve() / "index.html"),
        )
    )
    return exit_code(manifest)


def _cmd_show(args) -> int:
    from .assess.resolve import resolve_commune
    from .reports import terminal

    cset = load_set(args.set_id)
    inputs = load_inputs(args.data, args.communes, cset)
    _print_warnings(inputs.warnings)
    commune_id = resolve_commune(inputs.register, args.commune_id)
    a = assess(cset, inputs.register, inputs.data)
    com = a.communes[a.communes["commune_id"].astype(str) == commune_id]
    years = com.loc[com["status"] != "no_data", "year"]
    year = args.year or (int(years.max()) if len(years) else None)
    if year is None or year not in set(years):
        name = inputs.register.set_index("commune_id").at[commune_id, "name"]
        have = ", ".join(map(str, sorted(set(years))))
        key = "show_no_data_year" if have else "show_no_data"
        raise NoDataError(t(key, commune=name, code=commune_id, year=year, years=have))
    files_in = files(args.data, "data") + files([args.communes], "communes")
    print(
        terminal.show_text(
            a, cset, inputs.register, commune_id, year, files_in, current_lang(), terminal.width()
        )
    )
    return 0


def _cmd_dossier(args) -> int:
    from . import fmt
    from .assess.proof import DOSSIER_BASIS, dossier
    from .criteria.text import value_text
    from .tables import write_csv

    out = check_target_file(args.out, args.force, args.data + [args.communes]) if args.out else None
    cset = load_set(args.set_id)
    inputs = load_inputs(args.data, args.communes, cset)
    _print_warnings(inputs.warnings)
    args.commune = communes_named(args.communes, [args.commune])[0]  # a name, or a code
    assessment = assess(cset, inputs.register, inputs.data)
    com = assessment.communes
    years = com.loc[
        (com["commune_id"].astype(str) == args.commune) & (com["status"] != "no_data"), "year"
    ]
    year = args.year or (int(years.max()) if len(years) else None)
    if year is None or year not in set(years):
        raise NoDataError(t("report_no_data", commune=args.commune, year=args.year or ""))
    rows = dossier(assessment, cset, args.commune, year, args.max_age)
    lang = current_lang()
    shown = rows.assign(
        name=rows["name_vi"] if lang == "vi" else rows["name_en"],
        value=[value_text(v, u, lang) for v, u in zip(rows["value"], rows["unit"])],
        verdict=rows["status"].astype(str).map(lambda s: fmt.status(s, lang)),
        evidence=[
            " ".join(x for x in (d, n) if x)
            for d, n in zip(rows["proof_document"], rows["proof_number"])
        ],
        check=rows["proof_status"].map(lambda s: t(f"proof_{s}", lang)),
        proof_date=rows["proof_date"].map(lambda d: fmt.date(d, lang)),
    )
    cols = ["indicator", "name", "value", "verdict", "evidence", "proof_date", "check"]
    from .reports import terminal

    named = shown[cols].rename(columns={c: t(f"dossier_col_{c}") for c in cols})
    print(terminal.frame_text(named, terminal.width()))
    inputs_files = files(args.data, "data") + files([args.communes], "communes")
    print(terminal.notes_text(cset, inputs_files, lang, terminal.width()))
    counts = rows["proof_status"].value_counts()
    print(
        t(
            "dossier_summary",
            commune=f"{inputs.register.set_index('commune_id').at[args.commune, 'name']} "
            f"({args.commune})",
            year=year,
            missing=int(counts.get("missing", 0)),
            stale=int(counts.get("stale", 0)),
            undated=int(counts.get("undated", 0)),
            months=args.max_age,
            basis=DOSSIER_BASIS,
        )
    )
    if out is not None:
        from .atomic import atomic_file

        if out.suffix.lower() == ".xlsx":
            atomic_file(
                out,
                lambda tmp: write_noted_workbook(
                    {"dossier": rows}, Path(tmp), cset, inputs_files, "xlsx_sheet_dossier"
                ),
            )
        else:
            atomic_file(out, lambda tmp: write_csv(rows, Path(tmp)))
        print(t("cli_written", path=str(out)))
    return 0


def _cmd_document(args) -> int:
    from .reports.board_documents import write_document

    out = check_target_file(
        args.out, args.force, args.data + [args.communes, args.plan, args.budget]
    )
    written = write_document(
        args.document_kind,
        args.data,
        args.communes,
        args.set_id,
        communes_named(args.communes, [args.commune])[0],  # a name, or a code
        out,
        year=args.year,
        plan=args.plan,
        budget=args.budget,
    )
    print(t("cli_document_written", path=str(written)))
    return 0


def _cmd_set(args) -> int:
    from .atomic import atomic_file

    if args.set_command == "export":
        from .criteria.spreadsheet import export_workbook

        out = check_target_file(args.out, args.force)
        cset = load_set(args.set_id)
        rows = {}
        atomic_file(out, lambda tmp: rows.setdefault("n", export_workbook(cset, Path(tmp))))
        print(t("cli_set_exported", rows=rows["n"], path=str(out)))
        return 0
    if args.set_command == "import":
        from .intake.set_import import read_set_workbook, set_yaml

        spec = read_set_workbook(args.workbook)
        folder = Path(args.out)
        folder.mkdir(parents=True, exist_ok=True)
        target = check_target_file(folder / f"{spec['id']}.yaml", args.force, [args.workbook])
        text = set_yaml(spec, args.workbook)
        atomic_file(target, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
        try:
            load_set(str(target))  # the file written must load as any set does
        except NtmError:
            target.unlink()
            raise
        print(
            t(
                "cli_set_imported",
                set_id=spec["id"],
                overrides=len(spec.get("overrides", [])),
                added=sum(len(c["indicators"]) for c in spec.get("criteria", [])),
                path=str(target),
                folder=str(folder),
            )
        )
        return 0
    from .criteria.diff import diff
    from .reports.set_diff import diff_page
    from .tables import write_csv

    a, b = load_set(args.a), load_set(args.b)
    changes = diff(a, b)
    if args.out:
        with atomic_dir(args.out, force=args.force) as tmp:
            write_csv(changes, tmp / "diff.csv")
            page = diff_page(changes, a, b, current_lang())
            (tmp / "diff.html").write_text(page, encoding="utf-8")
            write_manifest(
                tmp,
                {
                    "version": __version__,
                    "command": "set diff",
                    "parameters": {"a": a.id, "b": b.id},
                    "set": {"a": provenance_of(a), "b": provenance_of(b)},
                    "inputs": [],
                },
            )
    else:
        with pd.option_context("display.max_colwidth", 50, "display.width", 200):
            print(changes.to_string(index=False) if len(changes) else "")
    print(
        t("cli_set_diff", count=len(changes), a=a.id, b=b.id),
        file=sys.stderr if not args.out else sys.stdout,
    )
    return 0


COMMANDS = {
    "show": _cmd_show,
    "document": _cmd_document,
    "dossier": _cmd_dossier,
    "set": _cmd_set,
    "sets": _cmd_sets,
    "criteria": _cmd_criteria,
    "template": _cmd_template,
    "validate": _cmd_validate,
    "assess": _cmd_assess,
    "report": _cmd_report,
    "template-plan": _cmd_template_plan,
    "plan": _cmd_plan,
    "verify": _cmd_verify,
    "summary": _cmd_summary,
    "merge": _cmd_merge,
}


def _settings_problem() -> str | None:
    """A message for an environment setting that cannot be used, else None."""
    lang = os.environ.get("NTM_LANG")
    if lang is not None and lang not in LANGUAGES:
        os.environ.pop("NTM_LANG")  # the message itself in the default language
        return t("env_invalid", name="NTM_LANG", value=lang, expected="vi, en")
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None and not epoch.strip().isdigit():
        return t(
            "env_invalid", name="SOURCE_DATE_EPOCH", value=epoch, expected=t("env_expected_epoch")
        )
    try:
        max_bytes()
    except SettingError as exc:
        return t(
            "env_invalid",
            name="NTM_MAX_INPUT_MB",
            value=str(exc),
            expected=t("env_expected_megabytes"),
        )
    return None


def _error(text: str) -> None:
    print(printable(f"{t('severity_error')}: {text}"), file=sys.stderr)


def _log_traceback() -> Path | None:
    """The full traceback of an unexpected error, in a file the message names."""
    try:
        folder = Path(tempfile.gettempdir()) / "ntm-assess-logs"
        folder.mkdir(exist_ok=True)
        path = folder / f"error-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
        path.write_text(traceback.format_exc(), encoding="utf-8")
        return path
    except OSError:
        return None


def main(argv: list[str] | None = None) -> int:
    lang = argv_lang(sys.argv[1:] if argv is None else argv)
    previous = argparse._
    _argparse_words(lang)
    try:
        args = _parser(lang).parse_args(argv)
    finally:
        argparse._ = previous
    if args.lang:
        os.environ["NTM_LANG"] = args.lang
    if args.sets_dir:
        os.environ["NTM_SETS_DIR"] = os.pathsep.join(
            [str(Path(d).resolve()) for d in args.sets_dir]
            + [d for d in os.environ.get("NTM_SETS_DIR", "").split(os.pathsep) if d]
        )
    problem = _settings_problem()
    if problem:
        _error(problem)
        return 2
    try:
        return COMMANDS[args.command](args)
    except InputError as exc:
        errors = [p for p in exc.problems if p.severity == "error"]
        for p in exc.problems[:MAX_PRINTED_PROBLEMS]:
            print(p.message(), file=sys.stderr)
        if len(exc.problems) > MAX_PRINTED_PROBLEMS:
            print(
                t("cli_more_problems", count=len(exc.problems) - MAX_PRINTED_PROBLEMS),
                file=sys.stderr,
            )
        print(t("cli_invalid", count=len(errors)), file=sys.stderr)
        return exc.exit_code
    except NtmError as exc:
        _error(str(exc))
        return exc.exit_code
    except BrokenPipeError:
        # `ntm criteria ... | head`: the reader has gone; end quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        _error(t("cli_interrupted"))
        return 130
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            _error(t("os_disk_full", path=exc.filename or ""))
        elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            _error(t("os_cannot_write", path=exc.filename or "", error=exc.strerror))
        else:
            _error(t("os_error", path=exc.filename or "", error=exc.strerror or str(exc)))
        return 1
    except Exception as exc:  # noqa: BLE001 - a message and a log, never a bare traceback
        log = _log_traceback()
        _error(
            t(
                "cli_unexpected",
                error=f"{type(exc).__name__}: {exc}"[:300],
                log=str(log) if log else "-",
            )
        )
        return 1
