"""Plain-text and Markdown views of what landed, for the terminal and the Dagster UI."""
from __future__ import annotations

from typing import Any, Sequence

import duckdb
import pandas as pd

from newsintel.storage import CONTRACT_TABLES, row_counts


def _cell(value: Any, width: int = 60) -> str:
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        value = value.date()          # a DATE column, as a DataFrame holds it
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()        # a LIST column's cell, as a DataFrame holds it
    text = "" if value is None else (", ".join(map(str, value)) if isinstance(value, list) else str(value))
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "| " + " | ".join(columns) + " |\n| " + " | ".join("---" for _ in columns) + " |\n"
    return head + "".join("| " + " | ".join(_cell(v) for v in row) + " |\n" for row in rows)


def frame_markdown(frame: pd.DataFrame) -> str:
    """A DataFrame as a Markdown table (NULLs as empty cells, long text cut), for the Dagster UI."""
    cells = frame.astype(object).where(frame.notna(), None)
    return markdown_table([str(c) for c in frame.columns], cells.itertuples(index=False, name=None))


def text_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], width: int = 28) -> str:
    cells = [[_cell(v, width) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    line = lambda vals: "  ".join(v.ljust(w) for v, w in zip(vals, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([line(columns), line(["-" * w for w in widths])] + [line(r) for r in cells])


def summary(con: duckdb.DuckDBPyConnection) -> str:
    counts = row_counts(con, CONTRACT_TABLES)
    parts = ["Rows per table:", text_table(["table", "rows"], list(counts.items()))]
    bans = con.execute("""
        SELECT b.market_id, coalesce(c.name, b.target_id), b.measure, b.status, b.event_date, b.article_count
        FROM bans b LEFT JOIN companies c ON c.company_id = b.target_id
        ORDER BY b.market_id, b.event_date NULLS LAST, 2""").fetchall()
    parts += ["", f"Bans ({len(bans)}):",
              text_table(["market", "target", "measure", "status", "event_date", "articles"], bans)]
    deals = con.execute("""
        SELECT coalesce(a.name, d.acquirer_id), coalesce(t.name, d.target_id), d.deal_type, d.status,
               d.value_usd, d.article_count
        FROM deal_talks d LEFT JOIN companies a ON a.company_id = d.acquirer_id
        LEFT JOIN companies t ON t.company_id = d.target_id
        ORDER BY d.last_reported DESC NULLS LAST""").fetchall()
    parts += ["", f"Deal talks ({len(deals)}):",
              text_table(["acquirer", "target", "type", "status", "value_usd", "articles"], deals)]
    return "\n".join(parts)
