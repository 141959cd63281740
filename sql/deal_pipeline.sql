-- deal_pipeline
-- Deals by their latest status, with how the status moved over time (for example
-- 'rumored → talks → abandoned'): which talks are live, which closed, which fell apart.
--
-- Grain, columns and data tests: deal_pipeline.yml beside this file.

WITH steps AS (
    SELECT deal_id, step, status, coalesce(event_date, CAST(first_reported AS DATE)) AS status_on
    FROM deal_history
    UNION ALL
    SELECT deal_id, 1, status, CAST(first_reported AS DATE)
    FROM deal_talks AS d
    WHERE NOT EXISTS (SELECT 1 FROM deal_history AS h WHERE h.deal_id = d.deal_id)
),

paths AS (
    SELECT
        deal_id,
        string_agg(status, ' → ' ORDER BY step) AS status_path,
        string_agg(status || coalesce(' (' || CAST(status_on AS TEXT) || ')', ''), ' → ' ORDER BY step)
            AS status_timeline,
        count(*) AS step_count,
        arg_min(status_on, step) AS first_status_on,
        arg_max(status_on, step) AS status_since
    FROM steps
    GROUP BY deal_id
)

SELECT
    d.deal_id,
    d.status,
    v.stage_order,
    coalesce(v.is_open, false) AS is_open,
    d.acquirer_id,
    coalesce(acq.name, d.acquirer_id) AS acquirer_name,
    d.target_id,
    coalesce(tgt.name, d.target_id) AS target_name,
    d.asset,
    d.deal_type,
    d.market_id,
    d.value_usd,
    p.status_path,
    p.status_timeline,
    p.step_count,
    p.first_status_on,
    p.status_since,
    d.first_reported,
    d.last_reported,
    d.report_count,
    d.article_count
FROM deal_talks AS d
JOIN paths AS p ON p.deal_id = d.deal_id
LEFT JOIN vocab_deal_status AS v ON v.status = d.status
LEFT JOIN companies AS acq ON acq.company_id = d.acquirer_id
LEFT JOIN companies AS tgt ON tgt.company_id = d.target_id
