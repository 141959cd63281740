-- companies_banned_most_markets
-- Which companies are banned in the most markets? Companies ranked by the number of markets where a
-- ban on them is in force (latest status enacted), then by the number of markets that acted at all.
--
-- Grain, columns and data tests: companies_banned_most_markets.yml beside this file.

WITH company_markets AS (
    SELECT
        target_id AS company_id,
        market_id,
        bool_or(status = 'enacted') AS is_enacted,
        count(*) AS ban_count,
        min(coalesce(event_date, CAST(first_reported AS DATE))) AS first_ban_on,
        max(coalesce(event_date, CAST(first_reported AS DATE))) AS latest_ban_on
    FROM bans
    GROUP BY target_id, market_id
),

company_totals AS (
    SELECT
        company_id,
        count(*) FILTER (WHERE is_enacted) AS enacted_market_count,
        count(*) AS market_count,
        string_agg(market_id, ', ' ORDER BY market_id) FILTER (WHERE is_enacted) AS enacted_markets,
        string_agg(market_id, ', ' ORDER BY market_id) AS markets,
        sum(ban_count) AS ban_count,
        min(first_ban_on) AS first_ban_on,
        max(latest_ban_on) AS latest_ban_on
    FROM company_markets
    GROUP BY company_id
)

SELECT
    dense_rank() OVER (ORDER BY t.enacted_market_count DESC, t.market_count DESC) AS ban_rank,
    t.company_id,
    coalesce(c.name, t.company_id) AS company_name,
    c.kind,
    c.parent_id,
    t.enacted_market_count,
    t.market_count,
    t.enacted_markets,
    t.markets,
    t.ban_count,
    t.first_ban_on,
    t.latest_ban_on
FROM company_totals AS t
LEFT JOIN companies AS c ON c.company_id = t.company_id
ORDER BY ban_rank, company_name
