"""Data-quality rules on the warehouse tables and views, as SQL that counts the rows breaking each rule.

Kept as data so that Dagster asset checks, the CLI and the tests run the very same rules. A table's key is
the DDL's `PRIMARY KEY`; a view's tests are the `data_tests` of its `sql/<view>.yml`: neither is repeated here.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Iterator

import duckdb

from newsintel import vocab
from newsintel.models import Model
from newsintel.storage import CONTRACT_TABLES, key_filter, primary_keys

VOCABULARIES = {
    ("companies", "kind"): vocab.COMPANY_KINDS,
    ("companies", "origin"): vocab.COMPANY_ORIGINS,
    ("mentions", "entity_kind"): ("company", "market"),
    ("ban_reports", "measure"): vocab.BAN_MEASURES,
    ("ban_reports", "status"): vocab.BAN_STATUSES,
    ("ban_reports", "date_precision"): vocab.DATE_PRECISIONS,
    ("bans", "measure"): vocab.BAN_MEASURES,
    ("bans", "status"): vocab.BAN_STATUSES,
    ("deal_reports", "deal_type"): vocab.DEAL_TYPES,
    ("deal_reports", "status"): vocab.DEAL_STATUSES,
    ("deal_reports", "date_precision"): vocab.DATE_PRECISIONS,
    ("deal_talks", "deal_type"): vocab.DEAL_TYPES,
    ("deal_talks", "status"): vocab.DEAL_STATUSES,
}
# the contract's tables with a declared key (the others are internal: no asset, so no check)
PRIMARY_KEYS = {t: k for t, k in primary_keys().items() if t in CONTRACT_TABLES}
REFERENCES = [  # (table, column, referenced table, referenced column)
    ("mentions", "article_id", "articles", "article_id"),
    ("ban_reports", "article_id", "articles", "article_id"),
    ("deal_reports", "article_id", "articles", "article_id"),
    ("market_metrics", "article_id", "articles", "article_id"),
    ("companies", "parent_id", "companies", "company_id"),
    ("bans", "target_id", "companies", "company_id"),
    ("bans", "market_id", "markets", "market_id"),
    ("deal_talks", "acquirer_id", "companies", "company_id"),
    ("deal_talks", "target_id", "companies", "company_id"),
]


SCOPE_RUN, SCOPE_FULL = "this run", "full sweep"


@dataclass(frozen=True)
class Rule:
    """One rule as SQL counting the rows that break it. `template` holds `{scope}`, a predicate on the
    checked table (alias `t`) saying which rows to read: TRUE for a full sweep, the run's keys for a run."""
    name: str
    table: str
    description: str
    template: str
    blocking: bool
    key: str | None = None    # a key-uniqueness rule: the key column (a run's rows are compared with all rows)

    @property
    def sql(self) -> str:
        """The full-table form: every row of the table (the daily sweep, and what the UI shows)."""
        return self.template.replace("WHERE {scope} AND ", "WHERE ").replace(" WHERE {scope}", "")

    def sql_for(self, scope: str) -> str:
        return self.template.format(scope=scope)


def rules() -> list[Rule]:
    out = []
    for table, key in PRIMARY_KEYS.items():
        out.append(Rule(f"{table}_{key}_unique_not_null", table, f"{table}.{key} is unique and never null",
                        f"SELECT count(*) - count(DISTINCT t.{key}) + count(*) FILTER (WHERE t.{key} IS NULL) "
                        f"FROM {table} t WHERE {{scope}}", True, key=key))
    for (table, column), allowed in VOCABULARIES.items():
        values = ", ".join(f"'{v}'" for v in allowed)
        out.append(Rule(f"{table}_{column}_in_vocabulary", table, f"{table}.{column} is one of {', '.join(allowed)}",
                        f"SELECT count(*) FROM {table} t WHERE {{scope}} AND t.{column} IS NOT NULL "
                        f"AND t.{column} NOT IN ({values})", True))
    for table, column, ref, ref_col in REFERENCES:
        out.append(Rule(f"{table}_{column}_resolves", table, f"every {table}.{column} is a {ref}.{ref_col}",
                        f"SELECT count(*) FROM {table} t WHERE {{scope}} AND t.{column} IS NOT NULL AND NOT EXISTS "
                        f"(SELECT 1 FROM {ref} r WHERE r.{ref_col} = t.{column})", False))
    for table in ("ban_reports", "deal_reports"):
        out.append(Rule(f"{table}_confidence_in_range", table, "confidence is within [0, 1]",
                        f"SELECT count(*) FROM {table} t WHERE {{scope}} AND "
                        f"(t.confidence < 0 OR t.confidence > 1 OR t.confidence IS NULL)", True))
        out.append(Rule(f"{table}_dates_sane", table, "event dates lie between 1990 and a year after the article",
                        f"SELECT count(*) FROM {table} t JOIN articles a USING (article_id) WHERE {{scope}} AND "
                        f"(t.event_date < DATE '1990-01-01' OR "
                        f"t.event_date > coalesce(a.published_at, a.fetched_at) + INTERVAL 1 YEAR)", False))
        out.append(Rule(f"{table}_has_evidence", table, "every report quotes its evidence sentence",
                        f"SELECT count(*) FROM {table} t WHERE {{scope}} AND "
                        f"(t.evidence IS NULL OR length(trim(t.evidence)) = 0)", True))
    out.append(Rule("articles_text_not_empty", "articles", "every article has body text",
                    "SELECT count(*) FROM articles t WHERE {scope} AND (t.text IS NULL OR t.word_count = 0)", True))
    return out


# This run's rows of each checked table, by key: (key column, SQL selecting the keys). `{extracted}` is a
# predicate on `article_id` naming the articles this run extracted (`extractions.extracted_at` is the
# run's clock); articles are those a run cleaned (`article_urls.first_seen` is rewritten with every
# cleaning of the URL). The derived tables' rows are those the run's reports and mentions name, i.e. what
# extraction queued for resolve (newsintel.storage.queue). A table missing here is always swept in full.
_EXTRACTED = "SELECT article_id FROM extractions WHERE extracted_at >= $since"
_CLEANED = "SELECT DISTINCT article_id FROM article_urls WHERE first_seen >= $since AND is_primary"
RUN_KEYS: dict[str, tuple[str, str]] = {
    "articles": ("article_id", ""),
    "mentions": ("article_id", ""),
    "market_metrics": ("article_id", ""),
    "ban_reports": ("article_id", ""),
    "deal_reports": ("article_id", ""),
    "companies": ("company_id", """
        SELECT entity_id FROM mentions WHERE entity_kind = 'company' AND {extracted}
        UNION SELECT target_id FROM ban_reports WHERE {extracted}
        UNION SELECT unnest([acquirer_id, target_id]) FROM deal_reports WHERE {extracted}
        UNION SELECT company_id FROM market_metrics WHERE {extracted}"""),
    "markets": ("market_id", """
        SELECT entity_id FROM mentions WHERE entity_kind = 'market' AND {extracted}
        UNION SELECT market_id FROM ban_reports WHERE {extracted}
        UNION SELECT market_id FROM deal_reports WHERE market_id IS NOT NULL AND {extracted}
        UNION SELECT market_id FROM market_metrics WHERE market_id IS NOT NULL AND {extracted}"""),
    "bans": ("ban_id", """
        SELECT b.ban_id FROM bans b SEMI JOIN (SELECT DISTINCT market_id, target_id, measure FROM ban_reports
                                               WHERE {extracted}) r USING (market_id, target_id, measure)"""),
    "deal_talks": ("deal_id", """
        SELECT d.deal_id FROM deal_talks d SEMI JOIN (
            SELECT DISTINCT least(acquirer_id, target_id) AS a, greatest(acquirer_id, target_id) AS b
            FROM deal_reports WHERE {extracted}) r
        ON least(d.acquirer_id, d.target_id) = r.a AND greatest(d.acquirer_id, d.target_id) = r.b"""),
}


def run_keys(con: duckdb.DuckDBPyConnection, table: str, since: datetime) -> tuple[str, list[Any]] | None:
    """(key column, keys) of the rows of `table` that the run started at `since` wrote; None when the
    table has no run scope (it is then checked in full). Only the run's rows are read, by key."""
    if table not in RUN_KEYS:
        return None
    column, sql = RUN_KEYS[table]
    if table == "articles":
        return column, [r[0] for r in con.execute(_CLEANED, {"since": since}).fetchall()]
    extracted = [r[0] for r in con.execute(_EXTRACTED, {"since": since}).fetchall()]
    if not sql:
        return column, extracted
    with key_filter(con, "article_id", extracted) as only:
        return column, [r[0] for r in con.execute(sql.format(extracted=only)).fetchall()]


@dataclass(frozen=True)
class Outcome:
    """What one rule found: offending rows among `rows_checked`, and over which rows (`scope`)."""
    rule: Rule
    offending: int
    rows_checked: int
    scope: str
    sql: str


def run_rules(con: duckdb.DuckDBPyConnection, table: str, table_rules: Iterable[Rule],
              since: datetime | None = None) -> Iterator[Outcome]:
    """Run the rules of one table: with `since` (the start of the run that wrote the table), over the
    rows that run wrote, looked up by key, so the cost follows the run and not the archive; without, over
    every row (the daily sweep). A rule's meaning is the same in both: a run's rows can only break a rule
    through what the run wrote, and the sweep catches the rest (rows a run changed without naming them,
    such as a ban that lost one article's report)."""
    found = run_keys(con, table, since) if since is not None else None
    with contextlib.ExitStack() as stack:
        if found is None:
            scope, predicate = SCOPE_FULL, "TRUE"
        else:
            column, keys = found
            scope, predicate = SCOPE_RUN, stack.enter_context(key_filter(con, f"t.{column}", keys))
        if found is None:
            checked = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for rule in table_rules:
                yield Outcome(rule, con.execute(rule.sql).fetchone()[0], checked, scope, rule.sql)
            return
        # the run's rows, read once by key into a temporary table that every rule then reads: one pass
        # over the table's key column per table, not one per rule
        rows = f"_run_rows_{table}"
        con.execute(f"CREATE OR REPLACE TEMP TABLE {rows} AS SELECT * FROM {table} t WHERE {predicate}")
        stack.callback(con.execute, f"DROP TABLE IF EXISTS {rows}")
        checked = con.execute(f"SELECT count(*) FROM {rows}").fetchone()[0]
        for rule in table_rules:
            shown = f"t.{found[0]} IN <this run's {len(found[1])} keys>"
            if rule.key is None or rule.key == found[0]:
                sql = rule.sql_for("TRUE").replace(f"FROM {table} t", f"FROM {rows} t", 1)
                yield Outcome(rule, con.execute(sql).fetchone()[0], checked, scope, rule.sql_for(shown))
                continue
            # a key the run wrote may repeat a key of an older row (a report id under another article):
            # the run's rows together with every row holding one of their keys
            values = [r[0] for r in con.execute(f"SELECT DISTINCT t.{rule.key} FROM {table} t "
                                                f"WHERE {predicate} AND t.{rule.key} IS NOT NULL").fetchall()]
            with key_filter(con, f"t.{rule.key}", values) as same_key:
                yield Outcome(rule, con.execute(rule.sql_for(f"({predicate} OR {same_key})")).fetchone()[0],
                              checked, scope, rule.sql_for(f"({shown} OR t.{rule.key} IN <their "
                                                           f"{len(values)} {rule.key}s>)"))


def view_rules(models: Iterable[Model]) -> list[Rule]:
    """The data tests of each view's YAML as rules: its grain unique, and per column `not_null`,
    `accepted_values` (`values:` or a `vocabulary:` of newsintel/vocab.py) and `relationships`. None blocks:
    a view feeds only readers (the briefing, analysts), and reading the view is what the check costs."""
    out = []
    for m in models:
        if m.unique:
            keys = ", ".join(m.unique)
            out.append(Rule(f"{m.name}_grain_unique", m.name, f"one row per ({keys})",
                            f"SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {m.name} "
                            f"GROUP BY {keys} HAVING count(*) > 1)", False))
        for column, tests in m.tests.items():
            for test in tests:
                out.append(_view_rule(m.name, column, test))
    return out


def _view_rule(view: str, column: str, test: Any) -> Rule:
    kind, args = (test, {}) if isinstance(test, str) else next(iter(test.items()))
    if kind == "not_null":
        return Rule(f"{view}_{column}_not_null", view, f"{view}.{column} is never null",
                    f"SELECT count(*) FROM {view} WHERE {column} IS NULL", False)
    if kind == "accepted_values":
        allowed = args.get("values") or getattr(vocab, args["vocabulary"])
        values = ", ".join(f"'{v}'" for v in allowed)
        return Rule(f"{view}_{column}_in_vocabulary", view, f"{view}.{column} is one of {', '.join(allowed)}",
                    f"SELECT count(*) FROM {view} WHERE {column} IS NOT NULL AND {column} NOT IN ({values})", False)
    ref, ref_col = args["to"], args["field"]
    return Rule(f"{view}_{column}_resolves", view, f"every {view}.{column} is a {ref}.{ref_col}",
                f"SELECT count(*) FROM {view} t WHERE t.{column} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM {ref} r WHERE r.{ref_col} = t.{column})", False)
