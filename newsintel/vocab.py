"""The contract's vocabularies, defined once (`../shared/design/contract.md`).

Every rule, asset check, report and SQL model takes its statuses, measures and types from here, so a new
status or measure is one edit. Orders are the order in which an event's status can move forward: a ban
is proposed, then enacted, then blocked by a court or lifted; a deal is rumored, then in talks, then
agreed, and ends completed or abandoned, unless a regulator or court blocks it first.
"""
from __future__ import annotations

BAN_STATUSES = ("proposed", "enacted", "blocked", "lifted")
BAN_MEASURES = ("app_ban", "transaction_ban", "equipment_ban", "divestiture_order", "other")
DEAL_TYPES = ("acquisition", "investment", "merger", "partnership", "divestiture")
DEAL_STATUSES = ("rumored", "talks", "agreed", "completed", "abandoned", "blocked")
DATE_PRECISIONS = ("day", "month", "year")
COMPANY_KINDS = ("company", "app", "media", "person", "other")
COMPANY_ORIGINS = ("registry", "discovered")

# How far along an event is: consolidation keeps the furthest status, ties broken by time.
BAN_STATUS_ORDER = {s: i for i, s in enumerate(("proposed", "enacted", "blocked", "lifted"))}
DEAL_STATUS_ORDER = {s: i for i, s in enumerate(("rumored", "talks", "agreed", "blocked", "completed", "abandoned"))}
# Deals still in play (the pipeline's "open" deals), and those not yet agreed (which can go quiet: stalled).
OPEN_DEAL_STATUSES = ("rumored", "talks", "agreed")
NEGOTIATING_DEAL_STATUSES = ("rumored", "talks")
# When one article's sentences disagree on a deal's type, the more specific type names it.
DEAL_TYPE_PRIORITY = ("acquisition", "investment", "merger", "divestiture", "partnership")

assert set(BAN_STATUS_ORDER) == set(BAN_STATUSES) and set(DEAL_STATUS_ORDER) == set(DEAL_STATUSES)
assert set(DEAL_TYPE_PRIORITY) == set(DEAL_TYPES) and set(OPEN_DEAL_STATUSES) <= set(DEAL_STATUSES)
assert set(NEGOTIATING_DEAL_STATUSES) <= set(OPEN_DEAL_STATUSES)


def vocab_tables() -> dict[str, list[dict]]:
    """The status vocabularies as rows, for the SQL models to join (`vocab_deal_status`, `vocab_ban_status`),
    so that no view lists or orders statuses by hand. stage_order is the status's order, from 1."""
    return {
        "vocab_deal_status": [
            dict(status=s, stage_order=DEAL_STATUS_ORDER[s] + 1, is_open=s in OPEN_DEAL_STATUSES,
                 is_negotiating=s in NEGOTIATING_DEAL_STATUSES) for s in DEAL_STATUSES],
        "vocab_ban_status": [dict(status=s, stage_order=BAN_STATUS_ORDER[s] + 1) for s in BAN_STATUSES],
    }
