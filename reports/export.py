"""Files for reports: chart images and HTML, table CSV and XLSX, each saying what it shows.

Every exported file carries its context: the filters, the time zone, when the data ends and the
definitions of the KPIs in it (a subtitle on images, header lines in CSV, an "About" sheet in
XLSX). Static images are drawn by kaleido in a Chrome/Chromium found on this machine (Debian's
``/usr/bin/chromium`` works); one browser is started on first use and reused. Nothing here
downloads a browser.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import os
import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from metrics.registry import KPIS

TOPOJSON = (Path(__file__).resolve().parent.parent / "static" / "topojson").as_uri() + "/"
IMAGE_FORMATS = ("png", "svg", "pdf")
CHROME_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
MISSING_CHROME = (
    "Images and PDFs need Chromium or Chrome on the server. On Debian or Ubuntu: "
    "`sudo apt-get install chromium`; elsewhere install Chrome, or set BROWSER_PATH to its "
    "binary. HTML, CSV and XLSX work without it."
)
# Spreadsheet programs run a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Context:
    """What an export shows: one line of filters, the time zone, the data's last day, KPIs."""

    title: str
    filters: str
    timezone: str = "UTC"
    data_as_of: str = ""
    kpis: tuple[str, ...] = ()
    generated: str = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    )

    def subtitle(self) -> str:
        parts = [self.filters, f"times in {self.timezone}"]
        if self.data_as_of:
            parts.append(f"data through {self.data_as_of}")
        return " · ".join(p for p in parts if p)

    def lines(self) -> list[tuple[str, str]]:
        """(label, text) pairs describing the export, definitions included."""
        rows = [("Export", self.title), ("Filters", self.filters), ("Time zone", self.timezone),
                ("Data through", self.data_as_of), ("Generated", self.generated)]  # fmt: skip
        rows += [(KPIS[k].label, KPIS[k].definition) for k in self.kpis if k in KPIS]
        return [(label, text) for label, text in rows if text]


def chrome_path() -> str | None:
    """The Chrome/Chromium kaleido will use, or None (BROWSER_PATH first, then PATH)."""
    configured = os.environ.get("BROWSER_PATH")
    if configured and Path(configured).exists():
        return configured
    for name in CHROME_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def file_name(ctx: Context, extension: str) -> str:
    """'csat-by-country_japan-south-korea-last-28-days_2026-11-26.png'"""

    def slug(text: str) -> str:
        return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "export"

    today = dt.datetime.now(dt.UTC).date().isoformat()
    return f"{slug(ctx.title)}_{slug(ctx.filters)}_{today}.{extension}"


def with_context(fig: go.Figure, ctx: Context) -> go.Figure:
    """A copy of ``fig`` titled for a report, with the context as a subtitle."""
    out = go.Figure(copy.deepcopy(fig))
    title = (fig.layout.title.text or ctx.title) if fig.layout.title else ctx.title
    out.update_layout(
        title={"text": f"{title}<br><sup>{ctx.subtitle()}</sup>", "x": 0, "xanchor": "left"},
        margin={"t": 90},
    )
    return out


_kaleido_lock = threading.Lock()
_kaleido_started = False


def _kaleido():
    global _kaleido_started
    import kaleido

    with _kaleido_lock:
        if not _kaleido_started:
            path = chrome_path()
            if path is None:
                raise RuntimeError(MISSING_CHROME)
            os.environ.setdefault("BROWSER_PATH", path)
            kaleido.start_sync_server(mathjax=False, silence_warnings=True)
            _kaleido_started = True
    return kaleido


def image_bytes(fig: go.Figure, fmt: str, width: int = 1200, height: int | None = None,
                scale: float = 2) -> bytes:  # fmt: skip
    """PNG, SVG or PDF of a figure (raises RuntimeError with MISSING_CHROME without a browser)."""
    if fmt not in IMAGE_FORMATS:
        raise ValueError(f"image formats are {', '.join(IMAGE_FORMATS)}")
    height = height or int(fig.layout.height or 500)
    opts = {"format": fmt, "width": width, "height": height, "scale": scale if fmt == "png" else 1}
    return _kaleido().calc_fig_sync(fig, opts=opts, topojson=TOPOJSON)


def html_bytes(fig: go.Figure) -> bytes:
    """A self-contained interactive HTML file (plotly.js inline: works offline)."""
    return fig.to_html(include_plotlyjs=True, full_html=True, config={
        "displaylogo": False, "topojsonURL": TOPOJSON}).encode()  # fmt: skip


def neutralise(value: object) -> object:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; numbers unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _safe(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def csv_bytes(frame: pd.DataFrame, ctx: Context) -> bytes:
    """CSV with '# label: text' header lines (pandas reads it back with comment='#')."""
    header = "".join(f"# {label}: {text}\n" for label, text in ctx.lines())
    return (header + _safe(frame).to_csv(index=False)).encode("utf-8")


def xlsx_bytes(frame: pd.DataFrame, ctx: Context) -> bytes:
    """XLSX with the data on the first sheet and the context and definitions on 'About'."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        data = _safe(frame)
        for column in data.columns:  # Excel has no time zones
            if isinstance(data[column].dtype, pd.DatetimeTZDtype):
                data[column] = data[column].dt.tz_localize(None)
        data.to_excel(writer, sheet_name="Data", index=False)
        about = pd.DataFrame(ctx.lines(), columns=["What", "Value"]).map(neutralise)
        about.to_excel(writer, sheet_name="About", index=False)
    return buffer.getvalue()
