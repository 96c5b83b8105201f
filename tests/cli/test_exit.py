"""The `ntm` executable ends its process at once after the exit handlers (a whole country's
tables are not taken apart object by object): the same output and exit code as `main`."""

import subprocess
import sys

SCRIPT = """
import atexit, sys
from ntm_lib import cli
atexit.register(lambda: print("exit handler ran", flush=True))
sys.argv = ["ntm", *sys.argv[1:]]
print("printed, not yet flushed", end="")
cli.command()
"""


def _ntm(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, *argv], capture_output=True, text=True, timeout=120
    )


def test_output_exit_code_and_exit_handlers_are_those_of_an_ordinary_exit(tmp_path):
    listed = _ntm("--lang", "en", "sets")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith("printed, not yet flushed")
    assert "hd-2022-advanced" in listed.stdout
    assert listed.stdout.rstrip().endswith("exit handler ran")

    none = str(tmp_path / "none.csv")
    missing = _ntm("--lang", "en", "validate", none, "--communes", "x", "--set", "hd-2022-advanced")
    assert missing.returncode != 0 and "none.csv" in missing.stderr
    assert missing.stdout.rstrip().endswith("exit handler ran")

    assert _ntm("report", "--jobs").returncode == 2  # argparse's own exit
