"""`ntm set read DECISION --id NEW-ID [--parent SET]`: a decision's annex (Word, or a PDF with
a text layer) to the authoring workbook, every value read with its verbatim cell as evidence,
every cell not understood listed on «Cần kiểm tra»."""

from __future__ import annotations

from pathlib import Path

from ..atomic import check_target_file, write_files
from ..criteria.catalogue import check_set_id, load_set
from ..i18n import t
from ..provenance import files, run_time
from . import manifest
from .base import Command, Options, Replay, out_options, resolved

NAME = "set read"


def configure(o: Options) -> None:
    o.add("decision")
    o.add("--id", dest="new_id", required=True)
    o.add("--parent")
    o.add("--annex")
    out_options(o)


def produce(decision: str, new_id: str, parent: str | None, annex: str | None, path: Path):
    from ..intake.decision import read_decision, write_decision_workbook

    book = read_decision(decision, new_id, load_set(parent) if parent else None, annex)
    write_decision_workbook(book, path)
    return book


def run(args) -> int:
    started = run_time()
    check_set_id(args.new_id, "--id")
    decision = resolved([args.decision])[0]
    out = check_target_file(args.out, args.force, [decision])
    params = {"id": args.new_id, "parent": args.parent, "annex": args.annex, "out": out.name}
    sets = [load_set(args.parent)] if args.parent else []
    record = manifest.build(
        NAME, params, files([decision], "decision"), out.parent, sets=sets, started=started
    )
    books = []
    write_files(
        {
            out: lambda tmp: books.append(
                produce(decision, args.new_id, args.parent, args.annex, Path(tmp))
            )
        },
        record,
    )
    book = books[0]
    print(
        t(
            "cli_set_read",
            indicators=book.indicators,
            decision=Path(decision).name,
            path=str(out),
            review=len(book.review),
        )
    )
    return 0


def replay(r: Replay) -> None:
    r.target.mkdir()
    p = r.parameters
    produce(r.inputs["decision"][0], p["id"], p.get("parent"), p.get("annex"), r.output)


COMMAND = Command(NAME, configure, run, replay)
