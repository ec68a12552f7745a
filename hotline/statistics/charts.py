"""Bar charts drawn on the server as SVG: no script, nothing from elsewhere, and each beside its data table.

A hidden count is drawn as an outlined, empty bar that says so, never as a bar of zero.
"""

from __future__ import annotations

from dataclasses import dataclass

from hotline.statistics.publication import Figure

WIDTH, HEIGHT = 400, 220  # the drawing's own units; it scales to the page's width (phones included)
TOP, BOTTOM, SIDE = 24, 36, 8  # room for the values above the bars and the labels below them
HIDDEN_HEIGHT = 18  # an empty bar for a hidden count: visible, and clearly not a measured height
ROW, LABEL = 52, 20  # a horizontal chart: each row's height, and the room for its label above the bar
VALUE_ROOM = 110  # room right of the longest bar for its value, or for the words of a hidden count


@dataclass(frozen=True)
class Bar:
    label: str
    figure: Figure
    x: float
    y: float
    width: float
    height: float

    @property
    def middle(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - BOTTOM
    horizontal: bool = False


def columns(items: list[tuple[str, Figure]]) -> Chart:
    """Lay out one bar per item, scaled to the largest shown count; hidden counts get an empty bar of fixed height."""
    if not items:
        return Chart([])
    largest = max((f.value for _label, f in items if f.value is not None), default=0) or 1
    slot = (WIDTH - 2 * SIDE) / len(items)
    width = slot * 0.6
    room = HEIGHT - TOP - BOTTOM
    bars = []
    for index, (label, figure) in enumerate(items):
        height = room * figure.value / largest if figure.value is not None else HIDDEN_HEIGHT
        x = SIDE + index * slot + (slot - width) / 2
        bars.append(
            Bar(label, figure, round(x, 1), round(HEIGHT - BOTTOM - height, 1), round(width, 1), round(height, 1))
        )
    return Chart(bars)


def rows(items: list[tuple[str, Figure]]) -> Chart:
    """Lay out one horizontal bar per item under its label, for long labels on a narrow screen."""
    largest = max((f.value for _label, f in items if f.value is not None), default=0) or 1
    room = WIDTH - 2 * SIDE - VALUE_ROOM
    bars = []
    for index, (label, figure) in enumerate(items):
        length = room * figure.value / largest if figure.value is not None else VALUE_ROOM / 2
        bars.append(Bar(label, figure, SIDE, index * ROW + LABEL + 4, round(length, 1), ROW - LABEL - 12))
    return Chart(bars, height=len(items) * ROW + 4, horizontal=True)
