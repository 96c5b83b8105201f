"""Where criteria sets are found: the shipped folder and the folders a user adds (NTM_SETS_DIR
or --sets-dir), and the rules that keep a set's ancestry explicit.

A set id is data, never a path: it must match SET_ID before it names a file. The folders a
user gives are made absolute once, in the environment, so that every later reader (a report's
workers, a notebook) means the same folders whatever its working directory. A file outside the
shipped folder that bears a shipped set's id must be that set byte for byte: a modified copy
would silently change what every overlay of it means.
"""

from __future__ import annotations

import hashlib
import os
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..errors import CriteriaSetError
from ..i18n import t

SETS_DIR = Path(str(resources.files("ntm_lib").joinpath("criteria/sets")))
# Lower-case ASCII letters and digits, in words joined by single hyphens or underscores: a
# file name on every system, and nothing a path or a shell could read otherwise.
SET_ID = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
SET_ID_MAX = 64


def valid_set_id(text: str) -> bool:
    return len(text) <= SET_ID_MAX and SET_ID.fullmatch(text) is not None


def check_set_id(text: str, where: str) -> None:
    """Raise CriteriaSetError unless `text` is a valid set id (`where` names its place)."""
    if not valid_set_id(str(text)):
        raise CriteriaSetError(t("set_id_invalid", value=str(text), where=where))


def absolute_sets_dirs() -> list[str]:
    """The folders of NTM_SETS_DIR, made absolute; the environment is rewritten once so that
    child processes and later readers resolve them alike."""
    raw = os.environ.get("NTM_SETS_DIR", "")
    parts = [p for p in raw.split(os.pathsep) if p.strip()]
    absolute = [os.path.abspath(os.path.expanduser(p)) for p in parts]
    if absolute != parts:
        os.environ["NTM_SETS_DIR"] = os.pathsep.join(absolute)
    return absolute


def sets_dirs() -> list[Path]:
    """Folders searched for criteria sets: those of NTM_SETS_DIR (or --sets-dir), then the
    shipped sets."""
    return [Path(p) for p in absolute_sets_dirs()] + [SETS_DIR]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@lru_cache(maxsize=1)
def shipped_digests() -> dict[str, str]:
    """The SHA-256 of every shipped set file, by id."""
    return {p.stem: sha256_of(p) for p in SETS_DIR.glob("*.yaml")}


def is_shipped(path: Path) -> bool:
    """True for a file of the shipped folder, unchanged."""
    digest = shipped_digests().get(path.stem)
    return (
        digest is not None
        and os.path.abspath(path.parent) == os.path.abspath(SETS_DIR)
        and sha256_of(path) == digest
    )


def check_not_shadowing(path: Path) -> None:
    """Refuse a file that bears a shipped set's id (as its name) with other content."""
    digest = shipped_digests().get(path.stem)
    if digest is not None and sha256_of(path) != digest:
        raise CriteriaSetError(t("set_shadows_shipped", file=str(path), set_id=path.stem))


def list_sets() -> list[str]:
    return sorted({p.stem for d in sets_dirs() for p in d.glob("*.yaml") if valid_set_id(p.stem)})


def set_path(set_id: str) -> Path:
    """The file of set `set_id`: a path to a YAML file, or an id found in the folders of
    sets_dirs() (several identical copies are one set)."""
    candidate = Path(set_id)
    if candidate.suffix in (".yaml", ".yml") and candidate.exists():
        check_not_shadowing(candidate)
        return candidate
    if not valid_set_id(set_id):
        raise CriteriaSetError(t("unknown_set", set_id=set_id, known=", ".join(list_sets())))
    found = [d / f"{set_id}.yaml" for d in sets_dirs() if (d / f"{set_id}.yaml").is_file()]
    if not found:
        raise CriteriaSetError(t("unknown_set", set_id=set_id, known=", ".join(list_sets())))
    for path in found:
        check_not_shadowing(path)
    if len({sha256_of(p) for p in found}) > 1:
        raise CriteriaSetError(
            t("set_id_twice", set_id=set_id, files=", ".join(str(f) for f in found))
        )
    return found[0]


def related_path(path: Path, set_id: str) -> Path:
    """A parent or sibling set named by the file `path`: beside it, else wherever sets are
    found."""
    check_set_id(set_id, str(path))
    beside = path.parent / f"{set_id}.yaml"
    if beside.is_file():
        check_not_shadowing(beside)
        return beside
    return set_path(set_id)
