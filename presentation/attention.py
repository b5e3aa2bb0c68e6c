"""A finding of ``metrics.attention`` shown: its why in one sentence, in the active language
(the mix-versus-rate split of a share or a time, ``mix_sentence``, or, for a volume, the contact
reason behind it: "Mostly Payment contacts: +539 against the days before (87 % of the change)"),
and its KPI's chart with the finding's days shaded.

Computes nothing: the driver's numbers are shown as the finding carries them.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from metrics.attention import AttentionItem
from presentation import charts, theme
from presentation import format as fmt
from presentation.i18n import _
from presentation.mix_sentence import mix_sentence


def why_sentence(item: AttentionItem) -> str:
    """Why the finding happened, or '' when the data cannot say."""
    if item.why is not None:
        return mix_sentence(item.why)
    driver = item.driver
    if driver is None:
        return ""
    values = {"member": fmt.member(driver.dimension, driver.member),
              "delta": fmt.signed(driver.delta)}  # fmt: skip
    if driver.share > 1:  # other reasons moved the other way: a share above 100 % misleads
        return _("Mostly {member} contacts: {delta} against the days before").format(**values)
    return _(
        "Mostly {member} contacts: {delta} against the days before ({share} of the change)"
    ).format(share=fmt.percent(driver.share, 0), **values)


def finding_chart(table: pd.DataFrame, item: AttentionItem, grain: str, title: str) -> go.Figure:
    """``charts.trend`` of the finding's KPI (``table``: its ``kpi_table`` by ``grain`` for
    the finding's member) with the finding's days shaded."""
    fig = charts.trend(table, item.kpi, grain, title=title)
    fig.add_vrect(x0=pd.Timestamp(item.start), x1=pd.Timestamp(item.end) + pd.Timedelta(days=1),
                  fillcolor=theme.PALETTE[1], opacity=0.15, line_width=0,
                  layer="below")  # fmt: skip
    return fig
