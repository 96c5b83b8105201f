"""The papermill engines of ntm, which papermill finds by their entry points (pyproject.toml,
"papermill.engine"): `ntm-shell` runs a notebook in the worker's own IPython shell
(shell_engine), `ntm-warm` in a warm kernel (papermill_engine).

Only papermill imports this module, while it loads its engines: importing it first would ask
papermill, half-loaded, for the module being loaded. The state and helpers of each engine live
in their own modules, which import nothing of papermill's at load time.
"""

from __future__ import annotations

import datetime
import os

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import Engine, NBClientEngine, NotebookExecutionManager, catch_nb_assignment
from papermill.log import logger

from .papermill_engine import _ready_client, _warm_kernel, discard_kernel
from .process_state import PAGE_ENV
from .shell_engine import LANGUAGE_INFO, before_notebook, run_cell

# Between notebooks, in the kernel: drop every name the last one made, keeping IPython's own
# (the names `%reset -f` also keeps) and the imported modules (a fraction of %reset's cost,
# which also clears the history and the output cache a batch never uses); set the job's page
# variables (a kernel keeps the environment it started with); put the process back as the
# first notebook found it (process_state).
RESET = (
    "__import__('ntm_lib.reports.process_state', fromlist=['_'])"
    ".between_notebooks(get_ipython(), {env!r})"
)


class KernelTainted(Exception):
    """The kernel could not be put back as it was: it is replaced."""


class _ResettingClient(PapermillNotebookClient):
    def papermill_execute_cells(self):
        code = RESET.format(env={k: os.environ.get(k) for k in PAGE_ENV})
        reply = self.wait_for_reply(self.kc.execute(code, silent=True, store_history=False))
        if (reply or {}).get("content", {}).get("status") != "ok":
            raise KernelTainted()
        super().papermill_execute_cells()


class _Manager(NotebookExecutionManager):
    """papermill's, a cell's duration taken from its start time read back by datetime:
    papermill parses the time it wrote itself in ISO format with dateutil's general parser,
    which cost 2 % of a page (measured)."""

    @catch_nb_assignment
    def cell_complete(self, cell, cell_index=None, **kwargs):
        if self.log_output:
            return super().cell_complete(cell, cell_index=cell_index, **kwargs)
        end = self.now()
        meta = cell.metadata.papermill
        meta["end_time"] = end.isoformat()
        if meta.get("start_time"):
            start = datetime.datetime.fromisoformat(meta["start_time"])
            meta["duration"] = (end - start).total_seconds()
        if meta["status"] != self.FAILED:
            meta["status"] = self.COMPLETED
        self.save()
        if self.pbar:
            self.pbar.update(1)


class _Managed(Engine):
    @classmethod
    def execute_notebook(
        cls,
        nb,
        kernel_name,
        output_path=None,
        progress_bar=True,
        log_output=False,
        autosave_cell_every=30,
        **kwargs,
    ):
        """papermill's Engine.execute_notebook, with our manager (_Manager)."""
        nb_man = _Manager(
            nb,
            output_path=output_path,
            progress_bar=progress_bar,
            log_output=log_output,
            autosave_cell_every=autosave_cell_every,
        )
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb


class WarmKernelEngine(_Managed, NBClientEngine):
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
        streams = {"log_output": log_output, "stdout_file": stdout_file, "stderr_file": stderr_file}
        try:
            return cls._execute(nb_man, kernel_name, execution_timeout, start_timeout, **streams)
        except KernelTainted:
            discard_kernel()
            return cls._execute(nb_man, kernel_name, execution_timeout, start_timeout, **streams)

    @classmethod
    def _execute(
        cls,
        nb_man,
        kernel_name,
        execution_timeout,
        start_timeout,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
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


class ShellEngine(_Managed):
    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
        shell = before_notebook()
        for index, cell in enumerate(nb_man.nb.cells):
            nb_man.cell_start(cell, index)
            try:
                if cell.cell_type == "code" and not run_cell(shell, cell):
                    nb_man.cell_exception(cell, cell_index=index)
                    break
            finally:
                nb_man.cell_complete(cell, cell_index=index)
        nb_man.nb.metadata["language_info"] = LANGUAGE_INFO
