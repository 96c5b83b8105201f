"""Deterministic CSV and XLSX files: the same tables give the same bytes."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd

EXCEL_MAX_ROWS = 1_048_575
# Fixed timestamp inside .xlsx files so that the same results give the same bytes.
XLSX_TIMESTAMP = "2000-01-01T00:00:00Z"


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def make_xlsx_deterministic(path: Path) -> None:
    """Rewrite an .xlsx with fixed entry times and document timestamps."""
    with zipfile.ZipFile(path) as src:
        entries = [(info.filename, src.read(info.filename)) for info in src.infolist()]
    stamp = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = stamp.sub(rb"\g<1>" + XLSX_TIMESTAMP.encode() + rb"\g<3>", data)
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, data)


def write_xlsx(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    make_xlsx_deterministic(path)
