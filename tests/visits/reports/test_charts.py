"""The server-rendered SVG charts: well-formed, escaped, and drawing what the numbers say."""

import xml.etree.ElementTree as ET

import pytest

from visits.reports.charts import Series, bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # raises on anything that is not well-formed XML
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    return root


def test_a_line_chart_breaks_its_line_where_a_value_is_missing():
    svg = line_chart("Use rate <trend>", ["2026-01", "2026-02", "2026-03", "2026-04"],
                     [Series("Use rate", [0.5, None, 0.25, 1.0])])  # fmt: skip
    root = parse(svg)

    assert root.find(f"{SVG}title").text == "Use rate <trend>"
    polylines = root.findall(f"{SVG}polyline")
    assert [len(p.get("points").split()) for p in polylines] == [1, 2]
    points = [c.find(f"{SVG}title").text for c in root.findall(f"{SVG}circle")]
    assert points == ["Use rate 2026-01: 50 %", "Use rate 2026-03: 25 %", "Use rate 2026-04: 100 %"]
    # Higher rates are drawn higher (smaller y).
    ys = [float(c.get("cy")) for c in root.findall(f"{SVG}circle")]
    assert ys[2] < ys[0] < ys[1]


def test_a_bar_chart_scales_bars_and_draws_the_interval_and_the_reference():
    svg = bar_chart(
        "Use rate per office",
        [("Full", 1.0, (0.8, 1.0)), ("Half", 0.5, None), ("Unknown", None, None)],
        reference=0.5,
        reference_label="National",
    )
    root = parse(svg)

    bars = root.findall(f"{SVG}rect")
    widths = [float(b.get("width")) for b in bars]
    assert len(bars) == 2 and widths[0] == 2 * widths[1]
    assert [b.find(f"{SVG}title").text for b in bars] == ["Full: 100 %", "Half: 50 %"]
    lines = root.findall(f"{SVG}line")
    interval, reference = lines
    assert float(interval.get("x2")) - float(interval.get("x1")) == pytest.approx(widths[0] * 0.2)
    assert float(reference.get("x1")) == float(bars[1].get("x")) + widths[1]  # at 50 %
    texts = [t.text for t in root.findall(f"{SVG}text")]
    assert "–" in texts and "National 50 %" in texts


def test_labels_cannot_inject_markup():
    svg = bar_chart("t", [('<script>alert("x")</script>', 0.3, None)])
    root = parse(svg)

    assert "<script>" not in svg
    assert root.find(f"{SVG}rect/{SVG}title").text.startswith('<script>alert("x")</script>')


def test_counts_are_scaled_to_the_largest_value():
    root = parse(bar_chart("Gap by reason", [("a", 10, None), ("b", 40, None)], percent=False))

    widths = [float(b.get("width")) for b in root.findall(f"{SVG}rect")]
    assert widths[1] == pytest.approx(4 * widths[0], abs=0.5)  # widths are drawn to 0.1 px
    assert [t.text for t in root.findall(f"{SVG}text")][-1] == "40"


def test_line_chart_series_differ_by_dash_and_marker_not_only_colour():
    root = parse(line_chart("Two", ["2026-01", "2026-02"], [Series("A", [0.1, 0.2]), Series("B", [0.3, 0.4])]))
    dashes = [p.get("stroke-dasharray") for p in root.findall(f"{SVG}polyline")]
    assert dashes[0] is None and dashes[1]  # solid, then dashed
    assert len(root.findall(f"{SVG}circle")) == 2 and len(root.findall(f"{SVG}rect")) == 2  # circles, squares
    legend = root.findall(f"{SVG}g")
    assert [g.find(f"{SVG}line").get("stroke-dasharray") for g in legend] == [None, dashes[1]]
