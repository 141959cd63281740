-- daily_mentions
-- How much news each company and market gets, day by day: the series behind a "who is in the news"
-- chart. Articles with an unknown publication date cannot be placed on a day and are left out.
--
-- Grain, columns and data tests: daily_mentions.yml beside this file.

WITH dated_mentions AS (
    SELECT
        CAST(a.published_at AS DATE) AS day,
        m.entity_kind,
        m.entity_id,
        m.article_id,
        m.count,
        m.entity_name
    FROM mentions AS m
    JOIN articles AS a ON a.article_id = m.article_id
    WHERE a.published_at IS NOT NULL
),

daily_totals AS (
    SELECT
        day,
        entity_kind,
        entity_id,
        any_value(entity_name) AS extracted_name,
        count(DISTINCT article_id) AS article_count,
        sum(count) AS mention_count
    FROM dated_mentions
    GROUP BY day, entity_kind, entity_id
)

SELECT
    t.day,
    t.entity_kind,
    t.entity_id,
    coalesce(c.name, mk.name, t.extracted_name, t.entity_id) AS entity_name,
    t.article_count,
    t.mention_count
FROM daily_totals AS t
LEFT JOIN companies AS c ON t.entity_kind = 'company' AND c.company_id = t.entity_id
LEFT JOIN markets AS mk ON t.entity_kind = 'market' AND mk.market_id = t.entity_id
