"""Attention: what needs attention in the period, and why — unusual days in every market's,
language's, channel's and hub's daily series, and targets missed."""

import streamlit as st

from presentation import attention_words as words
from presentation import format as fmt
from presentation.attention_charts import finding_chart
from presentation.i18n import _
from ui import data, drilldown, filters, show
from ui.filters import Filter
from ui.page import page, registered

SHOWN = data.FINDINGS_EXPLAINED  # findings drawn with their chart and why; the rest are counted


def finding(item: data.AttentionItem, flt: Filter, key: str) -> None:
    """One anomaly: what, when, how sure and why beside its chart, with the way to its view and
    to the tickets behind it."""
    scope = words.scope(item)
    with st.container(border=True):
        text, chart = st.columns([2, 3])
        with text:
            st.markdown(f"**{fmt.escape_markdown(scope)}**  \n" + fmt.escape_markdown(
                f"{words.measured(item)}, {words.days(item)} — {words.sureness(item.confidence)}"
            ))  # fmt: skip
            for said in (words.why(item), words.also(item)):
                if said:
                    st.markdown(fmt.escape_markdown(said))
            days = flt.narrowed(**item.filter_fields).with_dates(item.start, item.end)
            href = filters.link(registered("trends").url_path, flt, item.filter_fields,
                                dates=(item.start, item.end), kpi=item.kpi)  # fmt: skip
            st.markdown(f"[{_('Open these days in Trends')}]({href})")
            offer = drilldown.offer_of_row(data.kpi_table([item.kpi], flt=days), 0)
            if offer:
                drilldown.button(offer, f"{key}_tickets")
        with chart:
            show.chart(show.figure(finding_chart, item, scope), key, data=item.trace)


def misses(items: list[data.AttentionItem]) -> None:
    st.subheader(_("Targets missed"))
    if not items:
        show.empty(_("Every target with enough data is met in this period."))
        return
    for item in items:
        st.markdown(f"- **{fmt.escape_markdown(words.scope(item))}**: "
                    + fmt.escape_markdown(words.measured(item)))  # fmt: skip


flt = page(__file__)
with st.spinner(_("Scanning the daily series of every market, language, channel and hub…")):
    found, problem = data.attention(flt)
if problem:
    st.error(_("The alert rules file has problems, so the default rules are used:") + "\n\n"
             + fmt.escape_markdown(problem))  # fmt: skip
anomalies = [item for item in found if item.kind == "anomaly"]
ongoing = sum(item.ongoing for item in anomalies)
st.caption(_("{anomalies} unusual stretches ({ongoing} still going on) and {misses} targets "
             "missed. Unusual means outside the band the weekly pattern, the season, public "
             "holidays and retail peaks lead us to expect, across hundreds of series at once "
             "(false-discovery rate 1 %).").format(
    anomalies=fmt.count(len(anomalies)), ongoing=fmt.count(ongoing),
    misses=fmt.count(len(found) - len(anomalies))))  # fmt: skip
st.subheader(_("Unusual days"))
if not anomalies:
    show.empty(_("Nothing unusual in this period: every series stayed within its expected band."))
for number, item in enumerate(anomalies[:SHOWN]):
    finding(item, flt, f"attention_{number}")
if len(anomalies) > SHOWN:
    st.caption(_("{count} smaller findings are not drawn.").format(
        count=fmt.count(len(anomalies) - SHOWN)))  # fmt: skip
misses([item for item in found if item.kind != "anomaly"])
