-- compile_request(kpis=['backlog'], by=['hub'], grain='day', flt=Filter(start=datetime.date(2025, 1, 1), end=datetime.date(2025, 1, 7), countries=(), languages=(), channels=(), priorities=(), hubs=(), categories=(), timezone='America/New_York'))
-- refresh: UPDATE_SNAPSHOTS=1 python -m pytest tests/test_metrics_sql.py -n 0
-- bound parameters:
-- $current_end = datetime.datetime(2025, 1, 8, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='America/New_York'))
-- $current_start = datetime.datetime(2025, 1, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='America/New_York'))
-- $tz = 'America/New_York'
SELECT 'backlog' AS __part,
    'current' AS period,
    "hub",
    bucket AS "day",
    backlog__n,
    least(bucket + INTERVAL 1 day, timezone($tz, $current_end)) > (date_trunc('day', timezone($tz, (SELECT max(created_at)
          FROM tickets
          WHERE created_at < now() + INTERVAL 1 DAY))) + INTERVAL 1 DAY) AS backlog__after_end
  FROM (SELECT "hub", bucket, sum(sum(change)) OVER (PARTITION BY "hub" ORDER BY bucket) AS backlog__n
    FROM (SELECT t.hub AS "hub", date_trunc('day', timezone($tz, $current_start)) AS bucket, count(*) AS change
      FROM tickets t
      WHERE t.created_at < $current_start AND (t.resolved_at IS NULL OR t.resolved_at >= $current_start) AND NOT coalesce(t.abandoned, false)
      GROUP BY ALL
      UNION ALL SELECT t.hub AS "hub", date_trunc('day', timezone($tz, t.created_at)) AS bucket, 1 AS change
      FROM tickets t
      WHERE t.created_at IS NOT NULL AND NOT coalesce(t.abandoned, false) AND t.created_at >= $current_start AND t.created_at < $current_end
      UNION ALL SELECT t.hub AS "hub", date_trunc('day', timezone($tz, t.resolved_at)) AS bucket, -1 AS change
      FROM tickets t
      WHERE t.resolved_at IS NOT NULL AND NOT coalesce(t.abandoned, false) AND t.resolved_at >= $current_start AND t.resolved_at < $current_end)
    GROUP BY "hub", bucket)
