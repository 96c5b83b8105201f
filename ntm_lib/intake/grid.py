"""One sheet as a grid of text cells (the size limit every input file is held to: limits)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class Grid:
    """One sheet: text cells (row 0 is the sheet's first row) and what each cell really held."""

    sheet: str | None
    text: pd.DataFrame
    # "", "number", "percent" (a number formatted as %), "boolean", "date", "formula" (not
    # computed), "error"
    flags: pd.DataFrame | None = None
    hidden: bool = False  # a hidden sheet
    # 0-based rows hidden, filtered out or of height 0 in Excel; columns hidden or of width 0
    hidden_rows: frozenset[int] = frozenset()
    hidden_columns: frozenset[int] = frozenset()
    fields: np.ndarray | None = None  # CSV only: how many fields each row had
