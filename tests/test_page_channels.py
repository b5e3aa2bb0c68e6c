"""The Channels page through AppTest: it renders, its numbers are the engine's, controls work.

Every number checked on screen is recomputed here with ``metrics.engine.kpi_table`` on the same
sample and the same Filter, so a page that reshapes or mislabels data fails.
"""

from __future__ import annotations

import base64
import json
from functools import partial
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
from streamlit.runtime.state.common import user_key_from_element_id
from streamlit.testing.v1 import AppTest

from data_access.database import Database
from data_access.filters import Filter
from metrics.engine import kpi_table
from metrics.registry import KPIS
from presentation import format as fmt
from tests.apptest import open_page, rendered_text, sample_filter

ROOT = Path(__file__).resolve().parent.parent
PAGE = "pages/3_Channels.py"
CHANNELS = ("email", "chat", "phone", "social", "web_form", "messaging")
LABEL_TO_CHANNEL = {fmt.member("channel", c): c for c in CHANNELS}
SCORECARD = ("volume", "frt_median", "resolution_median", "sla", "fcr", "csat")
QUEUE = ("abandonment", "service_level", "asa")


open_channels = partial(open_page, PAGE)
period_filter = sample_filter


def _typed_arrays(node: object) -> object:
    """Plotly's JSON writes numeric arrays as {dtype, bdata (base64), shape}: decode them."""
    if isinstance(node, dict):
        if "bdata" in node and "dtype" in node:
            array = np.frombuffer(base64.b64decode(node["bdata"]), dtype=node["dtype"])
            shape = node.get("shape")
            if shape:
                array = array.reshape([int(s) for s in str(shape).split(",")])
            return array
        return {k: _typed_arrays(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_typed_arrays(v) for v in node]
    return node


def chart(at: AppTest, key: str) -> go.Figure | None:
    """The plotly figure drawn with ``key``, from the JSON the browser gets."""
    for element in at.get("plotly_chart"):
        if user_key_from_element_id(element.proto.id) == key:
            return go.Figure(_typed_arrays(json.loads(element.proto.spec)))
    return None


def table(at: AppTest, column: str):
    """The first table on the page with this column (dataframes carry no key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def control(at: AppTest, kind: str, key: str):
    """A page control by its URL key (widgets are keyed ``w:<page>:page:<page>:<key>``)."""
    return next(w for w in getattr(at, kind) if w.key == f"w:channels:page:channels:{key}")


def engine(path: Path, kpis, by, flt: Filter):
    return kpi_table(Database(path), kpis, by=by, flt=flt)


def infos(at: AppTest) -> str:
    return " | ".join(rendered_text(i.value) for i in at.info)


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"country": "KR,JP", "channel": "chat", "period": "last_90d"},
        {"channel": "email,phone", "period": "last_7d"},
        {"language": "ko", "category": "payment", "period": "last_month"},
    ],
)
def test_channels_page_renders_with_real_content(use_sample, query):
    at = open_channels(query)
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value.endswith("Channels")
    assert [s.value for s in at.subheader][:4] == [
        "Channel mix",
        "How channels compare",
        "Channel switching",
        "Bot containment and hand-offs",
    ]
    assert len(table(at, "volume")) >= 1
    assert chart(at, "switch_flows") is not None


def test_scorecard_shows_the_engines_numbers(use_sample):
    at = open_channels({"country": "JP", "period": "last_90d"})
    flt = period_filter("last_90d", countries=("JP",))
    expected = engine(use_sample, [*SCORECARD, *QUEUE], ["channel"], flt)
    value = expected.pivot(index="channel", columns="kpi", values="value")
    n = expected.pivot(index="channel", columns="kpi", values="n")

    shown = table(at, "volume")
    shown["channel"] = shown["channel"].map(LABEL_TO_CHANNEL)
    assert sorted(shown["channel"]) == sorted(value.index)
    assert shown["volume"].is_monotonic_decreasing  # biggest channel first
    for row in shown.itertuples(index=False):
        for kpi in SCORECARD:
            assert getattr(row, kpi) == pytest.approx(value.loc[row.channel, kpi], nan_ok=True)
        assert row.csat_n == n.loc[row.channel, "csat"]

    queue = table(at, "abandonment_n")
    queue["channel"] = queue["channel"].map(LABEL_TO_CHANNEL)
    # queue KPIs exist only where contacts were offered to a queue: no e-mail row showing 0
    assert set(queue["channel"]) == set(n.index[n["abandonment"] > 0]) == {"chat", "phone"}
    for row in queue.itertuples(index=False):
        assert row.abandonment_n == n.loc[row.channel, "abandonment"]
        for kpi in QUEUE:
            assert getattr(row, kpi) == pytest.approx(value.loc[row.channel, kpi])


def test_bar_chart_follows_its_control_and_equals_the_engine(use_sample):
    at = open_channels()
    flt = period_filter()
    expected = engine(use_sample, ["sla", "csat"], ["channel"], flt)

    def bars(kpi: str) -> dict[str, float]:
        figure = chart(at, "channel_bars")
        assert figure.layout.title.text == f"{KPIS[kpi].label} by channel"
        trace = figure.data[0]
        return {LABEL_TO_CHANNEL[y]: x for y, x in zip(trace.y, trace.x, strict=True)}

    def engine_bars(kpi: str) -> dict[str, float]:
        rows = expected[expected["kpi"] == kpi]
        return dict(zip(rows["channel"], fmt.plot_values(kpi, rows["value"]), strict=True))

    assert bars("sla") == pytest.approx(engine_bars("sla"))
    control(at, "selectbox", "kpi").set_value("csat").run()
    assert not at.exception
    assert at.query_params["kpi"] == "csat"
    assert bars("csat") == pytest.approx(engine_bars("csat"))


def test_queue_kpi_bars_leave_out_channels_without_a_queue(use_sample):
    at = open_channels({"kpi": "abandonment"})
    trace = chart(at, "channel_bars").data[0]
    assert {LABEL_TO_CHANNEL[y] for y in trace.y} == {"chat", "phone"}


def test_live_queues_explain_why_sla_and_service_level_differ(use_sample):
    """Chat SLA runs from creation (bot time included) against 1-2 min; service level from the
    queue against 20 s: the page says so wherever it shows both."""
    note = "SLA attainment and service level time different things."
    captions = [c.value for c in open_channels().caption if c.value.startswith(note)]
    assert len(captions) == 1
    assert "includes the conversation with the bot" in captions[0]
    assert "(1 m–2 m for Chat and Phone)" in captions[0] and "against 20 s" in captions[0]
    without_queues = open_channels({"channel": "email"})
    assert not [c for c in without_queues.caption if c.value.startswith(note)]


def test_switch_matrix_is_the_engines_flows(use_sample):
    at = open_channels({"period": "last_90d"})
    flt = period_filter("last_90d")
    volume = engine(use_sample, ["volume"], ["channel", "next_channel"], flt)
    switch = engine(use_sample, ["channel_switch"], ["channel"], flt).set_index("channel")
    totals = volume.groupby("channel")["value"].sum()

    heat = chart(at, "switch_flows").data[0]
    rows = [LABEL_TO_CHANNEL[y] for y in heat.y]
    columns = [LABEL_TO_CHANNEL[x] for x in heat.x]
    z = np.asarray(heat.z, dtype=float)
    flows = volume.dropna(subset=["next_channel"]).set_index(["channel", "next_channel"])["value"]
    for i, channel in enumerate(rows):
        for j, next_channel in enumerate(columns):
            contacts = flows.get((channel, next_channel), 0)
            assert z[i, j] == pytest.approx(100 * contacts / totals[channel])
        # off the diagonal a row adds up to the channel-switching KPI
        off_diagonal = sum(z[i, j] for j, c in enumerate(columns) if c != channel)
        assert off_diagonal == pytest.approx(100 * switch.loc[channel, "value"])

    control(at, "radio", "flow").set_value("returning").run()
    assert at.query_params["flow"] == "returning"
    z = np.asarray(chart(at, "switch_flows").data[0].z, dtype=float)
    assert np.nansum(z, axis=1) == pytest.approx(np.full(len(rows), 100.0))


def test_bot_handoffs_equal_contacts_times_one_minus_containment(use_sample):
    at = open_channels({"period": "last_90d"})
    bot = period_filter("last_90d", channels=("chat", "messaging"))
    expected = engine(use_sample, ["bot_containment"], ["category"], bot)
    handed = dict(zip(expected["category"],
                      np.rint(expected["n"] * (1 - expected["value"])), strict=True))  # fmt: skip

    figure = chart(at, "bot_handoffs")
    trace = next(t for t in figure.data if t.name == "handed to an agent")
    shown = {code: x for code, x in zip(trace.customdata, trace.x, strict=True)}
    assert shown == pytest.approx(handed)
    assert list(trace.x) == sorted(trace.x)  # most hand-offs at the top (plotted last)

    overall = engine(use_sample, ["bot_containment"], [], bot).iloc[0]
    tile = next(m for m in at.metric if m.label == "Bot containment")
    assert tile.value == fmt.kpi_value("bot_containment", overall["value"])
    handed_metric = next(m for m in at.metric if m.label == "Handed to an agent")
    assert handed_metric.value == fmt.count(round(overall["n"] * (1 - overall["value"])))

    control(at, "selectbox", "handoff_by").set_value("language").run()
    assert not at.exception
    trace = next(t for t in chart(at, "bot_handoffs").data if t.name == "handed to an agent")
    assert "Other" in list(trace.customdata)  # top 10 languages, the rest together
    assert sum(trace.x) == pytest.approx(sum(handed.values()))


def test_bot_trend_changes_with_its_grain(use_sample):
    at = open_channels({"period": "last_90d"})
    weekly = chart(at, "bot_trend")
    assert {t.name for t in weekly.data if t.mode == "lines+markers"} == {"Chat", "Messaging"}
    control(at, "radio", "bot_grain").set_value("month").run()
    assert at.query_params["bot_grain"] == "month"
    monthly = chart(at, "bot_trend")
    assert monthly.layout.title.text == "Bot containment by month"
    assert len(monthly.data[0].x) < len(weekly.data[0].x)


def test_without_bot_channels_the_bot_section_says_why(use_sample):
    at = open_channels({"channel": "email"})
    assert not at.exception
    assert "The bot answers Chat and Messaging only" in infos(at)
    assert "Only E-mail contacts are in the filter" in infos(at)  # a 100 % mix is no chart
    assert chart(at, "bot_trend") is None and chart(at, "channel_mix") is None
    assert "the channels with a live queue" in infos(at)  # no phone or chat queue
    assert list(table(at, "volume")["channel"]) == ["E-mail"]


def test_one_bot_channel_draws_its_interval(use_sample):
    at = open_channels({"channel": "messaging,email"})
    assert "The bot answers" not in infos(at)
    names = {t.name for t in chart(at, "bot_trend").data}
    assert {"Bot containment", "95% interval"} <= names


def test_channel_mix_is_each_channels_share_of_the_engines_volume(use_sample):
    at = open_channels({"period": "last_90d", "country": "DE"})
    flt = period_filter("last_90d", countries=("DE",))
    volume = engine(use_sample, ["volume"], ["channel"], flt)
    weekly = kpi_table(Database(use_sample), ["volume"], by=["channel"], flt=flt, grain="week")
    wide = weekly.pivot(index="week", columns="channel", values="value").fillna(0)
    expected = wide.div(wide.sum(axis=1), axis=0) * 100

    figure = chart(at, "channel_mix")
    assert figure.layout.title.text == "Share of contacts by channel, by week"
    for trace in figure.data:
        channel = LABEL_TO_CHANNEL[trace.name]
        assert list(trace.y) == pytest.approx(expected[channel].tolist())
    # biggest channel first (at the bottom of the stack)
    biggest = volume.sort_values("value", ascending=False)["channel"].iloc[0]
    assert LABEL_TO_CHANNEL[figure.data[0].name] == biggest

    control(at, "radio", "grain").set_value("month").run()
    assert at.query_params["grain"] == "month"
    assert chart(at, "channel_mix").layout.title.text == "Share of contacts by channel, by month"
    assert len(chart(at, "channel_mix").data[0].y) < len(figure.data[0].y)


def test_the_empty_bot_section_names_the_channels_the_filter_keeps(use_sample):
    at = open_channels({"channel": "phone,email,social"})
    assert "the channel filter keeps E-mail, Phone and Social" in infos(at)
    assert "Add Chat or Messaging to the channel filter" in infos(at)
