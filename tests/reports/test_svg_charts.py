"""The charts written as SVG: shapes where the data puts them, labels as typed, same bytes."""

from xml.etree import ElementTree

import pandas as pd

from ntm_lib.reports import svg_charts
from ntm_lib.reports.chart_style import COLOURS

SVG = "{http://www.w3.org/2000/svg}"


def _parse(drawing):
    return ElementTree.fromstring(drawing.svg())


def _bars(root, colour):
    return [r for r in root.iter(f"{SVG}rect") if r.get("fill") == colour]


def _achievement(shares, statuses=None, kinds=None):
    n = len(shares)
    return pd.DataFrame(
        {
            "indicator": [f"{i + 1}.1" for i in range(n)],
            "share": shares,
            "status": statuses or ["met"] * n,
            "unit_kind": kinds or ["percent"] * n,
        }
    )


def _line_x(root, colour="#333333"):
    (line,) = [p for p in root.iter(f"{SVG}polyline") if p.get("stroke") == colour]
    return float(line.get("points").split()[0].split(",")[0])


def test_a_bar_at_its_threshold_ends_on_the_100_line_and_twice_as_far_is_twice_as_long():
    root = _parse(svg_charts.achievement_chart(_achievement([1.0, 0.5, 1.0]), "vi"))
    green, red = _bars(root, COLOURS["met"]), _bars(root, COLOURS["not_met"])
    assert len(green) == 4 and not red  # the legend's key, then the three bars
    start = float(green[1].get("x"))
    ends = [float(r.get("x")) + float(r.get("width")) for r in green[1:]]
    assert abs(ends[0] - _line_x(root)) < 0.02  # 100 %
    low = 40  # the axis starts at 10 % under the lowest share, rounded down to tens
    full = (ends[0] - start) / (100 - low)
    assert abs((ends[1] - start) / full + low - 50) < 0.1


def test_yes_no_indicators_and_unknown_shares_draw_no_bar_and_break_nothing():
    frame = _achievement(
        [1.2, float("nan"), 1.0], ["met", "missing", "met"], ["percent", "percent", "yes_no"]
    )
    root = _parse(svg_charts.achievement_chart(frame, "en"))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "1.1" in texts and "2.1" in texts and "3.1" not in texts
    assert len(_bars(root, COLOURS["met"])) == 2  # 1.1 and the legend's key


def test_labels_are_text_as_typed_and_bytes_are_the_same_every_time():
    counts = pd.DataFrame({"met": [2], "not_met": [1]}, index=["g1"])

    class Group:
        id = "g1"

        class name:
            @staticmethod
            def model_dump():
                return {"vi": 'Hạ tầng <b>&</b>\x01 "kinh tế"', "en": "Infrastructure"}

    class Set:
        groups = [Group]

    one = svg_charts.criteria_by_group(counts, Set, "vi").svg()
    assert one == svg_charts.criteria_by_group(counts, Set, "vi").svg()
    texts = [t.text for t in ElementTree.fromstring(one).iter(f"{SVG}text")]
    assert 'Hạ tầng <b>&</b> "kinh tế"' in texts  # a control character cannot be in XML
    assert "Đạt" in texts and "Chưa đạt" in texts and "Chưa đủ dữ liệu" not in texts


def test_the_years_a_count_fell_are_marked_and_only_those():
    trend = pd.DataFrame(
        {
            "year": [2021, 2022, 2023, 2024],
            "criteria_met": [10, 8, 9, 7],
            "criteria_total": [19, 19, 19, 19],
        }
    )
    root = _parse(svg_charts.trend_chart(trend, "vi"))
    marks = [c for c in root.iter(f"{SVG}circle") if c.get("fill") == COLOURS["not_met"]]
    assert len(marks) == 3  # 2022, 2024 and the legend's key
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"2021", "2024", "Số tiêu chí"} <= set(texts)
    rising = trend.assign(criteria_met=[7, 8, 9, 10])
    root = _parse(svg_charts.trend_chart(rising, "vi"))
    assert not [c for c in root.iter(f"{SVG}circle") if c.get("fill") == COLOURS["not_met"]]


def test_a_long_code_or_a_lone_surrogate_never_breaks_the_chart():
    frame = _achievement([1.0, 0.8])
    frame["indicator"] = ["x" * 60, "2.1\ud800"]
    drawing = svg_charts.achievement_chart(frame, "vi")
    root = _parse(drawing)  # encodes: the surrogate is dropped
    xs = [float(r.get("x")) for r in root.iter(f"{SVG}rect") if r.get("x")]
    assert xs and all(0 <= x < drawing.width / 2 for x in xs)  # bars start left of the middle
    assert "2.1" in [t.text for t in root.iter(f"{SVG}text")]
