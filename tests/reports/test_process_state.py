"""Each kind of process-wide state a notebook can change is put back before the next one
(reports.process_state), or named when it cannot be."""

import builtins
import decimal
import gc
import os
import random
import sys
import threading
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

import ntm_lib.fmt
from ntm_lib.reports import charts
from ntm_lib.reports.process_state import Snapshot


def _set(target, name, value):
    return lambda: setattr(target, name, value)


# (what is changed, how to look at it)
CASES = {
    "an environment variable added": (
        lambda: os.environ.__setitem__("NTM_TEST_ADDED", "1"),
        lambda: os.environ.get("NTM_TEST_ADDED"),
    ),
    "an environment variable changed": (
        lambda: os.environ.__setitem__("PATH", "/nowhere"),
        lambda: os.environ["PATH"],
    ),
    "sys.path": (lambda: sys.path.insert(0, "/nonexistent"), lambda: list(sys.path)),
    "a builtin replaced": (
        _set(builtins, "sorted", lambda x, **k: list(x)),
        lambda: builtins.sorted,
    ),
    "a builtin added": (_set(builtins, "leftover", 1), lambda: hasattr(builtins, "leftover")),
    "a function of ntm_lib patched": (
        _set(ntm_lib.fmt, "number", lambda *a, **k: "?"),
        lambda: ntm_lib.fmt.number,
    ),
    "a flag of ntm_lib set": (_set(charts, "_THEMED", "poisoned"), lambda: charts._THEMED),
    "a name added to numpy": (_set(np, "leftover", 1), lambda: hasattr(np, "leftover")),
    "pandas' DataFrame replaced": (_set(pd, "DataFrame", dict), lambda: pd.DataFrame),
    "warnings filters": (lambda: warnings.simplefilter("error"), lambda: list(warnings.filters)),
    "numpy's error handling": (lambda: np.seterr(all="raise"), np.geterr),
    "numpy's print options": (lambda: np.set_printoptions(precision=1), np.get_printoptions),
    "numpy's random state": (lambda: np.random.seed(1), lambda: np.random.get_state()[1].tobytes()),
    "random's state": (lambda: random.seed(1), random.getstate),
    "a pandas option": (
        lambda: pd.set_option("display.precision", 1),
        lambda: pd.get_option("display.precision"),
    ),
    "matplotlib's rcParams": (
        lambda: matplotlib.rcParams.update({"font.size": 30, "axes.facecolor": "#ff0000"}),
        lambda: (matplotlib.rcParams["font.size"], matplotlib.rcParams["axes.facecolor"]),
    ),
    "a list in rcParams changed in place": (
        lambda: matplotlib.rcParams["font.sans-serif"].insert(0, "Poison"),
        lambda: list(matplotlib.rcParams["font.sans-serif"]),
    ),
    "the decimal context": (
        lambda: setattr(decimal.getcontext(), "prec", 2),
        lambda: decimal.getcontext().prec,
    ),
    "the recursion limit": (lambda: sys.setrecursionlimit(123456), sys.getrecursionlimit),
    "the garbage collector": (lambda: gc.set_threshold(1, 1, 1), gc.get_threshold),
    "the umask": (lambda: os.umask(0o077), lambda: (lambda m: (os.umask(m), m)[1])(os.umask(0))),
    "figures left open": (
        lambda: __import__("matplotlib.pyplot").pyplot.figure(),
        lambda: len(__import__("matplotlib.pyplot").pyplot.get_fignums()),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_kind_of_state_is_put_back(name):
    change, look = CASES[name]
    import matplotlib.pyplot  # noqa: F401 - its figures are state too

    snapshot = Snapshot()
    before = look()
    try:
        change()
        assert look() != before, "the change took"
        assert snapshot.restore() == []
        assert look() == before
    finally:
        snapshot.restore()


def test_the_page_variables_a_job_sets_are_left_to_it(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    snapshot = Snapshot()
    os.environ["SOURCE_DATE_EPOCH"] = "1800000000"  # the next job's
    snapshot.restore()
    assert os.environ["SOURCE_DATE_EPOCH"] == "1800000000"


def test_a_thread_left_running_is_named():
    snapshot = Snapshot()
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, name="left-behind")
    thread.start()
    try:
        assert snapshot.restore() == ["thread left-behind"]
    finally:
        stop.set()
        thread.join()
    assert snapshot.restore() == []


def test_a_module_a_notebook_imports_first_is_imported_afresh_by_the_next():
    """Its state when the notebook left it is not known to be pristine: it is forgotten."""
    import types

    import ntm_lib.reports as package

    snapshot = Snapshot()
    late = types.ModuleType("ntm_lib.reports._late_import")
    sys.modules[late.__name__] = package._late_import = late
    try:
        assert snapshot.restore() == []
        assert late.__name__ not in sys.modules and not hasattr(package, "_late_import")
    finally:
        sys.modules.pop(late.__name__, None)
        vars(package).pop("_late_import", None)


SEABORN_LATE = """
import sys
from ntm_lib.reports import process_state
process_state.expect_charts(False)
process_state.warm_imports()
print("seaborn" in sys.modules)
snapshot = process_state.Snapshot()
import seaborn
seaborn.poisoned = True
print(snapshot.restore())
import seaborn
print(hasattr(seaborn, "poisoned"), seaborn.color_palette("colorblind", 2)[0])
"""


def test_seaborn_imported_by_a_notebook_of_a_worker_that_did_not_warm_it_is_fresh_for_the_next():
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", SEABORN_LATE], capture_output=True, text=True, check=True
    )
    lines = done.stdout.splitlines()
    assert lines[0] == "False", "not imported ahead when the pages draw no seaborn chart"
    assert lines[1] == "['matplotlib.pyplot loaded']", "seaborn loads pyplot: to be replaced"
    assert lines[2].startswith("False (0.0"), "imported afresh all the same, and it works"


PYPLOT_LATE = """
import sys
from ntm_lib.reports import process_state
process_state.expect_charts(False)
process_state.warm_imports()
snapshot = process_state.Snapshot()
print("matplotlib.pyplot" in sys.modules, snapshot.restore())
import matplotlib.pyplot
print(snapshot.restore())
"""


def test_a_process_where_a_notebook_loaded_pyplot_unexpected_is_named_to_be_replaced():
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", PYPLOT_LATE], capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines() == ["False []", "['matplotlib.pyplot loaded']"]
