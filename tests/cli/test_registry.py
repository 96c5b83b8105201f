"""The registry of commands: every command module listed, each imported only for its own
command, so that `ntm --help` and a command's start load nothing another command needs."""

import json
import re
import subprocess
import sys

from conftest import ROOT

from ntm_lib.commands import MODULES, REGISTRY, defined_in


def test_every_command_module_is_listed_under_the_names_it_defines():
    defines = re.compile(r"^COMMANDS? = ", re.MULTILINE)
    folder = ROOT / "ntm_lib" / "commands"
    modules = {p.stem for p in folder.glob("*.py") if defines.search(p.read_text("utf-8"))}
    assert modules == set(MODULES.values())
    for module in modules:
        names = [c.name for c in defined_in(module)]
        assert names == [n for n, m in MODULES.items() if m == module], module
    assert [REGISTRY[name].name for name in REGISTRY] == list(MODULES)


def _imported_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running `code`."""
    script = (
        "import json, sys\n"
        f"try:\n    {code}\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_the_help_loads_no_command_and_no_table_library():
    loaded = _imported_after("from ntm_lib import cli; cli.main(['--help'])")
    commands = {m for m in loaded if m.startswith("ntm_lib.commands.")}
    # what every command shares (its options, how its errors are told), no command's module
    assert commands == {"ntm_lib.commands.base", "ntm_lib.commands.telling"}
    assert not {f"ntm_lib.commands.{name}" for name in MODULES.values()} & loaded
    assert not loaded & {"pandas", "numpy", "openpyxl", "xlsxwriter", "pydantic"}


def test_a_command_loads_its_own_module_only():
    loaded = _imported_after("from ntm_lib import cli; cli.main(['report', '--help'])")
    commands = {m for m in loaded if m.startswith("ntm_lib.commands.")}
    assert "ntm_lib.commands.report_command" in commands
    # the run's own module (pandas, the criteria...) waits for the report's first worker
    assert "ntm_lib.commands.report" not in commands and "pandas" not in loaded
    assert not commands & {"ntm_lib.commands.template", "ntm_lib.commands.document"}
    assert "openpyxl" not in loaded  # read only for an Excel input, written only by templates


def test_csv_inputs_are_read_without_openpyxl():
    sample = ROOT / "data" / "sample"
    loaded = _imported_after(
        "from ntm_lib.assess.loaded import load_run; "
        f"load_run([{str(sample / 'indicators.csv')!r}], {str(sample / 'communes.csv')!r}, "
        "'hd-2022-advanced')"
    )
    assert "ntm_lib.intake.table" in loaded and "openpyxl" not in loaded
