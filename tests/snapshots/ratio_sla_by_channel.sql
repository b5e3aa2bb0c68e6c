-- compile_request(kpis=['sla'], by=['channel'], flt=Filter(start=datetime.date(2025, 1, 1), end=datetime.date(2025, 1, 31), countries=(), languages=(), channels=(), priorities=(), hubs=(), categories=(), timezone='UTC'))
-- refresh: UPDATE_SNAPSHOTS=1 python -m pytest tests/test_metrics_sql.py -n 0
-- bound parameters:
-- $current_end = datetime.datetime(2025, 2, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC'))
-- $current_start = datetime.datetime(2025, 1, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC'))
SELECT 'tickets_created_at' AS __part,
    'current' AS period,
    t.channel AS "channel",
    count(*) FILTER (WHERE (NOT t.bot_resolved AND NOT coalesce(t.abandoned, false) AND (t.first_response_at IS NOT NULL OR (t.resolved_at IS NULL AND epoch(data_end.ts) - epoch(t.created_at) > coalesce(sla.target_seconds, 86400)))) AND (epoch(t.first_response_at) - epoch(t.created_at) <= coalesce(sla.target_seconds, 86400))) AS "sla__k",
    count(*) FILTER (WHERE NOT t.bot_resolved AND NOT coalesce(t.abandoned, false) AND (t.first_response_at IS NOT NULL OR (t.resolved_at IS NULL AND epoch(data_end.ts) - epoch(t.created_at) > coalesce(sla.target_seconds, 86400)))) AS "sla__n"
  FROM tickets t CROSS JOIN (SELECT (SELECT max(created_at)
      FROM tickets
      WHERE created_at < now() + INTERVAL 1 DAY) AS ts) AS data_end LEFT JOIN (VALUES ('email', 'urgent', 3600), ('email', 'high', 14400), ('email', 'normal', 86400), ('email', 'low', 172800), ('web_form', 'urgent', 3600), ('web_form', 'high', 14400), ('web_form', 'normal', 86400), ('web_form', 'low', 172800), ('social', 'urgent', 3600), ('social', 'high', 7200), ('social', 'normal', 21600), ('social', 'low', 43200), ('messaging', 'urgent', 900), ('messaging', 'high', 3600), ('messaging', 'normal', 14400), ('messaging', 'low', 28800), ('chat', 'urgent', 60), ('chat', 'high', 60), ('chat', 'normal', 120), ('chat', 'low', 120), ('phone', 'urgent', 60), ('phone', 'high', 60), ('phone', 'normal', 120), ('phone', 'low', 120)) AS sla(channel, priority, target_seconds) ON sla.channel = t.channel AND sla.priority = t.priority
  WHERE t.created_at >= $current_start AND t.created_at < $current_end
  GROUP BY ALL
