-- latest_developments
-- What happened lately? Every ban and deal report, newest article first, with the sentence that
-- reports it and the article's title and URL to read more. Take the top rows with LIMIT.
--
-- Grain: one row per report (ban_reports.report_id or deal_reports.report_id), ordered by recency_rank.
--
-- Columns:
-- - recency_rank: 1 = newest; by article publication time, then event date (undated last)
-- - development_kind: ban | deal
-- - report_id: the report (ban_reports.report_id or deal_reports.report_id)
-- - headline: one line saying what happened, e.g. 'India: app ban on TikTok (enacted)'
-- - published_at: publication time of the reporting article
-- - article_title: the article's title
-- - article_url: the article's canonical URL
-- - market_id: the market concerned, when known
-- - actor: who acts: the ban's authority as written, or the acquirer's name
-- - target_id: company_id of the banned company or of the deal's target
-- - target_name: its canonical name
-- - action: the ban's measure or the deal's type
-- - status: the status this report gives
-- - event_date: date of the event, when the article gives one
-- - value_usd: the deal's value in US dollars (deals only), null when not stated
-- - evidence: the sentence quoted from the article
-- - confidence: the extractor's confidence, 0..1
-- - article_id: the reporting article

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
        ORDER BY a.published_at DESC NULLS LAST, d.event_date DESC NULLS LAST, d.development_kind, d.report_id
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
