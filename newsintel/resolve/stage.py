"""The resolve stage over the warehouse: derived tables recomputed for what this run's reports touched.

Extraction queues the bans, deals, companies and markets whose reports changed (`newsintel.storage.queue`); only
those groups are recomputed here and merged by key (`warehouse.merge_rows`), so a run's cost follows its
new reports, not the archive, and a run with nothing queued reads nothing. The whole tables are rebuilt
when the rules, the registry or this code changed since the last resolve (the fingerprint in
`resolve_state`), or on the first run.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pyarrow as pa

from newsintel.registry import load_registry
from newsintel.resolve.entities import ancestors, company_rows, market_rows
from newsintel.resolve.events import ban_events, deal_events
from newsintel.storage import WriteStats, merge_rows, queue, registered

KEYS = {"companies": "company_id", "markets": "market_id", "bans": "ban_id", "ban_history": ("ban_id", "step"),
        "deal_talks": "deal_id", "deal_history": ("deal_id", "step")}
TABLES = tuple(KEYS)


def fingerprint(extractor_version: str) -> str:
    """The rules the derived tables are computed with: the extraction rules' version the reports came from
    (given by the caller, so this stage does not import extraction) and this stage's own code."""
    # the queue (what a run recomputes) is part of the rules, though it lives in storage, between the stages
    sources = sorted(Path(__file__).resolve().parent.glob("*.py")) + [Path(queue.__file__).resolve()]
    code = b"".join(p.read_bytes() for p in sources)
    return f"{extractor_version}+{hashlib.sha256(code).hexdigest()[:10]}"


def resolve_all(con: duckdb.DuckDBPyConnection, *, extractor_version: str, registry=None,
                full: bool | None = None) -> dict[str, WriteStats]:
    """Bring the derived tables up to date with the reports; returns what changed per table.
    `extractor_version` is the version of the rules that wrote the reports (newsintel.extract.EXTRACTOR_VERSION):
    a new one rebuilds every derived table."""
    registry = registry if registry is not None else load_registry()
    stamp = fingerprint(extractor_version)
    if full is None:
        full = con.execute("SELECT count(*) FROM resolve_state WHERE fingerprint = ?", [stamp]).fetchone()[0] == 0
    touched: dict[str, list] = {}
    if full:
        stats = _rebuild(con, registry)
        con.execute("DELETE FROM resolve_state")
        con.execute("INSERT INTO resolve_state VALUES (?, now()::TIMESTAMP)", [stamp])
    else:
        touched = queue.queued(con)
        stats = _incremental(con, registry, touched)
    if full or any(touched.values()):
        queue.clear(con)
    return stats


BATCH_REPORTS = 20_000   # a rebuild consolidates this many reports at a time (whole groups), not all at once


def _batches(con: duckdb.DuckDBPyConnection, groups_sql: str) -> list[list[tuple[str, str, str]]]:
    """The groups `groups_sql` lists (k1, k2, k3, reports), cut into batches of about BATCH_REPORTS
    reports; a group is never split."""
    batches: list[list[tuple[str, str, str]]] = [[]]
    size = 0
    for k1, k2, k3, n in con.execute(groups_sql).fetchall():
        if batches[-1] and size + n > BATCH_REPORTS:
            batches.append([])
            size = 0
        batches[-1].append((k1, k2, k3))
        size += n
    return [b for b in batches if b]


def _events_in_batches(con: duckdb.DuckDBPyConnection, events, groups_sql: str) -> tuple[list[dict], list[dict]]:
    """Every event and history row, consolidated a batch of groups at a time: memory follows the largest
    batch, not the archive (the rows produced are one per event, far fewer than the reports)."""
    rows: list[dict] = []
    history: list[dict] = []
    for batch in _batches(con, groups_sql):
        with registered(con, _keys_frame(batch)) as groups:
            r, h = events(con, groups)
        rows += r
        history += h
    return rows, history


def _rebuild(con: duckdb.DuckDBPyConnection, registry) -> dict[str, WriteStats]:
    bans, ban_history = _events_in_batches(con, ban_events, """
        SELECT market_id, target_id, measure, count(*) FROM ban_reports GROUP BY ALL ORDER BY ALL""")
    deals, deal_history = _events_in_batches(con, deal_events, """
        SELECT least(acquirer_id, target_id), greatest(acquirer_id, target_id), '', count(*)
        FROM deal_reports GROUP BY ALL ORDER BY ALL""")
    rows = {"companies": company_rows(con, registry), "markets": market_rows(con), "bans": bans,
            "ban_history": ban_history, "deal_talks": deals, "deal_history": deal_history}
    return {table: merge_rows(con, table, KEYS[table], rows[table]) for table in TABLES}


def _keys_frame(keys: list[tuple[str, str, str]]) -> pa.Table:
    return pa.table({f"k{i + 1}": pa.array([k[i] for k in keys], pa.string()) for i in range(3)})


def _incremental(con: duckdb.DuckDBPyConnection, registry, touched: dict[str, list[tuple]]) -> dict[str, WriteStats]:
    stats = {t: WriteStats(t, 0, 0) for t in TABLES}
    if touched["ban"]:
        with registered(con, _keys_frame(touched["ban"])) as groups:
            bans, history = ban_events(con, groups)
            old = [r[0] for r in con.execute(
                f"SELECT ban_id FROM bans b WHERE EXISTS (SELECT 1 FROM {groups} g WHERE g.k1 = b.market_id "
                "AND g.k2 = b.target_id AND g.k3 = b.measure)").fetchall()]
        ids = sorted(set(old) | {b["ban_id"] for b in bans})
        stats["bans"] = merge_rows(con, "bans", KEYS["bans"], bans, scope=("ban_id", ids))
        stats["ban_history"] = merge_rows(con, "ban_history", KEYS["ban_history"], history, scope=("ban_id", ids))
    if touched["deal"]:
        with registered(con, _keys_frame(touched["deal"])) as pairs:
            deals, history = deal_events(con, pairs)
            old = [r[0] for r in con.execute(
                f"SELECT deal_id FROM deal_talks d WHERE EXISTS (SELECT 1 FROM {pairs} g "
                "WHERE g.k1 = least(d.acquirer_id, d.target_id) AND g.k2 = greatest(d.acquirer_id, d.target_id))"
            ).fetchall()]
        ids = sorted(set(old) | {d["deal_id"] for d in deals})
        stats["deal_talks"] = merge_rows(con, "deal_talks", KEYS["deal_talks"], deals, scope=("deal_id", ids))
        stats["deal_history"] = merge_rows(con, "deal_history", KEYS["deal_history"], history,
                                           scope=("deal_id", ids))
    if touched["company"]:
        ids = ancestors({k[0] for k in touched["company"]}, registry)
        stats["companies"] = merge_rows(con, "companies", KEYS["companies"], company_rows(con, registry, ids),
                                        scope=("company_id", sorted(ids)))
    if touched["market"]:
        ids = sorted({k[0] for k in touched["market"]})
        stats["markets"] = merge_rows(con, "markets", KEYS["markets"], market_rows(con, ids),
                                      scope=("market_id", ids))
    return stats
