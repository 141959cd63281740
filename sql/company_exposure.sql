-- company_exposure
-- What a ban puts at stake: companies banned in markets where the news gives them users, revenue or
-- another figure (TikTok banned in India, where it has over 200 million users).
--
-- Grain, columns and data tests: company_exposure.yml beside this file.

WITH latest_figures AS (
    SELECT
        mm.company_id,
        mm.market_id,
        mm.metric,
        mm.value,
        mm.qualifier,
        mm.as_of,
        count(*) OVER (PARTITION BY mm.company_id, mm.market_id, mm.metric) AS figure_count,
        mm.evidence,
        mm.article_id,
        a.published_at
    FROM market_metrics AS mm
    LEFT JOIN articles AS a ON a.article_id = mm.article_id
    WHERE mm.market_id IS NOT NULL
    QUALIFY row_number() OVER (
        PARTITION BY mm.company_id, mm.market_id, mm.metric
        ORDER BY a.published_at DESC NULLS LAST, mm.as_of DESC NULLS LAST, mm.value DESC, mm.article_id ASC
    ) = 1
)

SELECT
    b.ban_id,
    b.target_id AS company_id,
    coalesce(c.name, b.target_id) AS company_name,
    b.market_id,
    coalesce(mk.name, b.market_id) AS market_name,
    b.measure,
    b.status AS ban_status,
    b.event_date AS ban_event_date,
    f.metric,
    f.value,
    f.qualifier,
    f.as_of,
    f.figure_count,
    f.evidence,
    f.article_id AS figure_article_id,
    f.published_at AS figure_published_at
FROM bans AS b
JOIN latest_figures AS f ON f.company_id = b.target_id AND f.market_id = b.market_id
LEFT JOIN companies AS c ON c.company_id = b.target_id
LEFT JOIN markets AS mk ON mk.market_id = b.market_id
