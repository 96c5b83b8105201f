"""What a notebook may change in the process that runs it, and putting it back before the next.

A worker makes one commune's page after another in the same process (its own shell, or a warm
kernel), so a notebook that changes process-wide state would change every later page of that
worker. A `Snapshot` is taken once, before the worker's first notebook (the report's modules
imported), and `restore()` puts it back before each notebook: the environment (but the page
variables each job sets: PAGE_ENV), sys.path, builtins, the names of
the modules a page uses (ntm_lib's, numpy, pandas, matplotlib, seaborn, warnings, random: a
function patched or a flag set), warnings filters, numpy's error handling, print options and
random state, random's state, pandas options, matplotlib's rcParams and open figures, the
decimal context, the locale, the recursion limit, the garbage collector's settings, the
umask. (The working folder is papermill's: it sets and restores it around each notebook.)
A watched module a notebook imports first is forgotten after it (imported afresh by the next).
What cannot be put back (a thread the notebook left running; pyplot loaded in a worker that did
not expect matplotlib figures, see expect_charts) is named, and the caller then runs the next
notebook in a fresh process.
"""

from __future__ import annotations

import builtins
import copy
import decimal
import gc
import locale
import os
import random
import sys
import threading
import types
import warnings

# The environment a page may depend on: each job carries the run's values (or their absence)
# to whichever worker makes it, a process of the pool or a cluster's (SOURCE_DATE_EPOCH: the
# page's run time; the others: messages, sets, limits).
PAGE_ENV = ("SOURCE_DATE_EPOCH", "NTM_LANG", "NTM_SETS_DIR", "NTM_MAX_INPUT_MB")
# Modules whose names a page uses; ntm_lib's own but those that run the batch (their state is
# the worker's, not a page's).
WATCHED = ("numpy", "numpy.random", "pandas", "matplotlib", "seaborn", "warnings", "random")
OWN = "ntm_lib"
PYPLOT = "matplotlib.pyplot"
INFRASTRUCTURE = (
    "ntm_lib.reports.batch",
    "ntm_lib.reports.pool",
    "ntm_lib.reports.shell_engine",
    "ntm_lib.reports.papermill_engine",
    "ntm_lib.reports.engines",
    "ntm_lib.reports.kernel",
    "ntm_lib.reports.process_state",
)


def _watched() -> dict[str, types.ModuleType]:
    names = [n for n in sys.modules if n in WATCHED or n == OWN or n.startswith(OWN + ".")]
    return {
        n: sys.modules[n]
        for n in names
        if n not in INFRASTRUCTURE and isinstance(sys.modules[n], types.ModuleType)
    }


def _pandas_options() -> dict:
    import pandas as pd

    config = pd._config.config  # every option pandas registered, but the deprecated ones
    out = {}
    for key in set(config._registered_options) - set(config._deprecated_options):
        try:
            out[key] = pd.get_option(key)
        except Exception:  # noqa: BLE001 - an option pandas no longer lets one read
            continue
    return out


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class Snapshot:
    """The process-wide state a notebook could change, as it is now."""

    def __init__(self, keep_env: tuple[str, ...] = PAGE_ENV) -> None:
        import matplotlib
        import numpy as np

        self.keep_env = keep_env
        self.env = dict(os.environ)
        self.path = list(sys.path)
        self.builtins = dict(vars(builtins))
        self.modules = {name: dict(vars(m)) for name, m in _watched().items()}
        self.warnings = list(warnings.filters)
        self.numpy = (np.geterr(), np.geterrcall(), np.get_printoptions())
        self.numpy_random = np.random.get_state()
        self.random = random.getstate()
        self.pandas = _pandas_options()
        self.rc = _stored_rc(matplotlib.rcParams)
        self.decimal = decimal.getcontext().copy()
        self.locale = locale.setlocale(locale.LC_ALL)
        self.recursion = sys.getrecursionlimit()
        self.gc = (gc.isenabled(), gc.get_threshold())
        self.umask = _umask()
        self.threads = {t.ident for t in threading.enumerate()}
        self.pyplot = PYPLOT in sys.modules

    def restore(self) -> list[str]:
        """Put everything back; returns what could not be (empty: all of it)."""
        self._environment()
        self._modules()
        self._libraries()
        self._interpreter()
        alive = [
            t.name
            for t in threading.enumerate()
            if t.ident not in self.threads and t.is_alive() and not t.daemon
        ]
        problems = [f"thread {name}" for name in alive]
        if PYPLOT in sys.modules and not self.pyplot:
            # pyplot sets itself up in the shell and in matplotlib as it loads (backend,
            # figure formats, hooks): a process where it was not loaded ahead cannot be put
            # back as it was (workers expecting no matplotlib figure: expect_charts)
            problems.append(f"{PYPLOT} loaded")
        return problems

    def _environment(self) -> None:
        for key in [k for k in os.environ if k not in self.env and k not in self.keep_env]:
            del os.environ[key]
        for key, value in self.env.items():
            if key not in self.keep_env and os.environ.get(key) != value:
                os.environ[key] = value
        sys.path[:] = self.path

    def _modules(self) -> None:
        _put_back(vars(builtins), self.builtins)
        for name, module in _watched().items():
            saved = self.modules.get(name)
            if saved is not None:
                _put_back(vars(module), saved)
            else:
                _forget(name)

    def _libraries(self) -> None:
        import matplotlib
        import numpy as np

        warnings.filters[:] = self.warnings
        warnings._filters_mutated()
        err, call, printing = self.numpy
        np.seterr(**err)
        np.seterrcall(call)
        np.set_printoptions(**printing)
        np.random.set_state(self.numpy_random)
        random.setstate(self.random)
        self._pandas()
        if dict(dict.items(matplotlib.rcParams)) != self.rc:
            dict.update(matplotlib.rcParams, _stored_rc(self.rc))
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")

    def _pandas(self) -> None:
        import pandas as pd

        for key, value in self.pandas.items():
            try:
                if pd.get_option(key) != value:
                    pd.set_option(key, value)
            except Exception:  # noqa: BLE001 - as in _pandas_options
                continue

    def _interpreter(self) -> None:
        decimal.setcontext(self.decimal.copy())
        if locale.setlocale(locale.LC_ALL) != self.locale:
            locale.setlocale(locale.LC_ALL, self.locale)
        sys.setrecursionlimit(self.recursion)
        enabled, threshold = self.gc
        gc.enable() if enabled else gc.disable()
        gc.set_threshold(*threshold)
        os.umask(self.umask)


def _stored_rc(rc: dict) -> dict:
    """A copy of rcParams as stored: read through rcParams, a backend not yet chosen would
    be chosen (pyplot imported); matplotlib's marker for it is kept, not copied."""
    from matplotlib import rcsetup

    marker = getattr(rcsetup, "_auto_backend_sentinel", None)
    return copy.deepcopy(dict(dict.items(rc)), memo={id(marker): marker})


def _put_back(current: dict, saved: dict) -> None:
    """A namespace as it was: names added since go (but submodules, which imports put on their
    package), names changed or removed come back."""
    for key in [k for k in current if k not in saved]:
        if not isinstance(current[key], types.ModuleType):
            del current[key]
    for key, value in saved.items():
        if current.get(key, _MISSING) is not value:
            current[key] = value


_MISSING = object()


def _forget(name: str) -> None:
    """A watched module first imported by a notebook (its state then is not known to be
    pristine): it and its submodules leave sys.modules and their package, so that the next
    notebook that wants it imports it afresh."""
    for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
        module = sys.modules.pop(key)
        package, _, child = key.rpartition(".")
        if package in sys.modules and getattr(sys.modules[package], child, None) is module:
            delattr(sys.modules[package], child)


_snapshot: Snapshot | None = None


def between_notebooks(shell, env: dict[str, str | None] | None = None) -> None:
    """In a warm kernel, before each notebook (papermill_engine.RESET): the names the last
    notebook made go, the job's page variables are set, and the process is put back as it was
    before the first notebook; RuntimeError when it cannot be (the kernel is then replaced)."""
    global _snapshot
    for name in [k for k in shell.user_ns if k not in shell.user_ns_hidden]:
        del shell.user_ns[name]
    for key, value in (env or {}).items():
        if key in PAGE_ENV:
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    if _snapshot is None:
        warm_imports()
        _snapshot = Snapshot()
        return
    problems = _snapshot.restore()
    if problems:
        raise RuntimeError("state a notebook left cannot be undone: " + ", ".join(problems))


_charts = True  # whether the pages of this process may draw through matplotlib


def expect_charts(charts: bool) -> None:
    """Say whether this process's pages may draw through matplotlib (a plan's seaborn
    charts, a notebook of one's own): seaborn, pyplot and the inline backend are then
    imported before the state is taken; otherwise not (half a second of every worker's
    start), and a notebook that loads pyplot all the same leaves a process to be replaced
    (Snapshot.restore)."""
    global _charts
    _charts = charts


def charts_expected() -> bool:
    return _charts


def warm_imports() -> None:
    """The modules a report page uses, imported before the state is taken (so that their own
    names are watched, and put back, from the first notebook on)."""
    import matplotlib  # noqa: F401
    import numpy  # noqa: F401
    import pandas  # noqa: F401

    from . import commune_report, context  # noqa: F401

    if _charts:
        from . import charts  # noqa: F401 - seaborn
