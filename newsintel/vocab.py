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
# Deals still in play (the pipeline's "open" deals).
OPEN_DEAL_STATUSES = ("rumored", "talks", "agreed")
# When one article's sentences disagree on a deal's type, the more specific type names it.
DEAL_TYPE_PRIORITY = ("acquisition", "investment", "merger", "divestiture", "partnership")

assert set(BAN_STATUS_ORDER) == set(BAN_STATUSES) and set(DEAL_STATUS_ORDER) == set(DEAL_STATUSES)
assert set(DEAL_TYPE_PRIORITY) == set(DEAL_TYPES) and set(OPEN_DEAL_STATUSES) <= set(DEAL_STATUSES)
