-- ban_timeline
-- Every ban, step by step: when a market proposed, enacted, saw blocked or lifted a ban on a company,
-- with the sentence that reports each step. Sort by happened_on to read the bans as one timeline.
--
-- Grain, columns and data tests: ban_timeline.yml beside this file.

WITH steps AS (
    SELECT ban_id, step, status, event_date, first_reported, report_count, evidence
    FROM ban_history
    UNION ALL
    SELECT ban_id, 1, status, event_date, first_reported, report_count, CAST(NULL AS TEXT)
    FROM bans AS b
    WHERE NOT EXISTS (SELECT 1 FROM ban_history AS h WHERE h.ban_id = b.ban_id)
)

SELECT
    s.ban_id,
    s.step,
    s.status,
    lag(s.status) OVER (PARTITION BY s.ban_id ORDER BY s.step) AS previous_status,
    coalesce(s.event_date, CAST(s.first_reported AS DATE)) AS happened_on,
    s.event_date,
    s.first_reported,
    s.report_count,
    s.evidence,
    s.step = max(s.step) OVER (PARTITION BY s.ban_id) AS is_latest,
    b.market_id,
    coalesce(mk.name, b.market_id) AS market_name,
    b.target_id,
    coalesce(c.name, b.target_id) AS target_name,
    b.measure,
    b.authority,
    b.scope_count,
    b.status AS current_status
FROM steps AS s
JOIN bans AS b ON b.ban_id = s.ban_id
LEFT JOIN markets AS mk ON mk.market_id = b.market_id
LEFT JOIN companies AS c ON c.company_id = b.target_id
