"""The business the synthetic sample describes: markets, channels, hubs, peaks and incidents.

Every number here is a modelling choice for the sample data, documented in docs/sample-data.md.
Codes are checked against pycountry by the tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Market:
    country: str
    share: float  # share of global contacts at the end of the period
    languages: dict[str, float]  # conversation language mix
    growth: float  # yearly contact growth
    channel_tilt: dict[str, float] = field(default_factory=dict)  # multipliers on CHANNEL_MIX
    survey_response: float = 1.0  # multiplier on each channel's survey response rate
    score_style: float = 0.0  # response style: shifts scores for the same service


MARKETS: tuple[Market, ...] = (
    # Americas
    Market("US", 0.150, {"en": 0.86, "es": 0.14}, 0.18, {"phone": 1.4}, 1.1, 0.25),
    Market("CA", 0.032, {"en": 0.76, "fr": 0.24}, 0.15, {"phone": 1.2}, 1.0, 0.2),
    Market("MX", 0.030, {"es": 1.0}, 0.30, {"messaging": 1.8, "email": 0.7}, 1.3, 0.45),
    Market("BR", 0.055, {"pt": 1.0}, 0.45, {"messaging": 2.6, "phone": 0.6}, 1.4, 0.4),
    Market("AR", 0.012, {"es": 1.0}, 0.20, {"messaging": 2.0}, 1.2, 0.3),
    Market("CO", 0.012, {"es": 1.0}, 0.30, {"messaging": 2.0}, 1.3, 0.4),
    Market("CL", 0.010, {"es": 1.0}, 0.20, {"messaging": 1.6}, 1.1, 0.3),
    # Europe
    Market("GB", 0.070, {"en": 1.0}, 0.12, {"chat": 1.2}, 0.9, 0.05),
    Market("IE", 0.008, {"en": 1.0}, 0.12, {"chat": 1.2}, 0.9, 0.1),
    Market("DE", 0.075, {"de": 1.0}, 0.10, {"email": 1.4, "social": 0.6}, 0.9, -0.25),
    Market("AT", 0.012, {"de": 1.0}, 0.10, {"email": 1.3}, 0.9, -0.2),
    Market(
        "CH",
        0.015,
        {"de": 0.62, "fr": 0.25, "it": 0.08, "en": 0.05},
        0.08,
        {"email": 1.3},
        0.9,
        -0.15,
    ),
    Market("FR", 0.050, {"fr": 1.0}, 0.10, {"phone": 1.1}, 0.8, -0.2),
    Market("BE", 0.012, {"nl": 0.57, "fr": 0.43}, 0.10, {}, 0.9, -0.15),
    Market("NL", 0.020, {"nl": 1.0}, 0.12, {"chat": 1.3}, 0.9, -0.3),
    Market("ES", 0.030, {"es": 1.0}, 0.15, {"messaging": 1.6}, 1.0, 0.1),
    Market("IT", 0.030, {"it": 1.0}, 0.15, {"phone": 1.3}, 1.0, 0.05),
    Market("PL", 0.020, {"pl": 1.0}, 0.25, {}, 1.0, -0.1),
    Market("SE", 0.012, {"sv": 1.0}, 0.10, {"chat": 1.3}, 0.9, -0.1),
    Market("TR", 0.010, {"tr": 1.0}, 0.30, {"messaging": 1.8}, 1.1, 0.1),
    # Asia
    Market(
        "JP", 0.060, {"ja": 1.0}, 0.15, {"email": 1.3, "messaging": 1.4, "phone": 0.8}, 0.7, -0.6
    ),
    Market(
        "KR", 0.045, {"ko": 1.0}, 0.30, {"messaging": 2.4, "chat": 1.2, "phone": 0.7}, 0.8, -0.45
    ),
    Market(
        "CN", 0.040, {"zh": 1.0}, 0.25, {"messaging": 2.8, "email": 0.4, "phone": 0.7}, 0.9, -0.3
    ),
    Market("TW", 0.010, {"zh": 1.0}, 0.20, {"messaging": 2.2}, 0.9, -0.3),
    Market("HK", 0.008, {"zh": 0.70, "en": 0.30}, 0.15, {"messaging": 2.0}, 0.8, -0.35),
    Market("SG", 0.008, {"en": 0.75, "zh": 0.25}, 0.15, {"chat": 1.4}, 0.9, -0.1),
    Market(
        "IN", 0.030, {"en": 0.80, "hi": 0.20}, 0.40, {"messaging": 2.2, "social": 1.5}, 1.2, 0.3
    ),
    Market("ID", 0.015, {"id": 1.0}, 0.35, {"messaging": 2.5}, 1.2, 0.3),
    Market("VN", 0.008, {"vi": 1.0}, 0.40, {"messaging": 2.5}, 1.1, 0.2),
    Market("TH", 0.008, {"th": 1.0}, 0.30, {"messaging": 2.5, "social": 1.4}, 1.1, 0.2),
    Market("PH", 0.010, {"en": 1.0}, 0.30, {"messaging": 2.0, "social": 1.8}, 1.3, 0.4),
    Market("AE", 0.010, {"ar": 0.45, "en": 0.55}, 0.25, {"messaging": 2.0}, 1.0, 0.15),
    Market("SA", 0.012, {"ar": 1.0}, 0.30, {"messaging": 2.0, "phone": 1.2}, 1.0, 0.2),
    Market("IL", 0.006, {"he": 0.85, "en": 0.15}, 0.15, {"messaging": 1.6}, 0.9, 0.0),
    # Africa
    Market("ZA", 0.012, {"en": 1.0}, 0.20, {"messaging": 2.0}, 1.1, 0.2),
    Market("NG", 0.010, {"en": 1.0}, 0.40, {"messaging": 2.2, "social": 1.6}, 1.2, 0.3),
    Market("EG", 0.008, {"ar": 1.0}, 0.35, {"messaging": 2.0}, 1.1, 0.2),
    Market("KE", 0.006, {"en": 0.85, "sw": 0.15}, 0.45, {"messaging": 2.4}, 1.2, 0.3),
    Market("MA", 0.006, {"fr": 0.55, "ar": 0.45}, 0.30, {"messaging": 1.8}, 1.0, 0.1),
    # Oceania
    Market("AU", 0.030, {"en": 1.0}, 0.12, {"chat": 1.2}, 1.0, 0.15),
    Market("NZ", 0.006, {"en": 1.0}, 0.12, {"chat": 1.2}, 1.0, 0.15),
)


@dataclass(frozen=True)
class ChannelProfile:
    share: float  # global share before market tilts
    live: bool  # a queue with waits and abandonment (phone, chat)
    first_response_median_s: float  # uncongested median (queue wait for live channels)
    first_response_sigma: float  # lognormal shape
    handle_median_s: float  # agent work time per contact
    bot_rate_start: float = 0.0  # share resolved by the bot at the start of the period
    bot_rate_end: float = 0.0  # ... and at the end (the bot improves)
    survey_response: float = 0.1
    patience_s: float = 0.0  # mean customer patience in the queue
    replies_mean: float = 1.5  # extra agent replies beyond the first
    priority_mix: tuple[float, float, float, float] = (0.2, 0.55, 0.2, 0.05)  # low..urgent
    trend: float = 0.0  # share change per year (messaging grows, email shrinks)


CHANNEL_MIX: dict[str, ChannelProfile] = {
    "email": ChannelProfile(
        0.30,
        False,
        5 * 3600,
        0.9,
        420,
        survey_response=0.12,
        replies_mean=1.8,
        priority_mix=(0.3, 0.55, 0.13, 0.02),
        trend=-0.15,
    ),
    "web_form": ChannelProfile(
        0.10,
        False,
        6 * 3600,
        0.9,
        400,
        survey_response=0.10,
        replies_mean=1.6,
        priority_mix=(0.3, 0.55, 0.13, 0.02),
    ),
    "social": ChannelProfile(
        0.06,
        False,
        1.5 * 3600,
        1.0,
        300,
        survey_response=0.07,
        replies_mean=1.2,
        priority_mix=(0.2, 0.6, 0.17, 0.03),
    ),
    "chat": ChannelProfile(
        0.22,
        True,
        40,
        0.8,
        660,
        0.20,
        0.32,
        survey_response=0.24,
        patience_s=480,
        replies_mean=0.6,
        priority_mix=(0.15, 0.6, 0.2, 0.05),
    ),
    "phone": ChannelProfile(
        0.18,
        True,
        55,
        0.8,
        390,
        survey_response=0.09,
        patience_s=360,
        replies_mean=0.2,
        priority_mix=(0.1, 0.5, 0.3, 0.1),
        trend=-0.05,
    ),
    "messaging": ChannelProfile(
        0.14,
        False,
        12 * 60,
        1.0,
        540,
        0.25,
        0.38,
        survey_response=0.20,
        replies_mean=1.0,
        priority_mix=(0.2, 0.6, 0.17, 0.03),
        trend=0.25,
    ),
}
PRIORITY_FACTOR = {"low": 1.4, "normal": 1.0, "high": 0.7, "urgent": 0.4}

# Contact reasons: base share, median hours from first response to resolution, reopen rate,
# share the bot can resolve.
CATEGORIES: dict[str, tuple[float, float, float, float]] = {
    "shipping": (0.27, 20.0, 0.05, 1.0),
    "returns_refunds": (0.17, 50.0, 0.09, 0.6),
    "payment": (0.14, 8.0, 0.06, 0.8),
    "account": (0.14, 2.0, 0.04, 1.6),
    "product": (0.18, 14.0, 0.05, 0.9),
    "technical": (0.10, 30.0, 0.10, 0.5),
}

# What an unhappy customer writes about when the service itself was not the problem: the theme of
# a negative survey comment (data_access/sample/voice) by the ticket's contact reason, with its
# probability.
REASON_THEMES: dict[str, dict[str, float]] = {
    "shipping": {"late_delivery": 0.7, "damaged_parcel": 0.3},
    "returns_refunds": {"refund_wait": 1.0},
    "payment": {"payment_failed": 1.0},
    "account": {"login_problem": 1.0},
    "product": {"damaged_parcel": 1.0},
    "technical": {"app_crash": 1.0},
}


@dataclass(frozen=True)
class Hub:
    hub: str
    name: str
    timezone: str
    shift_starts: tuple[int, int]  # local start hours of the early and the late shift
    # agents per language relative to the square-root staffing estimate: below 1 is a gap
    languages: dict[str, float]


HUBS: tuple[Hub, ...] = (
    Hub(
        "APAC",
        "Asia-Pacific (Manila)",
        "Asia/Manila",
        (7, 15),
        {"en": 1.0, "zh": 0.95, "ja": 0.8, "ko": 0.7, "hi": 1.0, "id": 1.0, "vi": 1.0, "th": 1.0},
    ),
    Hub(
        "EMEA",
        "Europe, Middle East & Africa (Dublin)",
        "Europe/Dublin",
        (7, 14),
        {
            "en": 1.0,
            "de": 1.05,
            "fr": 1.0,
            "it": 0.95,
            "nl": 1.0,
            "es": 1.0,
            "pl": 1.0,
            "sv": 1.0,
            "tr": 0.9,
            "ar": 0.75,
            "he": 1.0,
            "sw": 0.6,
        },
    ),
    Hub(
        "AMER",
        "Americas (Bogotá)",
        "America/Bogota",
        (7, 15),
        {"en": 1.0, "es": 1.0, "pt": 0.9, "fr": 0.9},
    ),
)

# Languages that agents commonly add to their main one, by hub (multilingual agents).
SECOND_LANGUAGE = {"APAC": "en", "EMEA": "en", "AMER": "es"}
SHRINKAGE = 0.30  # share of scheduled time not available for contacts (breaks, training, ...)
TARGET_OCCUPANCY = 0.85

# Retail peak uplifts on top of the normal pattern, by peak id of data_access.retail_calendar.
PEAK_UPLIFT = {
    "black_friday": 1.9,
    "december": 1.25,
    "returns_season": 1.3,
    "singles_day": 2.4,
    "lunar_new_year": 1.5,
    "golden_week": 1.45,
    "chuseok": 1.5,
}
PEAK_CATEGORY = {"returns_season": "returns_refunds"}  # peaks that shift the contact reasons
HOLIDAY_FACTOR = 0.45  # contacts on a public holiday relative to a normal day
WEEKEND_FACTOR = 0.6


@dataclass(frozen=True)
class Incident:
    country: str
    days_before_end: int  # first day, counted back from the end date
    days: int
    uplift: float
    category: str
    theme: str  # what the incident's customers write in their survey comments
    description: str


INCIDENTS: tuple[Incident, ...] = (
    Incident(
        "DE",
        170,
        3,
        3.2,
        "payment",
        "payment_failed",
        "Payment provider outage in Germany: card payments fail for three days.",
    ),
    Incident(
        "BR",
        75,
        4,
        2.6,
        "account",
        "login_problem",
        "App login failure in Brazil after a release: four days of account contacts.",
    ),
)


@dataclass(frozen=True)
class VoiceIssue:
    """A problem customers report in their survey comments rather than by contacting more: in the
    last ``days`` of the period, a ``share`` of the country's contacts are about it (contact
    reason ``category``), and those who answer the survey score it 1-2 and always comment on
    ``theme``. Topic analysis should find it as an emerging topic with a CSAT dip."""

    country: str
    days: int  # the last days of the period
    share: float
    category: str
    theme: str
    description: str


VOICE_ISSUES: tuple[VoiceIssue, ...] = (
    VoiceIssue(
        "KR",
        42,
        0.35,
        "product",
        "damaged_parcel",
        "A new courier partner in South Korea crushes parcels: damaged items for six weeks.",
    ),
    VoiceIssue(
        "JP",
        21,
        0.35,
        "technical",
        "app_crash",
        "An app update in Japan crashes the app on start: three weeks of complaints.",
    ),
)

# Local-hour contact curve (index = hour of the customer's day), peak late morning.
HOUR_CURVE = (
    0.10, 0.06, 0.04, 0.03, 0.03, 0.05, 0.12, 0.30, 0.60, 0.85, 0.98, 1.00,
    0.95, 0.92, 0.96, 0.93, 0.86, 0.78, 0.74, 0.72, 0.66, 0.52, 0.34, 0.18,
)  # fmt: skip
