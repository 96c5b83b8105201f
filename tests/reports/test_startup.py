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

    from ntm_lib.reports import pool

    with pool.prestarted(2):
        executor = pool._pool(2)
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
    from ntm_lib.reports import pool

    monkeypatch.setattr(pool, "warm_worker", _dies)
    with pool.prestarted(2):
        executor = pool._pool(1)  # was the broken pool: the run failed at its first page
        try:
            assert executor.submit(os.getpid).result(timeout=120)
        finally:
            executor.shutdown(cancel_futures=True)
