-- compile_request(kpis=['backlog'], flt=Filter(start=datetime.date(2025, 1, 1), end=datetime.date(2025, 1, 31), countries=(), languages=(), channels=(), priorities=(), hubs=(), categories=(), timezone='UTC'), compare=['previous'])
-- refresh: UPDATE_SNAPSHOTS=1 python -m pytest tests/test_metrics_sql.py -n 0
-- bound parameters:
-- $current_end = datetime.datetime(2025, 2, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC'))
-- $previous_end = datetime.datetime(2025, 1, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC'))
SELECT 'backlog' AS __part,
    'current' AS period,
    count(*) AS "backlog__n",
    make_timestamp(epoch_us($current_end)) > (date_trunc('day', make_timestamp(epoch_us((SELECT max(created_at)
            FROM tickets
            WHERE created_at < now() + INTERVAL 1 DAY)))) + INTERVAL 1 DAY) AS "backlog__after_end"
  FROM tickets t
  WHERE t.created_at < $current_end AND (t.resolved_at IS NULL OR t.resolved_at >= $current_end) AND NOT coalesce(t.abandoned, false)
  GROUP BY ALL
UNION ALL BY NAME
SELECT 'backlog' AS __part,
    'previous' AS period,
    count(*) AS "backlog__n",
    make_timestamp(epoch_us($previous_end)) > (date_trunc('day', make_timestamp(epoch_us((SELECT max(created_at)
            FROM tickets
            WHERE created_at < now() + INTERVAL 1 DAY)))) + INTERVAL 1 DAY) AS "backlog__after_end"
  FROM tickets t
  WHERE t.created_at < $previous_end AND (t.resolved_at IS NULL OR t.resolved_at >= $previous_end) AND NOT coalesce(t.abandoned, false)
  GROUP BY ALL
