"""The manifest every command that writes leaves with its outputs, built by one function.

A folder's is `manifest.json` inside it; single files have theirs beside the first of them
(`plan.docx.ntm.json`). Either records the command, its parameters, the inputs and criteria
sets with their SHA-256 (paths relative to the manifest, so a project folder moved as a whole
still verifies), the packages, and every file written with its SHA-256; and `update_key`, the
digest of all that decides the outputs, by which `--update` knows that a command would write
again exactly what is there.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .. import __version__
from ..criteria.catalogue import CriteriaSet, provenance_of
from ..i18n import current_lang
from ..provenance import package_versions, relative_inputs, relative_path, run_time
from ..reports.fingerprint import digest, package_digest


def build(
    command: str,
    parameters: dict,
    inputs: list[dict],
    base: Path,
    *,
    sets: list[CriteriaSet],
    started: str,
    **extra,
) -> dict:
    """The manifest of `command` whose outputs live in `base` (a run folder, or the folder of
    single files). `inputs` are provenance entries (role, name, path, sha256)."""
    recorded = parameters | {"reading_lang": current_lang(), "sets_dirs": sets_dirs(base)}
    key = extra.pop("update_key", None) or update_key(
        command, parameters, inputs, base, sets=sets, **extra
    )
    return {
        "version": __version__,
        "command": command,
        "started": started,
        "finished": run_time(),
        "parameters": recorded,
        "set": provenance_of(sets[0]) if sets else {"id": None, "files": {}},
        "sets": [provenance_of(s) for s in sets],
        "inputs": relative_inputs(inputs, base),
        "packages": package_versions(),
        "update_key": key,
    } | extra


def of_run(
    command: str,
    parameters: dict,
    loaded,
    base: Path,
    started: str,
    more_inputs=(),
    update_key: str | None = None,
) -> dict:
    """The manifest of a command run on a loaded run (its inputs and its set), with
    `more_inputs` (a plan, a budget) recorded beside them, and the `update_key` the command
    computed before it read them (else computed here)."""
    inputs = loaded.provenance["inputs"] + list(more_inputs)
    extra = {"update_key": update_key} if update_key else {}
    return build(command, parameters, inputs, base, sets=[loaded.cset], started=started, **extra)


# What a manifest records that does not change the outputs (how many workers, how long one
# may run, when the run started).
VOLATILE = ("jobs", "timeout")
# What else a manifest records that decides the outputs.
KEYED = ("notebook",)


def update_key(
    command: str, parameters: dict, inputs: list[dict], base: Path, *, sets, **extra
) -> str:
    """The digest of everything that decides what `command` writes: its parameters (and the
    language numbers were read in, the folders of sets), its inputs' contents, its sets'
    files, this package's code and the libraries' versions, and `extra` (a notebook's
    hash...). Two runs with the same key write the same files."""
    recorded = parameters | {"reading_lang": current_lang(), "sets_dirs": sets_dirs(base)}
    return digest(
        {
            "command": command,
            "parameters": {k: v for k, v in recorded.items() if k not in VOLATILE},
            "inputs": sorted((i["role"], i["name"], i["sha256"]) for i in inputs),
            "sets": [provenance_of(s) for s in sets],
            "code": [package_digest(), package_versions()],
            "extra": {k: v for k, v in extra.items() if k in KEYED},
        }
    )


def unchanged(previous: dict | None, key: str, base: Path) -> bool:
    """Whether `previous` (the manifest found where a command would write) records `key` and
    every file it lists is still there, as a regular file inside `base`."""
    if not isinstance(previous, dict) or previous.get("update_key") != key:
        return False
    listed = previous.get("files")
    return isinstance(listed, dict) and all(_present(base, name) for name in listed)


def _present(base: Path, name) -> bool:
    if not isinstance(name, str) or not name or Path(name).is_absolute() or ".." in name:
        return False
    try:
        return stat.S_ISREG(os.lstat(base / name).st_mode)
    except OSError:
        return False


def sets_dirs(base: Path) -> list[str]:
    """The folders of sets given with --sets-dir / NTM_SETS_DIR, relative to `base`."""
    folders = [d for d in os.environ.get("NTM_SETS_DIR", "").split(os.pathsep) if d.strip()]
    return [relative_path(d, base) for d in folders]
