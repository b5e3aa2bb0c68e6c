"""Voice of the customer: what customers say about us, and whether it is changing.

Score distributions, trends per market with intervals, each market against its own 12-month
normal, survey response rates and the comments customers wrote. UI only: filters in, metric
calls through ``ui.data``, charts out.
"""

import streamlit as st

from metrics.registry import KPIS, LOW_CONFIDENCE_N, MIN_SURVEY_RESPONSES
from presentation import charts, voc_charts
from presentation import format as fmt
from presentation.i18n import _
from ui import controls, data, filters, show
from ui.page import page
from ui.tiles import kpi_tiles

SCORE_KPIS = ("csat", "nps", "ces", "ces_easy")
TILE_KPIS = ("csat", "nps", "ces", "response_rate")  # four, so labels and values fit
SPLITS = ("none", "country", "language", "channel")
COMMENT_LIMIT = 200


flt = page(__file__)
WIDEN = _("widen the period or remove a filter")
kpi_tiles(flt, TILE_KPIS)

# ---------------------------------------------------------------- how customers score us
st.subheader(_("How customers score us"))
distributions = data.score_distributions(flt)
if all(d["n"].iloc[0] == 0 for _q, d in distributions):
    show.empty(_("No surveys were answered for this filter: {widen}.").format(widen=WIDEN))
else:
    st.caption(
        _("Every answer given in the period (a survey counts when the customer answered it), "
          "coloured by what the score means. The percentage on a bar is its share of the "
          "answers.")
    )
    for column, (q, dist) in zip(st.columns(3), distributions, strict=True):
        question = fmt.question_label(q)
        n = int(dist["n"].iloc[0])
        with column:
            if n == 0:
                show.empty(_("No {question} answers for this filter: {widen}.").format(
                    question=question, widen=WIDEN))
            elif dist["suppressed"].iloc[0]:
                show.empty(
                    (_("{question}: fewer than {minimum} answers for this filter, so the "
                       "distribution is hidden to protect respondents' privacy. To see it, "
                       "{widen}.") if n < MIN_SURVEY_RESPONSES else
                     _("{question}: this filter names or leaves out a group with fewer than "
                       "{minimum} answers, whose answers could be worked out by comparing "
                       "views, so the distribution is hidden to protect respondents' privacy. "
                       "To see it, {widen}.")).format(question=question,
                                                     minimum=MIN_SURVEY_RESPONSES, widen=WIDEN)
                )  # fmt: skip
            else:
                title = _("{question} · {count} answers").format(question=question,
                                                                 count=fmt.count(n))
                figure = show.figure(voc_charts.distribution, dist, q, title=title)
                show.chart(figure, f"distribution_{q.id}", data=dist)
                st.caption(fmt.kpi_definition(q.id))

# ---------------------------------------------------------------- is it changing?
st.subheader(_("Is it changing?"))
kpi_col, split_col, top_col, grain_col = st.columns([3, 2, 2, 3])
with kpi_col:
    kpi = controls.select(_("Score"), SCORE_KPIS, "kpi", "csat", fmt.kpi_label,
                          help=_("Used by this trend and the market comparison below."))
with split_col:
    # one market split by country is one line: its channels say more
    default = "channel" if len(flt.countries) == 1 else "country"
    split = controls.select(_("Split by"), SPLITS, "split", default, fmt.split_label)
with top_col:
    top_n = controls.number(_("Show the largest"), "top", 4, 2, 8,
                            help=_("The members with the most contacts; the rest are computed "
                                   "together as 'Other'."))  # fmt: skip
with grain_col:
    grain = controls.grain(flt, sparse=True)
bands = controls.toggle(_("Show 95% intervals"), "bands", True,
                        help=_("The range the true score lies in with 95% confidence; wide bands "
                               "mean few answers."))  # fmt: skip

by = [] if split == "none" else [split]
keep = {split: data.top_members(split, flt, top_n)} if by else None
trend_table = data.kpi_table([kpi], by=by, flt=flt, grain=grain, keep=keep)
label = fmt.kpi_label(kpi)
if trend_table.empty or trend_table["n"].sum() == 0:
    show.empty(_("No surveys with a {kpi} answer for this filter: {widen}.").format(
        kpi=label, widen=WIDEN))
elif trend_table["value"].notna().sum() == 0:
    show.empty(
        (_("Every {grain} has fewer than {minimum} {kpi} answers per {dimension}, so the scores "
           "are hidden to protect respondents' privacy. Pick a coarser grain, split by nothing, "
           "or widen the period.") if by else
         _("Every {grain} has fewer than {minimum} {kpi} answers, so the scores are hidden to "
           "protect respondents' privacy. Pick a coarser grain, split by nothing, or widen the "
           "period.")).format(grain=fmt.grain_name(grain), minimum=MIN_SURVEY_RESPONSES,
                              kpi=label, dimension=fmt.split_label(split).lower())
    )  # fmt: skip
else:
    title = (_("{kpi} by {grain}, by {dimension}") if by else _("{kpi} by {grain}")).format(
        kpi=label, grain=fmt.grain_name(grain), dimension=fmt.split_label(split).lower())
    figure = show.figure(voc_charts.score_trend, trend_table, kpi, grain,
                         by[0] if by else None, bands, title)  # fmt: skip
    pick = filters.narrow_on_pick(split)
    show.chart(figure, "voc_trend", on_pick=pick, data=trend_table)
    notes = [fmt.kpi_definition(kpi)]
    if bands:
        notes.append(_("Shaded: 95% interval."))
        if by:
            notes.append(_("Double-click a name in the legend to see that line and its interval "
                           "alone."))  # fmt: skip
    notes.append(
        _("Hollow points: fewer than {low} answers, or a {grain} the period's edge cuts short. "
          "Gaps: fewer than {minimum} answers, hidden for privacy.").format(
            low=LOW_CONFIDENCE_N, grain=fmt.grain_name(grain), minimum=MIN_SURVEY_RESPONSES)
    )
    if pick:
        notes.append(show.pick_hint())
    st.caption(" ".join(notes))

# ---------------------------------------------------------------- each market vs its own normal
st.subheader(_("Each market against its own normal"))
st.markdown(
    _("Customers in different countries use rating scales differently: in Japan and Korea, for "
      "example, the same service tends to get lower scores than in the US or Latin America. So "
      "a raw league table mostly shows culture. **Left:** each market's raw score this period "
      "(dot, with its 95% interval) and its own average over the previous 12 months (diamond). "
      "**Right:** the change against that 12-month normal: **blue** is a real improvement, "
      "**vermillion** a real decline (both significant at 95%), **grey** is within normal "
      "variation. Judge a market by the right panel.")
)
with st.columns([2, 5])[0]:
    markets = controls.number(_("Markets shown"), "markets", 12, 3, 30,
                              help=_("The markets with the most contacts; the rest are computed "
                                     "together as 'Other'."))  # fmt: skip
top_markets = data.top_members("country", flt, markets)
market_table = data.kpi_table([kpi], by=["country"], flt=flt, compare=("baseline",),
                              keep={"country": top_markets})  # fmt: skip
if market_table.empty or market_table["n"].sum() == 0:
    show.empty(_("No surveys with a {kpi} answer for this filter: {widen}.").format(
        kpi=label, widen=WIDEN))
else:
    baseline_start, baseline_end = flt.baseline().start, flt.baseline().end
    figure = show.figure(
        voc_charts.raw_and_baseline,
        market_table, kpi, "country",
        title=_("{kpi} by market: raw, and against its own previous 12 months").format(kpi=label),
    )  # fmt: skip
    show.chart(figure, "voc_markets", on_pick=filters.narrow_on_pick("country"),
               data=market_table)  # fmt: skip
    st.caption(
        f"{fmt.kpi_definition(kpi)} "
        + _("Previous 12 months: {dates}. Markets with fewer than {minimum} answers show "
            "'{hidden}'.").format(
            dates=fmt.date_range(baseline_start, baseline_end), minimum=MIN_SURVEY_RESPONSES,
            hidden=fmt.suppressed())
        + " " + show.pick_hint()
    )
    with st.expander(_("Table: raw score and change against the market's own normal")):
        baseline = show.prepared(voc_charts.baseline_table, market_table, kpi, "country")
        show.table(baseline, "voc_baseline",
                   _("{kpi}: raw and against each market's normal").format(kpi=label),
                   hide_index=True, width="stretch")  # fmt: skip

# ---------------------------------------------------------------- response rates
st.subheader(_("Who answers the survey?"))
rate = KPIS["response_rate"]
for column, dimension, members in zip(st.columns(2), ("channel", "country"),
                                      (None, top_markets), strict=True):  # fmt: skip
    with column:
        keep_members = {dimension: members} if members else None
        rates = data.kpi_table(["response_rate"], by=[dimension], flt=flt, keep=keep_members)
        if rates.empty or rates["n"].sum() == 0:
            show.empty(_("No surveys were sent for this filter: {widen}.").format(widen=WIDEN))
            continue
        by_channel = dimension == "channel"
        figure = show.figure(charts.bars, rates, "response_rate", dimension, target=rate.target,
                             title=_("Response rate by channel") if by_channel
                             else _("Response rate by market"))  # fmt: skip
        show.chart(figure, f"response_rate_{dimension}", data=rates)
        if members:
            st.caption(_("The {count} markets with the most contacts, as above; the rest "
                         "together as 'Other'.").format(count=len(members)))  # fmt: skip
        hidden = int(rates["suppressed"].sum())
        if hidden:
            st.caption((_("{count} channel(s) with fewer than {minimum} surveys sent are not "
                          "shown (privacy).") if by_channel else
                        _("{count} market(s) with fewer than {minimum} surveys sent are not "
                          "shown (privacy).")).format(count=hidden,
                                                      minimum=MIN_SURVEY_RESPONSES))  # fmt: skip
st.caption(
    f"{fmt.kpi_definition(rate)} "
    + _("A survey counts in the period it was sent. Pale bars: fewer than {low} surveys sent. "
        "Dotted line: the target, {target}.").format(
        low=LOW_CONFIDENCE_N, target=fmt.kpi_value(rate, rate.target))
)

# ---------------------------------------------------------------- what customers talk about
st.subheader(_("What customers talk about"))
with st.spinner(_("Reading the comments in every language (once per data version)…")):
    topics_view = data.comment_topics(flt, None, "csat")
modelled = topics_view.languages[topics_view.languages["modelled"]]
written = dict(zip(modelled["language"], modelled["comments"], strict=True))
topic_names: dict[str, str] = {}
if topics_view.suppressed:
    show.empty(_("Fewer than {minimum} survey responses match this filter, so topics are hidden "
                 "to protect respondents' privacy. To see them, {widen}.").format(
        minimum=MIN_SURVEY_RESPONSES, widen=WIDEN))  # fmt: skip
elif not written:
    show.empty(_("No comments in a language with enough comments to find topics for this "
                 "filter: {widen}.").format(widen=WIDEN))  # fmt: skip
else:
    language_col, mood_col, question_col = st.columns([3, 3, 2])
    with language_col:
        language = controls.select(
            _("Comments in"), list(written), "topic_language", topics_view.language,
            lambda code: _("{language} · {count} comments").format(
                language=fmt.member("language", code), count=fmt.count(written[code])),
        )  # fmt: skip
    with question_col:
        questions = data.questions()
        question_id = controls.select(_("Score"), list(questions), "topic_score", "csat",
                                      lambda q: fmt.question_label(questions[q]))  # fmt: skip
    moods = data.comment_topics(flt, language, question_id).moods
    with mood_col:
        mood = controls.select(
            _("Comments from"), list(moods), "mood", "unhappy",
            lambda m: _("{customers} · {count}").format(
                customers=fmt.mood_label(m), count=fmt.count(moods[m])),
            help=_("Topics are found separately in the comments of unhappy customers (CSAT "
                   "1–3) and happy ones (4–5), so complaints are not drowned by the thanks "
                   "that usually outnumber them. Without CSAT, NPS or effort decides."),
        )  # fmt: skip
    q = questions[question_id]
    topics_view = data.comment_topics(flt, language, question_id, mood)
    topic_names = {data.topic_key(language, mood, t): ("▲ " if e else "") + name for t, name, e in
                   zip(topics_view.table["topic"], topics_view.table["name"],
                       topics_view.table["emerging"], strict=True)}  # fmt: skip
    topics_col, drivers_col = st.columns(2)
    with topics_col:
        if topics_view.table.empty:
            show.empty(_("No topic has {minimum} or more comments for this filter (privacy): "
                         "{widen}.").format(minimum=MIN_SURVEY_RESPONSES, widen=WIDEN))
        else:
            table, shown = show.prepared(voc_charts.topic_table, topics_view, q)
            figure = show.figure(voc_charts.topics_chart, topics_view, q, title=_(
                "Topics in {count} comments from {customers}").format(
                count=fmt.count(topics_view.comments),
                customers=fmt.mood_label(mood).lower()))  # fmt: skip
            show.chart(figure, "voc_topics", data=table, pick_label=_("Read these comments"),
                       on_pick=lambda picked: controls.set_page_value(
                           "topic", data.topic_key(language, mood, int(picked[0]))))  # fmt: skip
            st.caption(
                _("Each comment belongs to its strongest topic; a topic is named by its most "
                  "telling words. Colour: what the topic's average {question} means. ▲ "
                  "emerging: its share grew against the previous period or the market's own "
                  "previous 12 months (95%, corrected for the number of topics).").format(
                    question=q.label)
                + " " + _("Click a bar to read its comments.")
            )  # fmt: skip
    with drivers_col:
        drivers = data.comment_drivers(flt, language, question_id)
        bad, good = voc_charts.band_range(q, "bad"), voc_charts.band_range(q, "good")
        if drivers.words.empty:
            show.empty(_("No word appears in {minimum} or more scored comments for this filter: "
                         "{widen}.").format(minimum=MIN_SURVEY_RESPONSES, widen=WIDEN))
        else:
            figure = show.figure(voc_charts.drivers_chart, drivers, q, title=_(
                "What sets {bad} apart from {good}").format(bad=bad, good=good))
            show.chart(figure, "voc_drivers", data=drivers.words,
                       pick_label=_("Search the comments for this word"),
                       on_pick=lambda picked: controls.set_page_value("q", str(picked[0])))
            st.caption(
                (_("Words more common in the {low} comments with {bad} than in the {high} with "
                   "{good}, ranked by weighted log-odds (a word's own frequency in all comments "
                   "is the prior); bars: 95% interval; pale: could be noise.")
                 if drivers.tested else
                 _("Fewer than {minimum} comments on one side ({low} with {bad}, {high} with "
                   "{good}): the words are not tested.")).format(
                    low=fmt.count(drivers.low_comments), high=fmt.count(drivers.high_comments),
                    bad=bad, good=good, minimum=MIN_SURVEY_RESPONSES)
                + " " + _("Click a bar to search the comments for the word.")
            )  # fmt: skip
    if not topics_view.table.empty:
        show.table(table, "voc_topic_table", _("Topics in the comments"), shown=shown,
                   hide_index=True, width="stretch",
                   column_config={_("Weekly share"): st.column_config.LineChartColumn(
                       _("Weekly share"), help=_(
                           "The topic's share of each week's comments, %; weeks with fewer "
                           "than {minimum} comments are left out").format(
                           minimum=MIN_SURVEY_RESPONSES))})  # fmt: skip
    if topics_view.hidden:
        st.caption(_("{count} more topics have fewer than {minimum} comments in this view and are "
                     "not shown (privacy).").format(count=topics_view.hidden,
                                                    minimum=MIN_SURVEY_RESPONSES))  # fmt: skip

# ---------------------------------------------------------------- comments
st.subheader(_("What customers wrote"))
search_col, topic_col, low_col, high_col = st.columns([3, 3, 2, 2])
with search_col:
    search = controls.text(_("Search the comments"), "q",
                           placeholder=_("a word or phrase, e.g. refund"))  # fmt: skip
with topic_col:
    topic = controls.select(_("Topic"), ["", *topic_names], "topic", "",
                            lambda key: topic_names.get(key, _("All topics")))  # fmt: skip
with low_col:
    lowest = controls.number(_("Lowest CSAT"), "csat_from", 1, 1, 5)
with high_col:
    highest = controls.number(_("Highest CSAT"), "csat_to", 5, 1, 5)
lowest, highest = min(lowest, highest), max(lowest, highest)
whole_scale = (lowest, highest) == (1, 5)
found = data.comments(flt, search, None if whole_scale else lowest,
                      None if whole_scale else highest, COMMENT_LIMIT, topic)  # fmt: skip
scope = [] if whole_scale else [
    _("with CSAT {low}–{high}").format(low=lowest, high=highest) if lowest < highest
    else _("with CSAT {score}").format(score=lowest)]  # fmt: skip
if topic:
    scope.append(_("about “{topic}”").format(topic=fmt.escape_markdown(topic_names[topic])))
if search.strip():
    scope.append(_("containing “{text}”").format(text=fmt.escape_markdown(search.strip())))
both = _(" and ").join(scope)
if found.responses == 0:
    show.empty(_("No surveys were answered for this filter: {widen}.").format(widen=WIDEN))
elif found.suppressed:
    show.empty(
        _("Fewer than {minimum} survey responses match this filter, so comments are hidden to "
          "protect respondents' privacy. To read them, {widen}.").format(
            minimum=MIN_SURVEY_RESPONSES, widen=WIDEN)
    )
elif found.matched == 0 and not found.withheld:
    show.empty(_("No comments {scope} for this filter.").format(scope=both) if scope
               else _("No comments were written for this filter."))  # fmt: skip
elif found.matched == 0:
    show.empty(_("No comments {scope} can be listed for this filter.").format(scope=both)
               .replace("  ", " "))  # fmt: skip
else:
    shown = len(found.rows)
    listed = (_("all listed") if shown == found.matched
              else _("the newest {count} listed").format(count=shown))  # fmt: skip
    st.caption(
        _("**{matched}** comments {scope} from {responses} survey responses ({listed}).").format(
            matched=fmt.count(found.matched), scope=both, responses=fmt.count(found.responses),
            listed=listed).replace("  ", " ")
        + " " + _("Contact details are masked; customers are never identified.")
        + ("" if not whole_scale else " " + _("Comments whose author skipped CSAT are included."))
    )
    show.table(
        show.prepared(voc_charts.comment_table, found.rows), "comments", _("Survey comments"),
        hide_index=True, width="stretch",
        column_config={
            _("Answered (UTC)"): st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            _("Comment"): st.column_config.TextColumn(width="large"),
        },
    )  # fmt: skip
privacy = []
if found.withheld and not found.suppressed:
    privacy.append(_("To protect respondents' privacy, {count} comments are not listed: fewer "
                     "than {minimum} responses share their country, language and channel.").format(
        count=fmt.count(found.withheld), minimum=MIN_SURVEY_RESPONSES))  # fmt: skip
if (found.rows["hidden"] != "").any():
    privacy.append(_("'{hidden}': fewer than {minimum} responses with the same country, language "
                     "and channel answered that question (privacy).").format(
        hidden=fmt.suppressed(), minimum=MIN_SURVEY_RESPONSES))  # fmt: skip
if privacy:
    st.caption(" ".join(privacy))
