"""Service Atlas — entry point and Overview page.

Run with ``streamlit run dashboard.py``. Every page starts from ``ui.page.page``, which builds the
sample data on first start and draws the shared filters.
"""

import streamlit as st

from metrics.registry import KPIS
from ui import charts, controls, data, filters, show
from ui import format as fmt
from ui.page import page, page_path
from ui.tiles import kpi_tiles

HEADLINE_KPIS = ("volume", "frt_median", "resolution_median", "csat", "nps")
SERVICE_KPIS = ("sla", "fcr", "abandonment", "bot_containment", "backlog")
MAP_KPIS = ("volume", "csat", "nps", "frt_median", "resolution_median", "sla", "fcr", "abandonment")
MOVER_KPIS = ("volume", "frt_median", "sla", "csat", "nps", "abandonment")

flt = page("Overview", "overview", ":material/public:", "how we serve customers worldwide")
kpi_tiles(flt, HEADLINE_KPIS)
kpi_tiles(flt, SERVICE_KPIS, caption=False)

where, what = st.columns([3, 2], gap="large")
with where:
    st.subheader("Where")
    kpi = controls.select("KPI on the map", MAP_KPIS, "map_kpi",
                          format_func=lambda k: KPIS[k].label)  # fmt: skip
    by_country = data.kpi_table([kpi], by=["country"], flt=flt)
    if by_country["value"].notna().sum() == 0:
        show.empty("No data for this KPI under the current filters.")
    else:
        figure = charts.world_map(by_country, kpi, data.country_iso3(), zoom=bool(flt.countries),
                                  title=f"{KPIS[kpi].label} by customer country")  # fmt: skip
        show.chart(figure, "overview_map", on_pick=filters.narrow_on_pick("country"),
                   data=by_country)  # fmt: skip
        st.caption(f"{KPIS[kpi].definition} Click a country to focus on it.")

with what:
    st.subheader("What changed")
    st.caption(f"Biggest real changes against the previous {flt.days} days, by country, language "
               "and channel (false-discovery rate 5 %).")  # fmt: skip
    movers = data.biggest_movers(MOVER_KPIS, flt, ("country", "language", "channel"))
    if movers.empty:
        show.empty("No statistically significant changes against the previous period.")
    for mover in movers.itertuples():
        field = {"country": "countries", "language": "languages", "channel": "channels"}
        href = filters.link(page_path("Trends"), flt, {field[mover.dimension]: (mover.member,)},
                            kpi=mover.kpi)  # fmt: skip
        arrow = "▲" if mover.delta > 0 else "▼"
        tone = {True: "blue", False: "orange"}.get(mover.improved, "gray")
        st.markdown(
            f":{tone}[{arrow}] **[{fmt.member(mover.dimension, mover.member)} · "
            f"{KPIS[mover.kpi].label}]({href})** {fmt.kpi_value(mover.kpi, mover.value)} "
            f"vs {fmt.kpi_value(mover.kpi, mover.compared_value)} "
            f"(:{tone}[{fmt.kpi_delta(mover.kpi, mover.delta)}])"
        )
