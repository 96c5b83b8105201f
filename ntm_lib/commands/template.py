"""`ntm template SET --communes FILE --year Y`: the data-entry workbook for one year."""

from __future__ import annotations

from pathlib import Path

from ..atomic import check_target_file, write_files
from ..criteria.catalogue import load_set
from ..errors import InputError
from ..i18n import t
from ..intake.inputs import read_register
from ..intake.template import check_year, write_template
from ..provenance import files, run_time
from . import manifest
from .base import Command, Options, Replay, out_options, resolved
from .common import replayed_set, set_parameter

NAME = "template"


def configure(o: Options) -> None:
    o.add("set_id")
    o.add("--communes", required=True)
    o.add("--year", type=int, required=True)
    out_options(o)


def produce(set_id: str, communes: str, year: int, path: Path) -> int:
    cset = load_set(set_id)
    check_year(cset, year)
    register, problems = read_register(communes)
    if any(p.severity == "error" for p in problems):
        raise InputError(problems)
    return write_template(cset, register, year, path)


def run(args) -> int:
    started = run_time()
    communes = resolved([args.communes])[0]
    out = check_target_file(args.out, args.force, [communes])
    rows = {}
    cset = load_set(args.set_id)
    check_year(cset, args.year)
    record = manifest.build(
        NAME,
        {"set": set_parameter(args.set_id, out.parent), "year": args.year, "out": out.name},
        files([communes], "communes"),
        out.parent,
        sets=[cset],
        started=started,
    )
    write_files(
        {
            out: lambda tmp: rows.setdefault(
                "n", produce(args.set_id, communes, args.year, Path(tmp))
            )
        },
        record,
    )
    print(t("cli_template_written", path=args.out, rows=rows["n"]))
    return 0


def replay(r: Replay) -> None:
    r.target.mkdir()
    produce(
        replayed_set(r),
        r.inputs["communes"][0],
        r.parameters["year"],
        r.output,
    )


COMMAND = Command(NAME, configure, run, replay)
