-- compile_request(kpis=['volume'], flt=Filter(start=datetime.date(2025, 1, 1), end=datetime.date(2025, 1, 31), countries=(), languages=(), channels=(), priorities=(), hubs=(), categories=(), timezone='UTC'))
-- refresh: UPDATE_SNAPSHOTS=1 python -m pytest tests/test_metrics_sql.py -n 0
-- bound parameters:
-- $current_end = datetime.datetime(2025, 2, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC'))
-- $current_start = datetime.datetime(2025, 1, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC'))
SELECT 'tickets_created_at' AS __part,
    'current' AS period,
    count(*) AS "volume__n"
  FROM tickets t
  WHERE t.created_at >= $current_start AND t.created_at < $current_end
  GROUP BY ALL
