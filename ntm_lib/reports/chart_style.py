"""What every chart shares, whichever way it is drawn (seaborn in `charts`, SVG in
`svg_charts`): colours by verdict, the width a phone shows, the size of text, how a long label
wraps.

Every chart is drawn for the width it is shown at: WIDTH, a phone's column (360 CSS px), with
text of FONT points (12.7 px at that size, over 11 px on any phone from 330 px up); a page
never enlarges a chart, and a desktop shows it at that size.
"""

from __future__ import annotations

import textwrap

COLOURS = {
    "met": "#2e7d32",
    "not_met": "#c62828",
    "incomplete": "#f9a825",
    "missing": "#9e9e9e",
    "not_applicable": "#e0e0e0",
    "no_threshold": "#b39ddb",
    "no_data": "#757575",
}
STATUS_ORDER = [
    "met",
    "not_met",
    "incomplete",
    "missing",
    "no_threshold",
    "not_applicable",
    "no_data",
]
WIDTH = 3.75  # inches at 96 px an inch: 360 CSS px, a 390-px phone's column
DPI = 96
FONT = 9.5  # points, every text of every chart
LABEL_CHARS = 44  # a wrapped label's line, in characters, at FONT across WIDTH
LINE = FONT / 72 * 1.25  # inches a line of text takes
LEGEND_ROW = FONT / 72 * 1.75  # inches a row of a legend takes (its key, its spacing)


def wrap(text: str, width: int = LABEL_CHARS, lines: int = 2) -> str:
    """A label over at most `lines` lines of `width` characters (the rest cut with '…')."""
    return "\n".join(textwrap.wrap(str(text), width, max_lines=lines, placeholder="…")) or " "
