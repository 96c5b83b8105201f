"""Pages made by this checkout and by a reference one, compared byte for byte.

A change meant to make pages faster must not change them: this runs `ntm report` twice on the
same data, once with this checkout and once with the reference (another interpreter, or the
same with PYTHONPATH pointing at another checkout, e.g. `git archive main | tar -x -C REF`),
both with SOURCE_DATE_EPOCH set (the run time stamp), and compares the two folders: every
page, index and result file byte for byte; each executed notebook by its cells' sources and
outputs (papermill's timings, the parameters naming the run's temporary folder and the random
id of the cell it injects differ from run to run). Exit 1 when anything differs.

    python benchmarks/same_pages.py DATA_FOLDER --reference /path/to/python \\
        [--reference-path REF_CHECKOUT] [--set SET] [-- more ntm report options]
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

VARYING = {"start_time", "end_time", "duration", "input_path", "output_path", "parameters"}


def report(python: str, data: Path, out: Path, set_id: str, extra: list, path: str | None):
    env = os.environ | {"SOURCE_DATE_EPOCH": "1700000000"}
    if path:
        env["PYTHONPATH"] = path
    command = [python, "-m", "ntm_lib", "report", str(data / "indicators.csv")]
    command += ["--communes", str(data / "communes.csv"), "--set", set_id, "--out", str(out)]
    subprocess.run(command + extra, env=env, check=True, stdout=subprocess.DEVNULL)


def notebook(path: Path) -> list:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [
        (c["cell_type"], c["source"], c.get("outputs"))
        for c in nb["cells"]
        if "injected-parameters" not in c["metadata"].get("tags", [])
    ]


def differences(a: Path, b: Path) -> list[str]:
    names = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    names |= {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    out = []
    for name in sorted(names):
        x, y = a / name, b / name
        if not (x.is_file() and y.is_file()):
            out.append(f"only in one: {name}")
        elif name.name == "manifest.json":
            continue  # names the run's own folder and times
        elif name.suffix == ".ipynb":
            if notebook(x) != notebook(y):
                out.append(str(name))
        elif not filecmp.cmp(x, y, shallow=False):
            out.append(str(name))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--reference", required=True, help="the reference's Python")
    parser.add_argument("--reference-path", help="PYTHONPATH for the reference (a checkout)")
    parser.add_argument("--set", default="hd-2022-advanced")
    args, extra = parser.parse_known_args()
    extra = [x for x in extra if x != "--"]
    with tempfile.TemporaryDirectory() as tmp:
        ref, new = Path(tmp) / "reference", Path(tmp) / "this"
        report(args.reference, args.data, ref, args.set, extra, args.reference_path)
        report(sys.executable, args.data, new, args.set, extra, None)
        pages = len(list((new / "communes").glob("*.html")))
        diff = differences(ref, new)
    for line in diff:
        print("differs:", line)
    print(f"{pages} pages; {len(diff)} files differ")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
