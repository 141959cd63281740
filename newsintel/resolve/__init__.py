"""Resolution: the registry and what extraction discovered become `companies` and `markets`; reports from
many articles become one row per real-world ban (`bans`) and deal (`deal_talks`) with their status history.

Everything here is derived from the report tables. A run recomputes only the events and entities its new
or changed reports touched (`storage.queue`, `resolve.stage`), so it stays consistent with the reports at a
cost that follows the run's new work; a rule, registry or code change rebuilds everything once.
"""
