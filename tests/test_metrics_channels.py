"""metrics.channels as worked examples: small engine-shaped tables in, the arithmetic shown."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from data_access.filters import Filter
from metrics.channels import bot_filter, bot_handoffs, switch_flows


def volume_rows(flows: dict[tuple[str, str | None], int]) -> pd.DataFrame:
    """A ``kpi_table(["volume"], by=["channel", "next_channel"])`` result."""
    return pd.DataFrame(
        [{"channel": c, "next_channel": nxt, "kpi": "volume", "value": float(v), "n": float(v)}
         for (c, nxt), v in flows.items()]
    )  # fmt: skip


# 100 chat contacts: 80 with no contact within 7 days, 12 came back by chat, 8 by phone;
# 50 phone contacts: 45 no further contact, 5 came back by chat.
FLOWS = {
    ("chat", None): 80,
    ("chat", "chat"): 12,
    ("chat", "phone"): 8,
    ("phone", None): 45,
    ("phone", "chat"): 5,
}


def share(flows: pd.DataFrame, channel: str, next_channel: str) -> float:
    row = flows[(flows["channel"] == channel) & (flows["next_channel"] == next_channel)]
    return float(row["share"].iloc[0])


def test_flows_as_shares_of_all_contacts():
    flows = switch_flows(volume_rows(FLOWS), "all")
    assert share(flows, "chat", "chat") == pytest.approx(12 / 100)
    assert share(flows, "chat", "phone") == pytest.approx(8 / 100)  # the switching rate: 8 %
    assert share(flows, "phone", "chat") == pytest.approx(5 / 50)
    # nobody went phone -> phone, but the matrix is complete: 0 contacts, 0 %
    assert share(flows, "phone", "phone") == 0
    assert len(flows) == 4


def test_flows_as_shares_of_returning_contacts():
    flows = switch_flows(volume_rows(FLOWS), "returning")
    assert share(flows, "chat", "chat") == pytest.approx(12 / 20)
    assert share(flows, "chat", "phone") == pytest.approx(8 / 20)
    assert share(flows, "phone", "chat") == pytest.approx(5 / 5)


def test_a_channel_nobody_came_back_from_has_no_returning_share():
    flows = switch_flows(volume_rows({**FLOWS, ("email", None): 30}), "returning")
    email = flows[flows["channel"] == "email"]
    assert (email["contacts"] == 0).all() and email["share"].isna().all()
    assert (switch_flows(volume_rows({**FLOWS, ("email", None): 30}))
            .query("channel == 'email'")["share"] == 0).all()  # fmt: skip


def test_flows_reject_an_unknown_basis():
    with pytest.raises(ValueError, match="unknown basis"):
        switch_flows(volume_rows(FLOWS), "everything")


def test_handoffs_are_contacts_times_one_minus_containment():
    # account: 40 of 100 contained -> 60 handed off; shipping: 30 of 200 -> 170; email: no bot
    table = pd.DataFrame({
        "category": ["account", "shipping", "email_only"],
        "kpi": "bot_containment",
        "value": [0.4, 0.15, np.nan],
        "n": [100.0, 200.0, 0.0],
        "ci_low": np.nan, "ci_high": np.nan,
        "low_confidence": [False, False, True], "suppressed": False,
    })  # fmt: skip
    out = bot_handoffs(table)
    assert out["category"].tolist() == ["shipping", "account"]  # most hand-offs first
    assert out["handed_off"].tolist() == [170, 60]
    assert out["contained"].tolist() == [30, 40]
    assert out["handoff_share"].tolist() == pytest.approx([0.85, 0.6])
    assert list(out.columns[:1]) == ["category"]


def test_bot_filter_keeps_only_the_bot_channels_of_the_filter():
    flt = Filter(start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 31), countries=("KR",))
    assert bot_filter(flt).channels == ("chat", "messaging")
    assert bot_filter(flt.narrowed(channels=("chat", "email"))).channels == ("chat",)
    assert bot_filter(flt.narrowed(channels=("email", "phone"))) is None
    assert bot_filter(flt).countries == ("KR",)
