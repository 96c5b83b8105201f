"""What each report of a batch reads: one file per district, written once by `ntm report`.

A slice holds the district's part of the loaded run (its communes' verdicts, all a page shows
and compares with), the gaps closed up to the report's year in the district and, in the rest
of the province, the quickest PEERS_SHOWN per indicator (all a page can name when its district
has none), and the register, plan and budget rows of those communes. A report then costs the
same in a district of ten communes as in a province of ten thousand.

The run is split once (rows grouped by district in one pass), not filtered per district. A
slice's provenance names the input files without their hashes (a hash of a whole file changes
with every other commune's data) and carries each of its communes' own-data digest, which the
page names instead (reports.fingerprint).
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..assess.loaded import LoadedRun
from ..assess.peers import PEERS_SHOWN, same_gap_rows, split_gaps
from ..assess.scoring import Assessment
from ..assess.views import comparison_rows, split_comparisons
from ..illustrative import inputs_illustrative
from .areas import Areas, Grouped, areas
from .fingerprint import shown_digests


def page_provenance(provenance: dict) -> dict:
    """The run's provenance as a page names it: each input file by role and name (and whether
    it is the bundled illustrative sample), the set, the version."""
    inputs = [
        {"role": i["role"], "name": i["name"], "illustrative": inputs_illustrative([i])}
        for i in provenance["inputs"]
    ]
    return provenance | {"inputs": inputs}


def district_parts(
    run: LoadedRun,
    year: int,
    plan_rows: pd.DataFrame | None = None,
    budget: pd.DataFrame | None = None,
    digests: dict[str, str] | None = None,
    wanted: set[str] | None = None,
    verdicts: bool = True,
    pages: set[str] | None = None,
    districts: Areas | None = None,
) -> Iterator[tuple[int, dict]]:
    """(number, slice) of each district, in order; with `wanted`, only the districts that hold
    one of those communes. `digests`: each commune's own-data digest, for its page to name.
    `pages`: the communes whose pages the slices serve (what they show of others is computed
    for those; default: `wanted`). Without `verdicts`, the slices leave out the assessment
    (what their digest needs: faster). `districts`: the run's `areas` for `year`, if made."""
    reg = run.register
    a = districts or areas(run, year)
    groups, group_of, near = a.groups, a.group_of, a.near
    provenance = page_provenance(run.provenance)
    pages = wanted if pages is None else pages
    chosen = {}
    for k, (_, members) in enumerate(groups):
        ids = set(members["commune_id"])
        if wanted is None or ids & wanted:
            wide = a.elsewhere(k)
            peers = near[k] if wide is None else pd.concat([near[k], wide[near[k].columns]])
            chosen[k] = (ids, peers.reset_index(drop=True))
    tables = _verdicts(run, group_of, len(groups), chosen, wanted) if verdicts else None
    asked = {k: sorted(ids if pages is None else ids & pages) for k, (ids, _) in chosen.items()}
    shown = _shown_rows(run, year, plan_rows, chosen, asked) if verdicts else {}
    for k, (ids, peers) in chosen.items():
        known = ids | set(peers["commune_id"])
        part = {
            "run": LoadedRun(
                run.cset,
                reg[reg["commune_id"].isin(known)].reset_index(drop=True),
                Assessment(run.assessment.set_id, *(t[k] for t in tables)) if verdicts else None,
                provenance,
            ),
            "ids": sorted(ids),
            "year": year,
            "closings": peers,
            "plan_rows": None
            if plan_rows is None
            else plan_rows[plan_rows["commune_id"].isin(known)],
            "budget": None if plan_rows is None else budget[budget["commune_id"].isin(ids)],
            "digests": {cid: (digests or {}).get(cid, "") for cid in ids},
        }
        if verdicts:
            part |= shown_parts(asked[k], shown[k])
        yield k, part


def _verdicts(run: LoadedRun, group_of: dict, groups: int, chosen: dict, wanted) -> list:
    """The three verdict tables grouped by district; with `wanted`, only the chosen districts'
    rows are grouped (a few districts of a whole country: their rows first taken out)."""
    out = []
    for name in ("indicators", "criteria", "communes"):
        frame = getattr(run.assessment, name)
        if wanted is not None and len(chosen) < groups:
            ids = [cid for ids, _ in chosen.values() for cid in ids]
            frame = frame[frame["commune_id"].isin(ids)]
        out.append(Grouped(frame, group_of, groups))
    return out


def _shown_rows(run: LoadedRun, year: int, plan_rows, chosen: dict, asked: dict) -> dict:
    """Each district's comparison and peer rows (what its pages show of others: `shown_rows`),
    every district ranked and matched in one pass, each within its own slice: compared among
    its communes, its peers among the closings its slice carries."""
    groups = {cid: k for k, ids in asked.items() for cid in ids}
    within = {frozenset(ids): asked[k] for k, (ids, _) in chosen.items()}
    compared = comparison_rows(run.assessment, run.register, run.cset, list(groups), year, within)
    done = pd.concat([peers.assign(_k=k) for k, (_, peers) in chosen.items()], ignore_index=True)
    peers = same_gap_rows(
        run.assessment, run.register, list(groups), year, plan_rows, done, PEERS_SHOWN, groups
    )
    digests = shown_digests((compared, peers), list(groups))
    size = max(chosen, default=-1) + 1
    compared = Grouped(compared, groups, size)
    peers = Grouped(peers, groups, size, "asker")
    return {k: (compared[k], peers[k], digests) for k in chosen}


def shown_parts(commune_ids: list[str], rows: tuple) -> dict:
    """What each page of a slice shows of other communes (its district comparison, its peers)
    and their digests by commune (`_shown_rows`), as the slice carries them."""
    compared, peers, digests = rows
    ids = frozenset(commune_ids)
    return {
        "compared": PerCommune(compared, "commune_id", split_comparisons, ids),
        "peers": PerCommune(peers, "asker", split_gaps, ids),
        "shown": {cid: digests[cid] for cid in commune_ids},
    }


@dataclass(frozen=True)
class PerCommune:
    """A table of a district's pages, by commune (`column`), for the communes `ids`: each
    commune's frame is built by `split` when its page asks (a page needs its own only;
    building all of them in the parent cost more than the rest of the slice)."""

    rows: pd.DataFrame
    column: str
    split: Callable[[pd.DataFrame, list[str]], dict]
    ids: frozenset

    def get(self, commune_id: str, default=None) -> pd.DataFrame | None:
        if commune_id not in self.ids:
            return default
        mine = self.rows[self.rows[self.column] == commune_id].reset_index(drop=True)
        return self.split(mine, [commune_id])[commune_id]

    def __getitem__(self, commune_id: str) -> pd.DataFrame:
        found = self.get(commune_id)
        if found is None:
            raise KeyError(commune_id)
        return found


def write_slices(
    folder: Path,
    run: LoadedRun,
    year: int,
    plan_rows: pd.DataFrame | None = None,
    budget: pd.DataFrame | None = None,
    digests: dict[str, str] | None = None,
    wanted: set[str] | None = None,
    known: dict[int, dict] | None = None,
    districts: Areas | None = None,
) -> dict[str, Path]:
    """Each commune's slice file, by commune id (with `wanted`, only their districts').
    `known`: slices already made (by district number, `district_parts` of this run, serving
    these pages), written as they are; `districts`: the run's `areas`, if made."""
    folder.mkdir(parents=True, exist_ok=True)
    known = known if wanted is not None else None
    parts = [(k, p) for k, p in (known or {}).items() if wanted & set(p["ids"])]
    covered = {cid for _, part in parts for cid in part["ids"]}
    if wanted is None or wanted - covered:
        rest = None if wanted is None else wanted - covered
        parts += list(
            district_parts(run, year, plan_rows, budget, digests, rest, districts=districts)
        )
    out = {}
    for k, part in parts:
        path = folder / f"{k}.pkl"
        with open(path, "wb") as fh:
            pickle.dump(part, fh, protocol=5)
        out |= {cid: path for cid in part["ids"]}
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
