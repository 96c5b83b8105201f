"""`ntm summary`: the summary report of a district or a province (page, notebook, workbook)."""

from __future__ import annotations

from pathlib import Path

from ..assess.district import communes_in
from ..assess.loaded import load_run
from ..atomic import atomic_dir, check_target_dir, read_manifest, write_manifest
from ..criteria.catalogue import load_set
from ..errors import NoDataError
from ..i18n import current_lang, t
from ..provenance import files, run_time
from ..reports.batch import render_summary
from . import manifest
from .base import Command, Options, Replay, data_options, resolved
from .common import replayed_set, request_key, set_parameter, up_to_date

NAME = "summary"


def configure(o: Options) -> None:
    data_options(o)
    o.add("--year", type=int)
    area = o.exclusive()
    area.add("--district")
    area.add("--province")
    o.add("--lang", dest="report_lang", choices=["vi", "en"])
    o.add("--update", action="store_true")


def run(args) -> int:
    page = run_summary(
        args.data,
        args.communes,
        args.set_id,
        args.out,
        year=args.year,
        district=args.district,
        province=args.province,
        lang=args.report_lang or args.lang or "vi",
        force=args.force,
        update=args.update,
    )
    if page is None:
        return 0
    from ..reports import terminal

    inputs = files(resolved(args.data), "data") + files(resolved([args.communes]), "communes")
    print(terminal.notes_text(load_set(args.set_id), inputs, current_lang(), terminal.width()))
    print(t("cli_summary_done", path=str(page)))
    return 0


def run_summary(
    data_paths: list[str],
    communes_path: str,
    set_id: str,
    out: str | Path,
    *,
    year: int | None = None,
    district: str | None = None,
    province: str | None = None,
    lang: str = "vi",
    force: bool = False,
    update: bool = False,
) -> Path | None:
    """The summary of `district` (or `province`, or the register's whole area) into `out`;
    returns its page (None: with `update`, nothing changed and nothing was written)."""
    started = run_time()
    data_paths, communes_path = resolved(data_paths), resolved([communes_path])[0]
    inputs = data_paths + [communes_path]
    out = check_target_dir(out, force or update, inputs, edits=not update)
    asked = {"set": set_parameter(set_id, out), "district": district, "province": province}
    asked |= {"lang": lang, "year": year}
    entries = files(data_paths, "data") + files([communes_path], "communes")
    key = request_key(NAME, asked, entries, out, set_id)
    if update and up_to_date(read_manifest(out), key, out, out / "summary.html"):
        return None
    loaded = load_run(data_paths, communes_path, set_id)
    year = loaded.checked_year(year)
    if not communes_in(loaded.register, district, province):
        raise NoDataError(t("summary_no_communes", None, area=district or province))
    parameters = asked | {"year": year}
    with atomic_dir(out, force=force or update, inputs=inputs) as tmp:
        render_summary(tmp, loaded, year, district, province, lang)
        write_manifest(tmp, manifest.of_run(NAME, parameters, loaded, out, started, update_key=key))
    return out / "summary.html"


def replay(r: Replay) -> None:
    params = r.parameters
    loaded = load_run(r.inputs.get("data", []), r.inputs["communes"][0], replayed_set(r))
    render_summary(
        r.target,
        loaded,
        params["year"],
        params.get("district"),
        params.get("province"),
        params["lang"],
    )


COMMAND = Command(NAME, configure, run, replay)
