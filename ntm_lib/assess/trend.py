"""The yearly rate of change of values: least squares over the years that have a value."""

from __future__ import annotations

import numpy as np


def linear_fit(values: np.ndarray, years) -> tuple[np.ndarray, np.ndarray]:
    """(slope per year, intercept) of each row of `values` [row, year] against `years`,
    ignoring missing values; NaN where fewer than two years have one."""
    y = np.asarray(values, dtype=float)
    x = np.asarray(years, dtype=float)[None, :]
    have = ~np.isnan(y)
    n = have.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        xbar = np.where(have, x, 0).sum(axis=1) / n
        ybar = np.where(have, y, 0).sum(axis=1) / n
        dx = np.where(have, x - xbar[:, None], 0)
        slope = (dx * np.where(have, y - ybar[:, None], 0)).sum(axis=1) / (dx**2).sum(axis=1)
    slope = np.where(n >= 2, np.round(slope, 9), np.nan)
    return slope, ybar - slope * xbar
