"""The result tables of an assessment: CSV for machines, one workbook for people."""

from __future__ import annotations

from pathlib import Path

from ..assess.scoring import Assessment
from ..tables import EXCEL_MAX_ROWS, write_csv, write_xlsx


def write_assessment(assessment: Assessment, folder: Path) -> list[Path]:
    """indicators.csv, criteria.csv, communes.csv and assessment.xlsx in `folder`."""
    tables = {"indicators": assessment.indicators, "criteria": assessment.criteria,
              "communes": assessment.communes}
    written = []
    for name, frame in tables.items():
        write_csv(frame, folder / f"{name}.csv")
        written.append(folder / f"{name}.csv")
    if len(assessment.indicators) <= EXCEL_MAX_ROWS:
        write_xlsx(tables, folder / "assessment.xlsx")
        written.append(folder / "assessment.xlsx")
    return written
