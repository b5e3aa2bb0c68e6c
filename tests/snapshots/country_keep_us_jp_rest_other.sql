-- compile_request(kpis=['volume', 'csat'], by=['country'], flt=Filter(start=datetime.date(2025, 1, 1), end=datetime.date(2025, 1, 31), countries=(), languages=(), channels=(), priorities=(), hubs=(), categories=(), timezone='UTC'), keep={'country': ['US', 'JP']})
-- refresh: UPDATE_SNAPSHOTS=1 python -m pytest tests/test_metrics_sql.py -n 0
-- bound parameters:
-- $current_end = datetime.datetime(2025, 2, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC'))
-- $current_start = datetime.datetime(2025, 1, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC'))
-- $keep_country = ['US', 'JP']
SELECT 'tickets_created_at' AS __part,
    'current' AS period,
    CASE WHEN t.country = ANY($keep_country) THEN t.country ELSE 'Other' END AS "country",
    count(*) AS "volume__n"
  FROM tickets t
  WHERE t.created_at >= $current_start AND t.created_at < $current_end
  GROUP BY ALL
UNION ALL BY NAME
SELECT 'surveys_responded_at' AS __part,
    'current' AS period,
    CASE WHEN s.country = ANY($keep_country) THEN s.country ELSE 'Other' END AS "country",
    count(*) FILTER (WHERE (s.csat IS NOT NULL) AND (s.csat >= 4)) AS "csat__k",
    count(*) FILTER (WHERE s.csat IS NOT NULL) AS "csat__n"
  FROM surveys s
  WHERE s.responded_at >= $current_start AND s.responded_at < $current_end
  GROUP BY ALL
