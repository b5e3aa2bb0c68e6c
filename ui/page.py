"""The frame every page shares: page config, navigation, first-run data build, the filters."""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

from data_access.filters import Filter
from presentation import format as fmt
from presentation.i18n import N_, _, translate
from ui import data, filters, language, show, url_state
from ui.filters import filter_summary
from ui.pack import review_pack

APP_NAME = "Service Atlas"
ROOT = Path(__file__).resolve().parent.parent

# (script, label, icon): the order of the sidebar navigation; labels are English message ids
PAGES = (
    ("dashboard.py", N_("Overview"), ":material/public:"),
    ("pages/1_Trends.py", N_("Trends"), ":material/show_chart:"),
    ("pages/2_Markets.py", N_("Markets"), ":material/flag:"),
    ("pages/3_Channels.py", N_("Channels"), ":material/forum:"),
    ("pages/4_Voice_of_the_customer.py", N_("Voice of the customer"), ":material/reviews:"),
    ("pages/5_Peak_season.py", N_("Peak season"), ":material/calendar_month:"),
    ("pages/6_Staffing.py", N_("Staffing"), ":material/groups:"),
    ("pages/7_Import_data.py", N_("Import data"), ":material/upload:"),
    ("pages/9_Data.py", N_("Data"), ":material/database:"),
)


def page_path(label: str) -> str:
    """The URL path of a page by its label ('Trends' -> 'Trends'; Overview -> './')."""
    script = next(s for s, name, _icon in PAGES if name == label)
    if script == "dashboard.py":
        return "./"
    return re.sub(r"^\d+_", "", Path(script).stem)


def _navigation() -> None:
    with st.sidebar:
        st.markdown(f"### :material/travel_explore: {APP_NAME}")
        language.language_switch()  # before any translated text
        for script, label, icon in PAGES:
            st.page_link(script, label=translate(label), icon=icon)
        st.divider()


def page(title: str, page_id: str, icon: str, intro: str | None = None) -> Filter:
    """Set up a page and return the active filter. Call first on every page.

    ``title`` and ``intro`` are English message ids (marked with ``N_``): the language is only
    known once the sidebar's switch has been read, so they are translated here.
    """
    st.set_page_config(page_title=APP_NAME, page_icon=icon, layout="wide")
    url_state.start_page(page_id)
    _navigation()
    st.set_page_config(page_title=f"{translate(title)} · {APP_NAME}")
    data.ensure_data()
    cat = data.data_catalog()
    unknown = filters.unknown_in_link(cat)
    flt = filters.sidebar_filters(cat)
    review_pack(flt)
    with st.sidebar:
        st.caption(_("Data through {date}").format(date=fmt.date(cat.last_day))
                   + f" · {fmt.escape_markdown(data.data_meta().get('source', ''))}")  # fmt: skip
        if cat.implausible:
            st.caption(":material/warning: " + _(
                "{count} tickets dated before 2000 or in the future are left out of every "
                "period.").format(count=fmt.count(cat.implausible)))  # fmt: skip
    st.title(f"{icon} {translate(title)}")
    summary = filter_summary(flt)
    st.caption(fmt.escape_markdown(summary) + (f" — {translate(intro)}" if intro else ""))
    filters.warn_unknown(unknown, cat)
    show.set_context(summary, flt.timezone, f"{cat.last_day:%Y-%m-%d}")
    return flt
