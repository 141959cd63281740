-- latest_developments
-- What happened lately? Every ban and deal report, newest article first, with the sentence that
-- reports it and the article's title and URL to read more. Take the top rows with LIMIT.
--
-- Grain, columns and data tests: latest_developments.yml beside this file.

WITH ban_developments AS (
    SELECT
        'ban' AS development_kind,
        r.report_id,
        coalesce(mk.name, r.market_id) || ': ' || replace(r.measure, '_', ' ') || ' on '
        || coalesce(tgt.name, r.target_id) || ' (' || r.status || ')' AS headline,
        r.article_id,
        r.market_id,
        r.authority AS actor,
        r.target_id,
        coalesce(tgt.name, r.target_id) AS target_name,
        r.measure AS action,
        r.status,
        r.event_date,
        CAST(NULL AS DOUBLE) AS value_usd,
        r.evidence,
        r.confidence
    FROM ban_reports AS r
    LEFT JOIN markets AS mk ON mk.market_id = r.market_id
    LEFT JOIN companies AS tgt ON tgt.company_id = r.target_id
),

deal_developments AS (
    SELECT
        'deal' AS development_kind,
        r.report_id,
        coalesce(acq.name, r.acquirer_id) || ' / ' || coalesce(tgt.name, r.target_id) || ': '
        || r.deal_type || ' (' || r.status || ')' AS headline,
        r.article_id,
        r.market_id,
        coalesce(acq.name, r.acquirer_id) AS actor,
        r.target_id,
        coalesce(tgt.name, r.target_id) AS target_name,
        r.deal_type AS action,
        r.status,
        r.event_date,
        r.value_usd,
        r.evidence,
        r.confidence
    FROM deal_reports AS r
    LEFT JOIN companies AS acq ON acq.company_id = r.acquirer_id
    LEFT JOIN companies AS tgt ON tgt.company_id = r.target_id
),

developments AS (
    SELECT * FROM ban_developments
    UNION ALL
    SELECT * FROM deal_developments
)

SELECT
    row_number() OVER (
        ORDER BY
            a.published_at DESC NULLS LAST, d.event_date DESC NULLS LAST, d.development_kind ASC, d.report_id ASC
    ) AS recency_rank,
    d.development_kind,
    d.report_id,
    d.headline,
    a.published_at,
    a.title AS article_title,
    a.canonical_url AS article_url,
    d.market_id,
    d.actor,
    d.target_id,
    d.target_name,
    d.action,
    d.status,
    d.event_date,
    d.value_usd,
    d.evidence,
    d.confidence,
    d.article_id
FROM developments AS d
LEFT JOIN articles AS a ON a.article_id = d.article_id
ORDER BY recency_rank
