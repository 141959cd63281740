"""The DuckLake store without a server: a SQLite catalog on local disk, the same code path as PostgreSQL
(tests/test_lake_postgres.py runs the pipeline on a real one)."""
import os
import subprocess
import sys

import duckdb
import duckdb_ext
import pytest

from newsintel.storage import DDL, Warehouse, WarehouseError, columns_of
from newsintel.storage.lake import LakeStore, ensure_lake_schema, lake_ddl, split_target


def sqlite_lake(folder) -> str:
    return f"ducklake:sqlite:{folder}/catalog.sqlite?data_path={folder}/data/"


def test_the_lake_ddl_is_the_file_ddl_without_key_constraints():
    file_con, lake_con = duckdb.connect(), duckdb.connect()
    for sql in DDL.values():
        file_con.execute(sql)
    for sql in lake_ddl().values():
        assert "PRIMARY KEY" not in sql.upper() and "UNIQUE" not in sql.upper()
        lake_con.execute(sql)
    for table in DDL:
        assert lake_con.execute(f"DESCRIBE {table}").fetchall() == [
            # a key column keeps NOT NULL; only the key itself is gone
            (name, dtype, "NO" if key == "PRI" else null, None, default, extra)
            for name, dtype, null, key, default, extra in file_con.execute(f"DESCRIBE {table}").fetchall()]


def test_targets_are_read_as_documented():
    assert split_target("ducklake:postgres:dbname=lake host=db?data_path=s3://b/lake/") == (
        "ducklake:postgres:dbname=lake host=db", "s3://b/lake/")
    assert split_target("ducklake:sqlite:/x/c.sqlite") == ("ducklake:sqlite:/x/c.sqlite", None)
    for bad in ("ducklake:", "ducklake:sqlite:/x?data_path="):
        with pytest.raises(WarehouseError):
            split_target(bad)
    shown = str(LakeStore("ducklake:postgres:dbname=lake password=s3cret host=db?data_path=/x/"))
    assert "s3cret" not in shown and "dbname=lake" in shown
    with pytest.raises(WarehouseError, match="MotherDuck"):
        Warehouse("md:newsintel")


def test_writes_commit_as_snapshots_and_earlier_ones_stay_readable(tmp_path):
    wh = Warehouse(sqlite_lake(tmp_path))
    assert not wh.store.exists()
    with pytest.raises(WarehouseError, match="run the pipeline first"):
        wh.query("SELECT 1")
    with wh.writer() as con:
        con.execute("INSERT INTO markets VALUES ('NG', 'Nigeria', 'Africa', 1)")
    assert wh.store.exists()
    with pytest.raises(RuntimeError):
        with wh.writer() as con:
            con.execute("INSERT INTO markets VALUES ('IN', 'India', 'Asia', 2)")
            raise RuntimeError("the session fails: nothing of it may land")
    # (A SQLite catalog locks writers out while a reader's session is open: held readers need PostgreSQL,
    # tests/test_lake_postgres.py.)
    with wh.writer() as con:
        con.execute("INSERT INTO markets VALUES ('KE', 'Kenya', 'Africa', 3)")
    assert sorted(wh.query("SELECT market_id FROM markets")) == [("KE",), ("NG",)]
    (first,), = wh.query("SELECT min(snapshot_id) FROM lake.snapshots() WHERE changes['tables_inserted_into'] "
                         "IS NOT NULL")
    assert wh.query(f"SELECT market_id FROM markets AT (VERSION => {first})") == [("NG",)]   # time travel


def test_a_newer_ddl_adds_its_columns_to_an_existing_lake(tmp_path):
    store = LakeStore(sqlite_lake(tmp_path))
    with store.writer():
        pass
    grown = dict(DDL, markets=DDL["markets"].replace("article_count INTEGER NOT NULL",
                                                     "article_count INTEGER NOT NULL, flag TEXT"))
    con = store.connect()
    try:
        assert ensure_lake_schema(con, grown) == 1
        assert columns_of(con, "markets")[-1] == "flag"
        assert ensure_lake_schema(con, grown) == 0
    finally:
        con.close()


NO_DOWNLOAD = """
import sys
from newsintel.storage import Warehouse
wh = Warehouse(sys.argv[1])
with wh.writer() as con:
    con.execute("INSERT INTO markets VALUES ('NG', 'Nigeria', 'Africa', 1)")
with wh.reader() as con:
    for name, path in con.execute("SELECT extension_name, install_path FROM duckdb_extensions() "
                                  "WHERE loaded AND install_path <> '(BUILT-IN)'").fetchall():
        print(name, path)
    try:
        con.execute("LOAD httpfs")   # not shipped: must fail, never be fetched
        print("httpfs loaded")
    except Exception as exc:
        print("httpfs refused:", type(exc).__name__)
"""


def test_extensions_load_from_the_wheels_and_nothing_is_downloaded(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ, HOME=str(home))
    out = subprocess.run([sys.executable, "-c", NO_DOWNLOAD, sqlite_lake(tmp_path)], env=env, text=True,
                         capture_output=True, check=True).stdout.splitlines()
    loaded = dict(line.split(" ", 1) for line in out if not line.startswith("httpfs"))
    assert {"ducklake", "sqlite_scanner"} <= loaded.keys()
    assert all(path.startswith(duckdb_ext.get_extension_dir()) for path in loaded.values()), loaded
    assert "httpfs refused: IOException" in out
    assert not (home / ".duckdb").exists()   # DuckDB's own extension folder was never made
