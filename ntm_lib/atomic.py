"""Folders and files that are complete or absent.

A run writes into a hidden temporary folder beside the target and renames it into place at the
end; an existing target is kept as a backup until the new folder is complete.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from .errors import UsageError
from .i18n import t


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
