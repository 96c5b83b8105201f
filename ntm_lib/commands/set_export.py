"""`ntm set export SET`: a set's thresholds as a Vietnamese workbook to complete."""

from __future__ import annotations

from pathlib import Path

from ..atomic import check_target_file, write_files
from ..criteria.catalogue import load_set
from ..i18n import t
from ..provenance import run_time
from . import manifest
from .base import Command, Options, Replay, out_options
from .common import replayed_set, set_parameter

NAME = "set export"


FORMS = ("compact", "grid")


def configure(o: Options) -> None:
    o.add("set_id")
    o.add("--form", choices=FORMS, default="compact")
    out_options(o)


def export(form: str, cset, path: Path) -> int:
    """The set as a workbook to complete: one row per indicator (compact) or per cell (grid)."""
    from ..criteria import authoring, spreadsheet

    write = authoring.export_compact if form == "compact" else spreadsheet.export_workbook
    return write(cset, path)


def run(args) -> int:
    started = run_time()
    out = check_target_file(args.out, args.force)
    cset = load_set(args.set_id)
    rows = {}
    record = manifest.build(
        NAME,
        {"set": set_parameter(args.set_id, out.parent), "form": args.form, "out": out.name},
        [],
        out.parent,
        sets=[cset],
        started=started,
    )
    write_files({out: lambda tmp: rows.setdefault("n", export(args.form, cset, Path(tmp)))}, record)
    print(t("cli_set_exported", rows=rows["n"], path=str(out)))
    return 0


def replay(r: Replay) -> None:
    r.target.mkdir()
    export(r.parameters.get("form", "grid"), load_set(replayed_set(r)), r.output)


COMMAND = Command(NAME, configure, run, replay)
