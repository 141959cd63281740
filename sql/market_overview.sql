-- market_overview
-- One profile line per market (country or jurisdiction): how much news it gets, how many bans it has
-- issued, how many deals touch it, and how many companies the news gives figures for there.
--
-- Grain, columns and data tests: market_overview.yml beside this file.

WITH mention_span AS (
    SELECT
        m.entity_id AS market_id,
        min(a.published_at) AS first_mentioned_at,
        max(a.published_at) AS last_mentioned_at
    FROM mentions AS m
    JOIN articles AS a ON a.article_id = m.article_id
    WHERE m.entity_kind = 'market'
    GROUP BY m.entity_id
),

ban_totals AS (
    SELECT
        market_id,
        count(*) AS ban_count,
        count(*) FILTER (WHERE status = 'enacted') AS enacted_ban_count,
        count(DISTINCT target_id) AS banned_company_count,
        max(coalesce(event_date, CAST(first_reported AS DATE))) AS latest_ban_on
    FROM bans
    GROUP BY market_id
),

deal_totals AS (
    SELECT
        market_id,
        count(*) AS deal_count,
        count(*) FILTER (WHERE status IN (SELECT v.status FROM vocab_deal_status AS v WHERE v.is_open))
            AS open_deal_count
    FROM deal_talks
    WHERE market_id IS NOT NULL
    GROUP BY market_id
),

figure_totals AS (
    SELECT market_id, count(DISTINCT company_id) AS companies_with_figures
    FROM market_metrics
    WHERE market_id IS NOT NULL
    GROUP BY market_id
)

SELECT
    mk.market_id,
    mk.name,
    mk.region,
    mk.article_count,
    ms.first_mentioned_at,
    ms.last_mentioned_at,
    coalesce(bt.ban_count, 0) AS ban_count,
    coalesce(bt.enacted_ban_count, 0) AS enacted_ban_count,
    coalesce(bt.banned_company_count, 0) AS banned_company_count,
    bt.latest_ban_on,
    coalesce(dt.deal_count, 0) AS deal_count,
    coalesce(dt.open_deal_count, 0) AS open_deal_count,
    coalesce(ft.companies_with_figures, 0) AS companies_with_figures
FROM markets AS mk
LEFT JOIN mention_span AS ms ON ms.market_id = mk.market_id
LEFT JOIN ban_totals AS bt ON bt.market_id = mk.market_id
LEFT JOIN deal_totals AS dt ON dt.market_id = mk.market_id
LEFT JOIN figure_totals AS ft ON ft.market_id = mk.market_id
