"""One loaded run: the criteria set, the register and the assessment, read and scored once.

Every command, report, document and summary receives this object instead of paths and a set id
that each would read again. The year is chosen here and nowhere else: a year, commune or area
without data is the same named error (NoDataError, exit 1) whichever command asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import __version__
from ..criteria.catalogue import CriteriaSet, load_set, provenance_of
from ..errors import NoDataError, Problem
from ..i18n import t
from ..intake.inputs import load_inputs
from ..provenance import files
from .pipeline import assess
from .scoring import Assessment


@dataclass(frozen=True)
class LoadedRun:
    cset: CriteriaSet
    register: pd.DataFrame
    assessment: Assessment
    provenance: dict  # inputs (role, name, path, sha256), the set's files, the version
    warnings: tuple[Problem, ...] = field(default=())

    def years_with_data(self, commune_id: str | None = None) -> list[int]:
        return self.assessment.years(commune_id)

    def checked_year(self, year: int | None = None, commune_id: str | None = None) -> int:
        """`year` if the data (of `commune_id`) has it, else the latest with data when `year`
        is None; NoDataError naming the years that have data otherwise."""
        if commune_id is not None:
            self.commune(commune_id)
        have = self.years_with_data(commune_id)
        if year is not None and int(year) in have:
            return int(year)
        if year is None and have:
            return have[-1]
        raise _no_data(year, have, commune_id, self.name(commune_id) if commune_id else "")

    def checked_years(self, years: list[int] | None) -> list[int] | None:
        """Every year asked for has data (None: all years)."""
        if not years:
            return None
        have = self.years_with_data()
        absent = [y for y in years if int(y) not in have]
        if absent:
            raise _no_data(", ".join(map(str, absent)), have)
        return [int(y) for y in years]

    def commune(self, commune_id: str) -> pd.Series:
        """The register row of `commune_id`; NoDataError when the register lacks it."""
        rows = self.register[self.register["commune_id"] == str(commune_id)]
        if rows.empty:
            raise NoDataError(t("no_such_commune", commune=str(commune_id)))
        return rows.iloc[0]

    def resolve(self, text: str) -> str:
        """The code of the commune `text` names: a code, or a name with or without accents
        (assess.resolve: several matches are refused with their list, never guessed)."""
        from .resolve import resolve_commune

        return resolve_commune(self.register, text)

    def name(self, commune_id: str) -> str:
        return str(self.commune(commune_id)["name"])

    def with_inputs(self, extra: list[dict]) -> LoadedRun:
        """The same run, its provenance naming more input files (a plan, a budget)."""
        inputs = self.provenance["inputs"] + extra
        return LoadedRun(
            self.cset,
            self.register,
            self.assessment,
            self.provenance | {"inputs": inputs},
            self.warnings,
        )


def _no_data(year, have: list[int], commune_id: str | None = None, name: str = "") -> NoDataError:
    if not have:
        key = "no_data_for_commune" if commune_id else "no_data_at_all"
        return NoDataError(t(key, commune=f"{name} ({commune_id})" if name else commune_id or ""))
    years = ", ".join(map(str, have))
    if commune_id:
        return NoDataError(
            t("no_data_for_commune_year", commune=f"{name} ({commune_id})", year=year, years=years)
        )
    return NoDataError(t("no_data_for_year", year=year, years=years))


def load_run(
    data_paths: list[str | Path],
    communes_path: str | Path,
    cset: CriteriaSet | str,
    years: list[int] | None = None,
) -> LoadedRun:
    """Read the register and data against `cset` (a set or its id), score every year once.
    With `years`, the tables keep only those years (trends still look at every year)."""
    if isinstance(cset, str):
        cset = load_set(cset)
    inputs = load_inputs(data_paths, communes_path, cset)
    provenance = {
        "inputs": files(data_paths, "data") + files([communes_path], "communes"),
        "set": provenance_of(cset),
        "version": __version__,
    }
    full = assess(cset, inputs.register, inputs.data)
    run = LoadedRun(cset, inputs.register, full, provenance, tuple(inputs.warnings))
    if years:
        keep = run.checked_years(years)
        run = LoadedRun(
            cset, inputs.register, full.only_years(keep), provenance, tuple(inputs.warnings)
        )
    return run


def load_runs(
    data_paths: list[str | Path], communes_path: str | Path, csets: list[CriteriaSet | str]
) -> list[LoadedRun]:
    """One loaded run per set (advanced and model, or basic and advanced, in one document),
    the data read once against the set with the most indicators and each set scoring its
    own."""
    sets = [load_set(c) if isinstance(c, str) else c for c in csets]
    if len(sets) == 1:
        return [load_run(data_paths, communes_path, sets[0])]
    inputs = load_inputs(data_paths, communes_path, max(sets, key=lambda c: len(c.indicators)))
    files_read = files(data_paths, "data") + files([communes_path], "communes")
    runs = []
    for cset in sets:
        own = inputs.data[inputs.data["indicator"].isin({i.code for i in cset.indicators})]
        provenance = {"inputs": files_read, "set": provenance_of(cset), "version": __version__}
        runs.append(
            LoadedRun(
                cset,
                inputs.register,
                assess(cset, inputs.register, own),
                provenance,
                tuple(inputs.warnings),
            )
        )
    return runs
