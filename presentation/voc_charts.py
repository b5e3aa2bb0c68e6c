"""Chart builders and display tables for the Voice of the customer page (no Streamlit here).

Score distributions coloured by what the scale means (NPS detractors, passives, promoters),
interval bands for split trends, and each market's score beside its change against its own
previous 12 months. Colours come from ``presentation.theme``; good and bad are also said in
words (legend, labels, hover), never in colour alone. Privacy-suppressed groups show
``fmt.SUPPRESSED``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from metrics.engine import OTHER
from metrics.registry import KPIS
from metrics.voc import Question
from metrics.voc_drivers import Drivers
from metrics.voc_topics import TopicView
from presentation import charts, theme
from presentation import format as fmt
from presentation.i18n import N_, _, translate

TONE_COLOURS = {"bad": theme.BAD, "neutral": theme.NEUTRAL, "good": theme.GOOD}
NOT_SIGNIFICANT = theme.OTHER
BASELINE_LABEL = N_("its own previous 12 months")


def _rgba(hex_colour: str, alpha: float) -> str:
    red, green, blue = (int(hex_colour.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({red}, {green}, {blue}, {alpha})"


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


# ------------------------------------------------------------------ distributions
def distribution(table: pd.DataFrame, q: Question, title: str = "") -> go.Figure:
    """Answers per score of one question, one colour per band, share of answers on the bars."""
    fig = go.Figure()
    for band, rows in table.groupby("band", sort=False):
        tone = rows["tone"].iloc[0]
        fig.add_trace(go.Bar(
            x=rows["score"].astype(str), y=rows["responses"], name=translate(band),
            marker={"color": TONE_COLOURS.get(tone, theme.NEUTRAL)},
            # shares under 1 % would only crowd the small bars; the hover has them all
            text=[fmt.percent(s, 0).replace(" ", "") if s >= 0.01 else "" for s in rows["share"]],
            textposition="outside", textfont={"size": 11}, cliponaxis=False,
            hovertext=[_("score {score}: {answers} answers ({share})").format(
                           score=s, answers=fmt.count(r), share=fmt.percent(p))
                       + f"<br>{translate(band)}"
                       for s, r, p in zip(rows["score"], rows["responses"], rows["share"],
                                          strict=True)],
            hoverinfo="text",
        ))  # fmt: skip
    fig.update_layout(
        title=title, height=340, bargap=0.15, showlegend=True, margin={"t": 50, "b": 40},
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0},
        xaxis={"title": {"text": _("score ({low}–{high})").format(low=q.low, high=q.high),
                         "standoff": 4}, "type": "category",
               "categoryorder": "array", "categoryarray": [str(s) for s in table["score"]]},
        yaxis={"title": {"text": _("answers")}, "rangemode": "tozero"},
    )  # fmt: skip
    return fig


# ------------------------------------------------------------------ trends
def score_trend(table: pd.DataFrame, kpi: str, time_column: str, split: str | None,
                bands: bool, title: str) -> go.Figure:  # fmt: skip
    """A score over time, one line per member of ``split``, with its 95% intervals shaded or
    without them."""
    fig = charts.trend(table, kpi, time_column, split=split, title=title)
    if split and bands:
        add_interval_bands(fig, table, kpi, time_column, split)
    elif not bands:
        fig.data = [t for t in fig.data if t.name != _("95% interval")]
    return fig


def add_interval_bands(
    fig: go.Figure, table: pd.DataFrame, kpi: str, time_column: str, split: str
) -> go.Figure:
    """Shade each line of a split ``presentation.charts.trend`` figure with its 95% interval.

    A band takes its line's colour and legend group, so clicking a market in the legend hides
    both. Bands are drawn underneath the lines.
    """
    rows = table[table["kpi"] == kpi].sort_values(time_column)
    lines = [t for t in fig.data if t.customdata is not None and t.mode == "lines+markers"]
    bands = []
    for line in lines:
        member = line.customdata[0]
        group = rows[rows[split] == member].dropna(subset=["ci_low", "ci_high"])
        line.legendgroup = str(member)
        if group.empty:
            continue
        x = group[time_column]
        bands.append(go.Scatter(
            x=pd.concat([x, x[::-1]]),
            y=np.concatenate([fmt.plot_values(kpi, group["ci_high"]),
                              fmt.plot_values(kpi, group["ci_low"])[::-1]]),
            mode="lines", fill="toself", fillcolor=_rgba(line.line.color, 0.09),
            line={"width": 0},
            hoverinfo="skip", showlegend=False, legendgroup=str(member),
            name=_("{name}, 95% interval").format(name=line.name),
        ))  # fmt: skip
    if bands:
        fig.add_traces(bands)
        count = len(bands)
        fig.data = fig.data[-count:] + fig.data[:-count]
    return fig


# ------------------------------------------------------------------ raw vs own baseline
def _ordered(table: pd.DataFrame, kpi: str, dimension: str) -> pd.DataFrame:
    """Rows of ``kpi``: shown values best first, then hidden groups, 'Other' last."""
    rows = table[table["kpi"] == kpi].copy()
    best_first = KPIS[kpi].direction < 0  # ascending when lower is better
    rows["__other"] = rows[dimension] == OTHER
    rows["__hidden"] = rows["value"].isna()
    rows = rows.sort_values(["__other", "__hidden", "value"], ascending=[True, True, best_first])
    return rows.drop(columns=["__other", "__hidden"]).reset_index(drop=True)


def _verdict(kpi: str, row: pd.Series) -> str:
    """'better' / 'worse' (significant at 95%), 'n.s.', 'not tested' (too little data for a
    test) or '' when there is nothing to compare."""
    delta = row.get("baseline_delta")
    if _missing(delta):
        return ""
    if pd.notna(row.get("baseline_not_tested")):
        return "not tested"
    if not row.get("baseline_significant"):
        return "n.s."  # a code: shown through _VERDICT_TEXT
    direction = KPIS[kpi].direction
    if direction == 0:
        return "changed"
    return "better" if delta * direction > 0 else "worse"


_DELTA_UNITS = {"percent": N_("percentage points"), "nps": N_("NPS points"),
                "score": N_("score points")}  # fmt: skip


def _delta_unit(kpi: str) -> str:
    unit = _DELTA_UNITS.get(KPIS[kpi].display)
    return translate(unit) if unit else fmt.axis_unit(kpi)


def raw_and_baseline(table: pd.DataFrame, kpi: str, dimension: str, title: str = "") -> go.Figure:
    """Two panels sharing the markets: the raw score (with its 95% interval and the market's own
    previous-12-month value), and the change against that baseline coloured by significance.

    ``table`` comes from ``kpi_table(..., by=[dimension], compare=("baseline",))``.
    """
    rows = _ordered(table, kpi, dimension)
    labels = [fmt.member(dimension, m) for m in rows[dimension]]
    fig = make_subplots(
        rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.07,
        subplot_titles=(_("Raw score this period"),
                        _("Change against {baseline}").format(baseline=translate(BASELINE_LABEL))),
    )  # fmt: skip
    shown = rows["value"].notna().to_numpy()
    value = fmt.plot_values(kpi, rows["value"])
    baseline = fmt.plot_values(kpi, rows["baseline_value"])
    n_label = fmt.n_label(kpi)
    hover = []
    for row in rows.itertuples():
        if row.suppressed:
            hover.append(fmt.suppressed())
            continue
        text = _("this period {value}").format(value=f"<b>{fmt.kpi_value(kpi, row.value)}</b>")
        if not _missing(row.ci_low):
            text += f" (95%: {fmt.kpi_value(kpi, row.ci_low)} – {fmt.kpi_value(kpi, row.ci_high)})"
        text += f", n = {fmt.count(row.n)} {n_label}"
        text += f"<br>{translate(BASELINE_LABEL)}: {fmt.kpi_value(kpi, row.baseline_value)}"
        if not _missing(row.baseline_n):
            text += f", n = {fmt.count(row.baseline_n)}"
        if row.low_confidence:
            text += "<br><i>" + _("low confidence (n < 30)") + "</i>"
        hover.append(text)
    error = {
        "type": "data", "symmetric": False, "color": "#5F6670", "thickness": 1, "width": 3,
        "array": fmt.plot_values(kpi, rows["ci_high"]) - value,
        "arrayminus": value - fmt.plot_values(kpi, rows["ci_low"]),
    }  # fmt: skip
    fig.add_trace(go.Scatter(
        x=value, y=labels, mode="markers", name=_("this period (95% interval)"), error_x=error,
        marker={"color": theme.PALETTE[0], "size": 10,
                "symbol": np.where(rows["low_confidence"], "circle-open", "circle")},
        customdata=rows[dimension], hovertext=hover, hoverinfo="text+y",
    ), row=1, col=1)  # fmt: skip
    fig.add_trace(go.Scatter(
        x=baseline, y=labels, mode="markers", name=translate(BASELINE_LABEL),
        marker={"color": "#31333F", "size": 9, "symbol": "diamond-open", "line": {"width": 2}},
        customdata=rows[dimension], hovertext=hover, hoverinfo="text+y",
    ), row=1, col=1)  # fmt: skip
    hidden = [label for label, ok in zip(labels, shown, strict=True) if not ok]
    if hidden:
        anchor = np.nanmin(np.concatenate([value, baseline])) if shown.any() else 0.0
        fig.add_trace(go.Scatter(
            x=[anchor if np.isfinite(anchor) else 0.0] * len(hidden), y=hidden, mode="text",
            text=[fmt.suppressed()] * len(hidden), textposition="middle right",
            textfont={"color": theme.NEUTRAL}, showlegend=False, hoverinfo="skip",
        ), row=1, col=1)  # fmt: skip

    verdicts = [_verdict(kpi, row) for _index, row in rows.iterrows()]
    colours = [{"better": theme.GOOD, "worse": theme.BAD}.get(v, NOT_SIGNIFICANT) for v in verdicts]
    delta = fmt.plot_values(kpi, rows["baseline_delta"])
    suffix = {"n.s.": " (" + _("n.s.") + ")", "not tested": " (" + _("not tested") + ")",
              "better": " ▲ " + _("better"), "worse": " ▼ " + _("worse"),
              "changed": ""}  # fmt: skip
    texts = [
        "" if not v else fmt.kpi_delta(kpi, d) + suffix[v]
        for v, d in zip(verdicts, rows["baseline_delta"], strict=True)
    ]
    delta_hover = []
    for row, verdict in zip(rows.itertuples(), verdicts, strict=True):
        if not verdict:
            delta_hover.append(_("no comparison: this period or its baseline has < 5 responses")
                               if row.suppressed or _missing(row.baseline_value)
                               else _("no comparison"))  # fmt: skip
            continue
        meaning = {"n.s.": _("within normal variation (not significant at 95%)"),
                   "not tested": _("not tested: too little data for a test"),
                   "better": _("better than its normal (significant at 95%)"),
                   "worse": _("worse than its normal (significant at 95%)"),
                   "changed": _("changed (significant at 95%)")}[verdict]  # fmt: skip
        p_value = "" if verdict == "not tested" else f", p = {row.baseline_p_value:.3f}"
        delta_hover.append(
            _("{delta}: {value} vs {baseline}").format(
                delta=fmt.kpi_delta(kpi, row.baseline_delta), value=fmt.kpi_value(kpi, row.value),
                baseline=fmt.kpi_value(kpi, row.baseline_value))
            + f"<br>{meaning}{p_value}"
        )  # fmt: skip
    fig.add_trace(go.Bar(
        x=delta, y=labels, orientation="h", marker={"color": colours}, text=texts,
        textposition="outside", cliponaxis=False, showlegend=False,
        customdata=rows[dimension], hovertext=delta_hover, hoverinfo="text+y",
    ), row=1, col=2)  # fmt: skip
    no_comparison = [lab for lab, v, ok in zip(labels, verdicts, shown, strict=True)
                     if ok and not v]  # fmt: skip
    if no_comparison:
        fig.add_trace(go.Scatter(
            x=[0] * len(no_comparison), y=no_comparison, mode="text",
            text=[_("no baseline")] * len(no_comparison), textposition="middle right",
            textfont={"color": theme.NEUTRAL}, showlegend=False, hoverinfo="skip",
        ), row=1, col=2)  # fmt: skip
    for name, colour in ((_("better than its normal"), theme.GOOD),
                         (_("worse than its normal"), theme.BAD),
                         (_("within normal variation (n.s.)"), NOT_SIGNIFICANT)):  # fmt: skip
        fig.add_trace(go.Scatter(
            x=[None], y=[None], mode="markers", name=name,
            marker={"color": colour, "symbol": "square", "size": 11},
        ), row=1, col=2)  # fmt: skip
    fig.add_vline(x=0, line_color="#8A8F98", line_width=1, row=1, col=2)
    finite = np.abs(delta[np.isfinite(delta)])
    reach = float(finite.max()) * 1.9 if finite.size and finite.max() > 0 else 1.0
    fig.update_xaxes(title_text=fmt.axis_title(kpi), row=1, col=1,
                     ticksuffix=fmt.percent_suffix() if KPIS[kpi].display == "percent" else None)
    fig.update_xaxes(title_text=_("change ({unit})").format(unit=_delta_unit(kpi)),
                     range=[-reach, reach],
                     zeroline=False, row=1, col=2)  # fmt: skip
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=labels,
                     autorange="reversed")  # fmt: skip
    fig.update_layout(
        title=title, height=max(320, 28 * len(rows) + 190), hovermode="closest",
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0},
        margin={"t": 80, "b": 60},
    )  # fmt: skip
    return fig


def baseline_table(table: pd.DataFrame, kpi: str, dimension: str) -> pd.DataFrame:
    """The numbers behind ``raw_and_baseline``, formatted for reading (same order)."""
    rows = _ordered(table, kpi, dimension)
    meaning = {"better": _("yes, better"), "worse": _("yes, worse"), "changed": _("yes"),
               "n.s.": _("no (could be noise)"), "not tested": _("not tested"),
               "": "–"}  # fmt: skip
    counted = fmt.n_label(kpi)
    counted = counted[:1].upper() + counted[1:]
    return pd.DataFrame({
        fmt.dimension_label(dimension): [fmt.member(dimension, m) for m in rows[dimension]],
        _("This period"): [fmt.suppressed() if s else fmt.kpi_value(kpi, v)
                           for s, v in zip(rows["suppressed"], rows["value"], strict=True)],
        counted: [fmt.count(n) for n in rows["n"]],
        _("Own previous 12 months"): [fmt.kpi_value(kpi, v) for v in rows["baseline_value"]],
        _("{counted} (12 months)").format(counted=counted): [
            fmt.count(n) for n in rows["baseline_n"]
        ],
        _("Change"): [fmt.kpi_delta(kpi, d) or "–" for d in rows["baseline_delta"]],
        _("Real change (95%)?"): [meaning[_verdict(kpi, row)]
                                  for _index, row in rows.iterrows()],
    })  # fmt: skip


# ------------------------------------------------------------------ comments
def comment_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Comments for display: readable market names, no ids, '–' for a skipped question and
    the hidden mark for a score hidden for privacy (``metrics.voc.comments``)."""

    def score(value: float, hidden: str, column: str) -> str:
        if column in hidden.split(","):
            return fmt.suppressed()
        return fmt.MISSING if pd.isna(value) else str(int(value))

    return pd.DataFrame({
        _("Answered (UTC)"): pd.to_datetime(rows["responded_at"]),
        _("Country"): [fmt.member("country", c) for c in rows["country"]],
        _("Language"): [fmt.member("language", c) for c in rows["language"]],
        _("Channel"): [fmt.member("channel", c) for c in rows["channel"]],
        **{label: [score(v, h, column) for v, h in zip(rows[column], rows["hidden"], strict=True)]
           for label, column in (("CSAT", "csat"), ("NPS", "nps"), ("CES", "ces"))},
        _("Comment"): rows["comment"],
    })  # fmt: skip


# ------------------------------------------------------------------ topics and drivers
def _share_change(share: float, before: float) -> str:
    """A topic's share against an earlier one, in percentage points ('+4.2 pts')."""
    if _missing(share) or _missing(before):
        return fmt.MISSING
    return fmt.kpi_delta("response_rate", share - before)  # a share: percentage points


def _grew(row: pd.Series, comparison: str) -> str:
    """Whether the topic's share really changed against ``comparison`` (BH-adjusted 95%)."""
    if row[f"{comparison}_not_tested"] or _missing(row[f"{comparison}_p"]):
        return _("not tested")
    if row[f"{comparison}_p"] >= 0.05:
        return _("no (could be noise)")
    return _("yes, more") if row["share"] > row[f"{comparison}_share"] else _("yes, less")


def band_range(q: Question, tone: str) -> str:
    """The question's band of ``tone`` as a score range: 'CSAT 1–2', 'NPS 9–10'."""
    band = next(b for b in q.bands if b.tone == tone)
    return f"{q.label} {band.low}–{band.high}"


def _score_tone(q: Question, score: float) -> str:
    band = None if _missing(score) else q.band(round(score))
    return band.tone if band else "neutral"


def topics_chart(view: TopicView, q: Question, title: str = "") -> go.Figure:
    """Each shown topic's share of the language's comments, largest on top, coloured by what
    its average score means; emerging topics are marked. ``customdata``: the topic number."""
    table = view.table.iloc[::-1]
    labels = [("▲ " if e else "") + name for name, e in zip(table["name"], table["emerging"],
                                                             strict=True)]  # fmt: skip
    scores = [fmt.number(s, 1) if not _missing(s) else fmt.MISSING for s in table["score"]]
    fig = go.Figure(go.Bar(
        x=table["share"] * 100, y=labels, orientation="h", customdata=table["topic"],
        marker={"color": [TONE_COLOURS[_score_tone(q, s)] for s in table["score"]]},
        text=[f"{fmt.percent(s, 0)} · {q.label} {sc}" for s, sc in zip(table["share"], scores,
                                                                       strict=True)],
        textposition="auto", cliponaxis=False,
        hovertext=[
            f"<b>{name}</b><br>{' · '.join(terms)}<br>"
            + _("{count} comments, {share} of the comments in this language").format(
                count=fmt.count(n), share=fmt.percent(s))
            + "<br>" + _("average {question}: {score}").format(question=q.label, score=sc)
            + "<br>" + _("against the previous period: {change} ({real})").format(
                change=_share_change(s, row["previous_share"]), real=_grew(row, "previous"))
            + "<br>" + _("against its own normal: {change} ({real})").format(
                change=_share_change(s, row["baseline_share"]), real=_grew(row, "baseline"))
            for (_i, row), name, terms, n, s, sc in zip(
                table.iterrows(), table["name"], table["terms"], table["comments"],
                table["share"], scores, strict=True)
        ],
        hoverinfo="text",
    ))  # fmt: skip
    fig.update_layout(
        title=title, height=max(260, 90 + 38 * len(table)), showlegend=False,
        margin={"l": 10, "r": 20, "t": 50, "b": 40},
        xaxis={"title": {"text": _("% of the comments"), "standoff": 4}, "rangemode": "tozero"},
        yaxis={"automargin": True, "type": "category"},
    )  # fmt: skip
    return fig


DRIVER_WORDS = 10  # per side on the chart


def drivers_chart(found: Drivers, q: Question, title: str = "") -> go.Figure:
    """The words that most set low scores apart from high ones (right, vermillion) and high from
    low (left, blue): weighted log-odds with its 95% interval; pale: not significant after
    correcting for the number of words. ``customdata``: the word."""
    words = found.words
    low_side = words[words["log_odds"] > 0].head(DRIVER_WORDS)
    high_side = words[words["log_odds"] < 0].tail(DRIVER_WORDS)
    rows = pd.concat([high_side, low_side]).sort_values("log_odds")
    bad, good = band_range(q, "bad"), band_range(q, "good")
    colours = [_rgba(theme.BAD if v > 0 else theme.GOOD, 1.0 if sig else 0.35)
               for v, sig in zip(rows["log_odds"], rows["significant"], strict=True)]  # fmt: skip
    fig = go.Figure(go.Bar(
        x=rows["log_odds"], y=rows["term"], orientation="h", customdata=rows["term"],
        marker={"color": colours},
        error_x={"type": "data", "symmetric": False, "array": rows["high_ci"] - rows["log_odds"],
                 "arrayminus": rows["log_odds"] - rows["low_ci"], "color": theme.NEUTRAL,
                 "thickness": 1},
        hovertext=[
            f"<b>{term}</b><br>"
            + _("in {low} comments with {bad} and {high} with {good}").format(
                low=fmt.count(lo), high=fmt.count(hi), bad=bad, good=good)
            + "<br>" + _("log-odds {value} (95%: {low} to {high}), z = {z}").format(
                value=fmt.signed(v, 2), low=fmt.signed(a, 2), high=fmt.signed(b, 2),
                z=fmt.signed(z, 1))
            + "<br>" + (_("a real difference (95%, corrected for the number of words)") if sig
                        else _("could be noise"))
            for term, lo, hi, v, a, b, z, sig in zip(
                rows["term"], rows["low"], rows["high"], rows["log_odds"], rows["low_ci"],
                rows["high_ci"], rows["z"], rows["significant"], strict=True)
        ],
        hoverinfo="text",
    ))  # fmt: skip
    fig.update_layout(
        title=title, height=max(260, 90 + 26 * len(rows)), showlegend=False,
        margin={"l": 10, "r": 20, "t": 50, "b": 40},
        xaxis={"title": {"text": _("← more in {good} · more in {bad} →").format(
            good=good, bad=bad), "standoff": 4},
            "zeroline": True},
        yaxis={"automargin": True, "type": "category"},
    )  # fmt: skip
    return fig


def topic_table(view: TopicView, q: Question) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The topics as a download (plain values) and for display (formatted, a weekly trend)."""
    table = view.table
    data = pd.DataFrame({
        _("Topic"): table["name"],
        _("Top words"): [" · ".join(t) for t in table["terms"]],
        _("Comments"): table["comments"],
        _("Share of comments"): table["share"],
        _("Average {question}").format(question=q.label): table["score"],
        _("Share, previous period"): table["previous_share"],
        _("Share, own previous 12 months"): table["baseline_share"],
        _("Emerging"): table["emerging"],
        **{_("Example {number}").format(number=i + 1): [
            (view.examples.get(t, []) + [""] * 3)[i] for t in table["topic"]] for i in range(3)},
    })  # fmt: skip
    weekly = view.trend.pivot_table(index="topic", columns="week", values="share", dropna=False)
    shown = pd.DataFrame({
        _("Topic"): [("▲ " if e else "") + n for n, e in zip(table["name"], table["emerging"],
                                                             strict=True)],
        _("Comments"): [fmt.count(n) for n in table["comments"]],
        _("Share of comments"): [fmt.percent(s) for s in table["share"]],
        _("Average {question}").format(question=q.label): [
            fmt.MISSING if _missing(s) else fmt.number(s, 2) for s in table["score"]],
        # weeks with too few comments to show a share are left out (the line joins the others)
        _("Weekly share"): [
            [round(v * 100, 1) for v in weekly.loc[t] if not _missing(v)]
            if t in weekly.index else [] for t in table["topic"]],
        _("Against the previous period"): [
            f"{_share_change(row['share'], row['previous_share'])} · {_grew(row, 'previous')}"
            for _i, row in table.iterrows()],
        _("Against its own normal"): [
            f"{_share_change(row['share'], row['baseline_share'])} · {_grew(row, 'baseline')}"
            for _i, row in table.iterrows()],
        _("Example"): [(view.examples.get(t) or [fmt.MISSING])[0] for t in table["topic"]],
    })  # fmt: skip
    return data, shown


PACK_EXAMPLES = 6  # example comments in the review pack, at most


def examples_table(views: list[TopicView], q: Question) -> pd.DataFrame:
    """Example comments of each shown topic (masked, from groups large enough to list), the
    unhappy customers' first: whose, which topic, what they wrote."""
    rows = [(fmt.mood_label(view.mood), name, example)
            for view in views
            for topic, name in zip(view.table["topic"], view.table["name"], strict=True)
            for example in view.examples.get(topic, [])]  # fmt: skip
    rows = rows[:PACK_EXAMPLES]
    return pd.DataFrame(rows, columns=[_("Customers"), _("Topic"), _("Comment")])
