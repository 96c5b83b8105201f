"""Roll old communes' indicator data up into the new (post-July-2025) communes.

One rule per indicator kind, each stated in the output's `note`:

- counts (unit kind `number` with unit `count`) are summed;
- yes/no indicators are met only if met in every part;
- shares and other measures are re-derived from numerators and denominators where every part
  gives them; otherwise they are averaged weighted by households (or population, when the
  register gives no households), the weight being stated.

A commune split between several new ones contributes to each only with a share (from a shares
file: `old_code, new_code, share`); without it, sums and averages that need it are flagged as
not derivable rather than guessed. So are new communes some of whose parts have no data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import yaml_text
from ..criteria.catalogue import CriteriaSet
from ..errors import Problem
from ..intake.shares import load_shares
from .crosswalk import crosswalk as official_crosswalk


@dataclass
class Merged:
    data: pd.DataFrame  # long form, commune_id = the NEW code
    register: pd.DataFrame  # new communes, with their predecessors' OLD codes
    flags: pd.DataFrame  # what could not be derived, and why


def method_of(cset: CriteriaSet, code: str) -> str:
    ind = cset.indicator(code)
    if ind.unit_kind == "yes_no":
        return "all"
    if ind.unit == "count":
        return "sum"
    return "weighted_mean"


def _weights(register: pd.DataFrame) -> tuple[pd.Series, str]:
    reg = register.set_index(register["commune_id"])
    for column in ("households", "population"):
        if column in reg and pd.to_numeric(reg[column], errors="coerce").notna().any():
            return pd.to_numeric(reg[column], errors="coerce"), column
    return pd.Series(np.nan, index=reg.index), "households"


def read_shares(path, crosswalk: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """A `--shares` file read through the intake (InputError listing every problem), and its
    warnings: among them each share the official table gives no use for (the old commune was
    not split into that new one), which the roll-up leaves aside."""
    shares, warnings = load_shares(path)
    cw = official_crosswalk() if crosswalk is None else crosswalk
    split = set(zip(cw.loc[~cw["whole"], "old_code"], cw.loc[~cw["whole"], "new_code"]))
    for row in shares.itertuples():
        if (row.old_code, row.new_code) not in split:
            line = row.input_ref.rpartition(":")[2]
            warnings.append(
                Problem(
                    str(path),
                    "shares_not_a_split",
                    row=int(line),
                    params={"old": row.old_code, "new": row.new_code},
                    severity="warning",
                )
            )
    return shares, warnings


def merge(
    data: pd.DataFrame,
    register: pd.DataFrame,
    cset: CriteriaSet,
    shares: pd.DataFrame | None = None,
    crosswalk: pd.DataFrame | None = None,
) -> Merged:
    olds = set(register["commune_id"])
    cw = _crosswalk(official_crosswalk() if crosswalk is None else crosswalk, olds, shares)
    weight, weight_name = _weights(register)
    flags: list[dict] = [
        {"new_code": "", "year": None, "indicator": "", "reason": "no_successor", "old_codes": code}
        for code in sorted(olds - set(cw["old_code"]))
    ]
    d = data[
        ~data["indicator"].astype(str).isin([i.code for i in cset.indicators if i.value_from])
    ].copy()
    d["commune_id"] = d["commune_id"].astype(str)
    d["indicator"] = d["indicator"].astype(str)
    for col in ("numerator", "denominator"):
        if col not in d:
            d[col] = np.nan
    by_key = {k: g for k, g in d.groupby(["commune_id", "year", "indicator"])}
    rows = []
    for new_code, parts, year, code in _cells(cw, sorted(d["year"].unique()), cset):
        found = [by_key.get((o, year, code)) for o in parts["old_code"]]
        if any(f is not None for f in found):
            kind = cset.indicator(code).unit_kind
            args = (weight, weight_name, method_of(cset, code), kind, flags)
            rows.append(_roll(new_code, year, code, parts, found, *args))
    merged = pd.DataFrame(
        rows, columns=["commune_id", "year", "indicator", "value", "note", "source"]
    )
    return Merged(
        merged,
        _new_register(cw, register, weight, weight_name),
        pd.DataFrame(flags, columns=["new_code", "year", "indicator", "reason", "old_codes"]),
    )


def _crosswalk(cw: pd.DataFrame, olds: set[str], shares: pd.DataFrame | None) -> pd.DataFrame:
    """The crosswalk's rows of the new communes that any of `olds` went into, each with the
    share of its old commune (1 when it went whole; from `shares` when split, else NaN)."""
    cw = cw[cw["new_code"].isin(cw.loc[cw["old_code"].isin(olds), "new_code"])].copy()
    share_of = (
        {}
        if shares is None
        else {(str(r.old_code), str(r.new_code)): float(r.share) for r in shares.itertuples()}
    )
    cw["share"] = [
        1.0 if w else share_of.get((o, n), np.nan)
        for o, n, w in zip(cw["old_code"], cw["new_code"], cw["whole"])
    ]
    return cw


def _cells(cw: pd.DataFrame, years: list, cset: CriteriaSet):
    """(new commune, its parts, year, indicator) for every cell a merged commune may have."""
    codes = [i.code for i in cset.indicators if not i.value_from]
    for new_code, parts in cw.groupby("new_code"):
        for year in years:
            for code in codes:
                yield new_code, parts, year, code


def _roll(new_code, year, code, parts, found, weight, weight_name, method, kind, flags) -> dict:
    olds = ", ".join(parts["old_code"])
    out = {
        "commune_id": new_code,
        "year": year,
        "indicator": code,
        "value": np.nan,
        "source": f"old codes {olds}",
    }

    def flag(reason: str) -> dict:
        flags.append(
            {
                "new_code": new_code,
                "year": year,
                "indicator": code,
                "reason": reason,
                "old_codes": olds,
            }
        )
        return out | {"note": f"not derivable: {reason}"}

    missing = [o for o, f in zip(parts["old_code"], found) if f is None]
    if missing:
        return flag("missing_part")
    values = np.array([float(f["value"].iloc[0]) for f in found])
    if np.isnan(values).any():
        return flag("missing_value")
    share = parts["share"].to_numpy(dtype=float)
    if method == "all":
        return out | {"value": float(values.min()), "note": "met only if met in every part"}
    if np.isnan(share).any():
        return flag("split_without_share")
    if method == "sum":
        return out | {"value": round(float((values * share).sum()), 6), "note": "sum of the parts"}
    num = np.array([float(f["numerator"].iloc[0]) for f in found])
    den = np.array([float(f["denominator"].iloc[0]) for f in found])
    if not (np.isnan(num).any() or np.isnan(den).any()) and (den * share).sum() > 0:
        ratio = (num * share).sum() / (den * share).sum() * (100 if kind == "percent" else 1)
        return out | {
            "value": round(float(ratio), 6),
            "note": "re-derived from numerators and denominators",
        }
    w = weight.reindex(parts["old_code"]).to_numpy(dtype=float) * share
    if np.isnan(w).any() or w.sum() <= 0:
        return flag(f"no_{weight_name}")
    return out | {
        "value": round(float((values * w).sum() / w.sum()), 6),
        "note": f"mean weighted by {weight_name}",
    }


def _new_register(
    cw: pd.DataFrame, register: pd.DataFrame, weight: pd.Series, weight_name: str
) -> pd.DataFrame:
    reg = register.set_index(register["commune_id"])
    rows = []
    for new_code, parts in cw.groupby("new_code"):
        olds = [o for o in parts["old_code"] if o in reg.index]
        regions = sorted(set(reg.loc[olds, "region"]))
        row = {
            "commune_id": new_code,
            "name": parts["new_name"].iloc[0].removeprefix("Xã ").removeprefix("Phường "),
            "district": "",
            "province": parts["new_province"]
            .iloc[0]
            .removeprefix("Thành phố ")
            .removeprefix("Tỉnh "),
            "region": regions[0] if len(regions) == 1 else "",
            "predecessors_old_codes": " ".join(parts["old_code"]),
        }
        w = weight.reindex(parts["old_code"]).to_numpy(dtype=float) * parts["share"].to_numpy(
            dtype=float
        )
        row[weight_name] = float(w.sum()) if not np.isnan(w).any() else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def concordance(old_set: str, new_set: str) -> dict:
    """The working concordance between two sets' indicators (criteria/concordance/)."""
    from importlib import resources

    path = resources.files("ntm_lib").joinpath(f"criteria/concordance/{old_set}--{new_set}.yaml")
    return yaml_text.load(path.read_text(encoding="utf-8"))


def carry_over(merged: pd.DataFrame, mapping: dict, from_year: int, as_year: int) -> pd.DataFrame:
    """Baseline data for the new set from rolled-up old data of `from_year`, labelled `as_year`:
    each row names the old indicator and year it comes from and how."""
    d = merged.dropna(subset=["value"])
    rows = []
    for m in mapping["map"]:
        now = d[(d["indicator"] == m["from"]) & (d["year"] == from_year)].set_index("commune_id")
        if m["how"] == "growth":
            before = d[(d["indicator"] == m["from"]) & (d["year"] == from_year - 1)].set_index(
                "commune_id"
            )["value"]
            values = (now["value"] / before.reindex(now.index) - 1) * 100
        elif m["how"] == "all_100":
            values = (now["value"] >= 100).astype(float)
        else:
            values = now["value"]
        for commune, value in values.dropna().items():
            rows.append(
                {
                    "commune_id": commune,
                    "year": as_year,
                    "indicator": m["to"],
                    "value": round(float(value), 6),
                    "note": f"{m['note']['vi']} (mã cũ {m['from']}, năm {from_year})",
                    "source": now.at[commune, "source"],
                }
            )
    return pd.DataFrame(
        rows, columns=["commune_id", "year", "indicator", "value", "note", "source"]
    )
