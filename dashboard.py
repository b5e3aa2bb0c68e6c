"""Service Atlas — entry point and Overview page.

Run with ``streamlit run dashboard.py``. Every page starts from ``ui.page.page``, which builds the
sample data on first start and draws the shared filters.
"""

import streamlit as st

from presentation import attention_words as words
from presentation import charts, tables
from presentation import format as fmt
from presentation.i18n import _
from ui import controls, data, filters, show
from ui.page import page, registered
from ui.tiles import kpi_tiles

HEADLINE_KPIS = ("volume", "frt_median", "resolution_median", "csat", "nps")
SERVICE_KPIS = ("sla", "fcr", "abandonment", "bot_containment", "backlog")
MAP_KPIS = ("volume", "csat", "nps", "frt_median", "resolution_median", "sla", "fcr", "abandonment")
MOVER_KPIS = ("volume", "frt_median", "sla", "csat", "nps", "abandonment")

flt = page(__file__)
kpi_tiles(flt, HEADLINE_KPIS + SERVICE_KPIS, per_row=len(HEADLINE_KPIS))

where, what = st.columns([3, 2], gap="large")
with where:
    if len(flt.countries) == 1:  # a one-country map compares nothing: set it beside its peers
        (market,) = flt.countries
        st.subheader(_("{market} beside its region and all markets").format(
            market=fmt.member("country", market)))
        peers = data.market_against_peers(MAP_KPIS, flt)
        show.table(peers, "overview_peers", _("Market beside its region"),
                   shown=tables.peers(peers, MAP_KPIS), hide_index=True, width="stretch")
        st.caption(_("The same filters for the market, for all markets of its UN subregion "
                     "together, and for all markets."))  # fmt: skip
    else:
        st.subheader(_("Where"))
        kpi = controls.select(_("KPI on the map"), MAP_KPIS, "map_kpi", format_func=fmt.kpi_label)
        by_country = data.kpi_table([kpi], by=["country"], flt=flt)
        if by_country["value"].notna().sum() == 0:
            show.empty(_("No data for this KPI under the current filters."))
        else:
            title = _("{kpi} by customer country").format(kpi=fmt.kpi_label(kpi))
            figure = show.figure(charts.world_map, by_country, kpi, data.country_iso3(),
                                 zoom=bool(flt.countries), title=title)  # fmt: skip
            show.chart(figure, "overview_map", on_pick=filters.narrow_on_pick("country"),
                       data=by_country)  # fmt: skip
            st.caption(f"{fmt.kpi_definition(kpi)} {show.pick_hint()}")

with what:
    st.subheader(_("What changed"))
    st.caption(_("Biggest real changes against the previous {days} days, by country, language "
                 "and channel (false-discovery rate 5 %).").format(days=flt.days))  # fmt: skip
    movers = data.biggest_movers(MOVER_KPIS, flt, ("country", "language", "channel"))
    if movers.empty:
        show.empty(_("No statistically significant changes against the previous period."))
    why = []  # filled after every mover is drawn: the splits take a moment
    for mover in movers.itertuples():
        field = {"country": "countries", "language": "languages", "channel": "channels"}
        href = filters.link(registered("trends").url_path, flt,
                            {field[mover.dimension]: (mover.member,)}, kpi=mover.kpi)  # fmt: skip
        arrow = "▲" if mover.delta > 0 else "▼"
        tone = {True: "blue", False: "orange"}.get(mover.improved, "gray")
        name = fmt.escape_markdown(fmt.member_of(mover.dimension, mover.member))
        st.markdown(
            f":{tone}[{arrow}] **[{name} · "
            f"{fmt.kpi_label(mover.kpi)}]({href})** "
            + _("{value} vs {before}").format(value=fmt.kpi_value(mover.kpi, mover.value),
                                             before=fmt.kpi_value(mover.kpi, mover.compared_value))
            + f" (:{tone}[{fmt.kpi_delta(mover.kpi, mover.delta)}])"
        )
        member_filter = flt.narrowed(**{field[mover.dimension]: (mover.member,)})
        why.append((st.empty(), mover.kpi, member_filter))
    for slot, kpi, narrowed in why:
        sentence = words.reason(data.why_it_moved(kpi, narrowed))
        if sentence:
            slot.caption(fmt.escape_markdown(sentence))
