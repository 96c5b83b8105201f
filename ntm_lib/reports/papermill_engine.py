"""A papermill engine that keeps one warm kernel per worker: for notebooks run where the
process is not ours alone (a Dask worker's thread, the district summary in the main process);
a worker of ntm's own pool runs them in its own shell (shell_engine).

Starting a kernel and importing pandas, matplotlib and seaborn in it costs more than running
the report notebook itself. This engine starts the kernel once per worker and, before each
notebook, clears its namespace (RESET), so every notebook still runs from its parameters
alone while the imported modules are reused. A notebook that fails has its kernel shut down:
the next one gets a fresh kernel. Registered with papermill as the engine `ntm-warm`.
"""

from __future__ import annotations

import multiprocessing.util
import os
import shutil
import tempfile
from pathlib import Path

from jupyter_client.manager import KernelManager
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger

from ..atomic import alive

ENGINE_NAME = "ntm-warm"
SOCKETS_PREFIX = "ntm-kernel-"
MARKER = ".ntm-kernel"
_kernel: KernelManager | None = None
_client = None  # the worker's kernel client, channels open and the kernel known ready


def sweep_dead_kernel_folders() -> None:
    """Remove the socket folders of workers that were killed (they could not clean up):
    only folders that carry our marker and whose worker process is gone."""
    for folder in Path(tempfile.gettempdir()).glob(f"{SOCKETS_PREFIX}*"):
        try:
            pid = int((folder / MARKER).read_text())
        except (OSError, ValueError):
            continue
        if folder.name.startswith(f"{SOCKETS_PREFIX}{pid}-") and not alive(pid):
            shutil.rmtree(folder, ignore_errors=True)


def _warm_kernel(kernel_name: str) -> KernelManager:
    global _kernel
    if _kernel is not None and (_kernel.kernel_name != kernel_name or not _kernel.is_alive()):
        discard_kernel()
    if _kernel is None:
        sweep_dead_kernel_folders()
        # Local sockets rather than TCP ports: nothing listens on the network. The connection
        # file lies beside them, so one folder holds all a kernel leaves on disk.
        folder = Path(tempfile.mkdtemp(prefix=f"{SOCKETS_PREFIX}{os.getpid()}-"))
        (folder / MARKER).write_text(str(os.getpid()))
        _kernel = KernelManager(
            kernel_name=kernel_name,
            transport="ipc",
            ip=str(folder / "ipc"),
            connection_file=str(folder / "kernel.json"),
        )
        _kernel.start_kernel(extra_arguments=["--HistoryManager.hist_file=:memory:"])
        # Workers end through multiprocessing's exit path, which runs Finalize, not atexit.
        multiprocessing.util.Finalize(None, discard_kernel, exitpriority=10)
    return _kernel


def _ready_client(km: KernelManager, timeout: float):
    """One client per warm kernel: opening a client's channels and waiting for the kernel to
    answer costs 0.2 s of waiting each time (the client drains its output channel for that
    long), more than a third of a report."""
    global _client
    if _client is None:
        _client = km.client()
        _client.start_channels()
        _client.wait_for_ready(timeout=timeout)
        _client.allow_stdin = False
    return _client


def discard_kernel() -> None:
    """Shut the worker's kernel down (after a failure, or when the worker exits)."""
    global _kernel, _client
    if _client is not None:
        try:
            _client.stop_channels()
        except Exception:  # noqa: BLE001 - closing what is already broken
            pass
        _client = None
    if _kernel is not None:
        try:
            _kernel.shutdown_kernel(now=True)
        except Exception:  # noqa: BLE001 - a dead kernel is what we wanted anyway
            pass
        shutil.rmtree(Path(_kernel.ip).parent, ignore_errors=True)
        _kernel = None


# Between notebooks, drop every name the last one made, keeping IPython's own (the names
# `%reset -f` also keeps) and the imported modules: a fraction of %reset's cost, which also
# clears the history and the output cache a batch never uses.
RESET = (
    "(lambda ip: [ip.user_ns.pop(k) for k in "
    "[k for k in ip.user_ns if k not in ip.user_ns_hidden]])(get_ipython())"
)


class _ResettingClient(PapermillNotebookClient):
    def papermill_execute_cells(self):
        self.wait_for_reply(self.kc.execute(RESET, silent=True, store_history=False))
        super().papermill_execute_cells()


class WarmKernelEngine(NBClientEngine):
    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        **kwargs,
    ):
        km = _warm_kernel(kernel_name)
        client = _ResettingClient(
            nb_man,
            km=km,
            kernel_name=kernel_name,
            log=logger,
            timeout=execution_timeout,
            startup_timeout=start_timeout,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        # A client already set is reused (nbclient starts one only when there is none); it
        # is closed with the kernel, by discard_kernel.
        client.kc = _ready_client(km, start_timeout)
        return client.execute()


papermill_engines.register(ENGINE_NAME, WarmKernelEngine)
