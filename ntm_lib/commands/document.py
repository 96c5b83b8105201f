"""`ntm document plan|report`: the board's plan or annual report for one commune, drafted in
Word from the assessment under one or several sets (and the roadmap, with a plan), in the
shipped template or the board's own, carrying the board's own text; `ntm document fields`
lists what a template may use."""

from __future__ import annotations

import sys
from pathlib import Path

from ..assess.loaded import LoadedRun, load_runs
from ..atomic import check_target_file, read_sidecar, write_files
from ..errors import EditedError, UsageError, printable
from ..i18n import t
from ..intake.plans import read_budget, read_plan
from ..provenance import files, run_time
from ..reports.context import plan_files
from . import manifest
from .base import Command, Options, Replay, out_options, print_warnings, resolved
from .common import replayed_set, request_key, set_parameter, up_to_date

KINDS = ("plan", "report")
HEAD = ("issuer_parent", "issuer", "signer_title", "signer_name", "number", "place")


def configure(o: Options) -> None:
    o.add("data", nargs="+")
    o.add("--communes", required=True)
    o.add("--set", dest="set_ids", action="append", required=True)
    o.add("--commune", required=True, metavar="ID")
    o.add("--year", type=int)
    o.add("--plan")
    o.add("--budget")
    o.add("--template")
    o.add("--text", action="append", dest="texts", metavar="FILE")
    for option in HEAD:
        o.add(f"--{option.replace('_', '-')}")
    o.add("--date", metavar="YYYY-MM-DD")
    out_options(o)
    o.add("--update", action="store_true")


def produce(
    kind: str,
    runs: list[LoadedRun],
    params: dict,
    plan: str | None,
    budget: str | None,
    template: str | None,
    texts: list[str],
    path: Path,
):
    from ..reports import board_documents as bd

    plan_rows = budget_rows = None
    year = runs[-1].checked_year(params["year"], params["commune"])
    if plan:
        plan_rows = read_plan([plan], runs[-1].cset, runs[-1].register, year)
        budget_rows = read_budget([budget or plan], runs[-1].register)
        print_warnings(plan_rows.attrs.get("warnings", []))
        runs = runs[:-1] + [runs[-1].with_inputs(plan_files(plan, budget))]
    contexts = bd.document_contexts(runs, params["commune"], year, plan_rows, budget_rows)
    options = bd.DocumentOptions(
        **{k: params.get(k) for k in HEAD},
        date=bd.parse_date(params["date"]) if params.get("date") else None,
        template=template,
        texts=texts,
    )
    return bd.write_document(kind, contexts, path, options)


def _check(out: str, force: bool, inputs: list[str]) -> Path:
    try:
        return check_target_file(out, force, inputs)
    except EditedError as exc:  # the board's edits: say how to carry them
        raise UsageError(t("document_edited", path=str(Path(out).absolute()))) from exc


def runner(kind: str):
    def run(args) -> int:
        started = run_time()
        data, communes = resolved(args.data), resolved([args.communes])[0]
        plan, budget, template = (
            resolved([p])[0] if p else None for p in (args.plan, args.budget, args.template)
        )
        texts = resolved(args.texts or [])
        inputs = data + [communes, plan, budget, template, *texts]
        shown = Path(args.out).absolute()
        recorded = _recorded(data, communes, plan, budget, template, texts)
        asked = _params(args, shown) | {"year": args.year}
        key = request_key(f"document {kind}", asked, recorded, shown.parent, args.set_ids)
        if args.update and up_to_date(read_sidecar(shown), key, shown.parent, shown):
            return 0
        out = _check(args.out, args.force or args.update, inputs)
        runs = load_runs(data, communes, args.set_ids)
        print_warnings(runs[-1].warnings)
        commune = runs[-1].resolve(args.commune)  # a code, or a name
        params = _params(args, out) | {
            "commune": commune,
            "year": runs[-1].checked_year(args.year, commune),
        }
        record = manifest.build(
            f"document {kind}",
            params,
            recorded,
            out.parent,
            sets=[r.cset for r in runs],
            started=started,
            update_key=key,
        )
        drafts = []
        write_files(
            {
                out: lambda tmp: drafts.append(
                    produce(kind, runs, params, plan, budget, template, texts, Path(tmp))
                )
            },
            record,
        )
        for line in drafts[0].warnings:
            print(t("cli_document_warning", text=line), file=sys.stderr)
        print(t("cli_document_written", path=str(out)))
        return 0

    return run


def _params(args, out: Path) -> dict:
    return {
        "sets": [set_parameter(s, out.parent) for s in args.set_ids],
        "commune": args.commune,
        "year": args.year,
        "date": args.date,
        "out": out.name,
    } | {k: getattr(args, k) for k in HEAD}


def _recorded(data, communes, plan, budget, template, texts) -> list[dict]:
    """The files a document is drafted from, as provenance entries."""
    return (
        files(data, "data")
        + files([communes], "communes")
        + (plan_files(plan, budget) if plan else [])
        + (files([template], "template") if template else [])
        + files(texts, "text")
    )


def replayer(kind: str):
    def replay(r: Replay) -> None:
        r.target.mkdir()
        sets = [
            replayed_set(Replay({"set": s}, {}, r.target, r.folder)) for s in r.parameters["sets"]
        ]
        runs = load_runs(r.inputs.get("data", []), r.inputs["communes"][0], sets)
        produce(
            kind,
            runs,
            r.parameters,
            (r.inputs.get("plan") or [None])[0],
            (r.inputs.get("budget") or [None])[0],
            (r.inputs.get("template") or [None])[0],
            r.inputs.get("text", []),
            r.output,
        )

    return replay


def run_fields(args) -> int:
    from ..reports import board_documents as bd

    print(t("cli_document_fields_header"))
    for kind, rows in bd.field_listing_by_kind().items():
        print(f"\n[{kind}]")
        for name, sample in rows:
            print(printable(f"  {name}: {sample}"))
    return 0


COMMANDS = [
    Command(f"document {kind}", configure, runner(kind), replayer(kind)) for kind in KINDS
] + [Command("document fields", lambda o: None, run_fields)]
