"""What each page of a batch is made from, as digests: the ground on which `--update` reuses a
page, the reasons it gives for rebuilding one, and the page data a page's provenance names.

A commune's page depends on
- `commune`: its own rows (verdicts of every indicator, criterion and year, its register row,
  its plan and budget rows): `commune_digests`, for every commune at once;
- `shown`: what it shows of other communes (its district's medians and ranks, the peers that
  closed the same gap and what they spent): `shown_digest`, from the functions the page itself
  calls. `area` (reports.areas: its district's communes and the closings elsewhere it may
  name) decides cheaply whether `shown` can have changed at all: when it did not, `shown` is
  the same;
- `set`, `options` (year, language, what the page links or names) and `code` (the notebook, this
  package's files and the versions of the libraries that draw the page): one each per run.

Rows are hashed by pandas (`hash_pandas_object`, by value: a categorical by its text), then per
commune with SHA-256 in their order, which is the order the page shows them in.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..provenance import package_versions, sha256

PARTS = ("code", "set", "options", "commune", "area", "shown")
# The parts a page's fingerprint is the hash of (`area` only decides when `shown` is computed).
PAGE_PARTS = ("code", "set", "options", "commune", "shown")
TABLES = ("indicators", "criteria", "communes")


def digest(value) -> str:
    """SHA-256 of a JSON value (keys sorted)."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def fingerprint(inputs: dict[str, str]) -> str:
    """A page's fingerprint: the hash of the parts that decide its content."""
    return digest([inputs.get(k, "") for k in PAGE_PARTS])


def row_hashes(frame: pd.DataFrame | None) -> bytes:
    """The frame's columns and its rows' hashes, in order (b"" for None)."""
    if frame is None:
        return b""
    head = "\x1f".join(map(str, frame.columns)).encode() + b"\x1e"
    rows = pd.util.hash_pandas_object(frame, index=False).to_numpy() if len(frame) else []
    return head + np.asarray(rows, dtype=np.uint64).tobytes()


def frame_digest(frame: pd.DataFrame | None) -> str:
    return hashlib.sha256(row_hashes(frame)).hexdigest()


def _by_commune(frame: pd.DataFrame) -> Iterable[tuple[str, np.ndarray]]:
    """Each commune's row hashes, in row order (text hashed as it is: categorizing first
    costs five times more on a column of distinct texts, the input row of each verdict)."""
    hashes = pd.util.hash_pandas_object(frame, index=False, categorize=False).to_numpy()
    codes, ids = pd.factorize(frame["commune_id"], sort=False)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(ids) + 1))
    for k, cid in enumerate(ids):
        yield str(cid), hashes[order[bounds[k] : bounds[k + 1]]]


def commune_digests(
    run, plan_rows: pd.DataFrame | None = None, budget: pd.DataFrame | None = None, extra=None
) -> dict[str, str]:
    """Each registered commune's own rows, as one digest (`extra`: what every page also reads
    of the inputs as a whole, a predecessor register say)."""
    frames = [(name, getattr(run.assessment, name)) for name in TABLES]
    frames += [("register", run.register), ("plan", plan_rows), ("budget", budget)]
    return _per_commune(run.register["commune_id"], frames, digest(extra))


def named_digests(run, plan_rows: pd.DataFrame | None = None) -> dict[str, str]:
    """What another commune's page can name of each commune when it shows it as a peer: its
    register row and its plan rows (reports.areas)."""
    frames = [("register", run.register), ("plan", plan_rows)]
    return _per_commune(run.register["commune_id"], frames, "named")


def _per_commune(commune_ids, frames: list, seed: str) -> dict[str, str]:
    hashers = {str(cid): hashlib.sha256(seed.encode()) for cid in commune_ids}
    for name, frame in frames:
        if frame is None:
            continue
        head = (name + "\x1f" + "\x1f".join(map(str, frame.columns))).encode()
        for h in hashers.values():
            h.update(head)
        for cid, rows in _by_commune(frame):
            if cid in hashers:
                hashers[cid].update(len(rows).to_bytes(8, "little") + rows.tobytes())
    return {cid: h.hexdigest() for cid, h in hashers.items()}


def shown_digest(part: dict, commune_id: str) -> str:
    """What the page of `commune_id` shows of other communes, computed by the functions its
    sections call (reports.commune_report: district_html, peers_html)."""
    return shown_digests(shown_rows(part, [commune_id]), [commune_id])[commune_id]


def shown_digests(rows: tuple[pd.DataFrame, pd.DataFrame], commune_ids: list[str]) -> dict:
    """`shown_digest` of each commune of `commune_ids` from `rows` (`shown_rows`): the hashes
    of its rows of each table, in order (every value of a row is in its hash: a row that
    changes changes its page's digest)."""
    compared, peers = rows
    compared = _rows_by(compared, "commune_id", commune_ids)
    peers = _rows_by(peers, "asker", commune_ids)
    return {
        cid: hashlib.sha256(compared[cid] + b"\x1d" + peers[cid]).hexdigest() for cid in commune_ids
    }


def _rows_by(frame: pd.DataFrame, column: str, commune_ids: list[str]) -> dict[str, bytes]:
    """Each commune's rows of `frame` (by `column`, each commune's rows together), hashed: the
    columns, then the rows' hashes."""
    head = row_hashes(frame.iloc[:0])
    hashes = row_hashes(frame)[len(head) :]
    cids = frame[column].to_numpy()
    out = dict.fromkeys(commune_ids, head)
    if len(cids):
        starts = np.r_[0, np.flatnonzero(cids[1:] != cids[:-1]) + 1]
        for a, b in zip(starts, np.r_[starts[1:], len(cids)]):
            if cids[a] in out:
                out[cids[a]] = head + hashes[8 * a : 8 * b]
    return out


def shown_rows(part: dict, commune_ids: list[str] | None = None) -> tuple:
    """What each page of a slice shows of other communes, as two tables by commune: its
    district comparison (views.comparison_rows) and the quickest PEERS_SHOWN peers of each gap
    (peers.same_gap_rows), both read from the slice only."""
    from ..assess.peers import PEERS_SHOWN, same_gap_rows
    from ..assess.views import comparison_rows

    run, year = part["run"], part["year"]
    ids = [str(c) for c in (part["ids"] if commune_ids is None else commune_ids)]
    compared = comparison_rows(run.assessment, run.register, run.cset, ids, year)
    peers = same_gap_rows(
        run.assessment, run.register, ids, year, part["plan_rows"], part["closings"], PEERS_SHOWN
    )
    return compared, peers


@lru_cache(maxsize=1)
def package_digest() -> str:
    """This package's own files (code, templates, messages, notebooks): a page made by other
    code is made again, even under the same version number (a developer's checkout)."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            h.update(path.relative_to(root).as_posix().encode() + b"\0")
            h.update(sha256(path).encode())
    return h.hexdigest()


def code_digest(notebook: Path) -> str:
    """The notebook, this package and the libraries that draw a page."""
    return digest([sha256(notebook), package_digest(), package_versions(), sys.version])
