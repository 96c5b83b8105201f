"""The whole assessment as every command writes it: verdicts, then what follows from them."""

from __future__ import annotations

import pandas as pd

from ..criteria.catalogue import CriteriaSet
from .scoring import Assessment, score
from .warning import annotate


def assess(
    cset: CriteriaSet, register: pd.DataFrame, data: pd.DataFrame, years: list[int] | None = None
) -> Assessment:
    """Verdicts for every commune and year (scoring), with early warnings and fragile
    verdicts (warning). Trends look back over every year of `data`, even with `years`."""
    full = annotate(score(cset, register, data), cset, register)
    return full if years is None else full.only_years(years)
