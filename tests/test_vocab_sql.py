"""SQL and Python read their statuses from one place (newsintel/vocab.py): the views join the vocabulary tables
the models stage writes, and no view lists or orders statuses by hand."""
from __future__ import annotations

import datetime as dt
import re

import duckdb

from newsintel import models, storage, vocab

T = dt.datetime


def _con(tmp_path, deal_statuses=()):
    con = duckdb.connect(str(tmp_path / "v.duckdb"))
    storage.ensure_schema(con)
    storage.insert_rows(con, "deal_talks", [
        dict(deal_id=f"d-{s}", acquirer_id="a", target_id="b", deal_type="acquisition", status=s,
             first_reported=T(2024, 1, 1), last_reported=T(2024, 1, 2), report_count=1, article_count=1)
        for s in deal_statuses])
    models.create_views(con, models.load_models(known_tables=storage.DDL))
    return con


def test_vocabulary_tables_hold_pythons_orders(tmp_path):
    con = _con(tmp_path)
    deal = con.execute("SELECT status, stage_order, is_open, is_negotiating FROM vocab_deal_status").fetchall()
    assert {s: o - 1 for s, o, _, _ in deal} == vocab.DEAL_STATUS_ORDER
    assert {s for s, _, is_open, _ in deal if is_open} == set(vocab.OPEN_DEAL_STATUSES)
    assert {s for s, _, _, neg in deal if neg} == set(vocab.NEGOTIATING_DEAL_STATUSES)
    ban = con.execute("SELECT status, stage_order FROM vocab_ban_status").fetchall()
    assert {s: o - 1 for s, o in ban} == vocab.BAN_STATUS_ORDER


def test_deal_pipeline_sorts_statuses_as_python_does(tmp_path):
    con = _con(tmp_path, vocab.DEAL_STATUSES)
    in_sql = [r[0] for r in con.execute("SELECT status FROM deal_pipeline ORDER BY stage_order").fetchall()]
    assert in_sql == sorted(vocab.DEAL_STATUSES, key=vocab.DEAL_STATUS_ORDER.__getitem__)
    assert in_sql.index("blocked") < in_sql.index("completed")   # the order the two once disagreed on
    open_ = {r[0] for r in con.execute("SELECT status FROM deal_pipeline WHERE is_open").fetchall()}
    assert open_ == set(vocab.OPEN_DEAL_STATUSES)


def test_no_view_lists_statuses_by_hand():
    statuses = "|".join(vocab.DEAL_STATUSES + vocab.BAN_STATUSES)
    listed = re.compile(rf"\bIN\s*\(\s*'(?:{statuses})'|\bWHEN\s+'(?:{statuses})'", re.I)
    for m in models.load_models():
        body = "\n".join(line for line in m.sql.splitlines() if not line.lstrip().startswith("--"))
        assert not listed.search(body), f"{m.path.name} lists statuses; join vocab_deal_status / vocab_ban_status"
