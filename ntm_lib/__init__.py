"""ntm-assess: score Vietnamese communes against the NTM criteria sets and report the results."""

from __future__ import annotations

import importlib

from .errors import CriteriaSetError, InputError, NtmError, Problem, UsageError

__version__ = "0.1.0"

# The public names that live in heavier modules (pandas, pydantic), imported on first use: the
# `ntm` command imports the package, and its help or a command's start need none of them.
_LAZY = {
    "Assessment": "assess.scoring",
    "score": "assess.scoring",
    "CriteriaSet": "criteria.catalogue",
    "list_sets": "criteria.catalogue",
    "load_set": "criteria.catalogue",
    "load_inputs": "intake.inputs",
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    globals()[name] = value
    return value


__all__ = [
    "Assessment",
    "CriteriaSet",
    "CriteriaSetError",
    "InputError",
    "NtmError",
    "Problem",
    "UsageError",
    "list_sets",
    "load_inputs",
    "load_set",
    "score",
    "__version__",
]
