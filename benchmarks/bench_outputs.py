"""The fixed costs of every run, an update's included: the result tables and `ntm`'s start.

- result tables: `write_assessment` (indicators, criteria and communes as CSV, the workbook)
  on a synthetic district, beside the workbook written one xlsxwriter call a cell (the way
  it was written before each distinct cell was rendered once: `table_sheet`), interleaved,
  this process's CPU;
- start: `ntm --help`, and `ntm report ... --update` up to its first line of work (the
  command parsed, its module imported), each a fresh interpreter, wall time.

    python benchmarks/bench_outputs.py [--communes 200] [--years 5] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPEAT, Row, child, interleaved, print_table, report_args, synthetic  # noqa: E402

SET = "hd-2022-advanced"
# `ntm` stopped where a report's work begins: what is left is the start.
STARTED = """
import os, sys
from ntm_lib import cli
from ntm_lib.commands import report
report.run_report = lambda *a, **k: os._exit(0)
sys.exit(cli.main(sys.argv[1:]))
"""


def _one_call_a_cell(sheet, frame, number, text) -> None:
    from ntm_lib.table_sheet import write_value

    values = frame.astype(object)
    values = values.where(values.notna(), None)
    for i, row in enumerate(values.itertuples(index=False, name=None), start=1):
        for j, value in enumerate(row):
            if value is not None:
                write_value(sheet, i, j, value, number, text)


def table_rows(folder: Path, repeat: int) -> list[Row]:
    from ntm_lib.assess.loaded import load_run
    from ntm_lib.reports.workbooks import write_assessment
    from ntm_lib.table_sheet import TableSheet

    run = load_run([str(folder / "indicators.csv")], str(folder / "communes.csv"), SET)
    size = f"{run.assessment.communes['commune_id'].nunique()} communes x years"
    fast = TableSheet.put_rows

    def write(put) -> None:
        TableSheet.put_rows = put
        try:
            with tempfile.TemporaryDirectory() as out:
                inputs = run.provenance["inputs"]
                write_assessment(
                    run.assessment, Path(out), run.cset, run.register, "vi", inputs=inputs
                )
        finally:
            TableSheet.put_rows = fast

    runs = interleaved(
        {"ours": lambda: write(fast), "ref": lambda: write(_one_call_a_cell)}, repeat
    )
    return [
        Row(
            f"result tables, CSV + workbook ({size}, CPU)",
            [r.cpu for r in runs["ours"]],
            "s",
            "a call a cell",
            [r.cpu for r in runs["ref"]],
        )
    ]


def start_rows(folder: Path, repeat: int) -> list[Row]:
    report = report_args(folder, folder / "out", "--update", set_id=SET)
    runs = interleaved(
        {
            "help": lambda: child([sys.executable, "-m", "ntm_lib", "--help"]),
            "report": lambda: child([sys.executable, "-c", STARTED, *report]),
        },
        repeat,
    )
    return [
        Row("ntm --help", [r.wall for r in runs["help"]], "s wall"),
        Row("ntm report --update, to its first work", [r.wall for r in runs["report"]], "s wall"),
    ]


def rows(communes: int = 200, years: int = 5, repeat: int = REPEAT) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = synthetic(Path(tmp), communes, years)
        return table_rows(folder, repeat) + start_rows(folder, max(repeat, 5))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--communes", type=int, default=200)
    p.add_argument("--years", type=int, default=5)
    p.add_argument("--repeat", type=int, default=REPEAT)
    args = p.parse_args()
    print_table(rows(args.communes, args.years, args.repeat))


if __name__ == "__main__":
    main()
