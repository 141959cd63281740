"""Data-quality rules on the warehouse tables and views, as SQL that counts the rows breaking each rule.

Kept as data so that Dagster asset checks, the CLI and the tests run the very same rules. A table's key is
the DDL's `PRIMARY KEY`; a view's tests are the `data_tests` of its `sql/<view>.yml`: neither is repeated here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from newsintel import vocab
from newsintel.models import Model
from newsintel.storage import CONTRACT_TABLES, primary_keys

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


@dataclass(frozen=True)
class Rule:
    name: str
    table: str
    description: str
    sql: str          # counts the offending rows
    blocking: bool


def rules() -> list[Rule]:
    out = []
    for table, key in PRIMARY_KEYS.items():
        out.append(Rule(f"{table}_{key}_unique_not_null", table, f"{table}.{key} is unique and never null",
                        f"SELECT count(*) - count(DISTINCT {key}) + count(*) FILTER (WHERE {key} IS NULL) FROM {table}",
                        True))
    for (table, column), allowed in VOCABULARIES.items():
        values = ", ".join(f"'{v}'" for v in allowed)
        out.append(Rule(f"{table}_{column}_in_vocabulary", table, f"{table}.{column} is one of {', '.join(allowed)}",
                        f"SELECT count(*) FROM {table} WHERE {column} IS NOT NULL AND {column} NOT IN ({values})",
                        True))
    for table, column, ref, ref_col in REFERENCES:
        out.append(Rule(f"{table}_{column}_resolves", table, f"every {table}.{column} is a {ref}.{ref_col}",
                        f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL AND NOT EXISTS "
                        f"(SELECT 1 FROM {ref} r WHERE r.{ref_col} = t.{column})", False))
    for table in ("ban_reports", "deal_reports"):
        out.append(Rule(f"{table}_confidence_in_range", table, "confidence is within [0, 1]",
                        f"SELECT count(*) FROM {table} WHERE confidence < 0 OR confidence > 1 OR confidence IS NULL",
                        True))
        out.append(Rule(f"{table}_dates_sane", table, "event dates lie between 1990 and a year after the article",
                        f"SELECT count(*) FROM {table} r JOIN articles a USING (article_id) WHERE r.event_date < DATE "
                        f"'1990-01-01' OR r.event_date > coalesce(a.published_at, a.fetched_at) + INTERVAL 1 YEAR",
                        False))
        out.append(Rule(f"{table}_has_evidence", table, "every report quotes its evidence sentence",
                        f"SELECT count(*) FROM {table} WHERE evidence IS NULL OR length(trim(evidence)) = 0", True))
    out.append(Rule("articles_text_not_empty", "articles", "every article has body text",
                    "SELECT count(*) FROM articles WHERE text IS NULL OR word_count = 0", True))
    return out


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
