"""The one door to storage: write sessions publish atomically; readers never see half a write."""
import pytest

from newsintel.storage import Warehouse, WarehouseError, replace_table, upsert_rows


def test_write_session_publishes_a_readable_file(tmp_path):
    wh = Warehouse(tmp_path / "db.duckdb")
    with wh.writer() as con:
        upsert_rows(con, "markets", "market_id", [dict(market_id="IN", name="India", article_count=1)])
    assert wh.path.exists() and wh.store.work_path.exists()
    assert wh.query("SELECT market_id FROM markets") == [("IN",)]


def test_failed_session_rolls_back_and_keeps_last_published_state(tmp_path):
    wh = Warehouse(tmp_path / "db.duckdb")
    with wh.writer() as con:
        upsert_rows(con, "markets", "market_id", [dict(market_id="IN", name="India", article_count=1)])
    with pytest.raises(RuntimeError):
        with wh.writer() as con:
            upsert_rows(con, "markets", "market_id", [dict(market_id="US", name="United States", article_count=1)])
            raise RuntimeError("boom")
    assert wh.query("SELECT market_id FROM markets ORDER BY 1") == [("IN",)]
    with wh.writer() as con:  # the work file is still usable after the failure
        assert con.execute("SELECT count(*) FROM markets").fetchone()[0] == 1


HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute("SELECT count(*) FROM markets").fetchone()[0], flush=True)
sys.stdin.readline()                       # hold the file open until the writer is done
print(con.execute("SELECT count(*) FROM markets").fetchone()[0], flush=True)
"""


def test_reader_in_another_process_neither_blocks_nor_sees_half_a_write(tmp_path):
    import subprocess
    import sys
    wh = Warehouse(tmp_path / "db.duckdb")
    with wh.writer() as con:
        upsert_rows(con, "markets", "market_id", [dict(market_id="IN", name="India", article_count=1)])
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(wh.path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "1"
        with wh.writer() as con:
            upsert_rows(con, "markets", "market_id", [dict(market_id="US", name="United States", article_count=2)])
        out, _ = holder.communicate("go\n", timeout=30)
        assert out.strip() == "1"              # the held session keeps its complete snapshot
    finally:
        holder.kill()
    assert wh.query("SELECT count(*) FROM markets") == [(2,)]


def test_upsert_counts_new_and_updated(tmp_path):
    wh = Warehouse(tmp_path / "db.duckdb")
    with wh.writer() as con:
        s1 = upsert_rows(con, "markets", "market_id", [dict(market_id="IN", name="India", article_count=1)])
        s2 = upsert_rows(con, "markets", "market_id", [dict(market_id="IN", name="India", article_count=2),
                                                       dict(market_id="US", name="United States", article_count=1)])
    assert (s1.inserted, s1.updated) == (1, 0)
    assert (s2.inserted, s2.updated) == (1, 1)


def test_replace_table_reports_changes_by_key(tmp_path):
    wh = Warehouse(tmp_path / "db.duckdb")
    row = dict(market_id="IN", name="India", article_count=1)
    with wh.writer() as con:
        first = replace_table(con, "markets", "market_id", [row])
        same = replace_table(con, "markets", "market_id", [row])
        changed = replace_table(con, "markets", "market_id", [dict(row, article_count=5)])
        gone = replace_table(con, "markets", "market_id", [])
    assert (first.inserted, same.inserted, same.updated, changed.updated, gone.deleted) == (1, 0, 0, 1, 1)


def test_reader_on_missing_database_says_what_to_do(tmp_path):
    with pytest.raises(WarehouseError, match="make run"):
        with Warehouse(tmp_path / "none.duckdb").reader():
            pass


def test_remote_targets_are_refused_clearly():
    with pytest.raises(WarehouseError, match="extensions"):
        Warehouse("md:newsintel")


def test_lookups_by_key_spell_keys_out_quoted_and_fall_back_to_a_join_when_too_many(tmp_path, monkeypatch):
    import newsintel.storage.writes as writes
    from newsintel.storage import key_filter, key_in, literal_list
    assert key_in("url", ["a'b", "c"]) == "url IN ('a''b', 'c')"
    assert key_in("step", [3, 1, 3]) == "step IN (3, 1)"
    assert key_in("x", [1.5]) is None and literal_list([]) == "(NULL)"
    with pytest.raises(WarehouseError, match="NUL"):
        key_in("x", ["a\x00b"])
    wh = Warehouse(tmp_path / "db.duckdb")
    rows = [dict(market_id=m, name=f"n'{m}", article_count=1) for m in ("IN", "US", "O'K")]
    with wh.writer() as con:
        upsert_rows(con, "markets", "market_id", rows)
        with key_filter(con, "market_id", ["O'K", "IN", "ZZ"]) as only:
            assert "IN (" in only and "SELECT" not in only
            found = con.execute(f"SELECT market_id FROM markets WHERE {only} ORDER BY 1").fetchall()
            assert found == [("IN",), ("O'K",)]
        monkeypatch.setattr(writes, "IN_LIST_MAX", 1)     # the frame path answers the same
        with key_filter(con, "market_id", ["O'K", "IN", "ZZ"]) as only:
            assert "SELECT" in only
            found = con.execute(f"SELECT market_id FROM markets WHERE {only} ORDER BY 1").fetchall()
            assert found == [("IN",), ("O'K",)]
        with key_filter(con, "market_id", []) as only:
            assert con.execute(f"SELECT count(*) FROM markets WHERE {only}").fetchone()[0] == 0
        stats = upsert_rows(con, "markets", "market_id", [dict(market_id="O'K", name="again", article_count=2)])
        assert (stats.inserted, stats.updated) == (0, 1)


def test_a_write_session_reopens_its_file_between_chunks_and_keeps_every_committed_row(tmp_path):
    from newsintel.storage import RenewingSession, commit_chunk
    wh = Warehouse(tmp_path / "db.duckdb")
    with wh.writer() as con:
        assert isinstance(con, RenewingSession)
        first = con._con
        upsert_rows(con, "markets", "market_id", [dict(market_id="IN", name="India", article_count=1)])
        commit_chunk(con)
        assert con._con is not first                     # a fresh connection, in a new transaction
        upsert_rows(con, "markets", "market_id", [dict(market_id="US", name="United States", article_count=1)])
        assert con.execute("SELECT count(*) FROM markets").fetchone()[0] == 2
    assert wh.query("SELECT market_id FROM markets ORDER BY 1") == [("IN",), ("US",)]


def test_both_stores_satisfy_the_store_protocol(tmp_path):
    from newsintel.storage import FileStore, Store
    from newsintel.storage.lake import LakeStore
    lake = LakeStore(f"ducklake:{tmp_path / 'c.ducklake'}?data_path={tmp_path / 'd'}")
    for store in (FileStore(str(tmp_path / "db.duckdb")), lake):
        assert isinstance(store, Store), type(store)
    lake.configure(defer_publish=True)
    lake.flush()                                       # nothing to publish: a no-op, never an AttributeError
    assert lake.bodies is None and not isinstance(object(), Store)
