"""The frame every page shares: page config, navigation, first-run data build, the filters."""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

from data_access.filters import Filter
from ui import data, show, url_state
from ui.filters import filter_summary, sidebar_filters
from ui.pack import review_pack

APP_NAME = "Service Atlas"
ROOT = Path(__file__).resolve().parent.parent

# (script, label, icon): the order of the sidebar navigation
PAGES = (
    ("dashboard.py", "Overview", ":material/public:"),
    ("pages/1_Trends.py", "Trends", ":material/show_chart:"),
    ("pages/2_Markets.py", "Markets", ":material/flag:"),
    ("pages/3_Channels.py", "Channels", ":material/forum:"),
    ("pages/4_Voice_of_the_customer.py", "Voice of the customer", ":material/reviews:"),
    ("pages/5_Peak_season.py", "Peak season", ":material/calendar_month:"),
    ("pages/6_Staffing.py", "Staffing", ":material/groups:"),
    ("pages/7_Import_data.py", "Import data", ":material/upload:"),
    ("pages/9_Data.py", "Data", ":material/database:"),
)


def page_path(label: str) -> str:
    """The URL path of a page by its label ('Trends' -> 'Trends'; Overview -> './')."""
    script = next(s for s, name, _ in PAGES if name == label)
    if script == "dashboard.py":
        return "./"
    return re.sub(r"^\d+_", "", Path(script).stem)


def _navigation() -> None:
    with st.sidebar:
        st.markdown(f"### :material/travel_explore: {APP_NAME}")
        for script, label, icon in PAGES:
            st.page_link(script, label=label, icon=icon)
        st.divider()


def page(title: str, page_id: str, icon: str, intro: str | None = None) -> Filter:
    """Set up a page and return the active filter. Call first on every page."""
    st.set_page_config(page_title=f"{title} · {APP_NAME}", page_icon=icon, layout="wide")
    url_state.start_page(page_id)
    _navigation()
    data.ensure_data()
    cat = data.data_catalog()
    flt = sidebar_filters(cat)
    review_pack(flt)
    with st.sidebar:
        st.caption(f"Data through {cat.last_day:%d %b %Y} · {data.data_meta().get('source', '')}")
    st.title(f"{icon} {title}")
    summary = filter_summary(flt)
    st.caption(summary + (f" — {intro}" if intro else ""))
    show.set_context(summary, flt.timezone, f"{cat.last_day:%Y-%m-%d}")
    return flt
