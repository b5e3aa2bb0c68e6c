"""Helpers for AppTest-based page tests: open a page with URL parameters, read charts back."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from data_access.filters import Filter
from metrics.registry import KPIS
from tests.conftest import SAMPLE_END
from ui.filters import period_dates

ROOT = Path(__file__).resolve().parent.parent


def open_page(script: str, query: dict | None = None) -> AppTest:
    """Run ``script`` (relative to the project) as a fresh session opened with ``query``."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.query_params.update(query or {})
    if script != "dashboard.py":
        at.switch_page(script)
    return at.run()


def figures(at: AppTest) -> list[go.Figure]:
    """The plotly figures on the page, in order, as Figure objects."""
    return [pio.from_json(chart.proto.spec) for chart in at.get("plotly_chart")]


def values(data: object) -> np.ndarray:
    """A trace's data array; plotly ships numeric arrays base64-encoded ("bdata")."""
    if isinstance(data, dict) and "bdata" in data:
        return np.frombuffer(base64.b64decode(data["bdata"]), dtype=np.dtype(data["dtype"]))
    return np.asarray(data, dtype=float)


def rendered_text(markdown: str) -> str:
    """The text a Markdown body shows: backslash escapes resolved and the invisible word joiners
    of ``presentation.format.escape_markdown`` dropped (messages that quote data escape it)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def sample_filter(period: str = "last_28d", **dimensions: tuple[str, ...]) -> Filter:
    """The Filter a page builds for ``?period=...`` on the test sample."""
    start, end = period_dates(period, SAMPLE_END)
    return Filter(start=start, end=end, **dimensions)


def widget(widgets: object, label: str) -> object:
    return next(w for w in widgets if w.label == label)


def dates(days: int) -> tuple[dt.date, dt.date]:
    return SAMPLE_END - dt.timedelta(days=days - 1), SAMPLE_END


def shown_cells(table: object) -> pd.DataFrame:
    """A table's cells as the page writes them: a Styler's display values, else the values."""
    arrow = table.proto.arrow_data
    return dataframe_util.convert_arrow_bytes_to_pandas_df(
        arrow.styler.display_values or arrow.data
    )


def column_config(table: object) -> dict:
    """The ``column_config`` a table was drawn with (labels, widths), by column."""
    return json.loads(table.proto.columns or "{}")


# Words that name a KPI wherever it appears: a label holding one must spell the KPI as the
# registry does (its label or short label), so no page calls it another way.
KPI_WORDS = {
    r"first (response|reply)": ("frt_median", "frt_p90", "frt_mean"),
    r"resolution time|median resolution": ("resolution_median", "resolution_p90"),
    r"\bSLA\b": ("sla",), r"\bFCR\b|first contact": ("fcr",), r"reopen": ("reopen_rate",),
    r"backlog": ("backlog",), r"bot contain": ("bot_containment",),
    r"handle time|\bAHT\b": ("aht",), r"abandon": ("abandonment",),
    r"\bASA\b|speed of answer": ("asa",), r"service level": ("service_level",),
    r"\bCSAT\b": ("csat",), r"\bNPS\b": ("nps",), r"effort": ("ces", "ces_easy"),
    r"response rate": ("response_rate",),
}  # fmt: skip


def shown_labels(at: AppTest) -> list[str]:
    """The labels a page puts on KPIs: tiles, table headers, chart axes, legends, colour bars."""
    labels = [m.label for m in at.metric]
    for frame in at.dataframe:
        labels += [c["label"] for c in column_config(frame).values()
                   if isinstance(c, dict) and "label" in c]  # fmt: skip
    for fig in figures(at):
        layout = fig.layout.to_plotly_json()
        for name, part in layout.items():
            if name.startswith(("xaxis", "yaxis", "coloraxis", "legend")):
                text = ((part.get("title") or {}).get("text") if isinstance(part, dict) else None)
                text = text or (part.get("colorbar", {}).get("title", {}).get("text")
                                if isinstance(part, dict) else None)  # fmt: skip
                labels += [text] if text else []
    return labels


def misspelt_kpis(labels: list[str]) -> list[str]:
    """The labels that name a KPI without its registry label or short label."""
    wrong = []
    for label in labels:
        for words, kpis in KPI_WORDS.items():
            spellings = {s for k in kpis for s in (KPIS[k].label, KPIS[k].tile_label)}
            if re.search(words, label, re.I) and not any(s in label for s in spellings):
                wrong.append(label)
    return wrong


# Sign-in as AppTest simulates it: an [auth] section turns sign-in on (no identity provider is
# contacted unless the Sign in button is pressed), ``AppTest.user`` is what ``st.user`` reads.
AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "test-secret",
        "client_id": "service-atlas", "client_secret": "test-client-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}  # fmt: skip


def signed_in(email: str, valid_for: float = 3600, **claims: object) -> dict:
    """``AppTest.user`` of a user signed in as ``email`` whose ID token expires in
    ``valid_for`` seconds (negative: expired)."""
    return {"is_logged_in": True, "email": email, "exp": int(time.time() + valid_for), **claims}


def open_as(user: dict | None, script: str = "dashboard.py", query: dict | None = None) -> AppTest:
    """Run ``script`` as a fresh session with sign-in configured, as ``user`` (None: signed
    out); the access file is the one ``SERVICE_ATLAS_ACCESS`` names."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.secrets["auth"] = AUTH
    at.user = user if user is not None else {"is_logged_in": False}
    at.query_params.update(query or {})
    if script != "dashboard.py":
        at.switch_page(script)
    return at.run()


def everything_drawn(at: AppTest) -> str:
    """Every element of the last run as protobuf text: texts, widget options, table bytes and
    chart JSON, to search for words that must not be on the page."""
    parts = []

    def walk(node: object) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)
