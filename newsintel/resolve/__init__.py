"""Resolution: the registry and what extraction discovered become `companies` and `markets`; reports from
many articles become one row per real-world ban (`bans`) and deal (`deal_talks`) with their status history.

Everything here is derived from the report tables, so it is rebuilt whole on every run: cheap, and always
consistent with the reports.
"""
