"""`ntm dossier`: one commune's values, verdicts and the evidence behind each, for a
recognition dossier; printed, and written to a file with `--out`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import fmt
from ..assess.loaded import LoadedRun
from ..assess.proof import DOSSIER_BASIS, dossier
from ..atomic import check_target_file, read_sidecar, write_files
from ..criteria.text import value_text
from ..i18n import current_lang, t
from ..provenance import run_time
from ..reports.workbooks import rule_signs, write_noted_workbook
from ..tables import write_csv
from . import manifest
from .base import Command, Options, Replay, data_options, out_options
from .common import (
    data_files,
    input_paths,
    loaded_for_replay,
    loaded_from_args,
    request_key,
    set_parameter,
    up_to_date,
)

NAME = "dossier"


def configure(o: Options) -> None:
    data_options(o, out=None)
    o.add("--commune", required=True, metavar="ID")
    o.add("--year", type=int)
    o.add("--max-age", type=int, default=24, metavar="MONTHS")
    out_options(o, required=False)
    o.add("--update", action="store_true")


def rows_of(run: LoadedRun, commune: str, year: int, max_age: int) -> pd.DataFrame:
    return dossier(run.assessment, run.cset, commune, year, max_age)


def write(rows: pd.DataFrame, path: Path, run: LoadedRun) -> None:
    rows = rule_signs(rows)
    if path.suffix.lower() == ".xlsx":
        write_noted_workbook(
            {"dossier": rows}, path, run.cset, run.provenance["inputs"], "xlsx_sheet_dossier"
        )
    else:
        write_csv(rows, path)


def run(args) -> int:
    started = run_time()
    key, out = _target(args)
    loaded = loaded_from_args(args)
    commune = loaded.resolve(args.commune)
    year = loaded.checked_year(args.year, commune)
    rows = rows_of(loaded, commune, year, args.max_age)
    print_dossier(rows, loaded, commune, year, args.max_age)
    if out is not None:
        params = _asked(args, out) | {"commune": commune, "year": year}
        record = manifest.build(
            NAME,
            params,
            loaded.provenance["inputs"],
            out.parent,
            sets=[loaded.cset],
            started=started,
            update_key=key,
        )
        write_files({out: lambda tmp: write(rows, Path(tmp), loaded)}, record)
        print(t("cli_written", path=str(out)))
    return 0


def _asked(args, out: Path) -> dict:
    return {
        "set": set_parameter(args.set_id, out.parent),
        "commune": args.commune,
        "year": args.year,
        "max_age": args.max_age,
        "out": out.name,
    }


def _target(args) -> tuple[str | None, Path | None]:
    """The update key of the file to write, and the file (None without --out, or when
    `--update` finds it written as asked: it is then left as it is, and the dossier printed)."""
    if not args.out:
        return None, None
    out = Path(args.out).absolute()
    key = request_key(NAME, _asked(args, out), data_files(args), out.parent, args.set_id)
    if args.update and up_to_date(read_sidecar(out), key, out.parent, out):
        return key, None
    return key, check_target_file(args.out, args.force or args.update, input_paths(args))


def print_dossier(
    rows: pd.DataFrame, run: LoadedRun, commune: str, year: int, max_age: int
) -> None:
    from ..reports import terminal

    lang = current_lang()
    shown = rows.assign(
        name=rows["name_vi"] if lang == "vi" else rows["name_en"],
        value=[value_text(v, u, lang) for v, u in zip(rows["value"], rows["unit"])],
        verdict=rows["status"].astype(str).map(lambda s: fmt.status(s, lang)),
        evidence=[
            " ".join(x for x in (d, n) if x)
            for d, n in zip(rows["proof_document"], rows["proof_number"])
        ],
        check=rows["proof_status"].map(lambda s: t(f"proof_{s}", lang)),
        proof_date=rows["proof_date"].map(lambda d: fmt.date(d, lang)),
    )
    cols = ["indicator", "name", "value", "verdict", "evidence", "proof_date", "check"]
    named = shown[cols].rename(columns={c: t(f"dossier_col_{c}") for c in cols})
    print(terminal.frame_text(named, terminal.width()))
    print(terminal.notes_text(run.cset, run.provenance["inputs"], lang, terminal.width()))
    counts = rows["proof_status"].value_counts()
    print(
        t(
            "dossier_summary",
            commune=f"{run.name(commune)} ({commune})",
            year=year,
            missing=int(counts.get("missing", 0)),
            stale=int(counts.get("stale", 0)),
            undated=int(counts.get("undated", 0)),
            months=max_age,
            basis=DOSSIER_BASIS,
        )
    )


def replay(r: Replay) -> None:
    r.target.mkdir()
    params = r.parameters
    loaded = loaded_for_replay(r)
    rows = rows_of(loaded, params["commune"], params["year"], params["max_age"])
    write(rows, r.output, loaded)


COMMAND = Command(NAME, configure, run, replay)
