"""The result tables of an assessment: CSV for machines, one workbook for people.

A workbook sheet holds at most XLSX_SHEET_MAX_ROWS rows: a larger table (the per-indicator
table of a province, say) is left out of the workbook, and its `notes` sheet says so and points
to the CSV file, which always holds every row. This keeps the workbook quick to write and to
open, and never runs into Excel's limit of 1,048,576 rows.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..assess.scoring import Assessment
from ..i18n import t
from ..tables import write_csv, write_xlsx

XLSX_SHEET_MAX_ROWS = 100_000


def workbook_sheets(tables: dict[str, pd.DataFrame],
                    max_rows: int = XLSX_SHEET_MAX_ROWS) -> dict[str, pd.DataFrame]:
    """The sheets of the workbook: each table that fits, and a `notes` sheet first for those
    that were left out."""
    kept = {name: frame for name, frame in tables.items() if len(frame) <= max_rows}
    left = [{"sheet": name, "rows": len(frame),
             "note": t("xlsx_sheet_left_out", rows=len(frame), limit=max_rows,
                       csv=f"{name}.csv")}
            for name, frame in tables.items() if len(frame) > max_rows]
    return ({"notes": pd.DataFrame(left)} if left else {}) | kept


def write_assessment(assessment: Assessment, folder: Path) -> list[Path]:
    """indicators.csv, criteria.csv, communes.csv and assessment.xlsx in `folder`."""
    tables = {"indicators": assessment.indicators, "criteria": assessment.criteria,
              "communes": assessment.communes}
    written = []
    for name, frame in tables.items():
        write_csv(frame, folder / f"{name}.csv")
        written.append(folder / f"{name}.csv")
    write_xlsx(workbook_sheets(tables), folder / "assessment.xlsx")
    written.append(folder / "assessment.xlsx")
    return written
