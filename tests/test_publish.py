"""Publishing survives analysts who write, crashes mid-publish and damaged files (issue 9)."""
import os
import signal
import subprocess
import sys

import duckdb
import pytest

from newsintel.storage import Warehouse, WarehouseError, upsert_rows
from newsintel.storage.publish import PublishRefused

ROW = dict(market_id="IN", name="India", article_count=1)

ANALYST = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])                 # read-write: the DuckDB CLI's default
con.execute("CREATE TABLE my_notes AS SELECT 42 AS answer")
print("written", flush=True)
sys.stdin.readline()
"""


def _published(tmp_path):
    wh = Warehouse(tmp_path / "db.duckdb")
    with wh.writer() as con:
        upsert_rows(con, "markets", "market_id", [ROW])
    return wh


def _analyst(wh):
    proc = subprocess.Popen([sys.executable, "-c", ANALYST, str(wh.path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "written"
    return proc


def test_a_live_read_write_session_makes_publishing_refuse_and_nothing_is_lost(tmp_path):
    wh = _published(tmp_path)
    analyst = _analyst(wh)
    try:
        with pytest.raises(PublishRefused, match=f"process {analyst.pid}"):
            with wh.writer() as con:
                upsert_rows(con, "markets", "market_id", [dict(ROW, market_id="US", name="United States")])
    finally:
        analyst.communicate("done\n", timeout=30)          # the session ends cleanly: its table is in the file
    with wh.writer():                                        # the next session publishes the kept work
        pass
    assert wh.query("SELECT market_id FROM markets ORDER BY 1") == [("IN",), ("US",)]
    aside = sorted(tmp_path.glob("db.analyst-*.duckdb"))
    assert len(aside) == 1                                   # the analyst's writes were set aside, not lost
    con = duckdb.connect(str(aside[0]), read_only=True)
    assert con.execute("SELECT answer FROM my_notes").fetchone() == (42,)
    con.close()


def test_a_killed_read_write_session_leaves_a_wal_that_never_breaks_the_database(tmp_path):
    wh = _published(tmp_path)
    analyst = _analyst(wh)
    os.kill(analyst.pid, signal.SIGKILL)                     # dies without a checkpoint: its WAL stays
    analyst.wait(timeout=30)
    assert (tmp_path / "db.duckdb.wal").exists()
    with wh.writer() as con:
        upsert_rows(con, "markets", "market_id", [dict(ROW, market_id="US", name="United States")])
    assert not (tmp_path / "db.duckdb.wal").exists()
    assert wh.query("SELECT count(*) FROM markets") == [(2,)]
    (aside,) = tmp_path.glob("db.analyst-*.duckdb")
    con = duckdb.connect(str(aside), read_only=True)         # the WAL went with the set-aside copy
    assert con.execute("SELECT answer FROM my_notes").fetchone() == (42,)
    con.close()


def test_stale_publish_temp_files_are_cleaned(tmp_path):
    wh = _published(tmp_path)
    stale = tmp_path / ".db.duckdb.publish-999999"
    stale.write_bytes(b"half a copy")
    with wh.writer() as con:
        upsert_rows(con, "markets", "market_id", [dict(ROW, article_count=2)])
    assert not stale.exists()


def test_a_damaged_work_file_falls_back_to_the_published_one_and_says_so(tmp_path):
    wh = _published(tmp_path)
    messages = []
    wh = Warehouse(wh.path, log=messages.append)
    with open(wh.store.work_path, "r+b") as fh:
        fh.truncate(5000)
    with wh.writer() as con:
        assert con.execute("SELECT count(*) FROM markets").fetchone() == (1,)
    assert messages and "damaged" in messages[0] and str(wh.path) in messages[0]
    assert list(tmp_path.glob(".db.work.duckdb.damaged-*"))


def test_a_truncated_published_file_without_work_file_names_the_file_and_what_to_do(tmp_path):
    wh = _published(tmp_path)
    wh.store.work_path.unlink()
    with open(wh.path, "r+b") as fh:
        fh.truncate(5000)
    with pytest.raises(WarehouseError) as err:
        with wh.writer():
            pass
    assert str(wh.path) in str(err.value) and "make run" in str(err.value)
    assert "work" not in str(err.value).split("(")[0]
    with pytest.raises(WarehouseError, match=str(wh.path)):
        wh.query("SELECT 1")


def test_the_published_copy_is_byte_for_byte_the_work_file_by_either_copy_path(tmp_path, monkeypatch):
    import os

    from newsintel.storage import publish
    src = tmp_path / "work.bin"
    src.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    publish._clone_or_copy(src, tmp_path / "kernel.bin")              # copy_file_range on Linux
    monkeypatch.delattr(os, "copy_file_range")
    publish._clone_or_copy(src, tmp_path / "user.bin")                # the read/write fallback
    assert (tmp_path / "kernel.bin").read_bytes() == src.read_bytes() == (tmp_path / "user.bin").read_bytes()


def test_a_bloated_work_file_is_compacted_before_publishing_and_keeps_every_row_and_view(tmp_path, monkeypatch):
    from newsintel.storage import Warehouse, compact, upsert_rows
    monkeypatch.setattr(compact, "MIN_BYTES", 0)
    wh = Warehouse(tmp_path / "db.duckdb")
    for run in range(12):        # small commits that rewrite the same rows: the file grows, the data does not
        with wh.writer() as con:
            rows = [dict(market_id=f"M{i}", name=f"run {run} " * 40, article_count=run) for i in range(3000)]
            upsert_rows(con, "markets", "market_id", rows)
            if run == 0:
                con.execute("CREATE VIEW busy_markets AS SELECT market_id FROM markets WHERE article_count > 5")
    assert compact.compacted_size(wh.store.work_path) > 0, "the growing work file was never compacted"
    assert wh.query("SELECT count(*), min(article_count), max(article_count) FROM markets") == [(3000, 11, 11)]
    assert wh.query("SELECT count(*) FROM busy_markets") == [(3000,)]
    before = wh.store.work_path.stat().st_ino
    assert not compact.compact_if_bloated(wh.store.work_path, print)      # not grown since: left alone
    assert wh.store.work_path.stat().st_ino == before


def test_a_compaction_that_fails_is_logged_and_the_file_is_left_as_it_is(tmp_path, monkeypatch):
    from newsintel.storage import Warehouse, compact, upsert_rows
    wh = Warehouse(tmp_path / "db.duckdb")
    with wh.writer() as con:
        upsert_rows(con, "markets", "market_id", [dict(market_id="IN", name="India", article_count=1)])
    monkeypatch.setattr(compact, "MIN_BYTES", 0)
    monkeypatch.setattr(compact, "PYTHON", "false")
    said = []
    assert not compact.compact_if_bloated(wh.store.work_path, said.append)
    assert "could not compact" in said[0] and not list(tmp_path.glob("*.compacting"))
    assert wh.query("SELECT market_id FROM markets") == [("IN",)]
