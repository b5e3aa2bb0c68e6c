"""The review pack reads like a report: paper from the locale, findings in words, full pages.

The findings are checked on hand-built tables (the sentences worked out by hand); the layout is
measured in headless Chromium on the pack laid out for print: every page at least half full,
nothing running past its footer, one sheet per page of the PDF.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pandas as pd
import pytest

from data_access.database import Database
from data_access.filters import Filter
from metrics.engine import kpi_table
from presentation import export, i18n
from reports import findings, layout, pack
from tests.browser import chromium, chromium_path

NBSP = "\u00a0"


# ---------------------------------------------------------------- paper
@pytest.mark.parametrize(("locale", "paper"), [
    ("en", "A4"), ("ko", "A4"), ("ko-KR", "A4"), ("en-GB", "A4"), ("de_DE", "A4"),
    ("en-US", "letter"), ("en_CA", "letter"), ("fr-CA", "letter"), ("es-MX", "letter"),
    ("xx-??", "A4"), (None, "A4"),
])  # fmt: skip
def test_paper_follows_the_locales_territory(locale, paper):
    assert layout.paper_for(locale).name == paper


def test_letter_pages_are_shorter_and_wider_than_a4():
    a4, letter = layout.A4.content_px, layout.LETTER.content_px
    # A4 210 x 297 mm, Letter 215.9 x 279.4 mm, less 2 x 12 mm and 2 x 10 mm margins, 96 px/in
    assert (round(a4[0]), round(a4[1])) == (703, 1047)
    assert (round(letter[0]), round(letter[1])) == (725, 980)
    assert layout.LETTER.scale() < 1 == layout.A4.scale()


# ---------------------------------------------------------------- findings
def _overall() -> pd.DataFrame:
    rows = [  # kpi, value, previous value, significant, not tested
        ("csat", 0.85, 0.80, True, None),
        ("frt_median", 7200.0, 3600.0, False, None),  # doubled, but not significant
        ("sla", 0.75, 0.70, np.nan, "immature"),  # unsettled: never a finding
        ("volume", 1000.0, 800.0, True, None),
    ]
    return pd.DataFrame([
        {"kpi": k, "value": v, "previous_value": p, "previous_delta": v - p,
         "previous_significant": s, "previous_not_tested": t, "suppressed": False,
         "low_confidence": False}
        for k, v, p, s, t in rows
    ])  # fmt: skip


def test_changes_are_the_significant_ones_largest_effect_first():
    movers = pd.DataFrame([{"dimension": "channel", "member": "chat", "kpi": "frt_median",
                            "value": 600.0, "compared_value": 1800.0, "delta": -1200.0,
                            "effect": math.log(3)}])  # fmt: skip
    # effects: chat FRT |ln(600/1800)| = 1.10; volume ln(1000/800) = 0.22; CSAT Cohen's h
    # 2 asin(sqrt .85) - 2 asin(sqrt .80) = 0.13; the doubled FRT is n.s., SLA untested
    assert findings.changes(_overall(), movers, 28, limit=3) == [
        "First response (median) for Chat improved from 30 m to 10 m (-20 m) against the "
        "previous 28 days.",
        "Volume rose from 800 to 1,000 (+200) against the previous 28 days.",
        "CSAT improved from 80.0 % to 85.0 % (+5.0 pts) against the previous 28 days.",
    ]
    with i18n.using("ko"):
        assert findings.changes(_overall(), movers.iloc[:0], 28, limit=1) == [
            "문의량: 직전 28일 대비 800에서 1,000(으)로 증가(+200)."
        ]


def test_no_significant_change_is_said_as_such():
    quiet = _overall().assign(previous_significant=False)
    assert findings.changes(quiet, pd.DataFrame(columns=["effect"]), 7) == [
        "No KPI changed significantly against the previous 7 days, overall or in any market, "
        "language or channel."
    ]


def test_targets_missed_are_named():
    # FRT 2 h <= 4 h met, CSAT 85.0 % >= 85.0 % met, SLA 75.0 % < 90.0 % missed; volume: no target
    assert findings.targets(_overall()) == (
        f"1 of 3 targets missed: SLA attainment 75.0 % (target ≥{NBSP}90.0{NBSP}%)."
    )
    assert findings.targets(_overall().assign(value=[0.9, 60.0, 0.95, 5.0])) == (
        "All 3 KPIs with a target met it."
    )


def test_next_peak_with_last_times_load():
    upcoming = pd.DataFrame([
        {"start": dt.date(2026, 12, 25), "end": dt.date(2026, 12, 25), "label": "Christmas Day",
         "kind": "holiday", "markets": ("KR",)},
        {"start": dt.date(2027, 1, 23), "end": dt.date(2027, 2, 5), "label": "Lunar New Year",
         "kind": "peak", "markets": ("KR",)},
    ])  # fmt: skip
    after = dt.date(2026, 12, 3)  # 23 Jan 2027 is 51 days later
    assert findings.next_peak(upcoming, after, 1.4486, "KR") == (
        "Next peak: Lunar New Year (South Korea), 23 Jan 2027 – 05 Feb 2027, in 51 days; last "
        "time it brought ×1.4 a normal day's contacts in South Korea."
    )
    assert findings.next_peak(upcoming, dt.date(2027, 1, 30), None, None) == (
        "Lunar New Year (South Korea) is under way until 05 Feb 2027."
    )
    assert findings.next_peak(upcoming.iloc[:1], after, None, None) == (
        "No named retail peak falls in the 8 weeks after 03 Dec 2026 for these markets."
    )


def test_worst_staffing_gap():
    at = pd.Timestamp
    plan = pd.DataFrame({
        "interval": [at("2026-11-02 18:00"), at("2026-11-03 18:00"), at("2026-11-03 09:00"),
                     at("2026-11-02 18:00"), at("2026-11-03 09:00")],
        "language": ["ko", "ko", "ko", "en", "en"],
        "gap": [-3.0, -2.0, 1.0, 4.0, -1.0],
    })  # fmt: skip
    # Korean at 18 UTC: mean(-3, -2) = -2.5, the lowest cell; 2 of its 3 intervals short
    assert findings.staffing(plan) == (
        "Worst staffing gap: Korean at 18:00 UTC, 2.5 agents short on average; Korean was short "
        "in 67 % of its 30-minute intervals."
    )
    assert findings.staffing(plan.assign(gap=1.0)) == (
        "Every language had enough agents on average at every hour of the day."
    )


# ---------------------------------------------------------------- the pack laid out for print
MEASURE = """() => [...document.querySelectorAll('section.page')].map(page => {
    const box = page.getBoundingClientRect();
    let bottom = box.top, right = box.right;
    for (const el of page.querySelectorAll('h1, h2, .meta, .lead, .grid > .block, section > .note'))
        bottom = Math.max(bottom, el.getBoundingClientRect().bottom);
    for (const el of page.querySelectorAll('*'))
        right = Math.max(right, el.getBoundingClientRect().right);
    const footer = page.querySelector('footer').getBoundingClientRect();
    return {fill: (bottom - box.top) / box.height, past_footer: bottom - footer.top,
            past_page: footer.bottom - box.bottom, past_edge: right - box.right,
            text: page.innerText};
})"""


def laid_out_for_print(document: str, tmp_path) -> list[dict]:
    path = tmp_path / "pack.html"
    path.write_text(document, encoding="utf-8")
    with chromium() as browser:
        page = browser.new_page()
        page.goto(path.as_uri())
        page.emulate_media(media="print")
        return page.evaluate(MEASURE)


@pytest.mark.skipif(
    chromium_path() is None or export.chrome_path() is None,
    reason="Chromium is not installed (Debian: apt-get install chromium)",
)
@pytest.mark.parametrize(("countries", "lang", "locale", "pages"), [
    # Japan's October holds too few comments for a topic: no 'What customers say' page
    (("KR",), "en", None, 9), (("KR",), "ko", None, 9), (("JP",), "en", "en-US", 8),
    ((), "en", "en-US", 10),
])  # fmt: skip
def test_every_page_is_at_least_half_full_and_nothing_runs_past_it(
    sample_path, tmp_path, countries, lang, locale, pages
):
    db = Database(sample_path)
    flt = Filter(start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31), countries=countries)
    with i18n.using(lang):
        document = pack.build_html(db, flt, static=True, locale=locale)
    measured = laid_out_for_print(document, tmp_path)
    assert len(measured) == pages
    for number, page in enumerate(measured, start=1):
        where = f"page {number}: {page['text'][:60]!r}"
        assert page["fill"] >= 0.5, where
        assert page["past_footer"] <= 0 and page["past_page"] <= 0.5, where
        assert page["past_edge"] <= 0.5, where
    if lang == "en":
        assert all(f"Page {n} of {pages}" in p["text"] for n, p in enumerate(measured, start=1))
    if countries == ("KR",) and lang == "en":
        text = "\n".join(p["text"] for p in measured)
        # the market's own breakdowns; staffing only in the language the market writes in
        assert "South Korea: channels and contact reasons" in text
        assert "Languages these markets write in: Korean; hubs serving them: APAC." in text
        assert "English" not in text and "Germany" not in text and "Japan" not in text
        assert "the rest as Other" not in text


def test_the_pack_names_the_german_outage_and_its_contact_reason(sample_path):
    # the payment outage of 9-11 June 2026 (tests/test_digest_cli.py: the same finding in the
    # digest); June as it looks months later: no target miss of June is "ongoing"
    db = Database(sample_path)
    flt = Filter(start=dt.date(2026, 6, 2), end=dt.date(2026, 6, 30), countries=("DE",))
    document = pack.build_html(db, flt, static=True)
    page = document[document.index("What needs attention</h2>") :]
    page = page[: page.index("</section>")]
    assert re.search(
        r"<li>Volume · Germany: \d+ a day against \d+ – \d+ expected \(×\d\.\d\d\), 09 Jun 2026"
        r" – 11 Jun 2026 — almost certain\. Mostly Payment contacts: \+113 against the days "
        r"before \(82 % of the change\)\. Also seen in German, EMEA and all markets</li>",
        page,
    ), page  # fmt: skip
    assert "ongoing" not in page


def test_a_pack_of_few_or_no_contacts_has_every_page(small_sample):
    # 2,000 tickets: no market has 5 survey answers in four weeks, so CSAT is hidden everywhere,
    # and Argentina has no contact in them; both packs used to fail (a missing column, a
    # heat map of no rows) instead of showing "–" and leaving the empty chart out
    db = Database(small_sample)
    everywhere = pack.build_html(db, pack.default_filter(db, Filter()), static=True)
    table = everywhere[everywhere.index("Markets side by side</h2>") :]
    table = table[: table.index("</table>")]
    assert "CSAT" in table and "–" in table
    flt = pack.default_filter(db, Filter(countries=("AR",)))
    assert kpi_table(db, ["volume"], flt=flt)["value"].sum() == 0
    document = pack.build_html(db, flt, static=True)
    assert "Peaks: when customers contact us" in document
    assert "Chuseok" not in document and "Singles" not in document  # Argentina's peaks only
