"""The papermill engines of ntm, which papermill finds by their entry points (pyproject.toml,
"papermill.engine"): `ntm-shell` runs a notebook in the worker's own IPython shell
(shell_engine), `ntm-warm` in a warm kernel (papermill_engine).

Only papermill imports this module, while it loads its engines: importing it first would ask
papermill, half-loaded, for the module being loaded. The state and helpers of each engine live
in their own modules, which import nothing of papermill's at load time.
"""

from __future__ import annotations

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import Engine, NBClientEngine
from papermill.log import logger

from .papermill_engine import _ready_client, _warm_kernel
from .shell_engine import LANGUAGE_INFO, _get_shell, _reset, run_cell

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


class ShellEngine(Engine):
    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
        shell = _get_shell()
        _reset(shell)
        for index, cell in enumerate(nb_man.nb.cells):
            nb_man.cell_start(cell, index)
            try:
                if cell.cell_type == "code" and not run_cell(shell, cell):
                    nb_man.cell_exception(cell, cell_index=index)
                    break
            finally:
                nb_man.cell_complete(cell, cell_index=index)
        nb_man.nb.metadata["language_info"] = LANGUAGE_INFO
