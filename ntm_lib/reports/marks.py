"""The notes every verdict carries wherever it is shown (a page, a workbook, a CSV file, the
terminal): that thresholds not read in an official text make it provisional, and that outputs
made from the bundled illustrative sample (recognised by its files' hashes) are illustrative.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..assess.scoring import Assessment
from ..criteria.catalogue import CriteriaSet, unverified
from ..i18n import t
from ..illustrative import inputs_illustrative

JUDGED = ("met", "not_met")  # a verdict reached against a threshold


def provisional_text(cset: CriteriaSet, lang: str | None = None) -> str:
    """One line: how many of the set's indicators rest on thresholds below `official`, or ""
    when none does."""
    weak = unverified(cset)
    if not weak:
        return ""
    return t("provisional_note", lang, count=len(weak), total=len(cset.indicators), set_id=cset.id)


def notes(cset: CriteriaSet, inputs: list[dict] | None, lang: str | None = None) -> list[str]:
    """The lines to print or write beside any verdict: illustrative data first, then the
    provisional thresholds."""
    out = [t("illustrative_note", lang)] if inputs_illustrative(inputs or []) else []
    return out + [x for x in (provisional_text(cset, lang),) if x]


def notes_sheet(lines: list[str], lang: str | None = None) -> dict[str, pd.DataFrame]:
    """A workbook's first sheet holding `lines` (none when there is nothing to note)."""
    if not lines:
        return {}
    return {t("xlsx_sheet_notes", lang): pd.DataFrame({t("xlsx_col_note", lang): lines})}


def provisional_rows(a: Assessment) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each row of the indicators, criteria and communes tables: whether its verdict rests
    on at least one threshold not read in an official text (a met or not-met indicator whose
    threshold's evidence is below `official`)."""
    ind, crit, com = a.indicators, a.criteria, a.communes
    weak = (~ind["verified"].to_numpy(dtype=bool)) & ind["status"].isin(JUDGED).to_numpy()
    blocks = _as_blocks(a, weak)
    if blocks is not None:
        return weak, *blocks
    keys = ["commune_id", "year", "criterion"]
    by_criterion = _any_by(ind, weak, keys, crit)
    return weak, by_criterion, _any_by(crit, by_criterion, keys[:2], com)


def _as_blocks(a: Assessment, weak: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The same answer by matrix product, when the tables are laid out as scoring writes them
    (each commune-year a block of every indicator, and of every criterion, in one order):
    a million rows in milliseconds. None when they are not."""
    ind, crit, com = a.indicators, a.criteria, a.communes
    n = len(com)
    if not n or len(ind) % n or len(crit) % n:
        return None
    k, m = len(ind) // n, len(crit) // n
    ind_codes, ind_names = _codes(ind["criterion"])
    crit_codes, crit_names = _codes(crit["criterion"])
    if not k or not m or ind_codes is None or crit_codes is None:
        return None
    blocks_i, blocks_c = ind_codes.reshape(n, k), crit_codes.reshape(n, m)
    same = (
        (blocks_i == blocks_i[0]).all()
        and (blocks_c == blocks_c[0]).all()
        and all(
            np.array_equal(frame[col].iloc[::step].astype(str).to_numpy(), com[col].astype(str))
            for frame, step in ((ind, k), (crit, m))
            for col in ("commune_id", "year")
        )
    )
    first_i, first_c = ind_names[blocks_i[0]], crit_names[blocks_c[0]]
    if not same or not set(first_i) <= set(first_c):
        return None
    member = (first_i[:, None] == first_c[None, :]).astype(np.float32)
    by_criterion = (weak.reshape(n, k).astype(np.float32) @ member) > 0
    return by_criterion.ravel(), by_criterion.any(axis=1)


def _codes(col: pd.Series) -> tuple[np.ndarray | None, np.ndarray]:
    """A column as integer codes and the names they stand for (without a string per row)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.cat.codes.to_numpy(), col.cat.categories.astype(str).to_numpy()
    codes, names = pd.factorize(col.astype(str))
    return codes, np.asarray(names, dtype=object)


def _any_by(rows: pd.DataFrame, flag: np.ndarray, keys: list[str], target: pd.DataFrame):
    """For each row of `target`: whether any row of `rows` with the same `keys` is flagged."""
    if not len(target):
        return np.zeros(0, dtype=bool)
    if not flag.any():
        return np.zeros(len(target), dtype=bool)
    left = pd.DataFrame({k: _plain(rows[k]) for k in keys}).assign(_flag=flag)
    found = left.groupby(keys, sort=False, observed=True)["_flag"].any()
    right = pd.DataFrame({k: _plain(target[k]) for k in keys})
    merged = right.merge(found.reset_index(), on=keys, how="left")["_flag"]
    return merged.fillna(False).to_numpy(dtype=bool)


def _plain(col: pd.Series) -> pd.Series:
    """Keys comparable across tables (categoricals with different categories are not)."""
    return col.astype(str) if not pd.api.types.is_integer_dtype(col.dtype) else col


def csv_columns(a: Assessment, inputs: list[dict] | None) -> dict[str, dict[str, np.ndarray]]:
    """The columns each result table gains: `provisional` (its verdict rests on a threshold
    not read in an official text) and `illustrative` (made from the bundled sample)."""
    flags = dict(zip(("indicators", "criteria", "communes"), provisional_rows(a)))
    sample = inputs_illustrative(inputs or [])
    return {
        name: {"provisional": flag, "illustrative": np.full(len(flag), sample)}
        for name, flag in flags.items()
    }
