-- co_mentions
-- Which companies the news names together, and how often: the raw edges of a company network
-- (rivals, partners, buyers and their targets).
--
-- Grain, columns and data tests: co_mentions.yml beside this file.

WITH article_companies AS (
    SELECT DISTINCT article_id, entity_id AS company_id
    FROM mentions
    WHERE entity_kind = 'company'
),

pair_articles AS (
    SELECT a.company_id AS company_a_id, b.company_id AS company_b_id, a.article_id
    FROM article_companies AS a
    JOIN article_companies AS b ON b.article_id = a.article_id AND a.company_id < b.company_id
),

pair_counts AS (
    SELECT
        p.company_a_id,
        p.company_b_id,
        count(*) AS article_count,
        min(ar.published_at) AS first_co_mentioned_at,
        max(ar.published_at) AS last_co_mentioned_at
    FROM pair_articles AS p
    LEFT JOIN articles AS ar ON ar.article_id = p.article_id
    GROUP BY p.company_a_id, p.company_b_id
)

SELECT
    pc.company_a_id,
    coalesce(ca.name, pc.company_a_id) AS company_a_name,
    pc.company_b_id,
    coalesce(cb.name, pc.company_b_id) AS company_b_name,
    pc.article_count,
    pc.first_co_mentioned_at,
    pc.last_co_mentioned_at
FROM pair_counts AS pc
LEFT JOIN companies AS ca ON ca.company_id = pc.company_a_id
LEFT JOIN companies AS cb ON cb.company_id = pc.company_b_id
