"""`ntm merge`: roll the old communes' data up into the communes since 1 July 2025."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..assess.merge import carry_over, concordance, merge, read_shares
from ..atomic import check_target_files, write_files
from ..criteria.catalogue import load_set
from ..i18n import t
from ..intake.inputs import load_inputs
from ..provenance import files, run_time
from ..tables import write_csv
from . import manifest
from .base import Command, Options, Replay, data_options, print_warnings, resolved
from .common import input_paths, replayed_set, set_parameter

NAME = "merge"


def configure(o: Options) -> None:
    data_options(o)
    o.add("--to", choices=["new"], default="new")
    o.add("--shares")
    o.add("--new-set")
    o.add("--as-year", type=int)
    o.add("--group", type=int, choices=[1, 2, 3])


def outputs(out: Path, new_set: str | None) -> list[Path]:
    """The merged data first (it names the manifest), then the register and the flags, and
    the baseline for the new set when one is asked for."""
    extras = [".communes.csv", ".flags.csv"] + ([f".{new_set}.csv"] if new_set else [])
    return [out] + [out.with_name(out.stem + extra) for extra in extras]


def produce(
    data: list[str], communes: str, set_id: str, params: dict, shares: str | None
) -> tuple[list[pd.DataFrame], dict]:
    cset = load_set(set_id)
    inputs = load_inputs(data, communes, cset)
    share_rows, warnings = read_shares(shares) if shares else (None, [])
    print_warnings(warnings)
    merged = merge(inputs.data, inputs.register, cset, shares=share_rows)
    register = merged.register.assign(group=params["group"]) if params["group"] else merged.register
    frames = [merged.data, register, merged.flags]
    if params["new_set"]:
        new_set = load_set(params["new_set"])
        last = int(merged.data["year"].max())
        frames.append(
            carry_over(
                merged.data,
                concordance(cset.id, new_set.id),
                last,
                params["as_year"] or new_set.period.start,
            )
        )
    counts = {
        "rows": int(merged.data["value"].notna().sum()),
        "communes": len(merged.register),
        "flags": len(merged.flags),
    }
    return frames, counts


def run(args) -> int:
    started = run_time()
    shares = resolved([args.shares])[0] if args.shares else None
    inputs = input_paths(args, shares)
    new_set = load_set(args.new_set).id if args.new_set else None
    paths = check_target_files(outputs(Path(args.out), new_set), args.force, inputs)
    params = {
        "set": set_parameter(args.set_id, paths[0].parent),
        "new_set": new_set,
        "as_year": args.as_year,
        "group": args.group,
        "out": paths[0].name,
    }
    frames, counts = produce(
        resolved(args.data), resolved([args.communes])[0], args.set_id, params, shares
    )
    recorded = (
        files(resolved(args.data), "data")
        + files(resolved([args.communes]), "communes")
        + (files([shares], "shares") if shares else [])
    )
    sets = [load_set(args.set_id)] + ([load_set(new_set)] if new_set else [])
    record = manifest.build(NAME, params, recorded, paths[0].parent, sets=sets, started=started)
    write_files(
        {p: (lambda tmp, f=f: write_csv(f, Path(tmp))) for p, f in zip(paths, frames)}, record
    )
    print(t("cli_merge_done", **counts, paths=", ".join(str(p) for p in paths)))
    return 0


def replay(r: Replay) -> None:
    r.target.mkdir()
    params = r.parameters
    frames, _ = produce(
        r.inputs["data"],
        r.inputs["communes"][0],
        replayed_set(r),
        params,
        (r.inputs.get("shares") or [None])[0],
    )
    for path, frame in zip(outputs(r.output, params["new_set"]), frames):
        write_csv(frame, path)


COMMAND = Command(NAME, configure, run, replay)
