"""What each report of a batch reads: one file per district, written once by `ntm report`.

A slice holds the district's part of the loaded run (its communes' verdicts, all a page shows
and compares with), the gaps closed up to the report's year in the district and, in the rest
of the province, the quickest PEERS_SHOWN per indicator (all a page can name when its district
has none), and the register, plan and budget rows of those communes. A report then costs the
same in a district of ten communes as in a province of ten thousand.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pandas as pd

from ..assess.loaded import LoadedRun
from ..assess.peers import closings

PEERS_SHOWN = 3  # per indicator, the quickest; the table behind it has them all


def write_slices(
    folder: Path,
    run: LoadedRun,
    year: int,
    plan_rows: pd.DataFrame | None = None,
    budget: pd.DataFrame | None = None,
) -> dict[str, Path]:
    """Each commune's slice file, by commune id."""
    folder.mkdir(parents=True, exist_ok=True)
    reg = run.register
    where = reg.set_index("commune_id")[["district", "province"]]
    done = closings(run.assessment, year)
    done = done.assign(
        district=done["commune_id"].map(where["district"]),
        province=done["commune_id"].map(where["province"]),
    )
    quickest = done.sort_values(["indicator", "years", "met_in", "commune_id"], kind="stable")
    out = {}
    groups = reg.groupby(["province", "district"], sort=True, dropna=False)
    for k, ((province, district), members) in enumerate(groups):
        ids = set(members["commune_id"])
        near = done[done["district"] == district]
        wide = quickest[(quickest["province"] == province) & (quickest["district"] != district)]
        peers = pd.concat([near, wide.groupby("indicator", sort=False).head(PEERS_SHOWN)])
        known = ids | set(peers["commune_id"])
        part = {
            "run": LoadedRun(
                run.cset,
                reg[reg["commune_id"].isin(known)].reset_index(drop=True),
                run.assessment.only(lambda f: f["commune_id"].isin(ids)),
                run.provenance,
            ),
            "year": year,
            "closings": peers.drop(columns=["district", "province"]).reset_index(drop=True),
            "plan_rows": None
            if plan_rows is None
            else plan_rows[plan_rows["commune_id"].isin(known)],
            "budget": None if plan_rows is None else budget[budget["commune_id"].isin(ids)],
        }
        path = folder / f"{k}.pkl"
        with open(path, "wb") as fh:
            pickle.dump(part, fh, protocol=5)
        out |= {cid: path for cid in ids}
    return out


def read_slice(path: str | Path) -> dict:
    # Written by this run, in its own temporary folder, moments before: not user input.
    with open(path, "rb") as fh:
        return pickle.load(fh)


def write_run(path: Path, run: LoadedRun) -> Path:
    """A whole loaded run for a notebook of the batch (the district summary)."""
    with open(path, "wb") as fh:
        pickle.dump({"run": run}, fh, protocol=5)
    return path
