"""Writing results: deterministic CSV/XLSX, and folders that are complete or absent.

A run writes into a hidden temporary folder beside the target and renames it into place at the
end; an existing target is kept as a backup until the new folder is complete.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import zipfile
from pathlib import Path

import pandas as pd

from .errors import UsageError
from .i18n import t
from .scoring import Assessment

EXCEL_MAX_ROWS = 1_048_575
# Fixed timestamp inside .xlsx files so that the same results give the same bytes.
XLSX_TIMESTAMP = "2000-01-01T00:00:00Z"


@contextlib.contextmanager
def atomic_dir(target: str | Path, force: bool = False):
    """Yield a temporary folder that replaces `target` only if the block completes."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    recover(target)
    if target.exists() and any(target.iterdir()) and not force:
        raise UsageError(t("cli_out_exists", path=str(target)))
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    backup = target.parent / f".{target.name}.old-{os.getpid()}"
    if target.exists():
        target.rename(backup)
    tmp.rename(target)
    shutil.rmtree(backup, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(target: Path) -> None:
    """Undo what a killed run left beside `target`: its temporary folder goes; a backup it had
    moved aside is put back if the new folder never took its place."""
    for leftover in sorted(target.parent.glob(f".{target.name}.*-*")):
        kind, _, pid = leftover.name.rpartition("-")
        if not pid.isdigit() or _alive(int(pid)):
            continue
        if kind.endswith(".old") and not target.exists():
            leftover.rename(target)
        else:
            shutil.rmtree(leftover, ignore_errors=True)


def atomic_file(target: str | Path, write) -> Path:
    """Call write(tmp_path), then rename the temporary file onto `target`."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}{target.suffix}")
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


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
