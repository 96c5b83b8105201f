"""`ntm document plan|report`: the board's plan or annual report for one commune, drafted in
Word from the assessment (and the roadmap, with a plan)."""

from __future__ import annotations

from pathlib import Path

from ..assess.loaded import LoadedRun
from ..atomic import check_target_file, write_files
from ..i18n import t
from ..intake.plans import read_budget, read_plan
from ..provenance import run_time
from ..reports.context import commune_context, plan_files
from . import manifest
from .base import Command, Options, Replay, data_options, resolved
from .common import input_paths, loaded_for_replay, loaded_from_args, set_parameter

KINDS = ("plan", "report")


def configure(o: Options) -> None:
    data_options(o)
    o.add("--commune", required=True, metavar="ID")
    o.add("--year", type=int)
    o.add("--plan")
    o.add("--budget")


def produce(
    kind: str,
    run: LoadedRun,
    commune: str,
    year: int,
    plan: str | None,
    budget: str | None,
    path: Path,
) -> None:
    plan_rows = budget_rows = None
    if plan:
        plan_rows = read_plan([plan], run.cset, run.register, year)
        budget_rows = read_budget([budget or plan], run.register)
    from ..reports.board_documents import write_document

    ctx = commune_context(run, commune, year, "vi", plan_rows=plan_rows, budget_rows=budget_rows)
    write_document(kind, ctx, path)


def runner(kind: str):
    def run(args) -> int:
        started = run_time()
        plan = resolved([args.plan])[0] if args.plan else None
        budget = resolved([args.budget])[0] if args.budget else None
        out = check_target_file(args.out, args.force, input_paths(args, plan, budget))
        loaded = loaded_from_args(args)
        year = loaded.checked_year(args.year, args.commune)
        if plan:
            loaded = loaded.with_inputs(plan_files(plan, budget))
        params = {
            "set": set_parameter(args.set_id, out.parent),
            "commune": args.commune,
            "year": year,
            "out": out.name,
        }
        record = manifest.build(
            f"document {kind}",
            params,
            loaded.provenance["inputs"],
            out.parent,
            sets=[loaded.cset],
            started=started,
        )
        write_files(
            {out: lambda tmp: produce(kind, loaded, args.commune, year, plan, budget, Path(tmp))},
            record,
        )
        print(t("cli_document_written", path=str(out)))
        return 0

    return run


def replayer(kind: str):
    def replay(r: Replay) -> None:
        r.target.mkdir()
        params = r.parameters
        produce(
            kind,
            loaded_for_replay(r),
            params["commune"],
            params["year"],
            (r.inputs.get("plan") or [None])[0],
            (r.inputs.get("budget") or [None])[0],
            r.target / params["out"],
        )

    return replay


COMMANDS = [Command(f"document {kind}", configure, runner(kind), replayer(kind)) for kind in KINDS]
