"""YAML read safely, with libyaml's reader where PyYAML has it: the catalogue, the sets and the
intake's vocabularies are read by every process (each report worker too), and the pure-Python
reader is several times slower."""

from __future__ import annotations

import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(text: str):
    """The value of a YAML text, read with the safe loader (no object of Python built)."""
    return yaml.load(text, Loader=LOADER)
