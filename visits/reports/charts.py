"""Small server-rendered SVG charts (no JavaScript, no CDN). Every chart has a <title> and the same
numbers are always shown in a table next to it, so the chart is never the only way to read them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#1f5fa8", "#c2410c", "#15803d", "#7c3aed")
# Series differ by more than colour (WCAG 1.4.1): each has its own dash pattern and marker shape.
DASHES = ("", "7 4", "2 3", "10 3 2 3")
MARKERS = ("circle", "square", "triangle", "diamond")


def _marker(shape: str, cx: float, cy: float, colour: str, title: str) -> str:
    r = 3.5
    if shape == "circle":
        body = f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r}" fill="{colour}">'
        end = "</circle>"
    elif shape == "square":
        body = f'<rect x="{cx - r:.1f}" y="{cy - r:.1f}" width="{2 * r}" height="{2 * r}" fill="{colour}">'
        end = "</rect>"
    else:
        if shape == "triangle":
            points = [(cx, cy - r - 1), (cx - r - 1, cy + r), (cx + r + 1, cy + r)]
        else:
            points = [(cx, cy - r - 1), (cx + r + 1, cy), (cx, cy + r + 1), (cx - r - 1, cy)]
        coords = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        body = f'<polygon points="{coords}" fill="{colour}">'
        end = "</polygon>"
    return f"{body}<title>{title}</title>{end}" if title else f"{body}{end}"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


def _pct(value: float) -> str:
    return f"{value * 100:.0f} %"


def line_chart(
    title: str, x_labels: Sequence[str], series: Sequence[Series], *, y_max: float = 1.0, width: int = 720
) -> SafeString:
    """Lines of rates (0..y_max) over periods; gaps where a value is None."""
    height, left, right, top, bottom = 240, 48, 16, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(1, len(x_labels))

    def x(i: int) -> float:
        return left + (plot_w * (i + 0.5) / n)

    def y(v: float) -> float:
        return top + plot_h * (1 - min(max(v, 0.0), y_max) / y_max)

    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for k in range(5):
        tick = y_max * k / 4
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="11">{_pct(tick)}</text>'
        )
    step = max(1, n // 12)
    for i, label in enumerate(x_labels):
        if i % step == 0:
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - bottom + 16}" text-anchor="middle" font-size="11">'
                f"{escape(label)}</text>"
            )
    for si, s in enumerate(series):
        colour = PALETTE[si % len(PALETTE)]
        dash = DASHES[si % len(DASHES)]
        shape = MARKERS[si % len(MARKERS)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        segment: list[str] = []
        segments: list[list[str]] = []
        for i, v in enumerate(s.values):
            if v is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            segment.append(f"{x(i):.1f},{y(v):.1f}")
            parts.append(_marker(shape, x(i), y(v), colour, f"{escape(s.name)} {escape(x_labels[i])}: {_pct(v)}"))
        if segment:
            segments.append(segment)
        for seg in segments:
            parts.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dash_attr} points="{" ".join(seg)}"/>'
            )
        legend_x = left + 10 + si * 170
        parts.append(
            f'<g class="legend"><line x1="{legend_x - 4}" x2="{legend_x + 18}" y1="{height - 9}" y2="{height - 9}" '
            f'stroke="{colour}" stroke-width="2"{dash_attr}/>'
            + _marker(shape, legend_x + 7, height - 9, colour, "")
            + f'<text x="{legend_x + 24}" y="{height - 5}" font-size="11">{escape(s.name)}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped  # nosec B308 B703


def bar_chart(
    title: str,
    items: Sequence[tuple[str, float | None, tuple[float, float] | None]],
    *,
    reference: float | None = None,
    reference_label: str = "",
    width: int = 720,
    percent: bool = True,
) -> SafeString:
    """Horizontal bars (label, value, optional 95% interval), with an optional reference line
    (e.g. the national use rate)."""
    bar_h, gap, left, right, top = 14, 4, 200, 60, 20
    height = top + len(items) * (bar_h + gap) + 24
    values = [v for _l, v, _ci in items if v is not None]
    v_max = 1.0 if percent else max([*values, 1e-9]) * 1.1
    plot_w = width - left - right

    def x(v: float) -> float:
        return left + plot_w * min(max(v, 0.0), v_max) / v_max

    def fmt(v: float) -> str:
        return _pct(v) if percent else f"{v:,.0f}".replace(",", " ")

    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i, (label, value, ci) in enumerate(items):
        yy = top + i * (bar_h + gap)
        parts.append(
            f'<text x="{left - 6}" y="{yy + bar_h - 3}" text-anchor="end" font-size="11">{escape(label[:32])}</text>'
        )
        if value is None:
            parts.append(f'<text x="{left + 4}" y="{yy + bar_h - 3}" font-size="11">–</text>')
            continue
        parts.append(
            f'<rect x="{left}" y="{yy}" width="{x(value) - left:.1f}" height="{bar_h}" fill="{PALETTE[0]}">'
            f"<title>{escape(label)}: {fmt(value)}</title></rect>"
            f'<text x="{x(value) + 4:.1f}" y="{yy + bar_h - 3}" font-size="10">{fmt(value)}</text>'
        )
        if ci is not None:
            parts.append(
                f'<line x1="{x(ci[0]):.1f}" x2="{x(ci[1]):.1f}" y1="{yy + bar_h / 2}" y2="{yy + bar_h / 2}" '
                'stroke="#111" stroke-width="1.5"/>'
            )
    if reference is not None:
        parts.append(
            f'<line x1="{x(reference):.1f}" x2="{x(reference):.1f}" y1="{top - 6}" y2="{height - 20}" '
            f'stroke="{PALETTE[1]}" stroke-dasharray="4 3" stroke-width="2"/>'
            f'<text x="{x(reference):.1f}" y="{height - 6}" text-anchor="middle" font-size="11" '
            f'fill="{PALETTE[1]}">{escape(reference_label)} {fmt(reference)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped  # nosec B308 B703
