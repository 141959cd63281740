-- company_overview
-- One profile line per company: who it is, who owns it, how often the news names it, and how many
-- bans and deals it is party to. The first table an analyst opens to size up a company.
--
-- Grain, columns and data tests: company_overview.yml beside this file.

WITH mention_totals AS (
    SELECT entity_id AS company_id, sum(count) AS mention_count
    FROM mentions
    WHERE entity_kind = 'company'
    GROUP BY entity_id
),

ban_totals AS (
    SELECT
        target_id AS company_id,
        count(*) AS ban_count,
        count(*) FILTER (WHERE status = 'enacted') AS enacted_ban_count,
        count(DISTINCT market_id) AS banned_market_count
    FROM bans
    GROUP BY target_id
),

deal_parties AS (
    SELECT deal_id, status, acquirer_id AS company_id, 'acquirer' AS side FROM deal_talks
    UNION ALL
    SELECT deal_id, status, target_id AS company_id, 'target' AS side FROM deal_talks
),

deal_totals AS (
    SELECT
        company_id,
        count(DISTINCT deal_id) AS deal_count,
        count(DISTINCT deal_id) FILTER (WHERE side = 'acquirer') AS deals_as_acquirer,
        count(DISTINCT deal_id) FILTER (WHERE side = 'target') AS deals_as_target,
        count(DISTINCT deal_id) FILTER (WHERE status IN (SELECT v.status FROM vocab_deal_status AS v WHERE v.is_open))
            AS open_deal_count
    FROM deal_parties
    GROUP BY company_id
),

figure_markets AS (
    SELECT company_id, count(DISTINCT market_id) AS markets_with_figures
    FROM market_metrics
    WHERE market_id IS NOT NULL
    GROUP BY company_id
)

SELECT
    c.company_id,
    c.name,
    c.kind,
    c.country,
    c.parent_id,
    parent.name AS parent_name,
    c.origin,
    c.first_seen,
    c.last_seen,
    c.article_count,
    coalesce(mt.mention_count, 0) AS mention_count,
    coalesce(bt.ban_count, 0) AS ban_count,
    coalesce(bt.enacted_ban_count, 0) AS enacted_ban_count,
    coalesce(bt.banned_market_count, 0) AS banned_market_count,
    coalesce(dt.deal_count, 0) AS deal_count,
    coalesce(dt.deals_as_acquirer, 0) AS deals_as_acquirer,
    coalesce(dt.deals_as_target, 0) AS deals_as_target,
    coalesce(dt.open_deal_count, 0) AS open_deal_count,
    coalesce(fm.markets_with_figures, 0) AS markets_with_figures
FROM companies AS c
LEFT JOIN companies AS parent ON parent.company_id = c.parent_id
LEFT JOIN mention_totals AS mt ON mt.company_id = c.company_id
LEFT JOIN ban_totals AS bt ON bt.company_id = c.company_id
LEFT JOIN deal_totals AS dt ON dt.company_id = c.company_id
LEFT JOIN figure_markets AS fm ON fm.company_id = c.company_id
