"""Trends: any KPI over time, split by a dimension, against last year, with holidays and peaks."""

import streamlit as st

from metrics.registry import CATEGORICAL_DIMENSIONS, KPIS
from presentation import charts
from presentation import format as fmt
from presentation.i18n import _
from ui import controls, data, filters, show
from ui.page import page

SPLITS = ("none", *[d for d in CATEGORICAL_DIMENSIONS if d not in ("agent", "next_channel")])


flt = page(__file__)

kpi_col, split_col, top_col, grain_col = st.columns([3, 2, 2, 2])
with kpi_col:
    kpi = controls.select(_("KPI"), list(KPIS), "kpi", "volume", fmt.kpi_label,
                          help=_("The definition is under the chart."))  # fmt: skip
with split_col:
    split = controls.select(_("Split by"), SPLITS, "split", "none", fmt.split_label)
with top_col:
    top_n = 5
    if split != "none":
        top_n = controls.number(_("Show the largest"), "top", 5, 2, 8,
                                help=_("The rest are computed together as 'Other'."))  # fmt: skip
with grain_col:
    grain = controls.grain(flt, sparse=KPIS[kpi].is_survey)
overlay_col, events_col = st.columns(2)
with overlay_col:
    year_ago = controls.toggle(_("Same period last year"), "last_year", True)
with events_col:
    show_events = controls.toggle(_("Holidays and retail peaks"), "events", True)

by = [] if split == "none" else [split]
keep = {split: data.top_members(split, flt, top_n)} if by else None
compare = ("year_ago",) if year_ago and KPIS[kpi].kind != "backlog" else ()
table = data.kpi_table([kpi], by=by, flt=flt, grain=grain, compare=compare, keep=keep)

if table.empty or table["value"].notna().sum() == 0:
    show.empty(
        _("No {kpi} for this filter: widen the period or remove a filter.").format(
            kpi=fmt.kpi_label(kpi).lower())
    )
else:
    events = None
    if show_events:
        countries = flt.countries or (tuple(keep[split]) if split == "country" else ())
        events = data.calendar_events(flt.start, flt.end, countries)
    title = (_("{kpi} by {grain}, by {dimension}") if by else _("{kpi} by {grain}")).format(
        kpi=fmt.kpi_label(kpi), grain=fmt.grain_name(grain),
        dimension=fmt.dimension_label(split).lower() if by else "")
    figure = show.figure(
        charts.trend, table, kpi, grain, split=by[0] if by else None, year_ago=bool(compare),
        events=events, partial=data.partial_buckets(flt, grain), title=title,
    )  # fmt: skip
    pick = filters.narrow_on_pick(split)
    show.chart(figure, "trend", on_pick=pick, data=table)
    notes = [
        fmt.kpi_definition(kpi),
        _("Hollow points: fewer than 30 observations, a bucket the period's edge cuts short, or "
          "a provisional one (not settled yet)."),
    ]
    if compare:
        notes.append(_("Dashed: the same dates a year earlier."))
    if pick:
        notes.append(show.pick_hint())
    st.caption(" ".join(notes))
    with st.expander(_("Data behind the chart")):
        show.table(table, "trend_table",
                   _("{kpi} by {grain}").format(kpi=fmt.kpi_label(kpi),
                                                grain=fmt.grain_name(grain)),
                   hide_index=True, width="stretch")  # fmt: skip
