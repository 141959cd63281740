-- stalled_deals
-- Which deal talks went quiet? Deals still rumored or in talks whose last report is more than 90 days
-- older than the newest article in the database. The clock is the data's own (the newest
-- articles.published_at), not the wall clock, so the answer is the same every time it is asked.
-- Deals never reported by a dated article cannot be timed and are left out.
--
-- Grain, columns and data tests: stalled_deals.yml beside this file.

WITH data_clock AS (
    SELECT max(published_at) AS data_as_of
    FROM articles
)

SELECT
    p.deal_id,
    p.status,
    p.acquirer_id,
    p.acquirer_name,
    p.target_id,
    p.target_name,
    p.asset,
    p.deal_type,
    p.market_id,
    p.value_usd,
    p.status_path,
    p.first_reported,
    p.last_reported,
    clock.data_as_of,
    date_diff('day', p.last_reported, clock.data_as_of) AS days_silent,
    p.report_count
FROM deal_pipeline AS p
CROSS JOIN data_clock AS clock
WHERE
    p.status IN (SELECT v.status FROM vocab_deal_status AS v WHERE v.is_negotiating)
    AND p.last_reported < clock.data_as_of - INTERVAL 90 DAY
