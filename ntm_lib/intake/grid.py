"""One sheet as a grid of text cells, and the size limit every input file is held to."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

DEFAULT_MAX_MB = 100


@dataclass
class Grid:
    """One sheet: text cells (row 0 is the sheet's first row) and what each cell really held."""

    sheet: str | None
    text: pd.DataFrame
    # "", "number", "percent" (a number formatted as %), "boolean", "date", "formula" (not
    # computed), "error"
    flags: pd.DataFrame | None = None
    hidden: bool = False  # a hidden sheet
    hidden_rows: frozenset[int] = frozenset()  # 0-based rows hidden (or filtered out) in Excel
    fields: np.ndarray | None = None  # CSV only: how many fields each row had


class SettingError(ValueError):
    """An environment setting holds a value ntm cannot use."""


def max_bytes() -> int:
    """The largest input file read, from NTM_MAX_INPUT_MB (SettingError if malformed)."""
    raw = os.environ.get("NTM_MAX_INPUT_MB", "")
    if not raw.strip():
        return DEFAULT_MAX_MB * 1024 * 1024
    try:
        mb = float(raw)
    except ValueError:
        mb = float("nan")
    if not np.isfinite(mb) or mb <= 0:
        raise SettingError(raw)
    return int(mb * 1024 * 1024)
