"""Data-quality rules on the warehouse tables, as SQL that counts the rows breaking each rule.

Kept as data so that Dagster asset checks, the CLI and the tests run the very same rules.
"""
from __future__ import annotations

from dataclasses import dataclass

from newsintel import vocab

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
PRIMARY_KEYS = {"articles": "article_id", "companies": "company_id", "markets": "market_id",
                "ban_reports": "report_id", "deal_reports": "report_id", "bans": "ban_id", "deal_talks": "deal_id"}
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
