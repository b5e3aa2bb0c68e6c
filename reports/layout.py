"""The review pack's pages: paper size, the page frame (title, grid of blocks, footer) and CSS.

Charts are drawn by plotly.js in the document as it loads: the same HTML is the interactive
download and, with ``static``, what headless Chromium prints (vector output, no image pass).
A page is a fixed-size sheet holding a title, an optional lead sentence, a two-column grid of
blocks (charts, tables, lists of findings; a block spans one column or both) and a footer with
the filters, the time zone, the data date and the page number. Charts are drawn at the size of
their cell, so their text prints at its real size. No data access and no Streamlit here.

Paper: A4 unless the reader's locale names a territory that prints on US Letter (CLDR's
``paperSize`` data; Babel has no accessor for it). A bare language ('en', 'ko') has no
territory, so it gets A4, the paper of most of the world; 'en-US', 'en-CA', 'es-MX' get Letter.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go
import plotly.offline
from babel import Locale, UnknownLocaleError

from data_access import reference
from presentation import charts
from presentation.i18n import _

# CLDR supplemental data, measurementData/paperSize type="US-Letter"
LETTER_TERRITORIES = frozenset(("BZ", "CA", "CL", "CO", "CR", "GT", "MX", "NI", "PA", "PH",
                                "PR", "SV", "US", "VE"))  # fmt: skip
PX_PER_MM = 96 / 25.4  # CSS pixels
GAP_PX = 12  # between grid cells
MARGIN_MM = (10, 12)  # top and bottom, left and right
A4_GRID_PX = 860  # the height a grid gets on A4 after title, lead, note and footer


@dataclass(frozen=True)
class Paper:
    name: str  # the CSS page size
    width_mm: float
    height_mm: float

    @property
    def content_px(self) -> tuple[float, float]:
        """Width and height of the printable area, in CSS pixels."""
        return ((self.width_mm - 2 * MARGIN_MM[1]) * PX_PER_MM,
                (self.height_mm - 2 * MARGIN_MM[0]) * PX_PER_MM)  # fmt: skip

    def cell_width(self, wide: bool) -> int:
        width = self.content_px[0]
        return int(width if wide else (width - GAP_PX) / 2)

    def scale(self) -> float:
        """Chart heights are designed for A4; shorter paper shrinks them by this factor."""
        return (self.content_px[1] - (A4.content_px[1] - A4_GRID_PX)) / A4_GRID_PX


A4 = Paper("A4", 210, 297)
LETTER = Paper("letter", 215.9, 279.4)


def paper_for(locale: str | None) -> Paper:
    """US Letter for a locale whose territory prints on it ('en-US', 'en_CA'), else A4."""
    try:
        territory = Locale.parse((locale or "").replace("-", "_")).territory
    except (ValueError, TypeError, UnknownLocaleError):
        territory = None
    return LETTER if territory in LETTER_TERRITORIES else A4


@dataclass
class Block:
    """One cell of a page's grid: a chart, a table (display strings) or a list of sentences."""

    figure: go.Figure | None = None
    height: int = 0  # chart height in px on A4
    table: pd.DataFrame | None = None
    cell_classes: Mapping[str, Sequence[str]] = field(default_factory=dict)  # column: per row
    text_table: bool = False  # left-aligned cells (definitions) rather than figures
    compact: bool = False  # a long table in smaller type
    nowrap: bool = False  # cells on one line (dates, numbers in a narrow column)
    items: Sequence[str] = ()
    heading: str = ""
    note: str = ""
    wide: bool = False


@dataclass
class Page:
    title: str
    blocks: list[Block] = field(default_factory=list)
    lead: str = ""
    note: str = ""
    heading_level: int = 2


STYLE = """
@page { size: %(size)s; margin: %(top)dmm %(side)dmm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: Arial, 'Noto Sans', 'Noto Sans CJK KR', 'Noto Sans KR', sans-serif;
       color: #31333F; margin: 0; font-size: 12px; line-height: 1.35; }
section.page { width: %(width).1fpx; height: %(height).1fpx; display: flex;
               flex-direction: column; break-after: page; overflow: visible; }
section.page:last-child { break-after: auto; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 0 0 4px; }
h3 { font-size: 13px; margin: 0 0 4px; }
.lead { margin: 0 0 10px; color: #31333F; } .meta { color: #5F6670; margin: 0 0 12px; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: %(gap)dpx; align-content: start; }
.block { min-width: 0; margin: 0; } .block.wide { grid-column: 1 / -1; }
.chart svg, .chart .plotly-graph-div { display: block; max-width: 100%%; }
.note { color: #5F6670; font-size: 10.5px; margin: 4px 0 0; }
ul.findings { margin: 0; padding-left: 18px; font-size: 13px; }
ul.findings li { margin: 0 0 6px; }
table.kpis { border-collapse: collapse; font-size: 11.5px; width: 100%%; }
table.kpis th, table.kpis td { border-bottom: 1px solid #E6E8EB; padding: 3px 6px;
                                text-align: right; vertical-align: top; }
table.kpis th { color: #5F6670; font-weight: 600; }
table.kpis th:first-child, table.kpis td:first-child { text-align: left; }
table.text td, table.text th { text-align: left !important; }
table.compact { font-size: 10.5px; } table.compact td { padding: 2px 6px; }
table.nowrap td { white-space: nowrap; }
td.met { background: rgba(0, 114, 178, 0.12); }
td.missed { background: rgba(213, 94, 0, 0.16); }
footer { margin-top: auto; padding-top: 6px; border-top: 1px solid #E6E8EB; display: flex;
         justify-content: space-between; gap: 16px; color: #5F6670; font-size: 9.5px; }
footer .number { white-space: nowrap; }
@media screen {
  body { background: #EEF0F3; }
  section.page { background: white; margin: 16px auto; padding: %(top)dmm %(side)dmm;
                 box-sizing: content-box; box-shadow: 0 1px 4px rgba(0, 0, 0, 0.15); }
}
"""


def style(paper: Paper) -> str:
    width, height = paper.content_px
    return STYLE % {"size": paper.name, "top": MARGIN_MM[0], "side": MARGIN_MM[1],
                    "width": width, "height": height, "gap": GAP_PX}  # fmt: skip


def table_html(
    frame: pd.DataFrame,
    text: bool = False,
    cell_classes: Mapping[str, Sequence[str]] = (),
    compact: bool = False,
    nowrap: bool = False,
) -> str:
    """A table of display strings; ``cell_classes`` gives some columns a CSS class per row
    ('met', 'missed': tinted like the dashboard's tables)."""
    cell_classes = dict(cell_classes)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for i, values in enumerate(frame.itertuples(index=False)):
        cells = []
        for column, value in zip(frame.columns, values, strict=True):
            css = cell_classes.get(column, ())
            attribute = f" class='{css[i]}'" if i < len(css) and css[i] else ""
            cells.append(f"<td{attribute}>{html.escape(str(value))}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    flags = {"text": text, "compact": compact, "nowrap": nowrap}
    classes = " ".join(["kpis", *(name for name, on in flags.items() if on)])
    return (f"<table class='{classes}'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")  # fmt: skip


def sized(figure: go.Figure, width: int, height: int) -> go.Figure:
    """A copy of a chart at its cell's size, in the smaller type of a printed page (room above
    the plot for subplot titles under the chart's own)."""
    out = go.Figure(figure)
    subplot_titles = [
        a
        for a in out.layout.annotations
        if a.yref == "paper" and a.yanchor == "bottom" and (a.y or 0) >= 1
    ]
    for title in subplot_titles:
        title.font.size = 12
    out.update_layout(
        width=width,
        height=height,
        font={"size": 11},
        title={"font": {"size": 13}, "y": 0.98, "yanchor": "top"},
        # under the chart, below its axis title, whatever the chart's height
        legend={"font": {"size": 10}, "yref": "container", "y": 0, "yanchor": "bottom"},
        margin={"l": 6, "r": 6, "t": 58 if subplot_titles else 34, "b": 6},
    )
    return charts.escape_markup(out)  # data values (hub, category names) stay text


def figure_html(figure: go.Figure, width: int, height: int, static: bool) -> str:
    """A chart drawn by plotly.js in the page; ``static`` (for print) without interaction."""
    config = {"displaylogo": False, "responsive": False, "staticPlot": static}
    return sized(figure, width, height).to_html(full_html=False, include_plotlyjs=False,
                                                config=config)  # fmt: skip


def scripts(pages: Sequence[Page]) -> str:
    """plotly.js, and the world map when a page has a map, so the document draws everything
    while it loads (the printed PDF needs no second pass) and works offline."""
    parts = [plotly.offline.get_plotlyjs()]
    if any(b.figure is not None and any(t.type == "choropleth" for t in b.figure.data)
           for p in pages for b in p.blocks):  # fmt: skip
        parts.append(f"window.PlotlyGeoAssets = {{topojson: {{world_110m: "
                     f"{reference.world_topojson()}}}}};")  # fmt: skip
    return "".join(f"<script>{part}</script>" for part in parts)


def block_html(block: Block, paper: Paper, static: bool) -> str:
    parts = [f"<h3>{html.escape(block.heading)}</h3>"] if block.heading else []
    if block.figure is not None:
        height = int(block.height * paper.scale())
        parts.append("<div class='chart'>"
                     + figure_html(block.figure, paper.cell_width(block.wide), height, static)
                     + "</div>")  # fmt: skip
    if block.table is not None:
        parts.append(
            table_html(
                block.table, block.text_table, block.cell_classes, block.compact, block.nowrap
            )
        )
    if block.items:
        items = "".join(f"<li>{html.escape(item)}</li>" for item in block.items)
        parts.append(f"<ul class='findings'>{items}</ul>")
    if block.note:
        parts.append(f"<p class='note'>{html.escape(block.note)}</p>")
    css = "block wide" if block.wide else "block"
    return f"<div class='{css}'>{''.join(parts)}</div>"


def page_html(page: Page, number: int, total: int, footer: str, paper: Paper, static: bool,
              meta: str = "") -> str:  # fmt: skip
    level = page.heading_level
    parts = [f"<h{level}>{html.escape(page.title)}</h{level}>"]
    if meta:
        parts.append(f"<p class='meta'>{html.escape(meta)}</p>")
    if page.lead:
        parts.append(f"<p class='lead'>{html.escape(page.lead)}</p>")
    parts.append(
        "<div class='grid'>" + "".join(block_html(b, paper, static) for b in page.blocks) + "</div>"
    )
    if page.note:
        parts.append(f"<p class='note'>{html.escape(page.note)}</p>")
    numbered = _("Page {number} of {total}").format(number=number, total=total)
    parts.append(f"<footer><span>{html.escape(footer)}</span>"
                 f"<span class='number'>{html.escape(numbered)}</span></footer>")  # fmt: skip
    return f"<section class='page'>{''.join(parts)}</section>"
