"""Chart layout: round axes, counts in proportion, log scales, labels people read."""

from catalog.site.charts import (
    box_plot,
    cells_label,
    histogram,
    horizontal_bars,
    nice_scale,
    stacked_columns,
)
from catalog.site.insights import Bar, Bin, Box, YearSeries


def test_axes_end_on_a_round_number_in_whole_steps():
    assert nice_scale(0) == (1, [0, 1])
    assert nice_scale(323) == (400, [0, 100, 200, 300, 400])
    assert nice_scale(174) == (200, [0, 50, 100, 150, 200])
    top, ticks = nice_scale(7)
    assert top >= 7 and all(isinstance(t, int) for t in ticks)


def test_cell_counts_read_in_words():
    assert cells_label(1e8) == "100 million"
    assert cells_label(1.78e8) == "178 million"
    assert cells_label(2.5e9) == "2.5 billion"
    assert cells_label(56200) == "56.2 thousand"


def test_bars_are_in_proportion_to_their_counts():
    chart = horizontal_bars([Bar("A", 300, "/a"), Bar("B", 150, "/b"), Bar("C", 0, "/c")])
    a, b, c = (m["width"] for m in chart.marks)
    assert a == 2 * b and c <= 1
    assert chart.marks[0]["y"] < chart.marks[1]["y"]


def test_stacked_segments_add_up_to_the_column():
    series = [
        YearSeries("bone_marrow", "Bone marrow", ["bone_marrow"], 5),
        YearSeries("not_stated", "Not stated", ["not_stated"], 3),
    ]
    columns = [
        {
            "label": "2020",
            "total": 8,
            "url": "/t",
            "segments": [
                Bar("Bone marrow", 5, "/bm", "bone_marrow"),
                Bar("Not stated", 3, "/ns", "not_stated"),
            ],
        },
    ]
    chart = stacked_columns(columns, series)
    (mark,) = chart.marks
    heights = [s["height"] for s in mark["segments"]]
    top, _ = nice_scale(8)
    assert abs(sum(heights) - 8 / top * chart.plot["height"]) < 0.1
    assert heights[0] / heights[1] == 5 / 3
    assert [s["colour"] for s in mark["segments"]][-1] == "#999999"  # not stated in grey
    assert [item["label"] for item in chart.legend] == ["Bone marrow", "Not stated"]


def test_histogram_on_a_log_axis_marks_the_median():
    bins = [Bin(10**e, 10 ** (e + 1), n, "/") for e, n in ((6, 1), (7, 4), (8, 2))]
    chart = histogram(bins, median=1e7)
    widths = {round(m["width"]) for m in chart.marks}
    assert len(widths) == 1  # each decade equally wide
    assert chart.extra["median_x"] == chart.marks[1]["x"] - 1  # 10^7 starts the second bin
    assert chart.extra["median_label"] == "10 million"
    assert [t.label for t in chart.ticks] == ["1 million", "10 million", "100 million", "1 billion"]


def test_boxes_order_their_quartiles_left_to_right():
    chart = box_plot([Box("Phase 2", "/p2", 10, 1, 10, 30, 60, 5000)])
    (mark,) = chart.marks
    assert mark["min"] < mark["q1"] < mark["median"] < mark["q3"] < mark["max"]
    assert mark["box_width"] == round(mark["q3"] - mark["q1"], 2)
