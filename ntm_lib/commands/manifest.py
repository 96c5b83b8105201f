"""The manifest every command that writes leaves with its outputs, built by one function.

A folder's is `manifest.json` inside it; single files have theirs beside the first of them
(`plan.docx.ntm.json`). Either records the command, its parameters, the inputs and criteria
sets with their SHA-256 (paths relative to the manifest, so a project folder moved as a whole
still verifies), the packages, and every file written with its SHA-256.
"""

from __future__ import annotations

import os
from pathlib import Path

from .. import __version__
from ..criteria.catalogue import CriteriaSet, provenance_of
from ..i18n import current_lang
from ..provenance import package_versions, relative_inputs, relative_path, run_time


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
    } | extra


def of_run(
    command: str, parameters: dict, loaded, base: Path, started: str, more_inputs=()
) -> dict:
    """The manifest of a command run on a loaded run (its inputs and its set), with
    `more_inputs` (a plan, a budget) recorded beside them."""
    inputs = loaded.provenance["inputs"] + list(more_inputs)
    return build(command, parameters, inputs, base, sets=[loaded.cset], started=started)


def sets_dirs(base: Path) -> list[str]:
    """The folders of sets given with --sets-dir / NTM_SETS_DIR, relative to `base`."""
    folders = [d for d in os.environ.get("NTM_SETS_DIR", "").split(os.pathsep) if d.strip()]
    return [relative_path(d, base) for d in folders]
