"""What `ntm report --update` reuses from the run folder it replaces, and why it makes the rest.

The folder's manifest is read as untrusted input: an entry is used only when it is well formed,
names exactly the page and notebook this run would write for its commune (names computed here,
never taken from the manifest) and both are regular files inside the folder (no link, no
device, no folder reached through a link). A page is reused when its inputs (reports.
fingerprint: code, set, options, its commune's own data and what it shows of others) are those
recorded; its files are then linked (or copied) into the new run.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..atomic import stamp
from .batch import Outcome, file_stem
from .fingerprint import PARTS, fingerprint

# Why a page is made again, in the order they are judged.
REASONS = ("new", "failed", "missing", "code", "set", "options", "data")
HEX = set("0123456789abcdef")


@dataclass(frozen=True)
class Page:
    """A page the previous run made, as its manifest records it (checked)."""

    commune_id: str
    inputs: dict[str, str]
    duration_s: float


def previous_pages(
    manifest: dict | None, year: int, names: dict[str, str]
) -> dict[str, Page | str]:
    """The previous run's entries for `year`, by commune: a Page for a page it made, else the
    reason it cannot be reused ("failed"; "missing" for an entry that does not name the files
    this run would write, by the commune's code and its name in `names`, or its inputs)."""
    out: dict[str, Page | str] = {}
    entries = (manifest or {}).get("communes")
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or entry.get("year") != year:
            continue
        cid = entry.get("commune_id")
        if not isinstance(cid, str):
            continue
        if entry.get("ok") is not True:
            out[cid] = "failed"
            continue
        stem = file_stem(cid, year, names.get(cid))
        named = (
            entry.get("html") == f"communes/{stem}.html"
            and entry.get("ipynb") == f"communes/{stem}.ipynb"
        )
        if not named or not _digests(entry.get("inputs")):
            out[cid] = "missing"
            continue
        duration = entry.get("duration_s")
        duration = float(duration) if isinstance(duration, (int, float)) else 0.0
        out[cid] = Page(cid, dict(entry["inputs"]), duration)
    return out


def _digests(inputs) -> bool:
    return isinstance(inputs, dict) and all(
        k in PARTS and isinstance(v, str) and len(v) == 64 and set(v) <= HEX
        for k, v in inputs.items()
    )


def reason(page: Page | str | None, inputs: dict[str, str]) -> str:
    """Why the page with these `inputs` must be made again: "" when the previous `page` is
    still right, "area" when only its area changed (reports.areas: what it may show of other
    communes; then what it does show decides), else one of REASONS."""
    if page is None:
        return "new"
    if isinstance(page, str):
        return page
    for part in ("code", "set", "options"):
        if page.inputs.get(part) != inputs[part]:
            return part
    if page.inputs.get("commune") != inputs["commune"]:
        return "data"
    return "" if page.inputs.get("area") == inputs["area"] else "area"


def sort_pages(
    previous: dict | None,
    folder: Path,
    year: int,
    inputs: dict[str, dict[str, str]],
    shown_for: Callable[[list[str]], dict[str, str]] | None,
    names: dict[str, str],
) -> tuple[dict[str, tuple[Page, list[Path]]], dict[str, str]]:
    """The pages of the previous run (its manifest, in `folder`) that are still right, with
    their files, and the reason each other page must be made. `shown_for(ids)` computes what
    those pages show of others now (None: a notebook whose page may read its whole slice)."""
    pages = previous_pages(previous, year, names)
    why = {cid: reason(pages.get(cid), own) for cid, own in inputs.items()}
    area = [cid for cid, r in why.items() if r == "area"]
    shown = shown_for(area) if shown_for and area else {}
    for cid in area:
        why[cid] = "" if shown.get(cid) == pages[cid].inputs.get("shown") else "data"
    keep = {}
    communes = _communes(folder)
    for cid in [c for c, r in why.items() if not r]:
        files = page_files(communes, cid, year, names.get(cid)) if communes else None
        if files is None:
            why[cid] = "missing"
        else:
            keep[cid] = (pages[cid], files)
    return keep, {cid: r for cid, r in why.items() if r}


def _communes(folder: Path) -> Path | None:
    """The previous run's pages folder, if it is a folder reached without a link."""
    communes = folder / "communes"
    try:
        return communes if stat.S_ISDIR(os.lstat(communes).st_mode) else None
    except OSError:
        return None


def page_files(communes: Path, commune_id: str, year: int, name: str | None) -> list[Path] | None:
    """The page and notebook of `commune_id` in the previous run's pages folder `communes`
    (`_communes`), if both are regular files, reached without a link; else None."""
    stem = file_stem(commune_id, year, name)
    base = os.path.join(communes, stem)
    for suffix in (".html", ".ipynb"):
        try:
            if not stat.S_ISREG(os.lstat(base + suffix).st_mode):
                return None
        except OSError:
            return None
    return [communes / f"{stem}.html", communes / f"{stem}.ipynb"]


def carry(paths: list[Path], target: Path, vouched: dict | None = None) -> dict[Path, list]:
    """The previous run's files into the new run's folder: a hard link where the filesystem
    allows (the old folder is removed once the new one is in place), else a copy. A file that
    turns out not to be the regular file checked is refused. Returns the stat stamps of the new
    files (atomic.stamp) whose old file still had the stamp `vouched` gives it (the one under
    which it was found unchanged) when it was linked: the link moved only its link count."""
    stamps = {}
    for path in paths:
        before = os.lstat(path)
        new = target / path.name
        try:
            os.link(path, new, follow_symlinks=False)
            linked = True
        except OSError:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(fd, "rb") as src, open(new, "xb") as dst:
                shutil.copyfileobj(src, dst)
            linked = False
        after = os.lstat(new)
        if not stat.S_ISREG(after.st_mode) or after.st_size != before.st_size:
            new.unlink()
            raise OSError(f"{path} changed while it was reused")
        was, now = stamp(before), stamp(after)
        one_more = now[:2] == was[:2] and now[2] == was[2] + 1 and now[3:5] == was[3:5]
        if linked and one_more and (vouched or {}).get(path) == was:
            stamps[new] = now
    return stamps


def reused_outcome(page: Page, inputs: dict[str, str], year: int, name: str | None) -> Outcome:
    stem = file_stem(page.commune_id, year, name)
    inputs = inputs | {"shown": page.inputs.get("shown", inputs.get("shown", ""))}
    return Outcome(
        page.commune_id,
        year,
        True,
        page.duration_s,
        fingerprint(inputs),
        html=f"communes/{stem}.html",
        ipynb=f"communes/{stem}.ipynb",
        reused=True,
        inputs=inputs,
    )
