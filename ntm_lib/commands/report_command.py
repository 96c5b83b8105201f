"""`ntm report` as typed: its options, and its start.

The run itself (commands.report) imports pandas, the criteria and the report's modules: about
a second. The first worker of the pool is started before that (reports.worker), so that its
own imports, which take longer still, run beside the command's instead of after them: an
update that makes one page waits for that worker more than for anything else. So this module
imports nothing heavy, and `ntm report --help` loads none of it.
"""

from __future__ import annotations

import contextlib
import os

from ..reports.worker import DEFAULT_TIMEOUT, kept, may_draw, prestarted
from .base import Command, Options, Replay, data_options

NAME = "report"


def configure(o: Options) -> None:
    data_options(o, out=None)
    o.add("--out", required=True)
    o.add("--year", type=int)
    o.add("--commune", action="append", dest="commune_ids", metavar="ID")
    o.add("--jobs", type=int)
    o.add("--timeout", type=float, default=DEFAULT_TIMEOUT)
    o.add("--lang", dest="report_lang", choices=["vi", "en"])
    o.add("--update", "--resume", dest="update", action="store_true")
    o.add("--watch", action="store_true")
    o.add("--force", action="store_true")
    o.add("--allow-failures", action="store_true")
    o.add("--notebook")
    o.add("--plan")
    o.add("--budget")
    o.add("--summary", action="store_true")
    o.add("--documents", action="store_true")
    o.add("--predecessors-data", nargs="+", metavar="FILE")
    o.add("--predecessors-communes", metavar="FILE")
    o.add("--predecessors-set", metavar="SET")
    o.add("--scheduler", metavar="ADDRESS")


def run(args) -> int:
    jobs = args.jobs if args.jobs is not None else os.cpu_count() or 1
    ours = jobs >= 1 and not args.scheduler  # a bad --jobs is the run's to refuse
    with (
        kept() if args.watch else contextlib.nullcontext(),
        prestarted(max(jobs, 1), wanted=ours, charts=may_draw(args.plan, args.notebook)),
    ):
        from . import report

        if not args.watch:
            return report.run(args)
        from .watch import watch

        args.update = True  # every round after the first, and the first on an earlier run
        return watch(lambda: report.run(args), _watched(args))


def _watched(args):
    """The input files of the run as typed, and those of its criteria set (itself, its
    parents, the siblings it overlays) as last resolved: a set that cannot be read now keeps
    the files it was read from before, so that its correction is seen."""
    from pathlib import Path

    from ..criteria.resolve import set_files
    from ..errors import NtmError

    typed = [
        *args.data,
        args.communes,
        args.plan,
        args.budget,
        args.notebook,
        *(args.predecessors_data or []),
        args.predecessors_communes,
    ]
    sets = [s for s in (args.set_id, args.predecessors_set) if s]  # the old communes' set too
    named = [Path(p).resolve() for p in typed if p]
    named += [Path(s).resolve() for s in sets if s.endswith((".yaml", ".yml"))]
    of_sets: dict[str, list[Path]] = {}

    def files() -> list:
        for set_id in sets:
            with contextlib.suppress(NtmError, OSError):
                of_sets[set_id] = set_files(set_id)
        return list(dict.fromkeys(named + [f for found in of_sets.values() for f in found]))

    return files


def replay(r: Replay) -> None:
    from . import report

    report.replay(r)


COMMAND = Command(NAME, configure, run, replay)
