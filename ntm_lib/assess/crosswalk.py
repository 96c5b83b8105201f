"""Old (before 1 July 2025) to new commune-level units, from the official conversion.

The table comes from `vietnamadminunits` (MIT licence), which bundles the National Statistics
Office catalogue's old and new units with their codes and the conversion between them. It was
chosen over `vietnam-provinces` for its licence: that package is GPL-3.0, which would bind this
MIT project; both agree on the Cẩm Giàng rows checked against the official table.

Old and new codes are kept in separate columns everywhere: a new code can equal an old one
(Tuệ Tĩnh is 10909, as old Cẩm Vũ was).
"""

from __future__ import annotations

import json
import sqlite3
from functools import lru_cache
from pathlib import Path

import pandas as pd


def _data_dir() -> Path:
    import vietnamadminunits

    return Path(vietnamadminunits.__file__).parent / "data"


@lru_cache(maxsize=1)
def crosswalk() -> pd.DataFrame:
    """One row per old unit and new unit it went into: `whole` is False where the old unit was
    split between several new ones (no share is given by the official table)."""
    folder = _data_dir()
    conversion = json.loads((folder / "converter_2025.json").read_text(encoding="utf-8"))
    with sqlite3.connect(folder / "dataset.db") as db:
        old = pd.read_sql(
            "select provinceKey, districtKey, wardKey, ward, district, province, "
            "wardCode from admin_units_legacy",
            db,
        )
        new = pd.read_sql(
            "select provinceKey, wardKey, ward, province, wardCode, wardAreaKm2 from admin_units",
            db,
        )
    old_by_key = {f"{r.provinceKey}_{r.districtKey}_{r.wardKey}": r for r in old.itertuples()}
    # Exact keys: the catalogue tells apart "Cẩm Giang" and "Cẩm Giàng" only by their accents.
    new_by_key = {(r.provinceKey, r.wardKey): r for r in new.itertuples()}
    rows = []

    def add(old_key: str, province_key: str, ward_key: str, whole: bool) -> None:
        o, n = old_by_key.get(old_key), new_by_key.get((province_key, ward_key))
        if o is None or n is None:
            return
        rows.append(
            {
                "old_code": o.wardCode,
                "old_name": o.ward,
                "old_district": o.district,
                "old_province": o.province,
                "new_code": n.wardCode,
                "new_name": n.ward,
                "new_province": n.province,
                "whole": whole,
                "new_area_km2": n.wardAreaKm2,
            }
        )

    for province_key, wards in conversion["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward_key, old_keys in wards.items():
            for old_key in old_keys:
                add(old_key, province_key, ward_key, True)
    for province_key, olds in conversion["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, targets in olds.items():
            for target in targets:
                add(old_key, province_key, target["newWardKey"], False)
    out = pd.DataFrame(rows).drop_duplicates(["old_code", "new_code"])
    return out.sort_values(["new_code", "old_code"]).reset_index(drop=True)


def successors(old_codes: list[str]) -> pd.DataFrame:
    return crosswalk()[crosswalk()["old_code"].isin([str(c) for c in old_codes])]
