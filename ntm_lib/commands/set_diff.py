"""`ntm set diff A B`: what set B changes from set A, value by value (terminal, or a folder)."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from ..atomic import atomic_dir, check_target_dir, write_manifest
from ..criteria.catalogue import CriteriaSet, load_set
from ..criteria.diff import diff
from ..i18n import current_lang, t
from ..provenance import run_time
from ..tables import write_csv
from . import manifest
from .base import Command, Options, Replay
from .common import replayed_set, set_parameter

NAME = "set diff"


def configure(o: Options) -> None:
    o.add("a")
    o.add("b")
    o.add("--out")
    o.add("--force", action="store_true")


def produce(a: CriteriaSet, b: CriteriaSet, target: Path) -> pd.DataFrame:
    from ..reports.set_diff import diff_page

    changes = diff(a, b)
    write_csv(changes, target / "diff.csv")
    (target / "diff.html").write_text(diff_page(changes, a, b, current_lang()), encoding="utf-8")
    return changes


def run(args) -> int:
    started = run_time()
    if args.out:
        check_target_dir(args.out, args.force)
    a, b = load_set(args.a), load_set(args.b)
    if not args.out:
        changes = diff(a, b)
        with pd.option_context("display.max_colwidth", 50, "display.width", 200):
            print(changes.to_string(index=False) if len(changes) else "")
        print(t("cli_set_diff", count=len(changes), a=a.id, b=b.id), file=sys.stderr)
        return 0
    out = Path(args.out).absolute()
    parameters = {"a": set_parameter(args.a, out), "b": set_parameter(args.b, out)}
    with atomic_dir(out, force=args.force) as tmp:
        changes = produce(a, b, tmp)
        write_manifest(tmp, manifest.build(NAME, parameters, [], out, sets=[a, b], started=started))
    print(t("cli_set_diff", count=len(changes), a=a.id, b=b.id))
    return 0


def replay(r: Replay) -> None:
    r.target.mkdir()
    produce(load_set(replayed_set(r, "a")), load_set(replayed_set(r, "b")), r.target)


COMMAND = Command(NAME, configure, run, replay)
