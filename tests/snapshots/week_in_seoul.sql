-- compile_request(kpis=['volume'], grain='week', flt=Filter(start=datetime.date(2025, 1, 6), end=datetime.date(2025, 2, 2), countries=(), languages=(), channels=(), priorities=(), hubs=(), categories=(), timezone='Asia/Seoul'))
-- refresh: UPDATE_SNAPSHOTS=1 python -m pytest tests/test_metrics_sql.py -n 0
-- bound parameters:
-- $current_end = datetime.datetime(2025, 2, 3, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='Asia/Seoul'))
-- $current_start = datetime.datetime(2025, 1, 6, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='Asia/Seoul'))
-- $tz = 'Asia/Seoul'
SELECT 'tickets_created_at' AS __part,
    'current' AS period,
    date_trunc('week', timezone($tz, t.created_at)) AS "week",
    count(*) AS "volume__n"
  FROM tickets t
  WHERE t.created_at >= $current_start AND t.created_at < $current_end
  GROUP BY ALL
