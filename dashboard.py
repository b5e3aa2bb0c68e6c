"""Service Atlas — entry point and Overview page.

Run with ``streamlit run dashboard.py``. Every page starts from ``ui.page.page``, which builds the
sample data on first start and draws the shared filters.
"""

from ui.page import page
from ui.tiles import kpi_tiles

HEADLINE_KPIS = ("volume", "frt_median", "resolution_median", "csat", "nps")

flt = page("Overview", "overview", ":material/public:", "how we serve customers worldwide")
kpi_tiles(flt, HEADLINE_KPIS)
