-- compile_request(kpis=['nps'], flt=Filter(start=datetime.date(2025, 1, 1), end=datetime.date(2025, 1, 31), countries=('JP', 'KR'), languages=(), channels=(), priorities=(), hubs=(), categories=(), timezone='UTC'))
-- refresh: UPDATE_SNAPSHOTS=1 python -m pytest tests/test_metrics_sql.py -n 0
-- bound parameters:
-- $current_end = datetime.datetime(2025, 2, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC'))
-- $current_start = datetime.datetime(2025, 1, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC'))
-- $f_countries = ['JP', 'KR']
SELECT 'surveys_responded_at' AS __part,
    'current' AS period,
    count(*) FILTER (WHERE (s.nps IS NOT NULL) AND s.nps >= 9) AS "nps__pro",
    count(*) FILTER (WHERE (s.nps IS NOT NULL) AND s.nps <= 6) AS "nps__det",
    count(*) FILTER (WHERE s.nps IS NOT NULL) AS "nps__n"
  FROM surveys s
  WHERE s.responded_at >= $current_start AND s.responded_at < $current_end AND s.country = ANY($f_countries)
  GROUP BY ALL
UNION ALL BY NAME
SELECT 'surveys_responded_at:countries' AS __part,
    'current' AS period,
    CASE WHEN s.country = ANY($f_countries) THEN s.country END AS __member,
    count(*) FILTER (WHERE (s.nps IS NOT NULL) AND s.nps >= 9) AS "nps__pro",
    count(*) FILTER (WHERE (s.nps IS NOT NULL) AND s.nps <= 6) AS "nps__det",
    count(*) FILTER (WHERE s.nps IS NOT NULL) AS "nps__n"
  FROM surveys s
  WHERE s.responded_at >= $current_start AND s.responded_at < $current_end
  GROUP BY ALL
