"""One commune's view of a loaded run, which every section of its report and drafts reads.

`commune_context` builds it from a loaded run (a batch); `prepare` from the parameters of the
report notebook: the district's slice `ntm report` wrote, or the data files themselves when
someone runs the notebook by hand.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import pickle
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from .. import fmt
from ..assess import views
from ..assess.loaded import LoadedRun, load_run
from ..assess.roadmap import Roadmap, make_roadmap
from ..assess.scoring import Assessment
from ..criteria.catalogue import CriteriaSet
from ..intake.plans import read_budget, read_plan
from ..provenance import files, run_time
from .slices import read_slice


@dataclass
class Context:
    cset: CriteriaSet
    register: pd.DataFrame
    assessment: Assessment
    commune_id: str
    year: int
    lang: str
    provenance: dict
    roadmap: Roadmap | None = None
    predecessors: pd.DataFrame | None = None  # old communes' last verdicts (merged communes)
    plan_rows: pd.DataFrame | None = None  # every commune's plan rows (what peers spent)
    closings: pd.DataFrame | None = None  # gaps closed in the province up to `year` (peers)
    # What the page shows of other communes, when its slice carries it (reports.slices):
    # its district comparison and its quickest peers of each gap.
    compared: pd.DataFrame | None = None
    peers: pd.DataFrame | None = None

    @cached_property
    def commune(self) -> pd.Series:
        return self.register.set_index("commune_id").loc[self.commune_id]

    @cached_property
    def own(self) -> Assessment:
        """The commune's own verdicts (every year), selected once for all the sections that
        show only them."""
        return self.assessment.only(lambda frame: frame["commune_id"] == self.commune_id)

    @cached_property
    def criteria(self) -> pd.DataFrame:
        """Its criteria in `year` (views.criteria_view): read by the table and the chart."""
        return views.criteria_view(self.own, self.commune_id, self.year)

    @cached_property
    def indicators(self) -> pd.DataFrame:
        """Its indicators in `year`, as the sections show them (views.indicator_view): read
        by the gaps, the indicators table and the achievement chart alike."""
        return views.indicator_view(self.own, self.cset, self.commune_id, self.year)


def commune_context(
    run: LoadedRun,
    commune_id: str,
    year: int | None = None,
    lang: str = "vi",
    *,
    plan_rows: pd.DataFrame | None = None,
    budget_rows: pd.DataFrame | None = None,
    closings: pd.DataFrame | None = None,
    predecessors: pd.DataFrame | None = None,
) -> Context:
    """`commune_id` in `year` (checked: NoDataError without data), with its roadmap when
    plan rows are given."""
    commune_id = str(commune_id)
    year = run.checked_year(int(year) if year else None, commune_id)
    roadmap = None
    if plan_rows is not None:
        rows = plan_rows[plan_rows["commune_id"] == commune_id]
        roadmap = (
            make_roadmap(rows, budget_rows, run.assessment, run.cset, year)
            if len(rows)
            else Roadmap(pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
        )
    provenance = run.provenance | {"run_time": run_time()}
    return Context(
        run.cset,
        run.register,
        run.assessment,
        commune_id,
        year,
        lang,
        provenance,
        roadmap,
        predecessors,
        plan_rows,
        closings,
    )


def prepare(
    data,
    communes_path: str,
    set_id: str,
    commune_id: str,
    year: int | None = None,
    lang: str = "vi",
    cache: str | None = None,
    plan: str | None = None,
    budget: str | None = None,
    predecessors: dict | None = None,
) -> Context:
    """The report notebook's context, from its parameters."""
    commune_id = str(commune_id)
    own = None  # the digest of the commune's own data a page from a slice names
    if cache:  # a district's slice, written by `ntm report`
        part = page_part(shared_slice(cache), commune_id)
        run, plan_rows, budget_rows = part["run"], part["plan_rows"], part["budget"]
        own = part.get("digests", {}).get(commune_id)
        year = run.checked_year(int(year) if year else None, commune_id)
        closings = part["closings"] if part["year"] == year else None
    else:
        run = load_run([data] if isinstance(data, str) else data, communes_path, set_id)
        year = run.checked_year(int(year) if year else None, commune_id)
        plan_rows = budget_rows = closings = None
        if plan:
            plan_rows = read_plan([plan], run.cset, run.register, year)
            budget_rows = read_budget([budget or plan], run.register)
            run = run.with_inputs(plan_files(plan, budget))
    before = None
    if predecessors and predecessors.get("set"):
        before = predecessor_verdicts(run.register, commune_id, predecessors, lang)
        run = run.with_inputs(files(predecessors["data"], "predecessors"))
    ctx = commune_context(
        run,
        commune_id,
        year,
        lang,
        plan_rows=plan_rows if plan else None,
        budget_rows=budget_rows,
        closings=closings,
        predecessors=before,
    )
    if own:
        ctx.provenance["commune_data"] = own
    if cache and part["year"] == year:  # what the slice computed is of its own year
        ctx.compared = part.get("compared", {}).get(commune_id)
        ctx.peers = part.get("peers", {}).get(commune_id)
    return ctx


# The last slice read in this process, by its file's path, inode, size and time. A dict changed
# in place: process_state puts back the names of ntm_lib's modules before each notebook, and a
# name rebound would be put back to nothing.
_last_slice: dict = {}


def shared_slice(path: str | Path) -> dict:
    """A district's slice, read once for its consecutive pages (a worker makes them one after
    the other: unpickling it cost a tenth of a page), known by its file's path, inode, size and
    time, so that a later run's slice under the same name is read anew. Shared by the pages of
    this process: read it, never change it; a page is given its own copy (page_part)."""
    st = os.stat(path)
    key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns)
    if key not in _last_slice:
        _last_slice.clear()  # a failed read leaves nothing behind
        _last_slice[key] = read_slice(path)
    return _last_slice[key]


def page_part(part: dict, commune_id: str) -> dict:
    """What one commune's page reads of a shared slice, copied: a notebook may change the
    tables it is given, and no other page may see that. The large tables are copied (a copy
    of their arrays), the set and the provenance made anew."""
    run = part["run"]
    a = run.assessment
    cset, provenance, warnings = pickle.loads(
        pickle.dumps((run.cset, run.provenance, run.warnings), protocol=5)
    )
    fresh = dataclasses.replace(
        run,
        cset=cset,
        register=run.register.copy(),
        assessment=dataclasses.replace(
            a,
            indicators=a.indicators.copy(),
            criteria=a.criteria.copy(),
            communes=a.communes.copy(),
        ),
        provenance=provenance,
        warnings=warnings,
    )
    return {
        "run": fresh,
        "year": part["year"],
        "plan_rows": _copied(part["plan_rows"]),
        "budget": _copied(part["budget"]),
        "closings": _copied(part["closings"]),
        "digests": {commune_id: part.get("digests", {}).get(commune_id)},
        "compared": {commune_id: _copied(part.get("compared", {}).get(commune_id))},
        "peers": {commune_id: _copied(part.get("peers", {}).get(commune_id))},
    }


def _copied(value):
    return value.copy() if isinstance(value, pd.DataFrame) else copy.deepcopy(value)


def plan_files(plan: str, budget: str | None) -> list[dict]:
    """The plan and budget files as provenance entries."""
    return files([plan], "plan") + (files([budget], "budget") if budget and budget != plan else [])


def predecessor_verdicts(
    register: pd.DataFrame, commune_id: str, predecessors: dict, lang: str
) -> pd.DataFrame:
    """The last assessed year and verdict of each old commune merged into `commune_id`
    (old codes from the register's `predecessors_old_codes`), under the old set."""
    reg = register.set_index("commune_id")
    if "predecessors_old_codes" not in reg or pd.isna(reg.at[commune_id, "predecessors_old_codes"]):
        return pd.DataFrame()
    olds = str(reg.at[commune_id, "predecessors_old_codes"]).split()
    old = load_run(predecessors["data"], predecessors["communes"], predecessors["set"])
    com = old.assessment.communes
    com = com[com["commune_id"].isin(olds)].sort_values("year")
    last = com.groupby("commune_id", observed=True).tail(1)
    names = old.register.set_index("commune_id")["name"]
    return pd.DataFrame(
        {
            "old_code": last["commune_id"].to_numpy(dtype=object),
            "name": [names.get(c, c) for c in last["commune_id"]],
            "year": last["year"].to_numpy(),
            "status": last["status"].to_numpy(dtype=object),
            "text": [
                fmt.commune_status(r, old.cset.status_label, lang) for r in last.to_dict("records")
            ],
            "set": old.cset.id,
        }
    )
