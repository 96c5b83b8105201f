"""`ntm plan`: the priority roadmap of the unmet criteria, within each year's budget."""

from __future__ import annotations

from pathlib import Path

from ..assess.loaded import LoadedRun
from ..assess.roadmap import Roadmap, make_roadmap
from ..atomic import atomic_dir, check_target_dir, write_manifest
from ..i18n import current_lang, t
from ..intake.plans import read_budget, read_plan
from ..provenance import files, run_time
from ..reports.workbooks import CSV_NAMES, write_plan_workbook
from ..tables import write_csv
from . import manifest
from .base import Command, Options, Replay, data_options, print_warnings, resolved
from .common import input_paths, loaded_for_replay, loaded_from_args, set_parameter

NAME = "plan"


def configure(o: Options) -> None:
    data_options(o)
    o.add("--plan", required=True)
    o.add("--budget", required=True)
    o.add("--year", type=int)


def produce(run: LoadedRun, plan: str, budget: str, year: int, target: Path) -> Roadmap:
    rows = read_plan([plan], run.cset, run.register, year)
    print_warnings(rows.attrs.get("warnings", []))
    money = read_budget([budget], run.register)
    result = make_roadmap(rows, money, run.assessment, run.cset, year)
    tables = {
        "roadmap": result.roadmap,
        "plan_summary": result.summary,
        "budget": result.budget_use,
    }
    for name, frame in tables.items():
        write_csv(frame, target / f"{CSV_NAMES.get(name, name)}.csv")
    write_plan_workbook(tables, target / "roadmap.xlsx", run.cset, run.provenance["inputs"])
    return result


def run(args) -> int:
    plan, budget = resolved([args.plan])[0], resolved([args.budget])[0]
    inputs = input_paths(args, plan, budget)
    out = check_target_dir(args.out, args.force, inputs)
    started = run_time()
    loaded = loaded_from_args(args)
    year = loaded.checked_year(args.year)
    parameters = {"set": set_parameter(args.set_id, out), "year": year}
    more = files([plan], "plan") + files([budget], "budget")
    with atomic_dir(out, force=args.force, inputs=inputs) as tmp:
        result = produce(loaded, plan, budget, year, tmp)
        write_manifest(tmp, manifest.of_run(NAME, parameters, loaded, out, started, more))
    from ..reports import terminal

    print(
        terminal.plan_text(
            result.roadmap,
            result.summary,
            result.budget_use,
            loaded.cset,
            loaded.register,
            current_lang(),
            terminal.width(),
        )
    )
    print(t("cli_plan_written", path=args.out))
    return 0


def replay(r: Replay) -> None:
    loaded = loaded_for_replay(r)
    r.target.mkdir()
    produce(loaded, r.inputs["plan"][0], r.inputs["budget"][0], r.parameters["year"], r.target)


COMMAND = Command(NAME, configure, run, replay)
