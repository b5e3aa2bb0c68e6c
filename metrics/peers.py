"""One market against its neighbours and the world: the same KPIs, under the same other filters,
for the market, for all markets of its UN subregion together, and for all markets.

A one-country map has nothing to compare the country with; this is what a market team asks
instead ("is it us, or the whole region?")."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pandas as pd

from data_access import reference
from data_access.database import Database
from data_access.filters import Filter
from data_access.results import precomputed
from metrics.engine import kpi_table


@precomputed
def market_against_peers(db: Database, kpis: Sequence[str], flt: Filter) -> pd.DataFrame:
    """The engine's tidy rows (``kpi``, ``value``, ``n``, ``suppressed``…) for the filter's one
    country, its subregion and all markets, with ``scope`` ('market', 'region', 'world') and
    ``name`` (the country code, the subregion's name, '')."""
    (country,) = flt.countries
    everywhere = dataclasses.replace(flt, countries=())
    subregion = reference.country_region(country)[1]
    regions = kpi_table(db, kpis, by=["subregion"], flt=everywhere)
    region = regions[regions["subregion"] == subregion].drop(columns="subregion")
    parts = [
        kpi_table(db, kpis, flt=flt).assign(scope="market", name=country),
        region.assign(scope="region", name=subregion),
        kpi_table(db, kpis, flt=everywhere).assign(scope="world", name=""),
    ]
    return pd.concat(parts, ignore_index=True)
