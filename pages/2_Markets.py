"""Markets: every country's KPIs side by side, a drill-down into one market, languages vs staff."""

import streamlit as st

from presentation import charts, i18n, tables
from presentation import format as fmt
from presentation.i18n import _
from ui import controls, data, show
from ui.page import page
from ui.tiles import kpi_tiles

TABLE_KPIS = ("volume", "frt_median", "resolution_median", "sla", "fcr", "csat", "nps",
              "abandonment")  # fmt: skip
DRILL_DIMENSIONS = ("language", "channel", "hub")

flt = page(__file__)

# ---------------------------------------------------------------- all markets
st.subheader(_("Markets side by side"))
by_country = data.kpi_table(TABLE_KPIS, by=["country"], flt=flt)
if by_country.empty:
    show.empty(_("No contacts for this filter: widen the period or remove a filter."))
    st.stop()
grid = show.prepared(tables.wide, by_country, "country", TABLE_KPIS, n_of=("csat",))
markets = grid.index.tolist()


def _pick_row() -> None:
    rows = st.session_state["market_table"].selection.rows
    if rows:
        controls.set_page_value("market", markets[rows[0]])


show.table(
    grid.reset_index(), "market_table", _("Markets side by side"),
    shown=tables.styled(grid, by_country, "country"), on_select=_pick_row, hide_index=True,
    selection_mode="single-row", height=min(420, 35 * (len(grid) + 1) + 3),
    column_config=tables.column_config(grid, _("Country")),
)  # fmt: skip
st.caption(
    _("Blue: target met, orange: missed (targets are in each KPI's help). Grey italics: fewer "
      "than 30 observations. Click a row to drill into that market; click a header to sort.")
)

# ---------------------------------------------------------------- one market
st.divider()
market = controls.select(_("Drill into"), markets, "market", markets[0], i18n.country_label)
local = flt.narrowed(countries=(market,))
zone = data.country_timezone(market)
st.subheader(fmt.escape_markdown(fmt.member("country", market)))
weekend = ", ".join(fmt.weekdays()[d] for d in sorted(data.weekend_days(market)))
st.caption(_("Customers' local time: {zone}. Local weekend: {weekend}.").format(
    zone=zone, weekend=weekend))
kpi_tiles(local, ("volume", "frt_median", "csat", "nps", "fcr"), caption=False)

DRILL_KPIS = ("volume", "frt_median", "resolution_median", "sla", "csat", "nps")
tabs = st.tabs([_("By {dimension}").format(dimension=fmt.dimension_label(d).lower())
                for d in DRILL_DIMENSIONS])  # fmt: skip
for tab, dimension in zip(tabs, DRILL_DIMENSIONS, strict=True):
    with tab:
        split = data.kpi_table(DRILL_KPIS, by=[dimension], flt=local)
        breakdown = show.prepared(tables.wide, split, dimension, DRILL_KPIS, n_of=("csat",))
        breakdown.insert(2, "share", breakdown["volume"] / breakdown["volume"].sum())
        show.table(
            breakdown.reset_index(), f"market_by_{dimension}",
            _("{market} by {dimension}").format(market=fmt.member("country", market),
                                                dimension=fmt.dimension_label(dimension).lower()),
            shown=tables.styled(breakdown, split, dimension, {"share": fmt.percent}),
            hide_index=True,
            column_config={**tables.column_config(breakdown, fmt.dimension_label(dimension)),
                           "share": _("Share of contacts")},
        )  # fmt: skip

pattern = data.kpi_table(["volume"], by=["local_hour_of_week"], flt=local)
if pattern.empty:
    show.empty(_("No contacts from this market in the period."))
else:
    matrix = charts.hour_of_week_matrix(data.contacts_per_hour(pattern, local, market))
    figure = show.figure(
        charts.heatmap,
        matrix,
        _("When {market} contacts us (local time)").format(market=fmt.member("country", market)),
        _("contacts / hour"),
        hover=_("{day} {hour}:00 — {contacts} contacts per hour on average").format(
            day="%{y}", hour="%{x}", contacts="%{z:.1f}"),
        x_title=_("hour of day ({zone})").format(zone=zone),
    )  # fmt: skip
    show.chart(figure, "market_pattern", data=pattern)

# ---------------------------------------------------------------- languages vs staff
st.divider()
st.subheader(_("Languages: demand against the agents who speak them"))
balance = data.language_balance(flt)
if balance.empty:
    show.empty(_("No contacts or shifts for this filter."))
else:
    narrowed = None
    if flt.countries:
        narrowed = (fmt.member("country", flt.countries[0]) if len(flt.countries) == 1
                    else _("the filtered markets"))  # fmt: skip
    show.chart(show.figure(charts.demand_supply, balance, narrowed), "language_balance",
               data=balance)
    st.caption(
        _("Work: agent handle time spent on each language's contacts, as a share of all the "
          "handle time. Supply: scheduled hours of agents who speak it (an agent with k "
          "languages counts 1/k towards each), as a share of all scheduled hours. Agents serve "
          "every market, so both shares are of the whole operation; a country or language "
          "filter picks the languages shown, and for a market the work bar shows its part.")
    )
