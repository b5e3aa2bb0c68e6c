"""The frame every page shares: page config, navigation, first-run data build, the filters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from data_access.filters import Filter
from presentation import format as fmt
from presentation.i18n import N_, _, translate
from ui import access, data, downloads, filters, language, url_state
from ui.filters import filter_summary
from ui.pack import review_pack

APP_NAME = "Service Atlas"
# Tile values shrink with the window, so "11시간 30분" fits a tile five to a row.
STYLE = '[data-testid="stMetricValue"] {font-size: clamp(1.3rem, 1.9vw, 2.1rem);}'
# For a user who may not export: the tables' own "Download as CSV" button is hidden.
NO_EXPORT_STYLE = (
    '[data-testid="stElementToolbar"] button[aria-label="Download as CSV"] {display: none;}'
)
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Page:
    """One page, declared once: the sidebar link, the browser tab, the heading and the URL."""

    script: str  # relative to the project; Streamlit derives the URL path from the file name
    title: str  # English message id, translated when drawn
    icon: str
    scope: str  # the key of the page's own controls in the URL state
    intro: str  # English message id: the question the page answers

    @property
    def url_path(self) -> str:
        """'pages/4_Voice_of_the_customer.py' -> 'Voice_of_the_customer'; the Overview: ''."""
        if self.script == ENTRY:
            return ""
        return re.sub(r"^\d+_", "", Path(self.script).stem)


ENTRY = "dashboard.py"
# The order of the sidebar navigation. Streamlit runs each file (file-based pages): its own
# st.navigation registry would be cleaner, but with a pages/ folder beside the entry file
# Streamlit treats the first run of a process, and every AppTest run, as file-based and runs
# the page file on its own, without the entry file's shared sidebar (see README, "How it is built").
PAGES = (
    Page(ENTRY, N_("Overview"), ":material/public:", "overview",
         N_("how we serve customers worldwide")),
    Page("pages/0_Attention.py", N_("Attention"), ":material/notification_important:",
         "attention", N_("what needs attention, and why?")),
    Page("pages/1_Trends.py", N_("Trends"), ":material/show_chart:", "trends",
         N_("is it getting better or worse?")),
    Page("pages/2_Markets.py", N_("Markets"), ":material/flag:", "markets",
         N_("how is each market served?")),
    Page("pages/3_Channels.py", N_("Channels"), ":material/forum:", "channels",
         N_("how channels compare, where customers switch, how much the bot contains")),
    Page("pages/4_Voice_of_the_customer.py", N_("Voice of the customer"), ":material/reviews:",
         "voc", N_("what do customers say about us, and is it changing?")),
    Page("pages/5_Peak_season.py", N_("Peak season"), ":material/calendar_month:", "peaks",
         N_("when the load comes, in each market's own time")),
    Page("pages/6_Staffing.py", N_("Staffing"), ":material/groups:", "staffing",
         N_("enough agents who speak the right language at the right hour?")),
    Page("pages/7_Import_data.py", N_("Import data"), ":material/upload:", "import",
         N_("bring your own ticket and survey exports")),
    Page("pages/9_Data.py", N_("Data"), ":material/database:", "data",
         N_("what is loaded, where from, and how complete")),
)  # fmt: skip


def registered(scope: str) -> Page:
    """The page whose controls live under ``scope`` ('trends')."""
    return next(p for p in PAGES if p.scope == scope)


def _this_page(script_file: str) -> Page:
    relative = Path(script_file).resolve().relative_to(ROOT).as_posix()
    return next(p for p in PAGES if p.script == relative)


def _navigation() -> None:
    with st.sidebar:
        st.markdown(f"### :material/travel_explore: {APP_NAME}")
        language.language_switch()  # before any translated text
        may_import = access.current_scope().may("import")
        for listed in PAGES:
            if listed.scope == "import" and not may_import:
                continue
            st.page_link(listed.script, label=translate(listed.title), icon=listed.icon)
        st.divider()


def page(script_file: str) -> Filter:
    """Set up the page of ``script_file`` (pass ``__file__``) and return the active filter.
    Call first on every page; its title, icon and intro come from ``PAGES``.
    """
    this = _this_page(script_file)
    st.set_page_config(page_title=APP_NAME, page_icon=this.icon, layout="wide")
    url_state.start_page(this.scope)
    _navigation()
    st.set_page_config(page_title=f"{translate(this.title)} · {APP_NAME}")
    access.gate()
    st.html(f"<style>{STYLE}{'' if downloads.may_export() else NO_EXPORT_STYLE}</style>")
    data.ensure_data()
    cat = data.data_catalog()
    unknown = filters.unknown_in_link(cat)
    flt = filters.sidebar_filters(cat)
    review_pack(flt)
    with st.sidebar:
        source = fmt.data_source(data.data_meta().get("source", ""))
        st.caption(_("Data through {date}").format(date=fmt.date(cat.last_day))
                   + f" · {fmt.escape_markdown(source)}")  # fmt: skip
        if cat.implausible:
            st.caption(":material/warning: " + _(
                "{count} tickets dated before 2000 or in the future are left out of every "
                "period.").format(count=fmt.count(cat.implausible)))  # fmt: skip
    st.title(f"{this.icon} {translate(this.title)}")
    summary = filter_summary(flt)
    st.caption(f"{fmt.escape_markdown(summary)} — {translate(this.intro)}")
    filters.warn_unknown(unknown, cat)
    downloads.set_context(summary, flt.timezone, f"{cat.last_day:%Y-%m-%d}")
    return flt
