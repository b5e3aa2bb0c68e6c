"""Daily volume forecasts with prediction intervals, holidays and retail peaks included.

Two stages, both standard:

1. Calendar effects. log(1 + volume) is regressed (least squares) on weekday dummies, a linear
   trend, the share of the series' volume whose market has a public holiday that day, and, for
   each named peak, the share whose market is inside that peak. The fitted holiday and peak
   coefficients give each day's calendar factor; dividing by it leaves the "ordinary day" series.
2. Exponential smoothing. statsmodels' ``ETSModel`` (multiplicative errors, damped additive trend,
   multiplicative weekly seasonality) is fitted to the adjusted series; its forecast and 95%
   prediction interval (simulated) are multiplied back by the future days' calendar factors,
   which come from the ``holidays`` package and the retail-peak calendar.

Accuracy is shown, not assumed: the same pipeline is refitted without the last 28 days and its
forecast of those days is scored with WAPE = sum |actual − forecast| / sum actual.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

from data_access.catalog import whole_history
from data_access.database import Database
from data_access.filters import DIMENSION_FIELDS, Filter
from data_access.results import precomputed
from metrics.engine import kpi_table
from metrics.events import calendar_features

HOLDOUT_DAYS = 28
SHARE_DAYS = 365  # market mix of a series, from its last year


@dataclass(frozen=True)
class Forecast:
    history: pd.DataFrame  # day, volume
    forecast: pd.DataFrame  # day, mean, lower, upper, calendar (factor applied)
    backtest: pd.DataFrame  # day, actual, predicted
    wape: float
    effects: dict[str, float]  # multiplicative effect of a full holiday / each peak


def _series(db: Database, flt: Filter) -> tuple[pd.Series, pd.Series]:
    """Daily UTC volume (zeros filled) and the series' market shares over its last year."""
    daily = kpi_table(db, ["volume"], flt=whole_history(db, flt), grain="day")
    if daily.empty:
        raise ValueError("no contacts for this selection")
    volume = daily.set_index(pd.to_datetime(daily["day"]))["value"].asfreq("D").fillna(0)
    volume = volume.iloc[:-1]  # the last day may be incomplete
    since = (volume.index[-1] - pd.Timedelta(days=SHARE_DAYS)).date()
    mix = kpi_table(db, ["volume"], by=["country"], flt=flt.with_dates(since, None))
    shares = mix.set_index("country")["value"]
    return volume, shares / shares.sum()


def _design(days: pd.DatetimeIndex, origin: pd.Timestamp, calendar: pd.DataFrame) -> np.ndarray:
    weekday = np.eye(7)[days.day_of_week][:, 1:]  # Monday is the base
    trend = ((days - origin).days.to_numpy() / 365.0)[:, None]
    return np.hstack([np.ones((len(days), 1)), weekday, trend, calendar.to_numpy()])


def _fit(volume: pd.Series, shares: pd.Series, horizon: int) -> tuple[pd.DataFrame, dict]:
    future = pd.date_range(volume.index[-1] + pd.Timedelta(days=1), periods=horizon, freq="D")
    calendar = calendar_features(volume.index.append(future), shares)
    past, ahead = calendar.loc[volume.index], calendar.loc[future]
    x = _design(volume.index, volume.index[0], past)
    coef, *_ = np.linalg.lstsq(x, np.log1p(volume.to_numpy()), rcond=None)
    effects = dict(zip(calendar.columns, coef[-calendar.shape[1] :], strict=True))
    factor_past = np.exp(past.to_numpy() @ np.array(list(effects.values())))
    factor_ahead = np.exp(ahead.to_numpy() @ np.array(list(effects.values())))
    adjusted = (volume / factor_past).clip(lower=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter from the optimiser
        model = ETSModel(
            adjusted,
            error="mul",
            trend="add",
            damped_trend=True,
            seasonal="mul",
            seasonal_periods=7,
        ).fit(disp=False)
        frame = model.get_prediction(
            start=len(adjusted), end=len(adjusted) + horizon - 1, rng=np.random.default_rng(7)
        ).summary_frame(alpha=0.05)
    forecast = pd.DataFrame(
        {
            "day": future,
            "mean": frame["mean"].to_numpy() * factor_ahead,
            "lower": frame["pi_lower"].to_numpy() * factor_ahead,
            "upper": frame["pi_upper"].to_numpy() * factor_ahead,
            "calendar": factor_ahead,
        }
    )
    return forecast, {k: float(np.exp(v)) for k, v in effects.items()}


def wape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Weighted absolute percentage error: sum |actual - predicted| / sum actual."""
    total = np.sum(actual)
    return float(np.sum(np.abs(actual - predicted)) / total) if total else float("nan")


@precomputed
def forecast_daily(
    db: Database, flt: Filter, dimension: str, member: str, horizon_days: int = 84
) -> Forecast:
    """Forecast the daily volume of one language or hub (``dimension``) for ``horizon_days``.

    The filter's dimensions narrow the series (e.g. a hub filter on a language forecast); its
    dates do not: the model uses all history.
    """
    field = {"language": "languages", "hub": "hubs"}.get(dimension)
    if field is None or field not in DIMENSION_FIELDS:
        raise ValueError("forecasts are per 'language' or per 'hub'")
    series_filter = flt.narrowed(**{field: (member,)})
    volume, shares = _series(db, series_filter)
    if len(volume) < 5 * 7 + HOLDOUT_DAYS:
        raise ValueError("fewer than nine weeks of history: too short to forecast")
    forecast, effects = _fit(volume, shares, horizon_days)
    held = volume.iloc[-HOLDOUT_DAYS:]
    check, _ = _fit(volume.iloc[:-HOLDOUT_DAYS], shares, HOLDOUT_DAYS)
    backtest = pd.DataFrame(
        {"day": held.index, "actual": held.to_numpy(), "predicted": check["mean"].to_numpy()}
    )
    history = pd.DataFrame({"day": volume.index, "volume": volume.to_numpy()})
    return Forecast(
        history, forecast, backtest, wape(held.to_numpy(), check["mean"].to_numpy()), effects
    )
