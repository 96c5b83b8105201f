"""The criteria package's public face: sets as data, loaded and resolved, and their thresholds.

The work is done by modules named for their concern: `model` (the resolved set), `regions`
(regions, units, categories), `folders` (where sets are found, ids, shadowing), `resolve`
(reading a file and its overlays), `checks` (a set's consistency), `grid` (the threshold grid)
and `evidence` (how well thresholds are known, the set's origin). Import from here.
"""

from __future__ import annotations

from .evidence import (
    checked_by,
    evidence_counts,
    origin_lines,
    provenance_of,
    set_origin,
    unverified,
)
from .folders import (
    SETS_DIR,
    absolute_sets_dirs,
    check_set_id,
    is_shipped,
    list_sets,
    set_path,
    sets_dirs,
    valid_set_id,
)
from .grid import (
    NO_EVIDENCE,
    NOT_APPLICABLE,
    STATES,
    UNDECLARED,
    UNKNOWN,
    VALUE,
    Cell,
    ThresholdGrid,
    cell,
    commune_zones,
    coverage,
    coverage_zones,
    effective_region,
    threshold_grid,
    threshold_of,
)
from .model import CriteriaSet, Criterion, Indicator, fmt_number
from .regions import COMMON_FILE, common, region_ids, region_names, special_categories, units
from .resolve import load_set, parse_spec, resolve_text
from .schema import EVIDENCE_LEVELS, OP_SYMBOL

__all__ = [
    "COMMON_FILE",
    "EVIDENCE_LEVELS",
    "NO_EVIDENCE",
    "NOT_APPLICABLE",
    "OP_SYMBOL",
    "SETS_DIR",
    "STATES",
    "UNDECLARED",
    "UNKNOWN",
    "VALUE",
    "Cell",
    "CriteriaSet",
    "Criterion",
    "Indicator",
    "ThresholdGrid",
    "absolute_sets_dirs",
    "cell",
    "check_set_id",
    "checked_by",
    "common",
    "commune_zones",
    "coverage",
    "coverage_zones",
    "effective_region",
    "evidence_counts",
    "fmt_number",
    "is_shipped",
    "list_sets",
    "load_set",
    "origin_lines",
    "parse_spec",
    "provenance_of",
    "region_ids",
    "region_names",
    "resolve_text",
    "set_origin",
    "set_path",
    "sets_dirs",
    "special_categories",
    "threshold_grid",
    "threshold_of",
    "units",
    "unverified",
    "valid_set_id",
]
