"""`ntm set import WORKBOOK --out FOLDER`: a completed set workbook (compact or per-cell) to a
set file, checked cell by cell before anything is written."""

from __future__ import annotations

from pathlib import Path

from ..atomic import write_files
from ..i18n import t
from ..intake.set_import import prepare_import, read_set_workbook, set_yaml
from ..provenance import files, run_time
from . import manifest
from .base import Command, Options, Replay, resolved

NAME = "set import"


def configure(o: Options) -> None:
    o.add("workbook")
    o.add("--out", required=True)
    o.add("--force", action="store_true")


def run(args) -> int:
    started = run_time()
    workbook = resolved([args.workbook])[0]
    target, spec, text = prepare_import(workbook, Path(args.out).absolute(), args.force)
    record = manifest.build(
        NAME,
        {"out": target.name},
        files([workbook], "workbook"),
        target.parent,
        sets=[],
        started=started,
    )
    write_files({target: lambda tmp: Path(tmp).write_text(text, encoding="utf-8")}, record)
    print(
        t(
            "cli_set_imported",
            set_id=spec["id"],
            overrides=len(spec.get("overrides", [])),
            added=sum(len(c["indicators"]) for c in spec.get("criteria", [])),
            path=str(target),
            folder=str(target.parent),
        )
    )
    return 0


def replay(r: Replay) -> None:
    r.target.mkdir()
    # The set is checked as it was, beside its siblings in the folder it was written to.
    spec = read_set_workbook(r.inputs["workbook"][0], where=r.folder)
    (r.output).write_text(set_yaml(spec), encoding="utf-8")


COMMAND = Command(NAME, configure, run, replay)
