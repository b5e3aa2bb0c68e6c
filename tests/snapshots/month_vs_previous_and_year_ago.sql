-- compile_request(kpis=['volume', 'csat'], grain='month', flt=Filter(start=datetime.date(2025, 1, 1), end=datetime.date(2025, 1, 31), countries=(), languages=(), channels=(), priorities=(), hubs=(), categories=(), timezone='UTC'), compare=['previous', 'year_ago'])
-- refresh: UPDATE_SNAPSHOTS=1 python -m pytest tests/test_metrics_sql.py -n 0
-- bound parameters:
-- $current_end = datetime.datetime(2025, 2, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC'))
-- $current_start = datetime.datetime(2025, 1, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC'))
-- $previous_end = datetime.datetime(2025, 1, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC'))
-- $previous_shift = 31
-- $previous_start = datetime.datetime(2024, 12, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC'))
-- $year_ago_end = datetime.datetime(2024, 2, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC'))
-- $year_ago_start = datetime.datetime(2024, 1, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC'))
SELECT 'tickets_created_at' AS __part,
    'current' AS period,
    date_trunc('month', make_timestamp(epoch_us(t.created_at))) AS "month",
    count(*) AS "volume__n"
  FROM tickets t
  WHERE t.created_at >= $current_start AND t.created_at < $current_end
  GROUP BY ALL
UNION ALL BY NAME
SELECT 'tickets_created_at' AS __part,
    'previous' AS period,
    date_trunc('month', (make_timestamp(epoch_us(t.created_at)) + to_days(CAST($previous_shift AS INTEGER)))) AS "month",
    count(*) AS "volume__n"
  FROM tickets t
  WHERE t.created_at >= $previous_start AND t.created_at < $previous_end
  GROUP BY ALL
UNION ALL BY NAME
SELECT 'tickets_created_at' AS __part,
    'year_ago' AS period,
    date_trunc('month', (make_timestamp(epoch_us(t.created_at)) + INTERVAL 1 YEAR)) AS "month",
    count(*) AS "volume__n"
  FROM tickets t
  WHERE t.created_at >= $year_ago_start AND t.created_at < $year_ago_end
  GROUP BY ALL
UNION ALL BY NAME
SELECT 'surveys_responded_at' AS __part,
    'current' AS period,
    date_trunc('month', make_timestamp(epoch_us(s.responded_at))) AS "month",
    count(*) FILTER (WHERE (s.csat IS NOT NULL) AND (s.csat >= 4)) AS "csat__k",
    count(*) FILTER (WHERE s.csat IS NOT NULL) AS "csat__n"
  FROM surveys s
  WHERE s.responded_at >= $current_start AND s.responded_at < $current_end
  GROUP BY ALL
UNION ALL BY NAME
SELECT 'surveys_responded_at' AS __part,
    'previous' AS period,
    date_trunc('month', (make_timestamp(epoch_us(s.responded_at)) + to_days(CAST($previous_shift AS INTEGER)))) AS "month",
    count(*) FILTER (WHERE (s.csat IS NOT NULL) AND (s.csat >= 4)) AS "csat__k",
    count(*) FILTER (WHERE s.csat IS NOT NULL) AS "csat__n"
  FROM surveys s
  WHERE s.responded_at >= $previous_start AND s.responded_at < $previous_end
  GROUP BY ALL
UNION ALL BY NAME
SELECT 'surveys_responded_at' AS __part,
    'year_ago' AS period,
    date_trunc('month', (make_timestamp(epoch_us(s.responded_at)) + INTERVAL 1 YEAR)) AS "month",
    count(*) FILTER (WHERE (s.csat IS NOT NULL) AND (s.csat >= 4)) AS "csat__k",
    count(*) FILTER (WHERE s.csat IS NOT NULL) AS "csat__n"
  FROM surveys s
  WHERE s.responded_at >= $year_ago_start AND s.responded_at < $year_ago_end
  GROUP BY ALL
