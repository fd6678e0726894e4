"""Lay out the SOP flowchart table and draw its symbols in SVG, page by page (A4 landscape).

Every row gets a height computed from its text, so the drawing is known before the browser lays
the table out: each row's pelaksana cells hold one SVG of exactly that height. Arrows to the next
row go down and jog sideways at the bottom of the row; any other arrow (a loop back, or a jump past
rows) runs in a track in the gutter right of the pelaksana columns. Where an arrow crosses a page
break it ends in a numbered pentagon (off-page connector) and starts again from the same number on
the next page. The five PermenPAN-RB 35/2012 symbols: capsule, box, diamond, arrow, pentagon.

The gutter belongs to the last pelaksana column (the table has one column per lane and nothing
else). A row with two symbols (an SOP step the model splits) joins them with an arrow; arrows come
into its first symbol and leave from its last.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape

from engine.sop.document import FlowRow, SopDocument

PAGE_WIDTH = 1040  # px at 96 dpi: A4 landscape (297 mm) less 2 × 10 mm margins, less a little slack
PAGE_HEIGHT = 718  # 210 mm less 2 × 10 mm (the page number sits in the bottom margin)
FIXED_COLUMNS = {"no": 30, "kelengkapan": 105, "waktu": 62, "output": 105, "keterangan": 60}
FONT_PX = 10.7  # 8 pt
CHAR_PX = FONT_PX * 0.52  # Liberation Sans (Arial metrics) averages ~0.47 em on Indonesian text
LINE_PX = FONT_PX * 1.3
HEADER_FONT_PX = 10.0
HEADER_CHAR_EM = 0.62  # a generous average width of a bold header letter, so words are never cut
TRACK_PX = 16
CONNECTOR = 14  # pentagon size
EDGE_ROOM = 22  # free height above and below a symbol, for arrows and connectors
SYMBOL_HEIGHT = {"activity": 36, "decision": 42, "terminator": 24}


@dataclass(frozen=True)
class Geometry:
    lanes: int
    lane_width: int
    gutter_width: int
    activity_width: int  # the Kegiatan column

    @property
    def flow_width(self) -> int:
        return self.lane_width * self.lanes + self.gutter_width


@dataclass
class RowDrawing:
    row: FlowRow
    index: int
    height: int
    svg: str = ""


@dataclass
class FlowPage:
    number: int
    rows: list[RowDrawing] = field(default_factory=list)


@dataclass(frozen=True)
class Flowchart:
    geometry: Geometry
    header_height: int
    header_font_px: float  # the lane headers' font: the longest word of any lane name fits its column
    pages: list[FlowPage]
    legend_svg: dict[str, str]  # symbol name -> small SVG, for the legend


def lay_out(document: SopDocument) -> Flowchart:
    """Heights, tracks and pages for the flowchart, and the SVG of every row."""
    lanes = max(1, len(document.pelaksana))
    tracks = _assign_tracks(document)
    geometry = _geometry(lanes, tracks)
    header_font = _header_font(document, geometry)
    header = _header_height(document, geometry, header_font)
    heights = [_row_height(row, geometry) for row in document.rows]
    pages = _paginate(heights, PAGE_HEIGHT - header - 40)  # less the page title
    page_of = {i: p for p, rows in enumerate(pages) for i in rows}
    drawings = [RowDrawing(row, i, heights[i]) for i, row in enumerate(document.rows)]
    _draw(document, drawings, geometry, tracks, page_of)
    flow_pages = [FlowPage(n + 1, [drawings[i] for i in rows]) for n, rows in enumerate(pages)]
    return Flowchart(geometry, header, header_font, flow_pages,
                     legend_svg=_legend())


# -- sizes -----------------------------------------------------------------------------------------

def _geometry(lanes: int, tracks: dict[int, int]) -> Geometry:
    gutter = 10 + TRACK_PX * (max(tracks.values()) + 1) if tracks else 8
    free = PAGE_WIDTH - sum(FIXED_COLUMNS.values())
    lane = int(max(64, min(120, (free - gutter - 200) / lanes)))
    return Geometry(lanes, lane, gutter, free - gutter - lane * lanes)


def text_lines(text: str, width: float, char_px: float = CHAR_PX) -> int:
    """How many lines ``text`` takes in a column ``width`` px wide (word wrap, generous)."""
    per_line = max(4, int((width - 8) / char_px))
    lines, current = 0, 0
    for paragraph in text.splitlines() or [""]:
        lines += 1
        current = 0
        for word in paragraph.split():
            need = len(word) + (1 if current else 0)
            if current + need > per_line and current:
                lines += 1
                current = len(word)
                while current > per_line:  # a word longer than the line breaks anywhere
                    lines += 1
                    current -= per_line
            else:
                current += need
    return max(1, lines)


def _row_height(row: FlowRow, geometry: Geometry) -> int:
    """Tall enough for the symbol with its arrows, and for the longest text cell."""
    activity = sum(text_lines(t, geometry.activity_width) for t in (row.text, row.question, row.role_title) if t)
    activity += 1 if row.step_code else 0
    others = [text_lines(text, FIXED_COLUMNS[key]) for key, text in (
        ("kelengkapan", row.kelengkapan), ("waktu", row.waktu), ("output", row.output),
        ("keterangan", row.keterangan))]
    text_height = max(activity, *others) * LINE_PX + 12
    return int(math.ceil(max(text_height, SYMBOL_HEIGHT[row.symbol] + 2 * EDGE_ROOM)))


def _header_font(document: SopDocument, geometry: Geometry) -> float:
    """Small enough that no lane name breaks inside a word (the header cells do not break words)."""
    longest = max((len(word) for p in document.pelaksana for word in p.name.split()), default=1)
    return round(min(HEADER_FONT_PX, (geometry.lane_width - 8) / (longest * HEADER_CHAR_EM)), 1)


def _header_height(document: SopDocument, geometry: Geometry, font_px: float) -> int:
    names = max((text_lines(p.name, geometry.lane_width, font_px * HEADER_CHAR_EM) for p in document.pelaksana),
                default=1)
    return int(names * font_px * 1.3 + 16 + 26)


def _paginate(heights: list[int], budget: int) -> list[list[int]]:
    pages: list[list[int]] = [[]]
    used = 0
    for index, height in enumerate(heights):
        if pages[-1] and used + height > budget:
            pages.append([])
            used = 0
        pages[-1].append(index)
        used += height
    return pages


def _assign_tracks(document: SopDocument) -> dict[int, int]:
    """Edge index -> gutter track, for every arrow that does not go to the next row."""
    tracks: dict[int, int] = {}
    spans: list[list[tuple[int, int]]] = []
    order = sorted((i for i, e in enumerate(document.edges) if e.target != e.source + 1),
                   key=lambda i: abs(document.edges[i].target - document.edges[i].source))
    for index in order:
        edge = document.edges[index]
        low, high = sorted((edge.source, edge.target))
        for track, used in enumerate(spans):
            if all(high < a or low > b for a, b in used):
                used.append((low, high))
                tracks[index] = track
                break
        else:
            spans.append([(low, high)])
            tracks[index] = len(spans) - 1
    return tracks


# -- drawing ---------------------------------------------------------------------------------------

@dataclass
class _Line:
    points: list[tuple[float, float]]
    arrow: bool = False  # an arrowhead at the last point


@dataclass
class _Canvas:
    width: int
    height: int
    lines: list[_Line] = field(default_factory=list)
    labels: list[tuple[float, float, str, str]] = field(default_factory=list)  # x, y, text, anchor
    connectors: list[tuple[float, float, str]] = field(default_factory=list)  # x, top y, number


def _draw(document: SopDocument, drawings: list[RowDrawing], geometry: Geometry, tracks: dict[int, int],
          page_of: dict[int, int]) -> None:
    """Fill in each row's SVG: its symbol, the pieces of every arrow passing through it, connectors."""
    painter = _Painter(drawings, geometry, page_of)
    for index in range(len(drawings)):
        painter.inner_arrows(index)
    for index, edge in enumerate(document.edges):
        if index in tracks:
            painter.track_arrow(edge.source, edge.target, edge.label,
                                geometry.lane_width * geometry.lanes + 10 + TRACK_PX * (tracks[index] + 0.5))
        else:
            painter.next_row_arrow(edge.source, edge.target, edge.label)
    _connect_pages(painter.canvases, painter.page_break_below)
    for drawing, canvas in zip(drawings, painter.canvases, strict=True):
        drawing.svg = _svg(canvas, drawing.row, drawing.height / 2, geometry)


class _Painter:
    """Splits each arrow into the pieces that fall in each row."""

    def __init__(self, drawings: list[RowDrawing], geometry: Geometry, page_of: dict[int, int]) -> None:
        self.drawings, self.geometry = drawings, geometry
        self.canvases = [_Canvas(geometry.flow_width, d.height) for d in drawings]
        self.centre = [(_column_x(d.row.symbol_columns[0], geometry), d.height / 2) for d in drawings]  # way in
        self.exit = [(_column_x(d.row.symbol_columns[-1], geometry), d.height / 2) for d in drawings]  # way out
        last = len(drawings) - 1
        self.page_break_below = {i: i < last and page_of[i] != page_of[i + 1] for i in range(len(drawings))}
        self._slots: dict[int, int] = {}  # arrows already on each symbol's right side

    def _half_height(self, row: int) -> float:
        return SYMBOL_HEIGHT[self.drawings[row].row.symbol] / 2

    def next_row_arrow(self, source: int, target: int, label: str) -> None:
        """Down from the symbol, sideways near the bottom of the row, down into the next row's symbol."""
        (sx, sy), (tx, ty) = self.exit[source], self.centre[target]
        height = self.drawings[source].height
        jog = height - (19 if self.page_break_below[source] else 10)  # above a connector at a page break
        bottom = sy + self._half_height(source)
        points = [(sx, bottom)] + ([(sx, jog), (tx, jog)] if sx != tx else []) + [(tx, height)]
        self.canvases[source].lines.append(_Line(points))
        self.canvases[target].lines.append(_Line([(tx, 0), (tx, ty - self._half_height(target))], arrow=True))
        if label:
            self.canvases[source].labels.append((sx + 4, bottom + 10, label, "start"))

    def track_arrow(self, source: int, target: int, label: str, x: float) -> None:
        """Out of the symbol's right side to a gutter track, along it, and into the target's right side."""
        (sx, sy), (tx, ty) = self.exit[source], self.centre[target]
        out_offset, in_offset = _slot(self._slots, source), _slot(self._slots, target)
        y_out, y_in = sy + out_offset, ty + in_offset
        x_out = sx + _half_width(self.drawings[source].row.symbol, self.geometry, out_offset)
        x_in = tx + _half_width(self.drawings[target].row.symbol, self.geometry, in_offset)
        down = target > source
        source_end = self.drawings[source].height if down else 0
        target_start = 0 if down else self.drawings[target].height
        self.canvases[source].lines.append(_Line([(x_out, y_out), (x, y_out), (x, source_end)]))
        self.canvases[target].lines.append(_Line([(x, target_start), (x, y_in), (x_in, y_in)], arrow=True))
        for between in range(min(source, target) + 1, max(source, target)):
            self.canvases[between].lines.append(_Line([(x, 0), (x, self.drawings[between].height)]))
        if label:
            self.canvases[source].labels.append((x_out + 6, y_out + 9, label, "start"))

    def inner_arrows(self, row: int) -> None:
        """The arrows between the symbols of one row, side to side at the row's centre line."""
        drawing = self.drawings[row]
        columns, half = drawing.row.symbol_columns, _symbol_width(drawing.row.symbol, self.geometry) / 2
        y = drawing.height / 2
        for a, b in zip(columns, columns[1:], strict=False):
            xa, xb = _column_x(a, self.geometry), _column_x(b, self.geometry)
            step = half if xb > xa else -half
            self.canvases[row].lines.append(_Line([(xa + step, y), (xb - step, y)], arrow=True))


def _slot(slots: dict[int, int], row: int) -> float:
    """Vertical offsets for the arrows on one symbol's right side: centre, above, below, …"""
    used = slots.get(row, 0)
    slots[row] = used + 1
    return (0, -10, 10, -16, 16)[min(used, 4)]


def _column_x(column: int, geometry: Geometry) -> float:
    return column * geometry.lane_width + geometry.lane_width / 2


def _symbol_width(symbol: str, geometry: Geometry) -> float:
    return {"activity": min(geometry.lane_width - 10, 96), "decision": min(geometry.lane_width - 8, 62),
            "terminator": min(geometry.lane_width - 10, 80)}[symbol]


def _half_width(symbol: str, geometry: Geometry, offset: float) -> float:
    """Where a horizontal line at ``offset`` from the centre leaves the symbol's right side."""
    half = _symbol_width(symbol, geometry) / 2
    if symbol == "decision":
        return half * max(0.0, 1 - abs(offset) / (SYMBOL_HEIGHT[symbol] / 2))
    return half


def _connect_pages(canvases: list[_Canvas], page_break_below: dict[int, bool]) -> None:
    """Cut lines at page breaks and put matching numbered pentagons at both ends."""
    number = 0
    for index, breaks in page_break_below.items():
        if not breaks:
            continue
        upper, lower = canvases[index], canvases[index + 1]
        xs = sorted({px for line in upper.lines for px, py in line.points if py == upper.height})
        for x in xs:
            number += 1
            label = str(number)
            for line in upper.lines:
                for i, (px, py) in enumerate(line.points):
                    if px == x and py == upper.height:
                        line.points[i] = (px, upper.height - CONNECTOR - 2)
            for line in lower.lines:
                for i, (px, py) in enumerate(line.points):
                    if px == x and py == 0:
                        line.points[i] = (px, CONNECTOR + 2)
            upper.connectors.append((x, upper.height - CONNECTOR - 2, label))
            lower.connectors.append((x, 2, label))


def _svg(canvas: _Canvas, row: FlowRow, cy: float, geometry: Geometry) -> str:
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="flow-svg" width="{canvas.width}" '
             f'height="{canvas.height}" viewBox="0 0 {canvas.width} {canvas.height}" role="img" '
             f'aria-label="{escape(_aria(row))}">']
    for lane in range(1, geometry.lanes):  # the borders between pelaksana columns (the gutter is the last's)
        border = lane * geometry.lane_width
        parts.append(f'<line class="grid" x1="{border}" y1="0" x2="{border}" y2="{canvas.height}"/>')
    for line in canvas.lines:
        parts.append('<polyline class="arrow" points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in line.points) + '"/>')
        if line.arrow:
            parts.append(_arrowhead(line.points[-2], line.points[-1]))
    for column in row.symbol_columns:
        parts.append(symbol_svg(row.symbol, _column_x(column, geometry), cy, _symbol_width(row.symbol, geometry),
                                SYMBOL_HEIGHT[row.symbol], row.symbol_text))
    for x, y, text, anchor in canvas.labels:
        parts.append(f'<text class="flow-label" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{escape(text)}</text>')
    for x, top, number in canvas.connectors:
        parts.append(connector_svg(x, top, number))
    parts.append("</svg>")
    return "".join(parts)


def _aria(row: FlowRow) -> str:
    kind = {"terminator": "kapsul", "activity": "kotak", "decision": "belah ketupat"}[row.symbol]
    return f"{kind} {row.symbol_text}".strip()


def symbol_svg(symbol: str, cx: float, cy: float, width: float, height: float, text: str) -> str:
    """One of the three node symbols, centred on (cx, cy), with its text."""
    x, y = cx - width / 2, cy - height / 2
    if symbol == "terminator":
        shape = (f'<rect class="symbol terminator" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
                 f'height="{height:.1f}" rx="{height / 2:.1f}" ry="{height / 2:.1f}"/>')
    elif symbol == "decision":
        shape = (f'<polygon class="symbol decision" points="{cx:.1f},{y:.1f} {cx + width / 2:.1f},{cy:.1f} '
                 f'{cx:.1f},{y + height:.1f} {x:.1f},{cy:.1f}"/>')
    else:
        shape = (f'<rect class="symbol activity" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
                 f'height="{height:.1f}"/>')
    return shape + (f'<text class="symbol-text" x="{cx:.1f}" y="{cy + 3.5:.1f}" text-anchor="middle">'
                    f'{escape(text)}</text>')


def connector_svg(x: float, top: float, number: str) -> str:
    """The off-page connector: a pentagon pointing down, with its number."""
    half, size = CONNECTOR / 2, CONNECTOR
    points = (f"{x - half:.1f},{top:.1f} {x + half:.1f},{top:.1f} {x + half:.1f},{top + size * 0.6:.1f} "
              f"{x:.1f},{top + size:.1f} {x - half:.1f},{top + size * 0.6:.1f}")
    return (f'<polygon class="symbol connector" points="{points}"/>'
            f'<text class="connector-text" x="{x:.1f}" y="{top + 8.5:.1f}" text-anchor="middle">'
            f'{escape(number)}</text>')


def _arrowhead(start: tuple[float, float], end: tuple[float, float]) -> str:
    (x0, y0), (x1, y1) = start, end
    length = math.hypot(x1 - x0, y1 - y0) or 1.0
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    size, spread = 7.0, 3.5
    bx, by = x1 - ux * size, y1 - uy * size
    return (f'<polygon class="arrowhead" points="{x1:.1f},{y1:.1f} {bx - uy * spread:.1f},{by + ux * spread:.1f} '
            f'{bx + uy * spread:.1f},{by - ux * spread:.1f}"/>')


def _legend() -> dict[str, str]:
    def wrap(body: str, width: int = 64, height: int = 34) -> str:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" class="legend-svg" width="{width}" height="{height}" '
                f'viewBox="0 0 {width} {height}">{body}</svg>')
    return {
        "terminator": wrap(symbol_svg("terminator", 32, 17, 56, 22, "")),
        "activity": wrap(symbol_svg("activity", 32, 17, 56, 26, "")),
        "decision": wrap(symbol_svg("decision", 32, 17, 48, 30, "")),
        "arrow": wrap('<polyline class="arrow" points="6,17 52,17"/>' + _arrowhead((6, 17), (58, 17))),
        "connector": wrap(connector_svg(32, 9, "1")),
    }
