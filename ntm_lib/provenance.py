"""Where results come from: file hashes, package versions, the run time."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from functools import lru_cache
from importlib import metadata
from pathlib import Path

PACKAGES = (
    "ntm-assess",
    "pandas",
    "numpy",
    "pydantic",
    "openpyxl",
    "papermill",
    "nbconvert",
    "nbclient",
    "ipykernel",
    "matplotlib",
    "seaborn",
    "babel",
)


def sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def files(paths, role: str) -> list[dict]:
    return [
        {"role": role, "name": Path(p).name, "path": str(Path(p).resolve()), "sha256": sha256(p)}
        for p in paths
    ]


def relative_path(path: str | Path, base: str | Path) -> str:
    """`path` relative to the run folder `base`, so that a run folder moved together with its
    inputs still finds them."""
    return os.path.relpath(os.path.realpath(path), os.path.realpath(base))


def relative_inputs(inputs: list[dict], base: str | Path) -> list[dict]:
    return [item | {"path": relative_path(item["path"], base)} for item in inputs]


def package_versions() -> dict[str, str]:
    """The versions of the libraries that make the outputs, as this process loaded them (read
    once: a long-lived command, `ntm report --watch`, goes on with the code it started with)."""
    return dict(_versions())


@lru_cache(maxsize=1)
def _versions() -> tuple[tuple[str, str], ...]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return tuple(out.items())


def run_time() -> str:
    """Now in UTC, or SOURCE_DATE_EPOCH when set (for reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = (
        dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
        if epoch
        else dt.datetime.now(dt.timezone.utc)
    )
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")
