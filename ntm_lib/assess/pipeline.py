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
    if years is None:
        return full
    keep = {
        name: frame[frame["year"].isin(years)].reset_index(drop=True)
        for name, frame in (
            ("indicators", full.indicators),
            ("criteria", full.criteria),
            ("communes", full.communes),
        )
    }
    return Assessment(full.set_id, keep["indicators"], keep["criteria"], keep["communes"])
