"""The bundled illustrative sample, recognised by its files' SHA-256.

Its figures and evidence documents are invented (data/README.md): every output made from it
must say so. The hashes live beside this module (`illustrative.yaml`, written by
data/make_sample.py), so that a copy of the sample renamed or moved is still recognised.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

from . import yaml_text

REGISTRY = "illustrative.yaml"


@lru_cache(maxsize=1)
def sample_hashes() -> frozenset[str]:
    text = resources.files("ntm_lib").joinpath(REGISTRY).read_text(encoding="utf-8")
    return frozenset(yaml_text.load(text)["sha256"].values())


def is_illustrative(hashes: Iterable[str]) -> bool:
    """True when any of these file hashes is one of the bundled sample's files."""
    return not sample_hashes().isdisjoint(hashes)


def inputs_illustrative(inputs: Iterable[dict]) -> bool:
    """True when a run's inputs (provenance entries with a `sha256`, or a page's entries that
    say `illustrative`) include the sample."""
    inputs = list(inputs)
    return any(item.get("illustrative") is True for item in inputs) or is_illustrative(
        item.get("sha256", "") for item in inputs
    )
