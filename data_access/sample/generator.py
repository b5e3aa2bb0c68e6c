"""Simulates two years of a global customer-service operation, vectorised with numpy.

The order of the simulation is the order of cause and effect:

1. contact demand per country and UTC hour, shaped in the customer's local time (daily curve,
   local weekend, public holidays, retail peaks, growth, incidents), and one multinomial draw of
   exactly ``n_tickets`` contacts;
2. each contact's language, channel, contact reason, priority, hub and bot outcome;
3. the schedule: agents sized per hub and language from the demand (square-root staffing),
   deliberately short in some places, and their shifts;
4. the queue: load against scheduled capacity per language and hour decides waits, abandonment,
   first response and resolution times; hours with nobody who speaks the language wait for the
   next shift;
5. repeat contacts (customers who come back, more often after a bad experience);
6. surveys whose scores follow the experience, shifted by each market's response style, and
   comments about what the customer went through (``_themes``), written from the corpus in
   ``data_access/sample/voice``.

Everything is drawn from one seeded ``numpy.random.Generator``: the same seed and end date give
the same data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_access import reference
from data_access.retail_calendar import peak_calendar
from data_access.sample import profile, voice
from data_access.schema import PRIORITIES

HISTORY_DAYS = 730  # two years: a year-over-year comparison for every day of the last year
HOUR = 3600.0
DAY = 86400.0
FUTURE_SCHEDULE_DAYS = 84  # shifts are planned 12 weeks ahead, for the staffing forecast
CHANNEL_REDRAWS = 8  # draws of an agent on shift before looking for one who handles the channel

Progress = Callable[[float, str], None]


THEME_IDS = list(voice.THEMES)
OPENER_RATE, SECOND_SENTENCE_RATE, CLOSER_RATE = 0.3, 0.35, 0.35  # the optional comment parts


@dataclass
class SampleData:
    tickets: pd.DataFrame
    # the surveys carry the ground truth of their comments' topics: ``theme`` (a
    # ``voice.THEMES`` id, None without a comment), for tests of topic analysis; it is not a
    # column of the surveys table and is not written to the database
    surveys: pd.DataFrame
    agents: pd.DataFrame
    shifts: pd.DataFrame
    hubs: pd.DataFrame


class _Calendar:
    """UTC hour grid of the period and, per market, local-time attributes of each hour."""

    def __init__(self, end: dt.date, days: int) -> None:
        self.end = end
        self.days = days
        self.start = end - dt.timedelta(days=days - 1)
        self.t0 = pd.Timestamp(self.start, tz="UTC")
        self.hours = pd.date_range(self.t0, periods=days * 24, freq="h")
        self.years = list(range(self.start.year - 1, end.year + 2))
        self.first_day = self.start - dt.timedelta(days=1)  # local dates start a day earlier

    def local(self, tz: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(local hour 0-23, local weekday 0-6, local day index from first_day) per UTC hour."""
        local = self.hours.tz_convert(tz)
        day_index = (local.tz_localize(None).normalize() - pd.Timestamp(self.first_day)).days
        return local.hour.to_numpy(), local.day_of_week.to_numpy(), day_index.to_numpy()

    def day_index(self, day: dt.date) -> int:
        return (day - self.first_day).days


class SampleGenerator:
    def __init__(self, n_tickets: int, seed: int, end: dt.date, progress: Progress | None,
                 days: int = HISTORY_DAYS) -> None:  # fmt: skip
        self.n = n_tickets
        self.rng = np.random.default_rng(seed)
        self.seed = seed
        self.cal = _Calendar(end, days)
        self.progress = progress or (lambda fraction, message: None)
        self.markets = profile.MARKETS
        self.countries = [m.country for m in self.markets]
        self.languages = sorted({lang for m in self.markets for lang in m.languages})
        self.channels = list(profile.CHANNEL_MIX)
        self.categories = list(profile.CATEGORIES)
        self.hubs = profile.HUBS
        self.peaks = peak_calendar(self.cal.years)
        self.peak_ids = list(profile.PEAK_UPLIFT)
        voices = voice.load(self.languages)  # checked before anything is simulated
        self.voices = [voices[lang] for lang in self.languages]

    # ------------------------------------------------------------------ demand
    def _day_factors(self, market: profile.Market) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per local day: volume factor, active peak code (-1 none) and incident flag."""
        n_days = self.cal.days + 3
        days = [self.cal.first_day + dt.timedelta(days=i) for i in range(n_days)]
        weekend = reference.weekend_days(market.country)
        weekday = np.array([d.weekday() for d in days])
        is_weekend = np.isin(weekday, list(weekend))
        after_weekend = np.isin((weekday - 1) % 7, list(weekend)) & ~is_weekend
        factor = np.where(is_weekend, profile.WEEKEND_FACTOR, 1.0)
        factor = np.where(after_weekend, 1.12, factor)  # the backlog of the weekend arrives

        holidays = reference.public_holidays(market.country, self.cal.years)
        is_holiday = np.array([d in holidays for d in days])
        factor = np.where(is_holiday, factor * profile.HOLIDAY_FACTOR, factor)

        peak = np.full(n_days, -1)
        for row in self.peaks.itertuples():
            if market.country not in row.markets:
                continue
            a = max(self.cal.day_index(row.start), 0)
            b = min(self.cal.day_index(row.end), n_days - 1)
            if a > b:
                continue
            code = self.peak_ids.index(row.peak_id)
            uplift = profile.PEAK_UPLIFT[row.peak_id]
            # a named peak outweighs a public holiday inside it (Golden Week, Christmas week)
            factor[a : b + 1] = (
                np.where(is_weekend[a : b + 1], profile.WEEKEND_FACTOR, 1.0) * uplift
            )
            peak[a : b + 1] = code

        incident = np.zeros(n_days, dtype=bool)
        for inc in profile.INCIDENTS:
            if inc.country == market.country:
                first = self.cal.day_index(self.cal.end) - inc.days_before_end
                factor[first : first + inc.days] *= inc.uplift
                incident[first : first + inc.days] = True

        factor *= self.rng.lognormal(0.0, 0.07, n_days)  # day-to-day noise
        return factor, peak, incident

    def _demand(self) -> None:
        n_hours = len(self.cal.hours)
        weights = np.empty((len(self.markets), n_hours))
        self.local_hour = np.empty((len(self.markets), n_hours), dtype=np.int8)
        self.local_day = np.empty((len(self.markets), n_hours), dtype=np.int32)
        self.local_weekday = np.empty((len(self.markets), n_hours), dtype=np.int8)
        self.day_peak = []
        self.day_incident = []
        years_to_end = (np.arange(n_hours) - n_hours) / (24 * 365.0)
        curve = np.asarray(profile.HOUR_CURVE)
        for i, market in enumerate(self.markets):
            hour, weekday, day = self.cal.local(reference.country_timezone(market.country))
            factor, peak, incident = self._day_factors(market)
            growth = (1 + market.growth) ** years_to_end
            weights[i] = market.share * growth * curve[hour] * factor[day]
            self.local_hour[i], self.local_day[i], self.local_weekday[i] = hour, day, weekday
            self.day_peak.append(peak)
            self.day_incident.append(incident)
        counts = self.rng.multinomial(self.n, (weights / weights.sum()).ravel())
        cell = np.repeat(np.arange(counts.size), counts)
        self.country = (cell // n_hours).astype(np.int16)
        self.hour = (cell % n_hours).astype(np.int32)
        self.t = self.hour * HOUR + self.rng.random(self.n) * HOUR  # seconds from period start
        order = np.lexsort((self.t, self.country))  # by country, then time: needed for repeats
        self.country, self.hour, self.t = self.country[order], self.hour[order], self.t[order]
        self.year_fraction = self.t / (self.cal.days * DAY)

    # ------------------------------------------------------------------ contact attributes
    def _country_blocks(self) -> list[tuple[int, int, int]]:
        bounds = np.searchsorted(self.country, np.arange(len(self.markets) + 1))
        return [(i, bounds[i], bounds[i + 1]) for i in range(len(self.markets))]

    def _attributes(self) -> None:
        n = self.n
        rng = self.rng
        self.language = np.empty(n, dtype=np.int16)
        self.channel = np.empty(n, dtype=np.int8)
        for i, a, b in self._country_blocks():
            market = self.markets[i]
            langs = [self.languages.index(code) for code in market.languages]
            self.language[a:b] = rng.choice(langs, b - a, p=list(market.languages.values()))
            # channel mix drifts over the two years (messaging grows, email shrinks)
            for q in range(8):
                lo = a + np.searchsorted(self.year_fraction[a:b], q / 8)
                hi = a + np.searchsorted(self.year_fraction[a:b], (q + 1) / 8)
                years_from_mid = (q + 0.5) / 8 * 2 - 1
                p = np.array([
                    c.share * market.channel_tilt.get(name, 1.0) * (1 + c.trend) ** years_from_mid
                    for name, c in profile.CHANNEL_MIX.items()
                ])  # fmt: skip
                self.channel[lo:hi] = rng.choice(len(p), hi - lo, p=p / p.sum())

        shares = np.array([c[0] for c in profile.CATEGORIES.values()])
        self.category = rng.choice(len(shares), n, p=shares / shares.sum()).astype(np.int8)
        day = self.local_day[self.country, self.hour]
        peak = np.stack(self.day_peak)[self.country, day]
        incident = np.stack(self.day_incident)[self.country, day]
        shipping = self.categories.index("shipping")
        in_peak = (peak >= 0) & (rng.random(n) < 0.2)
        self.category[in_peak] = shipping
        for peak_id, category in profile.PEAK_CATEGORY.items():
            hit = (peak == self.peak_ids.index(peak_id)) & (rng.random(n) < 0.35)
            self.category[hit] = self.categories.index(category)
        for inc in profile.INCIDENTS:
            c = self.countries.index(inc.country)
            hit = incident & (self.country == c) & (rng.random(n) < 1 - 1 / inc.uplift)
            self.category[hit] = self.categories.index(inc.category)
        # a voice issue: in its last days, a share of the country's contacts are about it
        self.voice_issue = np.full(n, -1, dtype=np.int8)
        for k, issue in enumerate(profile.VOICE_ISSUES):
            since = (self.cal.days - issue.days) * DAY
            hit = (self.country == self.countries.index(issue.country)) & (self.t >= since)
            hit &= rng.random(n) < issue.share
            self.category[hit] = self.categories.index(issue.category)
            self.voice_issue[hit] = k
        self.in_peak = peak >= 0

        cumulative = np.cumsum([c.priority_mix for c in profile.CHANNEL_MIX.values()], axis=1)
        u = rng.random(n)
        self.priority = (u[:, None] > cumulative[self.channel]).sum(axis=1).astype(np.int8)
        urgent_topic = (self.category == self.categories.index("payment")) & (rng.random(n) < 0.2)
        self.priority[urgent_topic] = np.maximum(self.priority[urgent_topic], 2)

        self._route_to_hubs()

        bot_start = np.array([c.bot_rate_start for c in profile.CHANNEL_MIX.values()])
        bot_end = np.array([c.bot_rate_end for c in profile.CHANNEL_MIX.values()])
        bot_fit = np.array([c[3] for c in profile.CATEGORIES.values()])
        p_bot = bot_start[self.channel] + (bot_end - bot_start)[self.channel] * self.year_fraction
        self.bot_resolved = rng.random(n) < p_bot * bot_fit[self.category]

        handle = np.array([c.handle_median_s for c in profile.CHANNEL_MIX.values()])
        category_effort = np.array([0.9, 1.15, 1.0, 0.8, 1.0, 1.35])
        self.handle = (
            handle[self.channel] * category_effort[self.category] * rng.lognormal(0, 0.45, n)
        )

    def _route_to_hubs(self) -> None:
        """A contact goes to the hub of its region if that hub speaks its language."""
        region_hub = {"Americas": "AMER", "Europe": "EMEA", "Africa": "EMEA", "Asia": "APAC",
                      "Oceania": "APAC"}  # fmt: skip
        hub_ids = [h.hub for h in self.hubs]
        route = np.zeros((len(self.markets), len(self.languages)), dtype=np.int8)
        for i, market in enumerate(self.markets):
            region, subregion = reference.country_region(market.country)
            home = "EMEA" if subregion == "Western Asia" else region_hub[region]
            for lang in market.languages:
                speakers = [h.hub for h in self.hubs if lang in h.languages]
                hub = home if home in speakers else speakers[0]
                route[i, self.languages.index(lang)] = hub_ids.index(hub)
        self.hub = route[self.country, self.language]

    # ------------------------------------------------------------------ schedule
    def _hub_hour_weights(self, hub: profile.Hub) -> np.ndarray:
        """UTC hours of the grid covered by each shift type, as (2, n_hours) booleans."""
        local_hour = self.cal.hours.tz_convert(hub.timezone).hour.to_numpy()
        return np.stack([(local_hour - s) % 24 < 8 for s in hub.shift_starts])

    def _schedule(self) -> None:
        rng = self.rng
        n_hours = len(self.cal.hours)
        # offered load in agent-hours per (hub, language, UTC hour), bot contacts excluded
        load = np.zeros((len(self.hubs), len(self.languages), n_hours))
        human = ~self.bot_resolved
        np.add.at(
            load,
            (self.hub[human], self.language[human], self.hour[human]),
            self.handle[human] / HOUR,
        )
        recent = slice(n_hours - 8 * 7 * 24, n_hours)

        agents = []
        for h, hub in enumerate(self.hubs):
            windows = self._hub_hour_weights(hub)
            weekday = self.cal.hours.tz_convert(hub.timezone).day_of_week.to_numpy() < 5
            second = profile.SECOND_LANGUAGE[hub.hub]
            ordered = [lang for lang in hub.languages if lang != second] + [second]
            extra_capacity = np.zeros(2)  # second-language capacity given by bilingual agents
            for lang in ordered:
                li = self.languages.index(lang)
                for s in range(2):
                    mask = windows[s] & weekday
                    mask[: recent.start] = False
                    hourly = load[h, li][mask]
                    if hourly.size == 0 or hourly.sum() == 0:
                        continue
                    busy = np.quantile(hourly, 0.75) / profile.TARGET_OCCUPANCY
                    need = (busy + 0.75 * np.sqrt(busy)) / (1 - profile.SHRINKAGE)
                    if lang == second:
                        need = max(need - extra_capacity[s], 0.5)
                    on_shift = max(1, round(need * hub.languages[lang]))
                    roster = int(np.ceil(on_shift * 7 / 5))
                    for k in range(roster):
                        bilingual = lang != second and rng.random() < 0.5
                        spoken = [lang, second] if bilingual else [lang]
                        if bilingual:
                            extra_capacity[s] += 0.5 * 5 / 7
                        agents.append((hub.hub, spoken, s, k, roster))
        self.agent_table = self._agent_rows(agents)
        self.shift_table = self._shift_rows(agents)

    def _agent_rows(self, agents: list) -> pd.DataFrame:
        rng = self.rng
        live, written = ["phone", "chat"], ["email", "web_form", "social", "messaging"]
        rows = []
        for i, (hub, spoken, _, k, _) in enumerate(agents):
            u = rng.random()
            channels = self.channels if u < 0.6 else (written if u < 0.85 else live)
            if k == 0:  # every team's first agent handles all channels: none is left unserved
                channels = self.channels
            rows.append({"agent_id": f"A{i + 1:04d}", "hub": hub, "languages": spoken,
                         "channels": list(channels)})  # fmt: skip
        return pd.DataFrame(rows)

    def _shift_rows(self, agents: list) -> pd.DataFrame:
        """Five shifts a week per agent; hires follow demand growth; 8% of shifts are absences."""
        rng = self.rng
        hubs = {h.hub: h for h in self.hubs}
        first = self.cal.start - dt.timedelta(days=1)
        n_days = self.cal.days + 1 + FUTURE_SCHEDULE_DAYS
        dates = pd.date_range(first, periods=n_days, freq="D")
        day_offsets = np.arange(n_days)
        weekday = dates.day_of_week.to_numpy()
        # days off rotate through the team so that weekends are covered by somebody
        days_off_patterns = [(5, 6), (1, 2), (3, 4), (6, 0), (2, 3), (4, 5), (0, 1)]
        growth = 0.2
        today = self.cal.days  # the day offset of the period's end
        frames = []
        for i, (hub_id, _spoken, s, k, roster) in enumerate(agents):
            hub = hubs[hub_id]
            off = days_off_patterns[k % len(days_off_patterns)]
            # the k-th agent (k = 0, 1, ...) of a team of ``roster`` joins once demand, growing
            # towards today's level, exceeds k / roster of it: small teams are there from the start
            hire_day = today + 365 * np.log(k / roster) / np.log(1 + growth) if k else -np.inf
            working = ~np.isin(weekday, off) & (day_offsets >= hire_day)
            working &= rng.random(n_days) >= 0.08
            start_local = dates[working] + pd.Timedelta(hours=hub.shift_starts[s])
            start_utc = start_local.tz_localize(hub.timezone).tz_convert("UTC")
            frames.append(pd.DataFrame({"agent_id": f"A{i + 1:04d}", "start_at": start_utc}))
        shifts = pd.concat(frames, ignore_index=True)
        shifts["end_at"] = shifts["start_at"] + pd.Timedelta(hours=8)
        return shifts

    def _capacity(self) -> np.ndarray:
        """Scheduled agents per (language, UTC hour); an agent with k languages counts 1/k each."""
        n_hours = len(self.cal.hours)
        speaks = {row.agent_id: row.languages for row in self.agent_table.itertuples()}
        start_hour = (self.shift_table["start_at"] - self.cal.t0).dt.total_seconds() // HOUR
        capacity = np.zeros((len(self.languages), n_hours))
        agent_hours = []
        for agent_id, first_hours in self.shift_table.groupby("agent_id").groups.items():
            spoken = [self.languages.index(lang) for lang in speaks[agent_id]]
            hours = (start_hour[first_hours].to_numpy()[:, None] + np.arange(8)).ravel()
            hours = hours[(hours >= 0) & (hours < n_hours)].astype(np.int64)
            for li in spoken:
                np.add.at(capacity[li], hours, 1 / len(spoken))
                agent_hours.append((li, hours, int(agent_id[1:]) - 1))
        self._agent_hours = agent_hours
        return capacity

    # ------------------------------------------------------------------ queue and outcomes
    def _outcomes(self) -> None:
        rng = self.rng
        n = self.n
        n_hours = len(self.cal.hours)
        capacity = self._capacity()
        load = np.zeros((len(self.languages), n_hours))
        human = ~self.bot_resolved
        np.add.at(load, (self.language[human], self.hour[human]), self.handle[human] / HOUR)
        # live contacts come first, but an agent finishes the e-mail in hand before taking a
        # call: written work counts half towards the queue's load; a chat agent runs about 2.5
        # chats at once
        live_load = 0.5 * load
        concurrency = np.array([2.5 if name == "chat" else 1.0 for name in self.channels])
        queued = human & np.array([c.live for c in profile.CHANNEL_MIX.values()])[self.channel]
        extra = self.handle[queued] * (1 / concurrency[self.channel[queued]] - 0.5) / HOUR
        np.add.at(live_load, (self.language[queued], self.hour[queued]), extra)
        available = capacity * (1 - profile.SHRINKAGE)
        with np.errstate(divide="ignore", invalid="ignore"):
            rho = np.where(available > 0, load / available, np.inf)
            rho_live = np.where(available > 0, live_load / available, np.inf)

        # hour index of the next hour with somebody on shift who speaks the language
        covered = capacity > 0
        idx = np.where(covered, np.arange(n_hours), n_hours + 72)
        next_cov = np.minimum.accumulate(idx[:, ::-1], axis=1)[:, ::-1]
        li, hi = self.language, self.hour
        wait_for_shift = np.where(
            covered[li, hi], 0.0, (next_cov[li, hi] - hi) * HOUR - (self.t - hi * HOUR)
        )
        serve_hour = np.minimum(next_cov[li, hi], n_hours - 1)  # now, or when a shift starts
        rho_then = rho[li, serve_hour]
        rho_then = np.where(np.isfinite(rho_then), rho_then, 3.0)
        agents_then = available[li, serve_hour]

        profiles = list(profile.CHANNEL_MIX.values())
        live = np.array([c.live for c in profiles])[self.channel]
        median = np.array([c.first_response_median_s for c in profiles])[self.channel]
        sigma = np.array([c.first_response_sigma for c in profiles])[self.channel]
        patience = np.array([max(c.patience_s, 1) for c in profiles])[self.channel]
        handle = np.array([c.handle_median_s for c in profiles])[self.channel]
        priority_factor = np.array([profile.PRIORITY_FACTOR[p] for p in PRIORITIES])
        base = median * rng.lognormal(0, sigma, n)

        # live queues (M/M/c-like): the chance to wait follows Sakasegawa's approximation
        # rho^sqrt(2(c+1)); those who wait, wait exponentially with mean AHT / (c(1-rho)), and
        # give up when their (exponential) patience runs out first. Overloaded hours queue up.
        rho_queue = rho_live[li, serve_hour]
        rho_queue = np.where(np.isfinite(rho_queue), rho_queue, 3.0)
        r = np.minimum(rho_queue, 0.97)
        p_wait = np.where(rho_queue < 1, r ** np.sqrt(2 * (agents_then + 1)), 1.0)
        mean_wait = handle / (np.maximum(agents_then, 0.5) * (1 - r))
        mean_wait *= 1 + 20 * np.maximum(rho_queue - 0.97, 0)
        queue_wait = (rng.random(n) < p_wait) * rng.exponential(np.minimum(mean_wait, 2 * HOUR))
        queue_wait += rng.lognormal(np.log(6), 0.6, n)  # menu, routing and pick-up
        # Nobody on shift who speaks the language: half hang up, half leave a callback request
        # (a chat: a message) and are answered a few minutes after the next shift starts. The
        # customer waits for a human all that time, so that is the callback's queue wait: it is
        # neither a quick answer nor an abandon.
        uncovered = wait_for_shift > 0
        callback = uncovered & (rng.random(n) < 0.5)
        p_abandon = np.where(uncovered, 1.0, 1 - np.exp(-queue_wait / patience))
        self.abandoned = live & ~self.bot_resolved & ~callback & (rng.random(n) < p_abandon)
        left_after = np.minimum(rng.exponential(patience), np.where(uncovered, np.inf, queue_wait))
        queue_wait = np.where(callback, wait_for_shift + rng.uniform(120, 900, n), queue_wait)
        queue_wait = np.round(np.where(self.abandoned, left_after, queue_wait), 1)  # as exported
        self.queue_wait = np.where(live & ~self.bot_resolved, queue_wait, np.nan)  # bots: no queue

        # written channels: answered in order, later when busy, after the next shift starts
        written_wait = wait_for_shift + base * priority_factor[self.priority] * (
            1 + 3 * np.maximum(rho_then - 0.7, 0)
        )
        # bot channels: the conversation with the bot comes before the agent queue
        handoff = np.where(np.isin(self.channel, self._bot_channel_codes()),
                           rng.uniform(60, 180, n), 0.0)  # fmt: skip
        self.frt = np.where(live, queue_wait, written_wait) + handoff
        self.frt[self.bot_resolved | self.abandoned] = np.nan

        # resolution after the first response
        hours = np.array([c[1] for c in profile.CATEGORIES.values()])[self.category]
        channel_speed = np.array(
            [
                0.25 if c.live else 0.6 if name == "messaging" else 1.0
                for name, c in profile.CHANNEL_MIX.items()
            ]
        )[self.channel]
        work = hours * HOUR * channel_speed * (1 + 0.5 * np.maximum(rho_then - 0.8, 0))
        work = work * rng.lognormal(0, 1.0, n)
        reopen_rate = np.array([c[2] for c in profile.CATEGORIES.values()])[self.category]
        reopen_rate = reopen_rate * (1 + 0.7 * np.minimum(rho_then, 2))
        self.reopens = (rng.random(n) < reopen_rate).astype(np.int32)
        self.reopens += (self.reopens > 0) & (rng.random(n) < 0.2)
        # A chat or message the bot closed is not reopened: a customer it did not help starts a
        # new conversation (a repeat contact, see _customers), which an agent then answers.
        self.reopens[self.bot_resolved] = 0
        work += self.reopens * rng.lognormal(np.log(24 * HOUR), 0.8, n)
        self.resolution = np.where(self.bot_resolved, rng.uniform(120, 480, n), self.frt + work)
        self.resolution[self.abandoned] = np.nan
        stuck = rng.random(n) < 0.002  # a few tickets fall through the cracks
        self.resolution[stuck & ~self.bot_resolved] = np.nan

        replies_mean = np.array([c.replies_mean for c in profiles])[self.channel]
        self.replies = 1 + rng.poisson(replies_mean) + 2 * self.reopens
        self.replies[self.channel == self.channels.index("phone")] = (
            1 + self.reopens[self.channel == self.channels.index("phone")]
        )
        self.replies[self.bot_resolved | self.abandoned] = 0
        self.handle = self.handle * (1 + 0.6 * self.reopens) + 30 * self.replies
        self.handle[self.bot_resolved | self.abandoned] = 0.0
        self._assign_agents()

    def _bot_channel_codes(self) -> list[int]:
        return [i for i, c in enumerate(profile.CHANNEL_MIX.values()) if c.bot_rate_end > 0]

    def _assign_agents(self) -> None:
        """The agent who answered: somebody on shift at first response who speaks the language and
        handles the channel; when nobody on shift does (long queues), any agent who does."""
        n_hours = len(self.cal.hours)
        n_lang = len(self.languages)
        cells, who = [], []
        for li, hours, agent in self._agent_hours:
            cells.append(li * n_hours + hours)
            who.append(np.full(hours.size, agent))
        cells, who = np.concatenate(cells), np.concatenate(who)
        order = np.argsort(cells, kind="stable")
        cells, who = cells[order], who[order]
        starts = np.searchsorted(cells, np.arange(n_lang * n_hours))
        ends = np.searchsorted(cells, np.arange(n_lang * n_hours), side="right")
        agents = self.agent_table
        speaks = np.array([[lang in row for lang in self.languages] for row in agents["languages"]])
        handles = np.array([[ch in row for ch in self.channels] for row in agents["channels"]])

        answered = np.isfinite(self.frt)
        hour_answered = np.clip(((self.t + np.nan_to_num(self.frt)) // HOUR).astype(np.int64), 0,
                                n_hours - 1)  # fmt: skip
        cell = self.language.astype(np.int64) * n_hours + hour_answered

        def on_shift(rows: np.ndarray) -> np.ndarray:
            """A random speaker of the language on shift in the hour (-1: nobody)."""
            count = ends[cell[rows]] - starts[cell[rows]]
            pick = starts[cell[rows]] + (self.rng.random(rows.size) * np.maximum(count, 1)).astype(
                np.int64
            )
            return np.where(count > 0, who[np.minimum(pick, who.size - 1)], -1)

        def wrong_channel(agent: np.ndarray, rows: np.ndarray) -> np.ndarray:
            """The rows whose agent does not handle their channel."""
            return rows[(agent[rows] >= 0) & ~handles[agent[rows], self.channel[rows]]]

        everyone = np.arange(self.n)
        agent = on_shift(everyone)
        redraw = wrong_channel(agent, everyone)
        for _ in range(CHANNEL_REDRAWS):  # most speakers on shift handle the channel: ask another
            agent[redraw] = on_shift(redraw)
            redraw = wrong_channel(agent, redraw)
        agent[redraw] = -1
        # nobody on shift who speaks it and handles the channel: any agent who does
        missing = np.flatnonzero(answered & (agent < 0))
        skill = self.language[missing].astype(np.int64) * len(self.channels) + self.channel[missing]
        for key in np.unique(skill):
            li, ch = divmod(int(key), len(self.channels))
            rows, pool = missing[skill == key], np.flatnonzero(speaks[:, li] & handles[:, ch])
            if pool.size:
                agent[rows] = self.rng.choice(pool, rows.size)
        agent[~answered & ~np.isfinite(self.resolution)] = -1
        agent[self.bot_resolved | self.abandoned] = -1
        self.agent = agent

    # ------------------------------------------------------------------ repeat contacts
    def _customers(self) -> None:
        """Customer ids; about one contact in ten is somebody coming back within a week."""
        rng = self.rng
        n = self.n
        customer = np.empty(n, dtype=np.int64)
        offset = 0
        for _, a, b in self._country_blocks():
            pool = max(int((b - a) * 0.8), 1)
            customer[a:b] = offset + rng.integers(0, pool, b - a)
            offset += pool

        frt_slow = np.nan_to_num(self.frt, nan=0) > 24 * HOUR
        failure = (1 + 4 * self.abandoned + 1.5 * self.bot_resolved + 2 * self.reopens
                   + frt_slow + 1.5 * ~np.isfinite(self.resolution))  # fmt: skip
        self.has_repeat = np.zeros(n, dtype=bool)
        follow = rng.random(n) < 0.1
        for _, a, b in self._country_blocks():
            times = self.t[a:b]
            idx = np.flatnonzero(follow[a:b])
            lo = np.searchsorted(times, times[idx] - 7 * DAY)
            hi = np.searchsorted(times, times[idx] - 1200)
            ok = hi > lo
            idx, lo, hi = idx[ok], lo[ok], hi[ok]
            candidates = lo[:, None] + (rng.random((idx.size, 4)) * (hi - lo)[:, None]).astype(
                np.int64
            )
            cand = a + candidates
            child = a + idx
            weight = failure[cand] * np.where(
                self.channel[cand] == self.channel[child, None], 2.5, 1
            )
            weight *= np.where(self.category[cand] == self.category[child, None], 3.0, 1.0)
            choice = weight.cumsum(1) / weight.sum(1, keepdims=True) < rng.random((idx.size, 1))
            parent = cand[np.arange(idx.size), choice.sum(1)]
            # chains of follow-ups resolve left to right because tickets are time-ordered
            for p, c in zip(parent, child, strict=True):
                customer[c] = customer[p]
            same_topic = rng.random(idx.size) < 0.8
            self.category[child[same_topic]] = self.category[parent[same_topic]]
            self.voice_issue[child[same_topic]] = self.voice_issue[parent[same_topic]]
            self.has_repeat[parent] = True
        self.customer = customer

    # ------------------------------------------------------------------ surveys
    def _surveys(self) -> pd.DataFrame:
        rng = self.rng
        period = self.cal.days * DAY
        resolved = np.isfinite(self.resolution)
        resolved_at = self.t + np.nan_to_num(self.resolution)
        sent_at = resolved_at + rng.uniform(0.5, 3, self.n) * HOUR
        sent = resolved & (rng.random(self.n) < 0.8) & (sent_at < period)
        idx = np.flatnonzero(sent)

        profiles = list(profile.CHANNEL_MIX.values())
        channel_rate = np.array([c.survey_response for c in profiles])[self.channel[idx]]
        market_rate = np.array([m.survey_response for m in self.markets])[self.country[idx]]
        responded_at = sent_at[idx] + rng.lognormal(np.log(3 * HOUR), 1.2, idx.size)
        responded = (rng.random(idx.size) < channel_rate * market_rate) & (responded_at < period)

        medians = np.array([c.first_response_median_s for c in profiles])[self.channel[idx]]
        breach = np.nan_to_num(self.frt[idx], nan=0) > 3 * medians
        hours_to_resolve = self.resolution[idx] / HOUR
        style = np.array([m.score_style for m in self.markets])[self.country[idx]]
        issue = self.voice_issue[idx] >= 0
        incident = self._incident_themes(idx)
        quality = (
            1.5
            - 0.45 * np.log1p(hours_to_resolve / 6)
            - 0.9 * np.minimum(self.reopens[idx], 2)
            - 0.5 * breach
            - 0.6 * self.has_repeat[idx]
            + 0.25 * (self.replies[idx] <= 1)
            - 0.3 * self.bot_resolved[idx]
            - 0.8 * (incident >= 0)  # the outage itself spoils the experience
            + style
            + rng.normal(0, 0.85, idx.size)
        )
        # a voice issue's customers score 1-2 (and always comment, below)
        quality = np.where(issue, rng.uniform(-2.2, -0.7, idx.size), quality)
        csat = np.digitize(quality, [-1.3, -0.6, 0.0, 0.8]) + 1
        nps = np.clip(np.round(7.0 + 1.7 * quality + rng.normal(0, 1.3, idx.size)), 0, 10)
        ces = np.clip(np.round(5.0 + 1.2 * quality - 0.4 * (self.replies[idx] > 3)
                               + rng.normal(0, 0.9, idx.size)), 1, 7)  # fmt: skip
        nps = np.where(responded & (rng.random(idx.size) < 0.7), nps, np.nan)
        ces = np.where(responded & (rng.random(idx.size) < 0.55), ces, np.nan)
        csat = np.where(responded, csat, np.nan)

        comment = np.full(idx.size, None, dtype=object)
        theme = np.full(idx.size, None, dtype=object)
        rows = np.flatnonzero(responded & ((rng.random(idx.size) < 0.3) | issue))
        scores = csat[rows].astype(np.int64)
        themes = self._themes(idx[rows], scores, breach[rows], incident[rows])
        tone = np.where(scores >= 4, 0, np.where(scores == 3, 1, 2))
        comment[rows] = self._comment_texts(self.language[idx[rows]], themes, tone)
        theme[rows] = np.array(THEME_IDS, dtype=object)[themes]

        return pd.DataFrame({
            "ticket_number": self.ticket_number[idx],
            "sent_at": self._timestamps(sent_at[idx]),
            "responded_at": self._timestamps(np.where(responded, responded_at, np.nan)),
            "csat": pd.array(csat, dtype="Int16"),
            "nps": pd.array(nps, dtype="Int16"),
            "ces": pd.array(ces, dtype="Int16"),
            "comment": comment,
            "theme": theme,
        })  # fmt: skip

    def _themes(
        self, tickets: np.ndarray, csat: np.ndarray, breach: np.ndarray, incident: np.ndarray
    ) -> np.ndarray:
        """What each comment is about (an index of ``THEME_IDS``), from its ticket as a real
        customer's would be:

        - negative (CSAT 1-2): a breached first response makes it ``slow_reply`` (half of them);
          otherwise a reopen or a repeat contact makes it ``repeat_explain`` (half of them);
          otherwise the contact reason's theme (``profile.REASON_THEMES``). A ticket of a voice
          issue or of an incident (``incident``: its theme index, -1 for none) always gets the
          issue's or the incident's theme.
        - positive (CSAT 4-5): ``fast_help`` if resolved within two hours (every bot resolution
          is), else ``first_contact`` if one agent reply at most and no reopen, else
          ``friendly_agent``.
        - neutral (CSAT 3): ``mixed`` (70 %), else the theme a negative comment would have.
        """
        rng = self.rng
        m = tickets.size
        code = {theme: i for i, theme in enumerate(THEME_IDS)}
        category = self.category[tickets]
        negative = np.empty(m, dtype=np.int64)
        u = rng.random(m)
        for c, name in enumerate(self.categories):
            choices = profile.REASON_THEMES[name]
            pick = np.searchsorted(np.cumsum(list(choices.values())), u[category == c], "right")
            codes = np.array([code[theme] for theme in choices])
            negative[category == c] = codes[np.minimum(pick, codes.size - 1)]
        again = (self.reopens[tickets] > 0) | self.has_repeat[tickets]
        negative = np.where(again & (rng.random(m) < 0.5), code["repeat_explain"], negative)
        negative = np.where(breach & (rng.random(m) < 0.5), code["slow_reply"], negative)
        issue = self.voice_issue[tickets]
        issue_theme = np.array([code[i.theme] for i in profile.VOICE_ISSUES])[issue]
        negative = np.where(incident >= 0, incident, negative)
        negative = np.where(issue >= 0, issue_theme, negative)

        fast = self.resolution[tickets] <= 2 * HOUR
        one_contact = (self.replies[tickets] <= 1) & (self.reopens[tickets] == 0)
        positive = np.where(
            fast,
            code["fast_help"],
            np.where(one_contact, code["first_contact"], code["friendly_agent"]),
        )
        mixed = rng.random(m) < 0.7
        return np.where(csat >= 4, positive,
                        np.where((csat == 3) & mixed, code["mixed"], negative))  # fmt: skip

    def _incident_themes(self, tickets: np.ndarray) -> np.ndarray:
        """The theme of each ticket of an incident (-1: none): during an incident, every contact
        of its country about its contact reason is about the incident."""
        planted = np.full(tickets.size, -1, dtype=np.int64)
        country, category = self.country[tickets], self.category[tickets]
        day = self.local_day[country, self.hour[tickets]]
        for inc in profile.INCIDENTS:
            first = self.cal.day_index(self.cal.end) - inc.days_before_end
            hit = (country == self.countries.index(inc.country)) & (day >= first)
            hit &= (day < first + inc.days) & (category == self.categories.index(inc.category))
            planted[hit] = THEME_IDS.index(inc.theme)
        return planted

    def _comment_texts(
        self, language: np.ndarray, themes: np.ndarray, tone: np.ndarray
    ) -> list[str]:
        """Comments in the given languages about the given themes, of the given tones (0
        positive, 1 neutral, 2 negative): an opener (sometimes), a sentence of the theme, a second
        one (sometimes) and a closer of the tone (sometimes), placeholders filled in."""
        rng = self.rng
        m = language.size
        voices = self.voices

        def choice(sizes: np.ndarray, rate: float = 1.0) -> np.ndarray:
            """A random index below each size, or -1 (a part left out) with 1 - rate."""
            index = (rng.random(m) * sizes).astype(np.int64)
            return np.where(rng.random(m) < rate, index, -1)

        opener = choice(np.array([len(v.openers) for v in voices])[language], OPENER_RATE)
        sizes = np.array([[len(v.themes[t]) for t in THEME_IDS] for v in voices])[language, themes]
        first = choice(sizes)
        second = choice(sizes - 1, SECOND_SENTENCE_RATE)
        second = np.where(second >= 0, (first + 1 + second) % sizes, -1)  # never the first again
        closer_lists = [(v.closers_good, v.closers, v.closers_bad) for v in voices]  # by tone
        closer_sizes = np.array([[len(c) for c in lists] for lists in closer_lists])
        closer = choice(closer_sizes[language, tone], CLOSER_RATE)
        days, hours = rng.integers(2, 22, m), rng.integers(2, 49, m)
        order = rng.integers(100_000, 1_000_000, m)
        texts = []
        for i in range(m):
            v = voices[language[i]]
            sentences = v.themes[THEME_IDS[themes[i]]]
            parts = [v.openers[opener[i]]] if opener[i] >= 0 else []
            parts.append(sentences[first[i]])
            if second[i] >= 0:
                parts.append(sentences[second[i]])
            if closer[i] >= 0:
                parts.append(closer_lists[language[i]][tone[i]][closer[i]])
            text = v.joiner.join(parts)
            texts.append(text.format(days=days[i], hours=hours[i], order=order[i])
                         if "{" in text else text)  # fmt: skip
        return texts

    # ------------------------------------------------------------------ assembly
    def _timestamps(self, seconds: np.ndarray) -> pd.Series:
        """Seconds from the period start (NaN = missing) as UTC timestamps."""
        micros = np.round(np.nan_to_num(seconds, nan=0) * 1e6).astype("int64")
        values = self.cal.t0.to_datetime64().astype("datetime64[us]") + micros.astype(
            "timedelta64[us]"
        )
        values[np.isnan(seconds)] = np.datetime64("NaT")
        return pd.Series(values).dt.tz_localize("UTC")

    def _tickets(self) -> pd.DataFrame:
        period = self.cal.days * DAY
        first_response = self.t + self.frt
        resolved = self.t + self.resolution
        first_response[first_response >= period] = np.nan  # not answered yet at the end
        open_at_end = ~(resolved < period)
        resolved[open_at_end] = np.nan
        status = np.where(open_at_end, np.where(self.rng.random(self.n) < 0.35, 1, 0), 3)
        status = np.where(~open_at_end & (resolved > period - 3 * DAY), 2, status)
        status = np.where(open_at_end & np.isnan(first_response), 0, status)
        status = np.where(self.abandoned, 4, status)
        statuses = ["open", "pending", "solved", "closed", "abandoned"]
        live = np.isfinite(self.queue_wait)
        return pd.DataFrame({
            "ticket_number": self.ticket_number,
            "customer_number": self.customer,
            "created_at": self._timestamps(self.t),
            "first_response_at": self._timestamps(first_response),
            "resolved_at": self._timestamps(resolved),
            "status": pd.Categorical.from_codes(status, statuses),
            "channel": pd.Categorical.from_codes(self.channel, self.channels),
            "country": pd.Categorical.from_codes(self.country, self.countries),
            "language": pd.Categorical.from_codes(self.language, self.languages),
            "priority": pd.Categorical.from_codes(self.priority, list(PRIORITIES)),
            "category": pd.Categorical.from_codes(self.category, self.categories),
            "hub": pd.Categorical.from_codes(self.hub, [h.hub for h in self.hubs]),
            "agent_number": pd.array(np.where(self.agent >= 0, self.agent + 1, 0), dtype="Int32"),
            "agent_replies": self.replies.astype(np.int32),
            "reopens": self.reopens,
            "handle_seconds": np.round(self.handle, 1),
            "queue_wait_seconds": self.queue_wait,
            "abandoned": pd.Series(self.abandoned, dtype="boolean").where(live, pd.NA),
            "bot_resolved": self.bot_resolved,
        })  # fmt: skip

    def run(self) -> SampleData:
        steps = [
            ("contact demand in local time", self._demand),
            ("contact reasons, channels and languages", self._attributes),
            ("agents and shifts", self._schedule),
            ("queues and response times", self._outcomes),
            ("repeat contacts", self._customers),
        ]
        for i, (message, step) in enumerate(steps):
            self.progress(i / (len(steps) + 2), message)
            step()
        self.progress(len(steps) / (len(steps) + 2), "surveys")
        self.ticket_number = np.empty(self.n, dtype=np.int64)
        self.ticket_number[np.argsort(self.t, kind="stable")] = np.arange(1, self.n + 1)
        surveys = self._surveys()
        tickets = self._tickets()
        hubs = pd.DataFrame([{"hub": h.hub, "name": h.name, "timezone": h.timezone}
                             for h in self.hubs])  # fmt: skip
        return SampleData(tickets, surveys, self.agent_table, self.shift_table, hubs)


def generate(
    n_tickets: int, seed: int, end: dt.date, progress: Progress | None = None,
    days: int = HISTORY_DAYS,
) -> SampleData:
    """Simulate ``n_tickets`` contacts over the ``days`` ending on ``end`` (inclusive)."""
    if n_tickets < 1:
        raise ValueError("n_tickets must be at least 1")
    return SampleGenerator(n_tickets, seed, end, progress, days).run()
