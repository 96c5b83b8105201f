"""The layout keeps its direction: a package imports only from the layers below it.

base (errors, i18n, fmt, provenance, atomic, tables, ...) < criteria < intake < assess < reports
< commands < the edges (cli). A module of a lower layer that imports a higher one would make the
criteria depend on reports, or intake on scoring; this test names the offending import.
"""

import ast

from conftest import ROOT

PACKAGE = ROOT / "ntm_lib"
LAYERS = {
    "base": 0,
    "criteria": 1,
    "intake": 2,
    "assess": 3,
    "reports": 4,
    "commands": 5,
    "edges": 6,
}
EDGES = {"cli", "__main__"}


def layer_of(module: str) -> str:
    """'ntm_lib.assess.scoring' -> 'assess'; top-level modules are base or edges."""
    parts = module.split(".")[1:]
    if not parts or parts == ["__init__"]:
        return "edges"  # the package's public API re-exports from every layer
    if len(parts) > 1 or parts[0] in LAYERS:
        return parts[0]
    return "edges" if parts[0] in EDGES else "base"


def module_name(path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    return ".".join(rel.parts)


def imports_of(path) -> list[tuple[int, str]]:
    """Every ntm_lib module `path` imports (at any depth of the file), with its line."""
    here = module_name(path).split(".")
    package = here[:-1] if path.name != "__init__.py" else here[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("ntm_lib")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("ntm_lib"):
                continue
            if node.module is None or target.count(".") == 1 and target.split(".")[1] in LAYERS:
                # `from . import charts` or `from ..assess import views`: the names are modules
                found += [(node.lineno, f"{target}.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, target))
    return found


def test_layer_of():
    assert layer_of("ntm_lib.assess.scoring") == "assess"
    assert layer_of("ntm_lib.errors") == "base"
    assert layer_of("ntm_lib.cli") == "edges"
    assert layer_of("ntm_lib.criteria") == "criteria"


def test_imports_are_found_in_every_form(tmp_path):
    assert "ntm_lib.assess.views" in [
        m for _, m in imports_of(PACKAGE / "reports" / "commune_report.py")
    ]
    assert "ntm_lib.criteria.catalogue" in [
        m for _, m in imports_of(PACKAGE / "assess" / "scoring.py")
    ]


def test_no_module_imports_a_higher_layer():
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 30
    upward = []
    for path in modules:
        mine = layer_of(module_name(path))
        for line, target in imports_of(path):
            theirs = layer_of(target)
            if LAYERS[theirs] > LAYERS[mine]:
                upward.append(
                    f"{path.relative_to(ROOT)}:{line} ({mine}) imports {target} ({theirs})"
                )
    assert not upward, "\n".join(upward)


def test_every_module_is_in_a_known_place():
    top = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    base = {
        "errors",
        "i18n",
        "yaml_text",
        "fmt",
        "provenance",
        "atomic",
        "tables",
        "table_sheet",
        "illustrative",
        "shipped",
    }
    assert top <= EDGES | base, top
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert packages == {"criteria", "intake", "assess", "reports", "commands"}
