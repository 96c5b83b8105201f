"""SVG written directly: the few shapes a bar or line chart needs, text kept as text.

Every commune's page carries three small charts; drawn through matplotlib they cost about 0.4
CPU-s a page (its text layout above all), more than the rest of the page. Written here they
cost about a millisecond each, and the same data gives the same bytes. Coordinates are CSS
pixels; text is escaped (a label is data: a commune or group name), and the image is shown as
an <img>, where an SVG never runs a script.
"""

from __future__ import annotations

import base64
import re

from matplotlib.ticker import MaxNLocator

from .chart_style import DPI, FONT

FONT_PX = FONT * DPI / 72  # 12.67 px
CHAR_PX = 0.6 * FONT_PX  # a generous average width of a character (Arial: about 0.55 em)
LINE_PX = FONT_PX * 1.25
INK, GRID = "#262626", "#cccccc"  # seaborn's whitegrid: text and grid
FAMILY = "Arial, 'DejaVu Sans', 'Liberation Sans', sans-serif"
# Characters XML 1.0 cannot carry, and lone surrogates UTF-8 cannot (intake refuses them in
# data and sets; a label never breaks the image).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def escape(text: str) -> str:
    text = _NOT_XML.sub("", str(text))
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _n(x: float) -> str:
    """A coordinate, to a hundredth of a pixel, without trailing zeros: stable bytes."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def text_width(text: str) -> float:
    """The pixels a line of text takes, at most (without the browser's font at hand)."""
    return len(text) * CHAR_PX


def ticks(low: float, high: float, bins: int = 5, integer: bool = False) -> list[float]:
    """Round tick values within [low, high] (matplotlib's own choice of steps)."""
    values = MaxNLocator(nbins=bins, steps=[1, 2, 2.5, 5, 10], integer=integer).tick_values(
        low, high
    )
    return [float(v) for v in values if low - 1e-9 <= v <= high + 1e-9]


class Drawing:
    """A chart's shapes, in CSS pixels, `width` x `height`."""

    def __init__(self, width: float, height: float) -> None:
        self.width, self.height = width, height
        self.parts: list[str] = []

    def rect(self, x, y, w, h, fill: str, stroke: str | None = None) -> None:
        edge = f' stroke="{stroke}"' if stroke else ""
        self.parts.append(
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(max(w, 0))}" height="{_n(h)}"'
            f' fill="{fill}"{edge}/>'
        )

    def line(self, points, stroke: str, width: float = 1, dash: bool = False) -> None:
        xy = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
        style = ' stroke-dasharray="5,3"' if dash else ""
        self.parts.append(
            f'<polyline points="{xy}" fill="none" stroke="{stroke}"'
            f' stroke-width="{_n(width)}"{style}/>'
        )

    def dot(self, x, y, r: float, fill: str) -> None:
        self.parts.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" fill="{fill}"/>')

    def text(self, x, y, text: str, anchor: str = "start", rotate: bool = False) -> None:
        """A line of text whose baseline is at `y` (its middle at `x` and `y` when rotated)."""
        turn = f' transform="rotate(-90 {_n(x)} {_n(y)})"' if rotate else ""
        self.parts.append(
            f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}"{turn}>{escape(text)}</text>'
        )

    def svg(self) -> bytes:
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(self.width)}"'
            f' height="{_n(self.height)}" viewBox="0 0 {_n(self.width)} {_n(self.height)}">'
            f"<style>text{{font: {_n(FONT_PX)}px {FAMILY}; fill: {INK}}}</style>"
            f'<rect width="100%" height="100%" fill="#ffffff"/>'
        )
        return (head + "".join(self.parts) + "</svg>").encode("utf-8")

    def image(self) -> tuple[str, int, int]:
        """The drawing as an inline image, with its CSS pixels."""
        uri = "data:image/svg+xml;base64," + base64.b64encode(self.svg()).decode("ascii")
        return uri, round(self.width), round(self.height)


def legend_rows(labels: list[str], width: float) -> list[list[int]]:
    """The legend's entries (their indices) in rows that fit `width`, in order."""
    rows: list[list[int]] = []
    used = width
    for i, label in enumerate(labels):
        need = 28 + text_width(label)  # its key, a gap, its text and the space after it
        if used + need > width and (not rows or rows[-1]):
            rows.append([])
            used = 0.0
        rows[-1].append(i)
        used += need
    return rows


def draw_legend(d: Drawing, entries: list[tuple[str, str, str]], top: float) -> float:
    """Entries (kind: 'box', 'line', 'dashed' or 'dot'; colour; label) across the width from
    `top`; returns where the legend ends."""
    row_height = FONT_PX * 1.75
    for r, row in enumerate(legend_rows([e[2] for e in entries], d.width - 8)):
        y, x = top + r * row_height + row_height / 2, 4.0
        for i in row:
            kind, colour, label = entries[i]
            if kind == "box":
                d.rect(x, y - 5, 16, 10, colour)
            elif kind == "dot":
                d.dot(x + 8, y, 4, colour)
            else:
                d.line([(x, y), (x + 16, y)], colour, 1.5, dash=kind == "dashed")
                if kind == "line":
                    d.dot(x + 8, y, 3.5, colour)
            d.text(x + 22, y + FONT_PX * 0.35, label)
            x += 28 + text_width(label)
    return top + len(legend_rows([e[2] for e in entries], d.width - 8)) * row_height
