"""Chart builders: tidy metric tables in, themed plotly figures out (no Streamlit here).

Every figure puts the unit on its value axis, shows formatted values, n and intervals on hover,
and draws low-confidence points hollow so nobody reads too much into them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from metrics.registry import KPIS
from presentation import format as fmt
from presentation import theme
from presentation.i18n import _, translate

# Half a bucket of each grain pads a chart over time on either side.
DAY = pd.Timedelta(days=1)
_BUCKET = {"half_hour": pd.Timedelta(minutes=30), "hour": pd.Timedelta(hours=1),
           "day": pd.Timedelta(days=1), "week": pd.Timedelta(days=7),
           "month": pd.Timedelta(days=31), "quarter": pd.Timedelta(days=92)}  # fmt: skip
# Named-peak spans, one colour per peak (holidays are PALETTE[3] triangles, lines PALETTE[0..]).
PEAK_COLOURS = (theme.PALETTE[1], theme.PALETTE[2], theme.PALETTE[4])
_NOT_DRAWN = frozenset({"customdata", "ids", "uid", "meta", "template"})


def escape_markup(fig: go.Figure) -> go.Figure:
    """A copy of ``fig`` in which text from the data (member names in labels, legends, hovers
    and titles) cannot draw markup of its own, a link above all (``fmt.escape_chart_markup``).
    Every figure goes through it before it is drawn or exported; ``customdata`` keeps the raw
    codes that clicks filter on."""
    return go.Figure(escaped_spec(fig))


def escaped_spec(fig: go.Figure) -> dict:
    """``escape_markup`` of ``fig`` as plotly's plain dict (traces, layout), to keep or rebuild."""
    return _escaped(fig.to_plotly_json())


def _escaped(node: object) -> object:
    if isinstance(node, str):
        return fmt.escape_chart_markup(node)
    if isinstance(node, dict):
        return {key: value if key in _NOT_DRAWN else _escaped(value)
                for key, value in node.items()}  # fmt: skip
    if isinstance(node, list | tuple):
        return [_escaped(value) for value in node]
    if isinstance(node, np.ndarray) and node.dtype.kind in "OU":
        return _escaped_array(node.astype(object))
    return node


_escaped_array = np.frompyfunc(_escaped, 1, 1)


def _hover_text(kpi: str, rows: pd.DataFrame) -> list[str]:
    texts = []
    for row in rows.itertuples():
        if getattr(row, "suppressed", False):
            texts.append(f"{fmt.suppressed()}<br>n = {fmt.count(row.n)}")
            continue
        line = f"<b>{fmt.kpi_value(kpi, row.value)}</b>"
        if not (np.isnan(row.ci_low) or np.isnan(row.ci_high)):
            ci = f"{fmt.kpi_value(kpi, row.ci_low)} – {fmt.kpi_value(kpi, row.ci_high)}"
            line += "<br>" + _("95% interval {interval}").format(interval=ci)
        elif KPIS[kpi].kind == "quantile" and row.n > 0:
            line += "<br>" + _("No 95% interval: too few observations.")
        line += f"<br>n = {fmt.count(row.n)} {fmt.n_label(kpi)}"
        if row.low_confidence:
            line += "<br><i>" + _("low confidence (n < 30)") + "</i>"
        texts.append(line)
    return texts


def _value_axis(fig: go.Figure, kpi: str, axis: str = "yaxis") -> None:
    settings = {"title": {"text": fmt.axis_title(kpi)}}
    if KPIS[kpi].display == "percent":
        settings["ticksuffix"] = fmt.percent_suffix()
    if KPIS[kpi].display == "count":
        settings["rangemode"] = "tozero"
    fig.update_layout({axis: settings})


YEAR_AGO_GROUP = "year_ago"  # the trend's year-earlier lines (another period than the table's)


def trend(
    table: pd.DataFrame,
    kpi: str,
    time_column: str,
    split: str | None = None,
    year_ago: bool = False,
    events: pd.DataFrame | None = None,
    partial: Sequence[pd.Timestamp] = (),
    title: str = "",
) -> go.Figure:
    """A KPI over time, one line per member of ``split``.

    ``year_ago`` draws the same dates a year earlier dashed (from ``year_ago_value``);
    ``events`` (start, end, label, kind) are shaded (peaks) or marked (holidays); points in
    ``partial`` buckets (cut by the period's edges) and provisional ones (not settled yet) are
    drawn hollow like low-confidence ones.
    """
    rows = table[table["kpi"] == kpi].sort_values(time_column)
    fig = go.Figure()
    buckets = pd.to_datetime(rows.loc[rows["value"].notna(), time_column]).sort_values().unique()
    shown = None
    if len(buckets):  # the axis spans the data, not the peaks around it
        # one bucket: a fortnight around it (plotly would zoom a single date to milliseconds)
        pad = _BUCKET.get(time_column, DAY) / 2 if len(buckets) > 1 else pd.Timedelta(days=7)
        shown = (pd.Timestamp(buckets[0]) - pad, pd.Timestamp(buckets[-1]) + pad)
    groups = [(None, rows)] if split is None else list(rows.groupby(split, sort=False))
    order = sorted(groups, key=lambda g: (g[0] == "Other", -g[1]["n"].sum()))
    partial_set = {pd.Timestamp(p) for p in partial}
    for index, (member, group) in enumerate(order):
        colour = theme.colour_for(index, str(member))
        name = fmt.member(split, member) if split else fmt.kpi_label(kpi)
        x, y = group[time_column], fmt.plot_values(kpi, group["value"])
        bounded = group[group["ci_low"].notna() & group["ci_high"].notna()]
        if split is None and len(bounded):
            band_x = bounded[time_column]
            fig.add_trace(go.Scatter(
                x=pd.concat([band_x, band_x[::-1]]),
                y=np.concatenate([fmt.plot_values(kpi, bounded["ci_high"]),
                                  fmt.plot_values(kpi, bounded["ci_low"])[::-1]]),
                fill="toself", fillcolor=theme.FAINT, line={"width": 0}, hoverinfo="skip",
                mode="lines",
                name=_("95% interval"), showlegend=True,
            ))  # fmt: skip
        cut = x.map(lambda t: pd.Timestamp(t) in partial_set).to_numpy(bool)
        unsettled = group["provisional"].to_numpy(bool) if "provisional" in group else cut & False
        hollow = group["low_confidence"].to_numpy(bool) | cut | unsettled
        notes = [[_("partial period")] * int(c) + [fmt.not_tested("immature")] * int(u)
                 for c, u in zip(cut, unsettled, strict=True)]  # fmt: skip
        hover = [t + "".join(f"<br><i>{note}</i>" for note in n)
                 for t, n in zip(_hover_text(kpi, group), notes, strict=True)]  # fmt: skip
        fig.add_trace(go.Scatter(
            x=x, y=y, mode="lines+markers", name=name,
            line={"color": colour, "width": 2},
            marker={"symbol": np.where(hollow, "circle-open", "circle"), "size": 7,
                    "color": colour},
            hovertext=hover, hoverinfo="text+x+name",
            customdata=[member] * len(group) if split else None,
        ))  # fmt: skip
        if year_ago and "year_ago_value" in group:
            earlier = _("{name}, a year earlier").format(name=name)
            # only on the axis: a line drawn past it is clipped, but still widens the chart
            inside = (pd.to_datetime(x).between(*shown) if shown else x.notna()).to_numpy(bool)
            fig.add_trace(go.Scatter(
                x=x[inside], y=fmt.plot_values(kpi, group["year_ago_value"])[inside],
                mode="lines",
                name=earlier, showlegend=False, legendgroup=YEAR_AGO_GROUP,
                line={"color": colour, "width": 1.5, "dash": "dash"}, opacity=0.7,
                hovertemplate="%{y:,.4~g}<extra>" + earlier + "</extra>",
            ))  # fmt: skip
    if year_ago:
        fig.add_trace(go.Scatter(
            x=[None], y=[None], mode="lines", name=_("dashed: a year earlier"),
            line={"color": theme.NEUTRAL, "dash": "dash"}, legendgroup=YEAR_AGO_GROUP,
        ))  # fmt: skip
    if shown:
        fig.update_xaxes(range=list(shown))
        if len(buckets) == 1:
            fig.update_xaxes(tickformat="%d %b %Y", nticks=3)
    if events is not None and not events.empty:
        mark_events(fig, events, shown)
    _value_axis(fig, kpi)
    localize_dates(fig)
    fig.update_layout(title=title, hovermode="closest", height=450)
    return fig


def title_room(fig: go.Figure, below: int) -> go.Figure:
    """Pin the title to the top and keep ``below`` pixels free between it and the plot (for
    subplot titles or a legend), so the two never meet whatever the chart's height."""
    fig.update_layout(title={"y": 1, "yref": "container", "yanchor": "top", "pad": {"t": 10}},
                      margin={"t": (40 if fig.layout.title.text else 0) + below})  # fmt: skip
    return fig


def legend_above(fig: go.Figure) -> go.Figure:
    """The legend in a row between the title and the plot instead of under it, where it would
    meet the x-axis title and its distance would grow with the chart's height."""
    fig.update_layout(legend={"y": 1, "yanchor": "bottom", "x": 0})
    return title_room(fig, 40)


def localize_dates(fig: go.Figure, axis: str = "xaxis") -> go.Figure:
    """Date ticks and hover dates in the language's words. Plotly.js writes month names in
    English; a catalog that translates these d3 formats replaces them (English keeps plotly's
    own adaptive ticks)."""
    day, month, hover = _("%b %-d"), _("%b %Y"), _("%b %-d, %Y")
    if (day, month, hover) != ("%b %-d", "%b %Y", "%b %-d, %Y"):
        fig.update_layout({axis: {"hoverformat": hover, "tickformatstops": [
            {"dtickrange": [None, "M1"], "value": day},
            {"dtickrange": ["M1", None], "value": month},
        ]}})  # fmt: skip
    return fig


def mark_events(
    fig: go.Figure, events: pd.DataFrame, within: tuple[pd.Timestamp, pd.Timestamp] | None = None
) -> None:
    """Named peaks as shaded spans, each named in the legend (a square of its colour, also drawn
    at the top of its span, with the dates on hover) rather than in text on the plot, where
    close peaks would collide; public holidays as triangles. ``within`` clips both to the
    plotted range, so a peak running past the data does not stretch the axis."""
    low, high = within or (pd.Timestamp.min, pd.Timestamp.max)
    peaks = events[events["kind"] == "peak"]
    for index, (label, occurrences) in enumerate(peaks.groupby("label", sort=False)):
        colour, name = PEAK_COLOURS[index % len(PEAK_COLOURS)], translate(label)
        spans = []  # (first shown moment, end of span, the occurrence)
        for peak in occurrences.itertuples():
            start = max(pd.Timestamp(peak.start), low)
            end = min(pd.Timestamp(peak.end) + pd.Timedelta(days=1), high)
            if start < end:
                fig.add_vrect(x0=start, x1=end, fillcolor=colour, opacity=0.15, line_width=0,
                              layer="below")  # fmt: skip
                spans.append((start, end, peak))
        if spans:
            fig.add_trace(go.Scatter(
                x=[start + (end - start) / 2 for start, end, _peak in spans],
                y=[0.98] * len(spans), yaxis="y2", mode="markers", name=name,
                marker={"symbol": "square", "size": 9, "color": colour, "opacity": 0.6},
                hovertext=[f"{name}: {fmt.date_range(p.start, p.end)}" for *_span, p in spans],
                hoverinfo="text",
            ))  # fmt: skip
    holidays = events[events["kind"] == "holiday"]
    holidays = holidays[pd.to_datetime(holidays["start"]).between(low, high)]
    if not holidays.empty:
        fig.add_trace(go.Scatter(
            x=pd.to_datetime(holidays["start"]), y=[0.01] * len(holidays), yaxis="y2",
            mode="markers", name=_("public holiday"),
            marker={"symbol": "triangle-up", "size": 9, "color": theme.PALETTE[3]},
            hovertext=[f"{fmt.holiday_name(h.countries, h.start, h.label)} "
                       f"({fmt.member('country', h.countries)})" for h in holidays.itertuples()],
            hoverinfo="text+x",
        ))  # fmt: skip
    if len(peaks) or not holidays.empty:
        fig.update_layout(yaxis2={"overlaying": "y", "range": [0, 1], "visible": False})


def target_line(fig: go.Figure, kpi: str, target: float, across: str = "y") -> go.Figure:
    """A dotted line at ``target`` on the KPI's value axis (``across="y"``: a horizontal line on
    a time chart; ``"x"``: a vertical one on horizontal bars), labelled with the target."""
    at = float(fmt.plot_values(kpi, [target])[0])
    label = _("target {value}").format(value=fmt.kpi_value(kpi, target))
    style = {"line_dash": "dot", "line_color": theme.NEUTRAL, "annotation_text": label}
    if across == "x":
        fig.add_vline(x=at, annotation_position="top", **style)
    else:
        fig.add_hline(y=at, annotation_position="top left", **style)
    return fig


def bars(
    table: pd.DataFrame,
    kpi: str,
    dimension: str,
    target: float | None = None,
    title: str = "",
    limit: int | None = None,
) -> go.Figure:
    """A KPI per member of a dimension, horizontal, with 95% intervals and the target line."""
    rows = table[table["kpi"] == kpi].dropna(subset=["value"])
    rows = rows.sort_values("value", ascending=KPIS[kpi].direction >= 0)
    if limit:
        rows = rows.tail(limit)
    values = fmt.plot_values(kpi, rows["value"])
    error = None
    if rows["ci_low"].notna().any():
        error = {
            "type": "data", "symmetric": False, "color": "#5F6670", "thickness": 1,
            "array": fmt.plot_values(kpi, rows["ci_high"]) - values,
            "arrayminus": values - fmt.plot_values(kpi, rows["ci_low"]),
        }  # fmt: skip
    colours = np.where(rows["low_confidence"], "rgba(0,114,178,0.35)", theme.PALETTE[0])
    fig = go.Figure(go.Bar(
        x=values, y=[fmt.member(dimension, m) for m in rows[dimension]], orientation="h",
        marker={"color": colours}, error_x=error, customdata=rows[dimension],
        hovertext=_hover_text(kpi, rows), hoverinfo="text+y",
    ))  # fmt: skip
    if target is not None:
        target_line(fig, kpi, target, across="x")
    _value_axis(fig, kpi, "xaxis")
    fig.update_layout(title=title, height=max(260, 26 * len(rows) + 90), showlegend=False)
    return fig


def world_map(
    table: pd.DataFrame, kpi: str, iso3: dict[str, str], title: str = "", zoom: bool = False
) -> go.Figure:
    """Choropleth of a KPI per country (ISO-3 codes from pycountry), centred on the target;
    ``zoom`` fits the view to the countries shown (a narrowed filter)."""
    rows = table[(table["kpi"] == kpi) & table["value"].notna()]
    definition = KPIS[kpi]
    values = fmt.plot_values(kpi, rows["value"])
    if definition.direction == 0:
        scale, middle = theme.SEQUENTIAL, None
    else:
        scale = theme.DIVERGING if definition.direction > 0 else theme.DIVERGING_REVERSED
        target = definition.target if definition.target is not None else np.nanmedian(rows["value"])
        middle = float(fmt.plot_values(kpi, [target])[0])
    fig = go.Figure(go.Choropleth(
        locations=[iso3.get(c) for c in rows["country"]], locationmode="ISO-3", z=values,
        colorscale=scale, zmid=middle,
        marker={"line": {"color": "white", "width": 0.5}},
        colorbar={"title": {"text": fmt.axis_unit(kpi)}, "thickness": 12, "len": 0.8},
        customdata=rows["country"],
        hovertext=[f"{fmt.member('country', c)}<br>{t}"
                   for c, t in zip(rows["country"], _hover_text(kpi, rows), strict=True)],
        hoverinfo="text",
    ))  # fmt: skip
    fig.update_geos(
        showframe=False, showcoastlines=False, showcountries=True, countrycolor="#D5D8DD",
        showland=True, landcolor="#F4F5F7", projection_type="natural earth",
        **({"fitbounds": "locations"} if zoom else {"lataxis_range": [-58, 85]}),
    )  # fmt: skip
    fig.update_layout(title=title, height=440, margin={"l": 0, "r": 0, "t": 40, "b": 0})
    return fig


def hour_of_week_matrix(per_hour: Sequence[float]) -> pd.DataFrame:
    """7 × 24 matrix (weekday × local hour) of the 168 values of ``per_hour`` (Monday 00:00
    first), e.g. ``metrics.contact_hours.contacts_per_hour``."""
    return pd.DataFrame(
        np.asarray(per_hour, dtype=float).reshape(7, 24),
        index=fmt.weekdays(),
        columns=[f"{h:02d}" for h in range(24)],
    )


def heatmap(
    matrix: pd.DataFrame,
    title: str,
    colorbar: str,
    diverging: bool = False,
    hover: str = "%{y} %{x}: %{z:,.1f}",
    zmid: float | None = None,
    x_title: str = "",
) -> go.Figure:
    """A labelled heatmap; rows and columns come from the frame's index and columns."""
    fig = go.Figure(go.Heatmap(
        z=matrix.to_numpy(dtype=float), x=[str(c) for c in matrix.columns],
        y=[str(i) for i in matrix.index],
        colorscale=theme.DIVERGING if diverging else theme.SEQUENTIAL, zmid=zmid,
        colorbar={"title": {"text": colorbar}, "thickness": 12},
        hovertemplate=hover + "<extra></extra>", xgap=1, ygap=1,
    ))  # fmt: skip
    fig.update_layout(title=title, height=max(300, 22 * len(matrix) + 120))
    fig.update_yaxes(autorange="reversed")
    if x_title:
        fig.update_xaxes(title_text=x_title)
    return fig


def stacked_share(
    table: pd.DataFrame,
    time_column: str,
    split: str,
    title: str,
    members: Sequence[str] | None = None,
) -> go.Figure:
    """Share of volume per member over time (100 % stacked area)."""
    rows = table[table["kpi"] == "volume"]
    wide = rows.pivot_table(index=time_column, columns=split, values="value", aggfunc="sum")
    wide = wide.fillna(0)
    share = wide.div(wide.sum(axis=1), axis=0) * 100
    fig = go.Figure()
    for index, member in enumerate(members or share.columns):
        if member not in share:
            continue
        fig.add_trace(go.Scatter(
            x=share.index, y=share[member], stackgroup="one", name=fmt.member(split, member),
            line={"width": 0.5, "color": theme.colour_for(index, str(member))},
            hovertemplate=_("{value} %").format(value="%{y:.1f}") + "<extra>"
            + fmt.member(split, member) + "</extra>",
        ))  # fmt: skip
    axis = {"title": {"text": _("share of contacts (%)")}, "ticksuffix": fmt.percent_suffix(),
            "range": [0, 100]}  # fmt: skip
    fig.update_layout(title=title, yaxis=axis, height=400)
    return localize_dates(fig)


def demand_supply(balance: pd.DataFrame, market: str | None = None) -> go.Figure:
    """Per language: its share of all agent work (demand) against its share of all scheduled
    agent hours (supply), the largest first. With ``market`` (the name of the markets a filter
    narrows to), the demand bar splits into their work and the other markets'. The legend sits
    above the bars and lists them in their order from the top."""
    rows = balance.sort_values("work_share")
    names = [fmt.member("language", code) for code in rows["language"]]
    if market is None:
        demand = [(_("work (demand)"), rows["work_share"], None, theme.PALETTE[1])]
    else:
        own = rows["own_work_share"]
        demand = [(_("work from {market} (demand)").format(market=market), own, None,
                   theme.PALETTE[1]),
                  (_("work from other markets"), rows["work_share"] - own, own * 100,
                   theme.OTHER)]  # fmt: skip
    fig = go.Figure()

    def bar(name: str, share: pd.Series, base: pd.Series | None, colour: str, group: str,
            rank: int, hover: str) -> None:  # fmt: skip
        fig.add_trace(go.Bar(
            y=names, x=share * 100, base=base, orientation="h", name=name, offsetgroup=group,
            marker={"color": colour}, legendrank=rank,
            hovertemplate=hover.format(value="%{x:.1f}") + "<extra>" + name + "</extra>",
        ))  # fmt: skip

    # a horizontal group draws its first trace lowest: supply first, so demand sits above it
    bar(_("scheduled agent hours (supply)"), rows["supply_share"], None, theme.PALETTE[0],
        "supply", len(demand) + 1, _("{value} % of scheduled hours"))  # fmt: skip
    for rank, (name, share, base, colour) in enumerate(demand, 1):
        bar(name, share, base, colour, "demand", rank, _("{value} % of handle time"))
    fig.update_layout(
        barmode="group", height=max(240, 48 * len(rows) + 120),
        xaxis={"title": {"text": _("share of all work or of all scheduled hours (%)")},
               "ticksuffix": fmt.percent_suffix()},
    )  # fmt: skip
    return legend_above(fig)
