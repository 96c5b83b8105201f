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

from .kernel import MARKER, SOCKETS_PREFIX, sweep_dead_kernel_folders

# Registered with papermill as an entry point (pyproject.toml, "papermill.engine").
ENGINE_NAME = "ntm-warm"
_kernel: KernelManager | None = None
_client = None  # the worker's kernel client, channels open and the kernel known ready


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
