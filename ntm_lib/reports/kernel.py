"""The Jupyter kernel that runs the report notebooks: always this very Python environment.

A kernelspec named `ntm-assess` is written to a private folder and put first on JUPYTER_PATH,
so papermill finds it before any user- or system-wide kernel of the same name, whatever
kernels the machine has (or lacks). `make setup` also registers it in the virtual
environment for use from JupyterLab.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from ..atomic import alive

KERNEL_NAME = "ntm-assess"
# A warm kernel's folder (its sockets and connection file: papermill_engine), named by the
# worker that started it, which a marker file inside names too.
SOCKETS_PREFIX = "ntm-kernel-"
MARKER = ".ntm-kernel"


def kernel_spec() -> dict:
    return {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ntm-assess)",
        "language": "python",
        "metadata": {"debugger": False},
    }


def ensure_kernel() -> str:
    """Make `ntm-assess` resolve to this interpreter in this process and its children."""
    tag = hashlib.sha256(sys.executable.encode()).hexdigest()[:12]
    base = Path(tempfile.gettempdir()) / f"ntm-assess-jupyter-{tag}"
    spec_dir = base / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec_file = spec_dir / "kernel.json"
    text = json.dumps(kernel_spec(), indent=1)
    if not spec_file.exists() or spec_file.read_text() != text:
        tmp = spec_dir / f".kernel.json.{os.getpid()}"
        tmp.write_text(text)
        os.replace(tmp, spec_file)
    paths = os.environ.get("JUPYTER_PATH", "")
    if not paths.split(os.pathsep)[0] == str(base):
        os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(base), paths) if p)
    return KERNEL_NAME


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
