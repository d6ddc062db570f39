"""Chart layout for server-rendered SVG: the numbers of a figure turned into coordinates.

Pure Python; the templates in templates/catalog/includes/chart_*.html only print what these
functions compute. Every chart is ``WIDTH`` wide in its own units and scales with the page.
"""

import math
from dataclasses import dataclass, field

WIDTH = 720  # the default; each chart may have its own
# Colour-blind-safe (Okabe and Ito), grey last for "not stated".
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]
GREY = "#999999"


def nice_scale(value, most=5):
    """(top, ticks) of a linear axis from 0 to at least ``value``, in round steps (1, 2 or 5
    times a power of ten), with at most ``most`` steps."""
    value = max(value, 1)
    power = max(1, 10 ** math.floor(math.log10(value / most)))  # counts: whole steps
    step = next(s * power for s in (1, 2, 5, 10) if value / (s * power) <= most)
    steps = math.ceil(value / step)
    return step * steps, [step * i for i in range(steps + 1)]


def cells_label(value):
    """A cell count in words: 100 thousand, 1 million, 2.5 billion."""
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"), (1e3, "thousand")):
        if value >= size:
            number = f"{value / size:.3g}"
            return f"{number} {word}"
    return f"{value:.3g}"


def _number(value):
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


@dataclass
class Tick:
    position: float
    label: str


@dataclass
class Chart:
    """What every chart template needs: its size, ticks, and marks."""

    width: int
    height: int
    plot: dict  # left, top, right, bottom, width, height of the plotting area
    ticks: list = field(default_factory=list)
    marks: list = field(default_factory=list)
    legend: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)


def _plot(left, top, right, bottom, height, width=WIDTH):
    return {
        "left": left,
        "top": top,
        "right": width - right,
        "bottom": height - bottom,
        "width": width - left - right,
        "height": height - top - bottom,
    }


def stacked_columns(columns, series, height=300, width=WIDTH):
    """Columns (``{"label", "segments": [Bar], "total", "url"}``) of stacked segments."""
    plot = _plot(48, 12, 12, 28, height, width)
    top, values = nice_scale(max((c["total"] for c in columns), default=0))
    colours = {}
    for index, item in enumerate(s for s in series if s.code != "not_stated"):
        colours[item.code] = PALETTE[index % len(PALETTE)]
    colours["not_stated"] = GREY
    legend = [
        {"label": s.label, "colour": colours[s.code], "total": s.total, "code": s.code}
        for s in series
    ]
    n = max(len(columns), 1)
    slot = plot["width"] / n
    bar = max(slot * 0.78, 1)
    every = max(1, math.ceil(n * 48 / plot["width"]))  # labels at least 48 units apart
    marks = []
    for index, column in enumerate(columns):
        x = plot["left"] + index * slot + (slot - bar) / 2
        y = plot["bottom"]
        segments = []
        for segment in column["segments"]:
            if not segment.count:
                continue
            h = segment.count / top * plot["height"]
            y -= h
            segments.append(
                {
                    "y": round(y, 2),
                    "height": round(h, 2),
                    "colour": colours[segment.code],
                    "bar": segment,
                }
            )
        marks.append(
            {
                "x": round(x, 2),
                "width": round(bar, 2),
                "centre": round(x + bar / 2, 2),
                "label": column["label"] if index % every == 0 else "",
                "column": column,
                "segments": segments,
                "top": round(y, 2),
            }
        )
    ticks = [
        Tick(round(plot["bottom"] - value / top * plot["height"], 2), _number(value))
        for value in values
    ]
    return Chart(width, height, plot, ticks, marks, legend)


def horizontal_bars(bars, row=24, label_width=200, width=WIDTH):
    """One bar per item (``Bar``), longest scale at the largest count."""
    height = 16 + row * max(len(bars), 1) + 24
    plot = _plot(label_width, 8, 48, 24, height, width)
    top, values = nice_scale(max((b.count for b in bars), default=0))
    marks = []
    for index, item in enumerate(bars):
        y = plot["top"] + index * row
        length = item.count / top * plot["width"]
        marks.append(
            {
                "y": round(y + 3, 2),
                "height": row - 6,
                "text_y": round(y + row / 2 + 4, 2),
                "width": round(max(length, 1), 2),
                "end": round(plot["left"] + length + 6, 2),
                "bar": item,
            }
        )
    ticks = [
        Tick(round(plot["left"] + value / top * plot["width"], 2), _number(value))
        for value in values
    ]
    return Chart(width, height, plot, ticks, marks)


def _log_scale(low, high, plot):
    lo, hi = math.log10(low), math.log10(high)

    def x(value):
        return round(plot["left"] + (math.log10(value) - lo) / (hi - lo) * plot["width"], 2)

    return x


def histogram(bins, median, height=280, width=WIDTH):
    """Bins (``Bin``: low, high, count, url) on a log axis, with the median marked."""
    plot = _plot(48, 28, 16, 44, height, width)
    low, high = bins[0].low, bins[-1].high
    x = _log_scale(low, high, plot)
    top, values = nice_scale(max((b.count for b in bins), default=0))
    marks = []
    for item in bins:
        h = item.count / top * plot["height"]
        left, right = x(item.low), x(item.high)
        marks.append(
            {
                "x": round(left + 1, 2),
                "width": round(right - left - 2, 2),
                "y": round(plot["bottom"] - h, 2),
                "height": round(h, 2),
                "centre": round((left + right) / 2, 2),
                "label": f"{cells_label(item.low)} to {cells_label(item.high)}",
                "bin": item,
            }
        )
    ticks = [
        Tick(x(10**e), cells_label(10**e))
        for e in range(math.ceil(math.log10(low)), math.floor(math.log10(high)) + 1)
    ]
    extra = {
        "y_ticks": [
            Tick(round(plot["bottom"] - value / top * plot["height"], 2), _number(value))
            for value in values
        ]
    }
    if median:
        extra["median_x"] = x(min(max(median, low), high))
        extra["median_label"] = cells_label(median)
    return Chart(width, height, plot, ticks, marks, extra=extra)


def box_plot(boxes, row=36, label_width=120, width=WIDTH):
    """One horizontal box per row (``Box``) on a log axis: whiskers from the smallest to the
    largest value, the box from the first to the third quartile, the median marked."""
    height = 16 + row * max(len(boxes), 1) + 32
    plot = _plot(label_width, 8, 72, 32, height, width)
    low = 1
    high = max((b.maximum for b in boxes), default=10)
    high = 10 ** math.ceil(math.log10(max(high, 10)))
    x = _log_scale(low, high, plot)
    marks = []
    for index, item in enumerate(boxes):
        y = plot["top"] + index * row
        marks.append(
            {
                "y": round(y + 8, 2),
                "mid": round(y + row / 2, 2),
                "height": row - 16,
                "text_y": round(y + row / 2 + 4, 2),
                "min": x(max(item.minimum, low)),
                "q1": x(max(item.q1, low)),
                "median": x(max(item.median, low)),
                "q3": x(max(item.q3, low)),
                "box_width": round(max(x(max(item.q3, low)) - x(max(item.q1, low)), 1), 2),
                "bottom": round(y + row - 8, 2),
                "max": x(max(item.maximum, low)),
                "box": item,
            }
        )
    ticks = [Tick(x(10**e), _number(10**e)) for e in range(0, int(math.log10(high)) + 1)]
    return Chart(width, height, plot, ticks, marks)
