"""A papermill engine that runs a notebook's cells in this process's own IPython shell.

A report worker is a process started for nothing but running notebooks, so a kernel inside it
is a second process that adds no isolation, only a message round trip per cell: the kernel's
protocol work (status, echo of the input, streams flushed through its I/O thread, JSON and
signatures both ways) cost a fifth of a report, measured (benchmarks/bench_reports.py). Here
the cells run in an IPython shell of the worker itself: magics, display, the inline matplotlib
backend and tracebacks behave as in a kernel, and every output is recorded as the nbformat
output a kernel would have sent, in the order it came. Before each notebook the namespace is
emptied, the execution counter starts again at 1, a shell whose settings the last notebook
changed (display formatters, transformers, magics, %config) is replaced, and the process is
put back as the first notebook found it (process_state): a notebook runs from its parameters
alone and its output does not depend on which worker ran it, nor on what ran before.

Only for the main thread of a dedicated worker process (standard streams and the working
folder are the process's own); threads (a Dask worker) use the warm-kernel engine. Registered
with papermill as `ntm-shell`.
"""

from __future__ import annotations

import base64
import io
import json
import sys

from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from jupyter_client.jsonutil import json_default
from nbformat import NotebookNode
from traitlets.config import Config

from ..errors import NotebookTimeout
from .process_state import Snapshot, charts_expected, warm_imports

# Registered with papermill as an entry point (pyproject.toml, "papermill.engine").
ENGINE_NAME = "ntm-shell"
# What nbclient records from the kernel's answer to kernel_info: the same Python, the same words.
LANGUAGE_INFO = {
    "name": "python",
    "version": sys.version.split()[0],
    "mimetype": "text/x-python",
    "codemirror_mode": {"name": "ipython", "version": sys.version_info[0]},
    "pygments_lexer": "ipython3",
    "nbconvert_exporter": "python",
    "file_extension": ".py",
}
INLINE = "module://matplotlib_inline.backend_inline"  # matplotlib's backend in a kernel
INLINE_CONFIG = "matplotlib_inline.config"
# Raised in a cell but meant for the batch, not for the cell's output.
PASSED_THROUGH = (NotebookTimeout, KeyboardInterrupt)


class _Outputs:
    """The outputs of the cell being run, as a kernel's messages would have built them."""

    def __init__(self) -> None:
        self.cell: list = []
        self.by_display_id: dict[str, list] = {}
        self.clear_on_next = False

    def start(self, cell: list) -> None:
        self.cell, self.clear_on_next = cell, False

    def add(self, node: NotebookNode) -> None:
        if self.clear_on_next:
            self.cell.clear()
            self.clear_on_next = False
        self.cell.append(node)

    def stream(self, name: str, text: str) -> None:
        last = self.cell[-1] if self.cell and not self.clear_on_next else None
        if last is not None and last.output_type == "stream" and last.name == name:
            last.text += text  # consecutive writes are one output, as nbclient joins them
        else:
            self.add(NotebookNode(output_type="stream", name=name, text=text))

    def clear(self, wait: bool) -> None:
        if wait:
            self.clear_on_next = True
        else:
            self.cell.clear()


def _bundle(data: dict) -> dict:
    """A mime bundle as JSON would carry it: bytes (a PNG) in base64, other values through
    JSON, as the kernel's messages carry them; text as it is."""
    out = {}
    for mime, value in data.items():
        if isinstance(value, bytes):
            value = base64.b64encode(value).decode("ascii")
        elif not isinstance(value, str):
            value = json.loads(json.dumps(value, default=json_default))
        out[mime] = value
    return out


class _Publisher(DisplayPublisher):
    outputs: _Outputs

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
        display_id = (transient or {}).get("display_id")
        if update:
            for node in self.outputs.by_display_id.get(display_id, []):
                node.data, node.metadata = _bundle(data), _bundle(metadata or {})
            return
        node = NotebookNode(
            output_type="display_data", data=_bundle(data), metadata=_bundle(metadata or {})
        )
        self.outputs.add(node)
        if display_id:
            self.outputs.by_display_id.setdefault(display_id, []).append(node)

    def clear_output(self, wait=False):
        self.outputs.clear(wait)


class _Hook(DisplayHook):
    """The value of a cell's last expression, as an execute_result output."""

    outputs: _Outputs
    _node: NotebookNode | None = None

    def start_displayhook(self):
        self._node = NotebookNode(
            output_type="execute_result", data={}, metadata={}, execution_count=self.prompt_count
        )

    def write_output_prompt(self):
        pass

    def write_format_data(self, format_dict, md_dict=None):
        self._node.data, self._node.metadata = _bundle(format_dict), _bundle(md_dict or {})

    def finish_displayhook(self):
        if self._node is not None and self._node.data:
            self.outputs.add(self._node)
        self._node = None


class _Stream(io.TextIOBase):
    def __init__(self, outputs: _Outputs, name: str) -> None:
        self._outputs, self.name = outputs, name

    @property
    def encoding(self):
        return "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if text:
            self._outputs.stream(self.name, str(text))
        return len(text)


class _Shell(InteractiveShell):
    outputs: _Outputs

    def _showtraceback(self, etype, evalue, stb):
        # What ipykernel sends as an error message.
        self.outputs.add(
            NotebookNode(
                output_type="error", ename=str(etype.__name__), evalue=str(evalue), traceback=stb
            )
        )


_shell: _Shell | None = None
_settings: tuple | None = None  # the shell's settings as made
_snapshot: Snapshot | None = None  # the process before its first notebook


class ProcessTainted(BaseException):
    """The last notebook left the process in a state that cannot be undone: the next one must
    run in a fresh process."""


def before_notebook() -> _Shell:
    """The shell for the next notebook: its names emptied, its settings as made, the process
    put back as the first notebook found it. ProcessTainted when that cannot be done."""
    global _snapshot
    shell = _get_shell()
    if _settings_of(shell) != _settings:
        discard_shell()
        shell = _get_shell()
    _reset(shell)
    if _snapshot is None:
        warm_imports()
        _snapshot = Snapshot()
    problems = _snapshot.restore()
    if problems:
        raise ProcessTainted(", ".join(problems))
    return shell


def _settings_of(shell: InteractiveShell) -> tuple:
    """What a notebook could change in the shell itself, as identities and values (the
    inline backend's settings once it is loaded: loading it is a change too)."""
    display = shell.display_formatter
    manager = shell.input_transformer_manager
    return (
        tuple(display.active_types),
        tuple((k, f.enabled, _printers(f)) for k, f in display.formatters.items()),
        tuple(shell.ast_transformers),
        tuple(shell.input_transformers_post),
        tuple(manager.cleanup_transforms) + tuple(manager.line_transforms),
        tuple((k, tuple(v)) for k, v in shell.events.callbacks.items()),
        tuple((k, tuple(sorted(v.items()))) for k, v in shell.magics_manager.magics.items()),
        (shell.ast_node_interactivity, shell.autocall, shell.automagic, shell.InteractiveTB.mode),
        _inline_settings(),
        (shell.display_pub, shell.displayhook),
    )


def _inline_settings() -> tuple:
    if INLINE_CONFIG not in sys.modules:
        return ()
    inline = sys.modules[INLINE_CONFIG].InlineBackend.instance()
    return (
        tuple(inline.figure_formats),
        repr(inline.print_figure_kwargs),
        repr(inline.rc),
        inline.close_figures,
    )


def _printers(formatter) -> tuple:
    """A formatter's printers by type name (IPython moves a deferred printer, named by its
    type's module and name, among the others the first time it meets that type)."""
    named = {(t.__module__, t.__name__): f for t, f in formatter.type_printers.items()}
    return tuple(sorted((named | dict(formatter.deferred_printers)).items(), key=repr))


def _get_shell() -> _Shell:
    global _shell, _settings
    if _shell is None:
        config = Config()
        config.HistoryManager.enabled = False  # nothing written to ~/.ipython
        config.InteractiveShell.cache_size = 0  # no Out[] keeping a report's objects alive
        outputs = _Outputs()
        shell = _Shell.instance(
            config=config, display_pub_class=_Publisher, displayhook_class=_Hook
        )
        shell.outputs = shell.display_pub.outputs = shell.displayhook.outputs = outputs
        _enable_inline_figures(shell)
        _shell = shell
        _settings = _settings_of(shell)
    return _shell


def _enable_inline_figures(shell: InteractiveShell) -> None:
    """Figures left open at the end of a cell are shown, as in a kernel (where matplotlib's
    backend is the inline one), unless the notebook chose a backend itself. Where the pages
    draw nothing through matplotlib (process_state.charts_expected: the shipped notebook
    without a plan), pyplot and the inline backend (half a second of a worker's start) wait
    for a notebook that imports pyplot: matplotlib's backend is named the inline one, as a
    kernel names it in MPLBACKEND, and the backend sets itself up in this shell when pyplot
    loads it, as it does in a kernel (the worker is then replaced: process_state)."""
    import matplotlib

    if not charts_expected() and "matplotlib.pyplot" not in sys.modules:
        matplotlib.rcParams["backend"] = INLINE
        return
    from IPython.core.pylabtools import activate_matplotlib
    from matplotlib_inline.backend_inline import configure_inline_support

    activate_matplotlib(INLINE)  # what a kernel's matplotlib does on import
    # matplotlib_inline gives a shell its figure formats only the first time in a process:
    # a shell made after another (after a failure, or once a notebook loaded pyplot) needs
    # them too.
    configure_inline_support.current_backend = "unset"
    configure_inline_support(shell, INLINE)


def discard_shell() -> None:
    """Drop the shell (after a failure): the next notebook gets a new one."""
    global _shell
    if _shell is not None:
        _Shell.clear_instance()
        if INLINE_CONFIG in sys.modules:
            sys.modules[INLINE_CONFIG].InlineBackend.clear_instance()
        _shell = None


def forget_last_notebook() -> None:
    """Drop what the last notebook made (before its worker settles: nothing of it is kept)."""
    if _shell is not None:
        _reset(_shell)


def _reset(shell: _Shell) -> None:
    # The names the last notebook made go; IPython's own (those `%reset -f` keeps) and the
    # imported modules stay.
    for name in [k for k in shell.user_ns if k not in shell.user_ns_hidden]:
        del shell.user_ns[name]
    shell.history_manager.reset(new_session=False)
    shell.execution_count = 1


def run_cell(shell: _Shell, cell: NotebookNode) -> bool:
    """Run one code cell, its outputs recorded in the cell; False if it raised."""
    cell.outputs = []
    shell.outputs.start(cell.outputs)
    count = shell.execution_count
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Stream(shell.outputs, "stdout"), _Stream(shell.outputs, "stderr")
    try:
        result = shell.run_cell(cell.source, store_history=True)
    finally:
        sys.stdout, sys.stderr = saved
    cell.execution_count = count
    if isinstance(result.error_in_exec, PASSED_THROUGH):
        raise result.error_in_exec
    return result.success
