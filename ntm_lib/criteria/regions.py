"""What every set shares (`regions.yaml`): the regions, the special commune categories and the
units an indicator can be measured in, with their plausible ranges and known typing slips."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from .. import yaml_text

COMMON_FILE = Path(str(resources.files("ntm_lib").joinpath("criteria/regions.yaml")))


@lru_cache(maxsize=1)
def common() -> dict:
    return yaml_text.load(COMMON_FILE.read_text(encoding="utf-8"))


def region_ids() -> list[str]:
    return [r["id"] for r in common()["regions"]]


def region_names(lang: str = "vi") -> dict[str, str]:
    """Each region's name in `lang`, by id."""
    return {r["id"]: r["name"][lang] for r in common()["regions"]}


def units() -> dict:
    return common()["units"]


def special_categories() -> dict[str, dict]:
    """The special commune categories a register may name, by id (see regions.yaml)."""
    return {c["id"]: c for c in common()["special_categories"]}
