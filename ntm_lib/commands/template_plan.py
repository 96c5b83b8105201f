"""`ntm template-plan`: the plan workbook for the unmet indicators of a data year."""

from __future__ import annotations

from pathlib import Path

from ..assess.loaded import LoadedRun
from ..atomic import check_target_file, write_files
from ..i18n import t
from ..intake.template import write_plan_template
from ..provenance import run_time
from . import manifest
from .base import Command, Options, Replay, data_options
from .common import input_paths, loaded_for_replay, loaded_from_args, set_parameter

NAME = "template-plan"


def configure(o: Options) -> None:
    data_options(o)
    o.add("--year", type=int)


def produce(run: LoadedRun, year: int, path: Path) -> int:
    return write_plan_template(run.cset, run.register, run.assessment.indicators, year, path)


def run(args) -> int:
    started = run_time()
    out = check_target_file(args.out, args.force, input_paths(args))
    loaded = loaded_from_args(args)
    year = loaded.checked_year(args.year)
    record = manifest.build(
        NAME,
        {"set": set_parameter(args.set_id, out.parent), "year": year, "out": out.name},
        loaded.provenance["inputs"],
        out.parent,
        sets=[loaded.cset],
        started=started,
    )
    rows = {}
    write_files({out: lambda tmp: rows.setdefault("n", produce(loaded, year, Path(tmp)))}, record)
    print(
        t(
            "cli_template_plan_written",
            path=args.out,
            rows=rows["n"],
            years=f"{year + 1}-{year + 3}",
        )
    )
    return 0


def replay(r: Replay) -> None:
    r.target.mkdir()
    produce(loaded_for_replay(r), r.parameters["year"], r.output)


COMMAND = Command(NAME, configure, run, replay)
