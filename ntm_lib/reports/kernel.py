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
import sys
import tempfile
from pathlib import Path

KERNEL_NAME = "ntm-assess"


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
