"""`ntm validate`: check data files against a register and a set; nothing is written.

With `--format json` the result is one JSON object on standard output, as a frictionless
report is: `valid`, counts, and every problem as a record (severity, file, sheet, row, column
as the file has it, commune, indicator, message key and parameters, message).
"""

from __future__ import annotations

import json

from ..criteria.catalogue import load_set
from ..errors import InputError, Problem
from ..i18n import t
from ..intake.inputs import load_inputs
from .base import Command, Options, data_options, print_warnings, resolved


def configure(o: Options) -> None:
    data_options(o, out=None)
    o.add("--format", choices=["text", "json"], default="text")


def run(args) -> int:
    cset = load_set(args.set_id)
    try:
        inputs = load_inputs(resolved(args.data), resolved([args.communes])[0], cset)
    except InputError as exc:
        if args.format != "json":
            raise
        print(report(exc.problems))
        return exc.exit_code
    years = sorted(inputs.data["year"].unique().tolist())
    stats = {
        "rows": len(inputs.data),
        "communes": int(inputs.data["commune_id"].nunique()),
        "years": [int(y) for y in years],
    }
    if args.format == "json":
        print(report(inputs.warnings, stats))
        return 0
    print_warnings(inputs.warnings)
    print(
        t(
            "cli_valid" if len(years) != 1 else "cli_valid_one_year",
            rows=stats["rows"],
            communes=stats["communes"],
            years=", ".join(map(str, years)),
        )
    )
    return 0


def record(p: Problem) -> dict:
    return {
        "severity": p.severity,
        "file": p.file,
        "sheet": p.sheet,
        "row": p.row,
        "column": p.header or p.column,
        "field": p.column,
        "commune": p.context.get("commune_id"),
        "commune_name": p.context.get("commune_name"),
        "indicator": p.context.get("indicator"),
        "key": p.key,
        "params": {k: str(v) for k, v in p.params.items()},
        "message": p.message(),
    }


def report(problems: list[Problem], stats: dict | None = None) -> str:
    errors = sum(p.severity == "error" for p in problems)
    return json.dumps(
        {
            "valid": errors == 0,
            "errors": errors,
            "warnings": len(problems) - errors,
            "stats": stats or {},
            "problems": [record(p) for p in problems],
        },
        ensure_ascii=False,
        indent=1,
    )


COMMAND = Command("validate", configure, run)
