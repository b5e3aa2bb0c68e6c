"""One look for every chart: a colour-blind-safe palette, fonts, margins and number formats.

Colours are the Okabe–Ito palette (distinguishable with the common colour-vision deficiencies).
"Good" and "bad" are blue and vermillion rather than green and red, and every chart that encodes
good/bad in colour also says it in text (arrows, signs, hover).
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

PALETTE = [
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
]
GOOD = "#0072B2"
BAD = "#D55E00"
NEUTRAL = "#8A8F98"
OTHER = "#B8BCC4"  # the lumped 'Other' series
FAINT = "rgba(0, 114, 178, 0.15)"  # confidence bands
# sequential (light -> dark blue) and diverging (vermillion <- grey -> blue) scales
SEQUENTIAL = [[0.0, "#EAF3FA"], [0.5, "#56B4E9"], [1.0, "#003F63"]]
DIVERGING = [[0.0, BAD], [0.5, "#F2F2F2"], [1.0, GOOD]]  # high is good
DIVERGING_REVERSED = [[0.0, GOOD], [0.5, "#F2F2F2"], [1.0, BAD]]  # high is bad
# staffing gaps: short (vermillion) .. covered (light) .. spare (bluish green): the colour-blind
# safe pair of the Okabe-Ito palette for "red/green"
GAP = [[0.0, BAD], [0.5, "#F7F7F7"], [1.0, "#009E73"]]
# Fonts every browser and the export renderer already have, so text measured when a chart is
# first drawn keeps its width (a web font arriving later would clip legend entries).
FONT = "Arial, Helvetica, Liberation Sans, Noto Sans, Noto Sans CJK KR, sans-serif"

TEMPLATE = go.layout.Template(
    layout=go.Layout(
        colorway=PALETTE,
        font={"family": FONT, "size": 13, "color": "#31333F"},
        title={"font": {"size": 16}, "x": 0, "xanchor": "left"},
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        hoverlabel={"font": {"family": FONT}},
        legend={"orientation": "h", "y": -0.22, "yanchor": "top", "x": 0, "title": {"text": ""}},
        xaxis={
            "gridcolor": "#EEF0F3",
            "linecolor": "#C9CDD3",
            "zeroline": False,
            "automargin": True,
        },
        yaxis={
            "gridcolor": "#EEF0F3",
            "linecolor": "#C9CDD3",
            "zeroline": False,
            "automargin": True,
        },
        separators=".,",
    )
)
pio.templates["atlas"] = TEMPLATE
pio.templates.default = "atlas"


def colour_for(index: int, member: str) -> str:
    return OTHER if member == "Other" else PALETTE[index % len(PALETTE)]
