"""A run's districts for a year and what their pages read of the rest of the province: the gaps
closed in each district and, outside it, the quickest PEERS_SHOWN closings of each indicator
(reports.slices carries them to the pages); and each page's `area` digest, from which
`--update` decides cheaply whether what the page shows of other communes can have changed
(reports.fingerprint).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..assess.loaded import LoadedRun
from ..assess.peers import PEERS_SHOWN, closings, unmet
from ..assess.views import has_district


class Grouped:
    """A frame's rows sorted by the group (district) of their commune, kept in their order
    within it: each group's rows are one contiguous block, taken without copying."""

    def __init__(
        self, frame: pd.DataFrame, group_of: dict[str, int], groups: int, column: str = "commune_id"
    ) -> None:
        codes, ids = pd.factorize(frame[column], sort=False)
        lookup = np.array([group_of.get(str(c), -1) for c in ids] + [-1], dtype=np.int64)
        keys = lookup[codes]  # code -1 (no id) takes the last entry: -1
        order = np.argsort(keys, kind="stable")
        self.frame = frame.take(order)
        self.bounds = np.searchsorted(keys[order], np.arange(groups + 1))

    def __getitem__(self, k: int) -> pd.DataFrame:
        return self.frame.iloc[self.bounds[k] : self.bounds[k + 1]].reset_index(drop=True)


@dataclass(frozen=True)
class Province:
    """A province's closings sorted by indicator then speed, with each row's district and
    indicator numbers."""

    rows: pd.DataFrame
    districts: np.ndarray
    indicators: np.ndarray

    def elsewhere(self, group: int) -> np.ndarray:
        """The positions of the PEERS_SHOWN quickest closings per indicator outside the
        district `group`: all a page there can name when its district has none."""
        rest = np.flatnonzero(self.districts != group)
        codes = self.indicators[rest]
        starts = np.r_[0, np.flatnonzero(np.diff(codes)) + 1] if len(codes) else np.zeros(0, int)
        rank = np.arange(len(codes)) - np.repeat(starts, np.diff(np.r_[starts, len(codes)]))
        return rest[rank < PEERS_SHOWN]


@dataclass(frozen=True)
class Areas:
    """A run's districts for a year (`areas`): each with its communes, and the gaps closed in
    it and around it in its province; the same for every slice a command makes of the run."""

    groups: list
    group_of: dict[str, int]
    near: Grouped  # each district's closings
    by_province: dict[str, Province]
    indicators: pd.Index  # the indicators, by the numbers Province.indicators gives them

    def elsewhere(self, group: int) -> pd.DataFrame | None:
        """The closings outside district `group` its pages may name (None: none in its
        province)."""
        province = self.by_province.get(str(self.groups[group][0][0]))
        return None if province is None else province.rows.iloc[province.elsewhere(group)]


def areas(run: LoadedRun, year: int) -> Areas:
    reg = run.register
    groups = list(reg.groupby(["province", "district"], sort=True, dropna=False))
    group_of = {cid: k for k, (_, members) in enumerate(groups) for cid in members["commune_id"]}
    done = closings(run.assessment, year)
    near = Grouped(done, group_of, len(groups))
    province_of = dict(zip(reg["commune_id"], reg["province"].astype(str)))
    numbers, indicators = pd.factorize(done["indicator"], sort=True)
    quick = done.assign(
        _g=done["commune_id"].map(group_of).astype(np.int64),
        _p=done["commune_id"].map(province_of),
        _i=numbers,
    ).sort_values(["_p", "_i", "years", "met_in", "commune_id"], kind="stable")
    by_province = {
        p: Province(
            rows.drop(columns=["_g", "_p", "_i"]), rows["_g"].to_numpy(), rows["_i"].to_numpy()
        )
        for p, rows in quick.groupby("_p", sort=False)
    }
    return Areas(groups, group_of, near, by_province, pd.Index(indicators))


def area_digests(
    a: Areas,
    run: LoadedRun,
    year: int,
    own: dict[str, str],
    named: dict[str, str],
    pages: list[str],
    whole: bool = False,
) -> dict[str, str]:
    """Each page's `area`: its district's communes by their own digests (all it compares with,
    every closing in its district), then, per indicator, the closings outside the district it
    may name, each with its commune's `named` digest (the register and plan rows a page names
    of a peer). A page of the shipped notebook names peers only for the indicators its commune
    does not meet in `year`, and outside its district only when no other commune of its
    (named) district closed any of them (peers.same_gap_rows): its own rows and its district's
    decide which count, so only those count. With `whole` (a notebook that may read all its
    slice), every indicator counts."""
    unmet = None if whole else _unmet(run, year, pages)
    districts = {a.group_of[cid] for cid in pages}
    provinces = {str(a.groups[k][0][0]) for k in districts} & set(a.by_province)
    hashed = {p: _hashed_rows(a.by_province[p], named) for p in provinces}
    around = {k: _elsewhere_digests(a, k, hashed) for k in districts}
    members = {
        k: hashlib.sha256(
            f"{year}\x1f".encode()
            + "\x1f".join(own.get(c, "-") for c in sorted(a.groups[k][1]["commune_id"])).encode()
        ).digest()
        for k in districts
    }
    closers = _closers(a, districts)
    out = {}
    for cid in pages:
        k = a.group_of[cid]
        h = hashlib.sha256(members[k])
        mine = around[k]
        if whole:
            codes = sorted(mine)
        else:
            gaps = unmet.get(cid, set())
            near = closers[k] is not None and any(closers[k].get(i, {cid}) - {cid} for i in gaps)
            codes = [] if near else sorted(gaps)
        for code in codes:
            if code in mine:
                h.update(code.encode() + b"\x1f" + mine[code])
        out[cid] = h.hexdigest()
    return out


def _closers(a: Areas, districts: set[int]) -> dict[int, dict[str, set[str]] | None]:
    """Who closed each indicator in each district of `districts` (None: communes without a
    district, whose peers are sought in the whole province), read in one pass."""
    out: dict[int, dict[str, set[str]] | None] = {
        k: {} if has_district(a.groups[k][0][1]) else None for k in districts
    }
    frame, bounds = a.near.frame, a.near.bounds
    rows = slice(int(bounds[0]), int(bounds[-1]))  # before bounds[0]: communes of no district
    keys = np.repeat(np.arange(len(bounds) - 1), np.diff(bounds))
    cids = frame["commune_id"].astype(str).to_numpy()[rows]
    codes = frame["indicator"].astype(str).to_numpy()[rows]
    for k, code, cid in zip(keys.tolist(), codes, cids):
        found = out.get(k)
        if found is not None:
            found.setdefault(code, set()).add(cid)
    return out


def _unmet(run: LoadedRun, year: int, pages: list[str]) -> dict[str, set[str]]:
    """The indicators each page's commune does not meet in `year`, as peers.unmet finds them
    (the gaps a page names peers for)."""
    pairs = unmet(run.assessment, pages, year)
    out: dict[str, set[str]] = {}
    for cid, code in zip(pairs["asker"], pairs["indicator"]):
        out.setdefault(cid, set()).add(code)
    return out


def _elsewhere_digests(a: Areas, k: int, hashed: dict[str, np.ndarray]) -> dict[str, bytes]:
    """Per indicator, the digest of the closings outside district `k` its pages may name (their
    rows `hashed` by province: `_hashed_rows`)."""
    name = str(a.groups[k][0][0])
    if name not in hashed:
        return {}
    province = a.by_province[name]
    at = province.elsewhere(k)
    codes = province.indicators[at]
    if not len(codes):
        return {}
    starts = np.r_[0, np.flatnonzero(np.diff(codes)) + 1]
    rows = hashed[name][at]
    return {
        str(a.indicators[codes[s]]): hashlib.sha256(rows[s:e].tobytes()).digest()
        for s, e in zip(starts, np.r_[starts[1:], len(codes)])
    }


def _hashed_rows(province: Province, named: dict[str, str]) -> np.ndarray:
    """Each closing row's hash beside its commune's `named` digest (64 bits of it)."""
    rows = province.rows
    hashes = pd.util.hash_pandas_object(rows, index=False).to_numpy(np.uint64)
    short = {cid: int(d[:16], 16) for cid, d in named.items()}
    peers = np.array([short.get(str(c), 0) for c in rows["commune_id"]], dtype=np.uint64)
    return np.column_stack([hashes, peers])
