-- stalled_deals
-- Which deal talks went quiet? Deals still rumored or in talks whose last report is more than 90 days
-- older than the newest article in the database. The clock is the data's own (the newest
-- articles.published_at), not the wall clock, so the answer is the same every time it is asked.
-- Deals never reported by a dated article cannot be timed and are left out.
--
-- Grain: one row per stalled deal (deal_talks.deal_id).
--
-- Columns:
-- - deal_id: the consolidated deal (deal_talks.deal_id)
-- - status: latest known status: rumored | talks
-- - acquirer_id: company_id of the buyer, investor or initiating partner
-- - acquirer_name: its canonical name
-- - target_id: company_id of the target
-- - target_name: its canonical name
-- - asset: what would change hands, as written
-- - deal_type: acquisition | investment | merger | partnership | divestiture
-- - market_id: market the deal is about, when stated
-- - value_usd: deal value in US dollars, null when not stated
-- - status_path: the statuses in order, joined with ' → '
-- - first_reported: publication time of the first article reporting the deal
-- - last_reported: publication time of the latest article reporting the deal
-- - data_as_of: publication time of the newest article in the database (the clock)
-- - days_silent: whole days from last_reported to data_as_of
-- - report_count: reports consolidated into the deal

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
WHERE p.status IN (SELECT status FROM vocab_deal_status WHERE is_negotiating)
  AND p.last_reported < clock.data_as_of - INTERVAL 90 DAY
