"""When customers contact us: mean contacts per local hour of the week.

A month holds four of some weekdays and five of others, so dividing every weekday by weeks
(days / 7) makes the five-times weekdays look busier than they are. Each of the 168 hours of the
week (Monday 00:00 = 0 ... Sunday 23:00 = 167) is divided by how many hours of it the period
really covers in the customers' time zone: the period's edges fall at other local times there,
a zone offset by 30 or 45 minutes covers part of an hour, and a daylight-saving change skips an
hour or repeats one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_access.filters import Filter

HOURS_OF_WEEK = 168
_STEP = pd.Timedelta(minutes=15)  # every zone offset in use is a multiple of 15 minutes


def hours_covered(flt: Filter, zone: str) -> np.ndarray:
    """For each local hour of the week in ``zone``, how many hours of it the period
    [first day 00:00, day after the last 00:00) of ``flt`` (in its own zone) covers."""
    if not flt.days:
        raise ValueError("an hour-of-week average needs a period with a start and an end date")
    steps = pd.date_range(flt.start_ts, flt.end_ts, freq=_STEP, inclusive="left").tz_convert(zone)
    hour_of_week = steps.day_of_week.to_numpy() * 24 + steps.hour.to_numpy()
    return np.bincount(hour_of_week, minlength=HOURS_OF_WEEK) * (_STEP / pd.Timedelta(hours=1))


def contacts_per_hour(table: pd.DataFrame, flt: Filter, zone: str) -> np.ndarray:
    """Mean contacts in each local hour of the week, from a ``volume`` table grouped by
    ``local_hour_of_week`` for customers in ``zone``; NaN for an hour the period never covers."""
    contacts = table.groupby("local_hour_of_week")["value"].sum()
    contacts = contacts.reindex(range(HOURS_OF_WEEK), fill_value=0).to_numpy(float)
    covered = hours_covered(flt, zone)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(covered > 0, contacts / covered, np.nan)
