-- ban_timeline
-- Every ban, step by step: when a market proposed, enacted, saw blocked or lifted a ban on a company,
-- with the sentence that reports each step. Sort by happened_on to read the bans as one timeline.
--
-- Grain: one row per ban and status step (ban_history); a ban without recorded history appears once,
-- with its consolidated status.
--
-- Columns:
-- - ban_id: the consolidated ban (bans.ban_id)
-- - step: order of the status step within the ban, from 1
-- - status: status at this step: proposed | enacted | blocked | lifted
-- - previous_status: status at the step before, null on the first step
-- - happened_on: date of the step: its event date, else the day it was first reported
-- - event_date: date the step took effect, as the news gives it
-- - first_reported: publication time of the first article reporting this step
-- - report_count: reports behind this step
-- - evidence: a sentence quoted from the news for this step
-- - is_latest: true on the ban's last step
-- - market_id: jurisdiction that issued the ban
-- - market_name: the jurisdiction's name
-- - target_id: company_id of the banned company or app
-- - target_name: its canonical name
-- - measure: app_ban | transaction_ban | equipment_ban | divestiture_order | other
-- - authority: who issued it, as written
-- - scope_count: how many apps or companies the same measure covered
-- - current_status: the ban's latest known status (bans.status)

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
