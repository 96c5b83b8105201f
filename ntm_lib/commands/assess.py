"""`ntm assess`: the result tables (CSV and the officers' workbook) of every commune and year."""

from __future__ import annotations

from pathlib import Path

from ..assess.loaded import LoadedRun
from ..atomic import atomic_dir, check_target_dir, read_manifest, write_manifest
from ..i18n import current_lang, t
from ..provenance import run_time
from ..reports.workbooks import write_assessment
from . import manifest
from .base import Command, Options, Replay, data_options
from .common import (
    data_files,
    input_paths,
    loaded_for_replay,
    loaded_from_args,
    request_key,
    set_parameter,
    up_to_date,
)

NAME = "assess"


def configure(o: Options) -> None:
    data_options(o)
    o.add("--year", type=int, action="append")
    o.add("--update", action="store_true")


def produce(run: LoadedRun, target: Path) -> None:
    write_assessment(
        run.assessment, target, run.cset, run.register, inputs=run.provenance["inputs"]
    )


def run(args) -> int:
    inputs = input_paths(args)
    replace = args.force or args.update
    out = check_target_dir(args.out, replace, inputs, edits=not args.update)
    started = run_time()
    parameters = {"set": set_parameter(args.set_id, out), "years": args.year}
    key = request_key(NAME, parameters, data_files(args), out, args.set_id)
    if args.update and up_to_date(read_manifest(out), key, out, out):
        return 0
    loaded = loaded_from_args(args, years=args.year)
    with atomic_dir(out, force=replace, inputs=inputs) as tmp:
        produce(loaded, tmp)
        write_manifest(tmp, manifest.of_run(NAME, parameters, loaded, out, started, update_key=key))
    from ..reports import terminal

    print(
        terminal.assess_text(
            loaded.assessment,
            loaded.cset,
            loaded.provenance["inputs"],
            current_lang(),
            terminal.width(),
        )
    )
    print(t("cli_written", path=args.out))
    return 0


def replay(r: Replay) -> None:
    loaded = loaded_for_replay(r, years=r.parameters.get("years"))
    r.target.mkdir()
    produce(loaded, r.target)


COMMAND = Command(NAME, configure, run, replay)
