"""A process that makes pages does not build, at start-up, a grammar it never uses; every
validation that uses it still answers as before."""

import os
import subprocess
import sys

PROBE = """
import sys
{prelude}
import jsonschema, nbformat, papermill  # noqa
from ntm_lib.reports import html_export  # noqa
print(sorted(m for m in sys.modules if m == "lark" or m.startswith("lark.")) == [])
checker = jsonschema.FormatChecker()
print([checker.conforms(v, "iri") for v in ("http://example.com/ä", "not an iri :::", "x:y")])
"""


def _run(prelude: str) -> list[str]:
    code = PROBE.format(prelude=prelude)
    return subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.split("\n")


def test_the_grammar_is_built_only_when_a_check_needs_it():
    deferred = _run("import ntm_lib.reports")
    assert deferred[0] == "True", "lark not imported at start-up"
    plain = _run("")
    assert plain[0] == "False", "without the deferral, importing nbformat builds it"
    assert deferred[1] == plain[1], "the same answers"


def test_the_pool_started_ahead_makes_the_first_page_with_its_warm_worker():
    """An update that makes one page waits for the worker warming up rather than starting a
    second, cold one (seconds of imports: most of such an update)."""
    import os

    from ntm_lib.reports import worker

    with worker.prestarted(2):
        executor = worker.take(2)
        try:
            assert executor.submit(os.getpid).result(timeout=120)
            assert len(executor._processes) == 1
        finally:
            executor.shutdown(cancel_futures=True)


def test_a_few_pages_are_made_by_the_warm_worker_alone():
    from ntm_lib.reports.pool import PAGES_PER_START, workers_for

    assert workers_for(2, 1) == workers_for(2, 2) == 1  # an update's page or two
    assert workers_for(2, PAGES_PER_START) == 2 and workers_for(2, 200) == 2
    assert workers_for(8, 3 * PAGES_PER_START) == 4 and workers_for(1, 200) == 1


def _dies() -> None:
    os._exit(3)


def test_a_pool_whose_worker_dies_warming_up_gives_way_to_a_fresh_one(monkeypatch):
    from ntm_lib.reports import pool, worker

    monkeypatch.setattr(worker, "warm_worker", _dies)
    with worker.prestarted(2):
        executor = pool._pool(1, charts=False)  # was the broken pool: the run failed
        try:
            assert executor.submit(os.getpid).result(timeout=120)
        finally:
            executor.shutdown(cancel_futures=True)


FIRST_WORKER = """
import sys
from ntm_lib import cli
from ntm_lib.reports import worker
start = worker.default_executor
def spy(jobs, charts=True):
    print("pandas already imported:", "pandas" in sys.modules, "charts:", charts, flush=True)
    return start(jobs, charts)
worker.default_executor = spy
code = cli.main(sys.argv[1:])
heavy = ("jupyter_client", "IPython", "nbconvert", "papermill", "matplotlib.pyplot", "seaborn")
print("the run itself loaded:", [m for m in heavy if m in sys.modules])
sys.exit(code)
"""


def test_ntm_report_starts_its_first_worker_before_its_own_imports(tmp_path):
    """The worker's seconds of imports run beside the command's own: an update that makes one
    page waits for that worker more than for anything else."""
    import subprocess
    import sys

    from conftest import SAMPLE

    argv = [str(SAMPLE / "indicators.csv"), "--communes", str(SAMPLE / "communes.csv")]
    argv += ["--set", "hd-2022-advanced", "--out", str(tmp_path / "out"), "--jobs", "1"]
    argv += ["--commune", "10894"]
    done = subprocess.run(
        [sys.executable, "-c", FIRST_WORKER, "report", *argv], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    started = [line for line in done.stdout.splitlines() if line.startswith("pandas")]
    assert started[0] == "pandas already imported: False charts: False"
    # what only the workers need (the pages' notebooks, their kernel, their charts)
    assert done.stdout.splitlines()[-1] == "the run itself loaded: []"
    assert (tmp_path / "out" / "index.html").is_file()


def _seaborn_imported() -> bool:
    import sys

    return "seaborn" in sys.modules


def test_a_worker_imports_seaborn_ahead_only_for_pages_that_draw_with_it():
    from ntm_lib.reports import worker

    for charts in (False, True):
        pool = worker.default_executor(1, charts)
        try:
            pool.submit(worker.warm_worker).result(timeout=300)
            assert pool.submit(_seaborn_imported).result(timeout=60) is charts
        finally:
            worker.stop(pool, kill=True)


def _ready() -> dict[str, bool]:
    import gc

    from ntm_lib.reports import shell_engine
    from ntm_lib.reports.html_export import exporter

    return {
        "shell": shell_engine._shell is not None and shell_engine._snapshot is not None,
        "template compiled": exporter()._template_cached is not None,
        "long-lived objects frozen": gc.get_freeze_count() > 0,
    }


def test_a_worker_started_ahead_has_its_shell_and_its_state_ready_before_its_first_page():
    """...and nbconvert's template compiled, and what it loaded out of the garbage
    collector's sight: its first page costs what the others do."""
    from ntm_lib.reports import worker

    pool = worker.default_executor(1, charts=False)
    try:
        cold = pool.submit(_ready).result(timeout=300)
        assert not any(cold.values()), cold
        pool.submit(worker.warm_worker).result(timeout=300)
        warm = pool.submit(_ready).result(timeout=60)
        assert all(warm.values()), warm
    finally:
        worker.stop(pool, kill=True)


def test_workers_import_matplotlib_ahead_only_for_pages_that_may_draw_with_it(tmp_path):
    from ntm_lib.reports.batch import NOTEBOOK, Job
    from ntm_lib.reports.pool import draws_charts

    def job(notebook, plan=""):
        parameters = {"plan": plan, "lang": "vi"}
        return Job("1", 2024, "A", str(notebook), str(tmp_path), parameters, "ntm-assess")

    assert draws_charts([job(NOTEBOOK), job(NOTEBOOK)]) is False
    assert draws_charts([job(NOTEBOOK), job(NOTEBOOK, plan="/data/plan.xlsx")]) is True
    assert draws_charts([job(tmp_path / "own.ipynb")]) is True, "a notebook of one's own"
