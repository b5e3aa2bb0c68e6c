"""Voice of the customer: what customers say about us, and whether it is changing.

Score distributions, trends per market with intervals, each market against its own 12-month
normal, survey response rates and the comments customers wrote. UI only: filters in, metric
calls (``metrics.engine`` through ``ui.data``, ``metrics.voc`` through ``ui.data.query``),
charts out.
"""

import streamlit as st

from metrics import voc
from metrics.engine import natural_grain
from metrics.registry import KPIS, TREND_GRAINS
from metrics.stats import LOW_CONFIDENCE_N, MIN_SURVEY_RESPONSES
from ui import charts, controls, data, filters, show, voc_charts
from ui import format as fmt
from ui.data import query
from ui.page import page
from ui.tiles import kpi_tiles

SCORE_KPIS = ("csat", "nps", "ces", "ces_easy")
TILE_KPIS = ("csat", "nps", "ces", "response_rate")  # four, so labels and values fit
SPLITS = ("none", "country", "language", "channel")
COMMENT_LIMIT = 200
WIDEN = "widen the period or remove a filter"


def _split_label(dimension: str) -> str:
    return "Nothing" if dimension == "none" else fmt.dimension_label(dimension)


flt = page("Voice of the customer", "voc", ":material/reviews:",
           "what do customers say about us, and is it changing?")  # fmt: skip
kpi_tiles(flt, TILE_KPIS)

# ---------------------------------------------------------------- how customers score us
st.subheader("How customers score us")
distributions = {q: query(voc.score_distribution, flt, q) for q in voc.QUESTIONS}
if all(d["n"].iloc[0] == 0 for d in distributions.values()):
    show.empty(f"No surveys were answered for this filter: {WIDEN}.")
else:
    st.caption(
        "Every answer given in the period (a survey counts when the customer answered it), "
        "coloured by what the score means. The percentage on a bar is its share of the answers."
    )
    for column, (question_id, dist) in zip(st.columns(3), distributions.items(), strict=True):
        q = voc.QUESTIONS[question_id]
        n = int(dist["n"].iloc[0])
        with column:
            if n == 0:
                show.empty(f"No {q.label} answers for this filter: {WIDEN}.")
            elif dist["suppressed"].iloc[0]:
                show.empty(
                    f"{q.label}: fewer than {MIN_SURVEY_RESPONSES} answers for this filter, so the "
                    f"distribution is hidden to protect respondents' privacy. To see it, {WIDEN}."
                )
            else:
                title = f"{q.label} · {fmt.count(n)} answers"
                figure = voc_charts.distribution(dist, q, title=title)
                show.chart(figure, f"distribution_{question_id}", data=dist)
                st.caption(KPIS[question_id].definition)

# ---------------------------------------------------------------- is it changing?
st.subheader("Is it changing?")
kpi_col, split_col, top_col, grain_col = st.columns([3, 2, 2, 3])
with kpi_col:
    kpi = controls.select("Score", SCORE_KPIS, "kpi", "csat", lambda k: KPIS[k].label,
                          help="Used by this trend and the market comparison below.")  # fmt: skip
with split_col:
    split = controls.select("Split by", SPLITS, "split", "country", _split_label)
with top_col:
    top_n = controls.number("Show the largest", "top", 4, 2, 8,
                            help="The members with the most contacts; the rest are computed "
                                 "together as 'Other'.")  # fmt: skip
with grain_col:
    grain = controls.select("Grain", TREND_GRAINS, "grain", natural_grain(flt, sparse=True),
                            str.capitalize, horizontal=True)  # fmt: skip
bands = controls.toggle("Show 95% intervals", "bands", True,
                        help="The range the true score lies in with 95% confidence; wide bands "
                             "mean few answers.")  # fmt: skip

by = [] if split == "none" else [split]
keep = {split: data.top_members(split, flt, top_n)} if by else None
trend_table = data.kpi_table([kpi], by=by, flt=flt, grain=grain, keep=keep)
label = KPIS[kpi].label
if trend_table.empty or trend_table["n"].sum() == 0:
    show.empty(f"No surveys with a {label} answer for this filter: {WIDEN}.")
elif trend_table["value"].notna().sum() == 0:
    show.empty(
        f"Every {grain} has fewer than {MIN_SURVEY_RESPONSES} {label} answers"
        f"{' per ' + _split_label(split).lower() if by else ''}, so the scores are hidden to "
        "protect respondents' privacy. Pick a coarser grain, split by nothing, or widen the period."
    )
else:
    by_what = f", by {_split_label(split).lower()}" if by else ""
    figure = charts.trend(trend_table, kpi, grain, split=by[0] if by else None,
                          title=f"{label} by {grain}{by_what}")  # fmt: skip
    if by and bands:
        voc_charts.add_interval_bands(figure, trend_table, kpi, grain, split)
    elif not bands:
        figure.data = [t for t in figure.data if t.name != "95% interval"]
    pick = filters.narrow_on_pick(split)
    show.chart(figure, "voc_trend", on_pick=pick, data=trend_table)
    notes = [KPIS[kpi].definition]
    if bands:
        notes.append("Shaded: 95% interval.")
        if by:
            notes.append("Double-click a name in the legend to see that line and its interval "
                         "alone.")  # fmt: skip
    notes.append(
        f"Hollow points: fewer than {LOW_CONFIDENCE_N} answers, or a {grain} the period's edge "
        f"cuts short. Gaps: fewer than {MIN_SURVEY_RESPONSES} answers, hidden for privacy."
    )
    if pick:
        notes.append("Click a point to focus the filters on that line.")
    st.caption(" ".join(notes))

# ---------------------------------------------------------------- each market vs its own normal
st.subheader("Each market against its own normal")
st.markdown(
    "Customers in different countries use rating scales differently: in Japan and Korea, for "
    "example, the same service tends to get lower scores than in the US or Latin America. So a "
    "raw league table mostly shows culture. **Left:** each market's raw score this period "
    "(dot, with its 95% interval) and its own average over the previous 12 months (diamond). "
    "**Right:** the change against that 12-month normal: **blue** is a real improvement, "
    "**vermillion** a real decline (both significant at 95%), **grey** is within normal "
    "variation. Judge a market by the right panel."
)
with st.columns([2, 5])[0]:
    markets = controls.number("Markets shown", "markets", 12, 3, 30,
                              help="The markets with the most contacts; the rest are computed "
                                   "together as 'Other'.")  # fmt: skip
top_markets = data.top_members("country", flt, markets)
market_table = data.kpi_table([kpi], by=["country"], flt=flt, compare=("baseline",),
                              keep={"country": top_markets})  # fmt: skip
if market_table.empty or market_table["n"].sum() == 0:
    show.empty(f"No surveys with a {label} answer for this filter: {WIDEN}.")
else:
    baseline_start, baseline_end = flt.baseline().start, flt.baseline().end
    figure = voc_charts.raw_and_baseline(market_table, kpi, "country",
                                         title=f"{label} by market: raw, and against its own "
                                               "previous 12 months")  # fmt: skip
    show.chart(figure, "voc_markets", on_pick=filters.narrow_on_pick("country"),
               data=market_table)  # fmt: skip
    st.caption(
        f"{KPIS[kpi].definition} Previous 12 months: {baseline_start:%d %b %Y} – "
        f"{baseline_end:%d %b %Y}. Markets with fewer than {MIN_SURVEY_RESPONSES} answers show "
        f"'{fmt.SUPPRESSED}'. Click a market to focus the filters on it."
    )
    with st.expander("Table: raw score and change against the market's own normal"):
        baseline = voc_charts.baseline_table(market_table, kpi, "country")
        show.table(baseline, "voc_baseline", f"{label}: raw and against each market's normal",
                   hide_index=True, width="stretch")  # fmt: skip

# ---------------------------------------------------------------- response rates
st.subheader("Who answers the survey?")
rate = KPIS["response_rate"]
for column, dimension, members in zip(st.columns(2), ("channel", "country"),
                                      (None, top_markets), strict=True):  # fmt: skip
    with column:
        keep_members = {dimension: members} if members else None
        rates = data.kpi_table(["response_rate"], by=[dimension], flt=flt, keep=keep_members)
        if rates.empty or rates["n"].sum() == 0:
            show.empty(f"No surveys were sent for this filter: {WIDEN}.")
            continue
        where = "channel" if dimension == "channel" else "market"
        figure = charts.bars(rates, "response_rate", dimension, target=rate.target,
                             title=f"Response rate by {where}")  # fmt: skip
        show.chart(figure, f"response_rate_{dimension}", data=rates)
        if members:
            st.caption(f"The {len(members)} markets with the most contacts, as above; the rest "
                       "together as 'Other'.")  # fmt: skip
        hidden = int(rates["suppressed"].sum())
        if hidden:
            st.caption(f"{hidden} {where}(s) with fewer than {MIN_SURVEY_RESPONSES} surveys sent "
                       "are not shown (privacy).")  # fmt: skip
st.caption(
    f"{rate.definition} A survey counts in the period it was sent. Pale bars: fewer than "
    f"{LOW_CONFIDENCE_N} surveys sent. Dotted line: the target, {fmt.kpi_value(rate, rate.target)}."
)

# ---------------------------------------------------------------- comments
st.subheader("What customers wrote")
search_col, low_col, high_col = st.columns([4, 2, 2])
with search_col:
    search = controls.text("Search the comments", "q", placeholder="a word or phrase, e.g. refund")
with low_col:
    lowest = controls.number("Lowest CSAT", "csat_from", 1, 1, 5)
with high_col:
    highest = controls.number("Highest CSAT", "csat_to", 5, 1, 5)
lowest, highest = min(lowest, highest), max(lowest, highest)
whole_scale = (lowest, highest) == (1, 5)
found = query(voc.comments, flt, search, None if whole_scale else lowest,
              None if whole_scale else highest, COMMENT_LIMIT)  # fmt: skip
scope = [] if whole_scale else [f"with CSAT {lowest}–{highest}" if lowest < highest
                                 else f"with CSAT {lowest}"]  # fmt: skip
if search.strip():
    scope.append(f"containing “{search.strip()}”")
if found.responses == 0:
    show.empty(f"No surveys were answered for this filter: {WIDEN}.")
elif found.suppressed:
    show.empty(
        f"Fewer than {MIN_SURVEY_RESPONSES} survey responses match this filter, so comments are "
        f"hidden to protect respondents' privacy. To read them, {WIDEN}."
    )
elif found.matched == 0:
    show.empty(f"No comments {' and '.join(scope) or 'were written'} for this filter.")
else:
    shown = len(found.rows)
    listed = "all listed" if shown == found.matched else f"the newest {shown} listed"
    st.caption(
        f"**{fmt.count(found.matched)}** comments {' and '.join(scope)}"
        f"{' ' if scope else ''}from {fmt.count(found.responses)} survey responses ({listed}). "
        "Contact details are masked; customers are never identified."
        + ("" if not whole_scale else " Comments whose author skipped CSAT are included.")
    )
    show.table(
        voc_charts.comment_table(found.rows), "comments", "Survey comments", hide_index=True,
        width="stretch",
        column_config={
            "Answered (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            "Comment": st.column_config.TextColumn(width="large"),
        },
    )  # fmt: skip
