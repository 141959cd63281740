"""The pipeline on a DuckLake whose catalog is a real PostgreSQL, and Dagster's instance on it too.

Needs a server: NEWSINTEL_TEST_PG holds libpq keywords without a database name (.ci/run starts one on
127.0.0.1 and sets it, e.g. "host=127.0.0.1 port=55432 user=postgres"). Each test makes databases of its
own. Runs go through subprocesses with NEWSINTEL_DB set, as a user's would: whether extraction is
partitioned is decided when the code location loads (assets/_partitions.py).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import REPO, run_pipeline

from newsintel.extract.stage import FACT_TABLES
from newsintel.models import load_models
from newsintel.storage import CONTRACT_TABLES, Warehouse, row_counts

psycopg2 = pytest.importorskip("psycopg2", reason="dagster-postgres (the dev extra) brings psycopg2")

PG_ENV = "NEWSINTEL_TEST_PG"
DEMO_SOURCES = REPO / "data" / "sources.yaml"
# Columns that record when a run happened, not what it found: they differ between any two runs.
RUN_TIME_COLUMNS = {"fetched_at", "updated_at", "extracted_at", "attempted_at", "first_seen", "last_seen",
                    "failed_at"}


@pytest.fixture(scope="session")
def pg() -> str:
    dsn = os.environ.get(PG_ENV)
    if not dsn:
        pytest.skip(f"no PostgreSQL for the lake tests: set {PG_ENV}='host=127.0.0.1 port=5432 user=postgres' "
                    "(.ci/run starts a server and sets it)")
    try:
        psycopg2.connect(f"{dsn} dbname=postgres", connect_timeout=5).close()
    except psycopg2.Error as exc:
        pytest.skip(f"PostgreSQL at {dsn!r} cannot be reached: {exc}")
    return dsn


def new_database(dsn: str, prefix: str) -> str:
    """A fresh database on the server; returns its name."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    con = psycopg2.connect(f"{dsn} dbname=postgres")
    con.autocommit = True   # CREATE DATABASE cannot run in a transaction
    with con.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    con.close()
    return name


def pg_url(dsn: str, db: str) -> str:
    """The same server as a SQLAlchemy URL, as dagster-postgres takes it (the driver named: SQLAlchemy 2.1
    would otherwise pick psycopg 3, and dagster-postgres brings psycopg2)."""
    kv = dict(part.split("=", 1) for part in dsn.split())
    auth = kv.get("user", "postgres") + (f":{kv['password']}" if kv.get("password") else "")
    return f"postgresql+psycopg2://{auth}@{kv.get('host', '127.0.0.1')}:{kv.get('port', '5432')}/{db}"


def new_lake(pg: str, folder: Path) -> str:
    return f"ducklake:postgres:{pg} dbname={new_database(pg, 'lake')}?data_path={folder}/lake-data/"


def dagster_home(pg: str, folder: Path) -> dict[str, str]:
    """Environment for a Dagster instance on PostgreSQL, configured by pipelines/dagster_postgres.yaml."""
    home = folder / "dagster_home"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text((REPO / "pipelines" / "dagster_postgres.yaml").read_text())
    return {"DAGSTER_HOME": str(home), "DAGSTER_PG_URL": pg_url(pg, new_database(pg, "dagster"))}


RUNNER = """
import json, sys, time
from dagster import AssetKey, DagsterInstance
from pipelines.definitions import defs
job, groups, first, last, briefing = sys.argv[1:6]
tags = ({"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}
        if first != "-" else {})
selection = None
if groups != "-":
    selection = [k for k in defs.resolve_all_asset_keys()
                 if defs.get_assets_def(k).group_names_by_key[k] in groups.split(",")]
config = {"ops": {"briefing": {"config": {"path": briefing}}}} if job == "newsintel_job" else {}
started = time.time()
result = defs.resolve_job_def(job).execute_in_process(instance=DagsterInstance.get(), tags=tags, run_config=config,
                                                       asset_selection=selection, raise_on_error=False)
print(json.dumps({"ok": result.success, "run_id": result.run_id, "start": started, "end": time.time()}))
"""


def lake_env(target: str, sources: Path = DEMO_SOURCES, **extra: str) -> dict[str, str]:
    return {**os.environ, "NEWSINTEL_DB": target, "NEWSINTEL_SOURCES": str(sources), **extra}


def start_run(env: dict[str, str], job: str = "newsintel_job", groups: str = "-", days: tuple[str, str] = ("-", "-"),
              briefing: str = "-") -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", RUNNER, job, groups, *days, briefing], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen, timeout: float = 600) -> dict:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err[-3000:]
    result = json.loads(out.strip().splitlines()[-1])
    assert result["ok"], err[-3000:]
    return result


def table_rows(wh: Warehouse, table: str) -> list[tuple]:
    with wh.reader() as con:
        cols = [c for (c,) in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                                          "AND table_catalog = current_database() ORDER BY ordinal_position",
                                          [table]).fetchall() if c not in RUN_TIME_COLUMNS]
        return sorted(con.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall(), key=repr)


@pytest.fixture(scope="module")
def file_demo(tmp_path_factory) -> Warehouse:
    db = tmp_path_factory.mktemp("file") / "demo.duckdb"
    run_pipeline(db, DEMO_SOURCES)
    return Warehouse(db)


@pytest.fixture(scope="module")
def lake_demo(pg, tmp_path_factory):
    """The whole main job on the demo corpus into a fresh lake, with Dagster's instance on PostgreSQL."""
    folder = tmp_path_factory.mktemp("lake")
    target = new_lake(pg, folder)
    home = folder / "home"   # an empty HOME: DuckDB's own extension folder would show up here
    home.mkdir()
    env = lake_env(target, HOME=str(home), **dagster_home(pg, folder))
    run = finish(start_run(env, briefing=str(folder / "briefing.html")))
    return {"target": target, "env": env, "run": run, "folder": folder, "home": home}


def test_the_whole_pipeline_on_the_lake_lands_what_the_file_does(lake_demo, file_demo):
    lake = Warehouse(lake_demo["target"])
    with lake.reader() as con, file_demo.reader() as fcon:
        assert row_counts(con, CONTRACT_TABLES) == row_counts(fcon, CONTRACT_TABLES)
        for model in load_models():
            sql = f"SELECT count(*) FROM {model.name}"
            assert con.execute(sql).fetchone() == fcon.execute(sql).fetchone(), model.name
    for table in FACT_TABLES + ("bans", "deal_talks", "ban_history", "deal_history", "companies", "markets"):
        assert table_rows(lake, table) == table_rows(file_demo, table), table
    assert (lake_demo["folder"] / "briefing.html").stat().st_size > 0
    assert not (lake_demo["home"] / ".duckdb").exists()   # no extension was downloaded or installed


def test_dagster_keeps_the_run_in_postgresql(lake_demo):
    con = psycopg2.connect(lake_demo["env"]["DAGSTER_PG_URL"].replace("+psycopg2", ""))
    with con.cursor() as cur:
        cur.execute("SELECT status FROM runs WHERE run_id = %s", [lake_demo["run"]["run_id"]])
        assert cur.fetchall() == [("SUCCESS",)]
        cur.execute("SELECT count(*) FROM event_logs WHERE run_id = %s "
                    "AND dagster_event_type = 'ASSET_MATERIALIZATION'", [lake_demo["run"]["run_id"]])
        assert cur.fetchone()[0] >= len(CONTRACT_TABLES)
    con.close()


def test_rerun_on_the_lake_changes_no_row_count(lake_demo):
    lake = Warehouse(lake_demo["target"])
    with lake.reader() as con:
        before = row_counts(con, CONTRACT_TABLES)
    finish(start_run(lake_demo["env"], briefing=str(lake_demo["folder"] / "briefing.html")))
    with lake.reader() as con:
        assert row_counts(con, CONTRACT_TABLES) == before


# Two counts one run changes together: a session that saw one change without the other saw half a run.
PAIR = "SELECT (SELECT count(*) FROM articles), (SELECT count(DISTINCT article_id) FROM article_urls)"
HOLDER = """
import sys
from newsintel.storage import Warehouse
with Warehouse(sys.argv[1]).reader() as con:          # held open through a whole run
    print(con.execute("SELECT count(*) FROM articles").fetchone()[0], flush=True)
    sys.stdin.readline()
    print(con.execute("SELECT count(*) FROM articles").fetchone()[0], flush=True)
"""

POLLER = """
import sys, time
from newsintel.storage import Warehouse
wh, seen, failed = Warehouse(sys.argv[1]), set(), 0
deadline = time.time() + float(sys.argv[2])
while time.time() < deadline:
    try:
        with wh.reader() as con:   # a fresh session each time, as an analyst opens one
            seen.add(con.execute(sys.argv[3]).fetchone())
    except Exception as exc:
        failed += 1
        print("failed:", exc, file=sys.stderr)
    time.sleep(0.2)
print(failed, sorted(seen), flush=True)
"""


def test_readers_see_only_committed_snapshots_through_a_run(lake_demo, tmp_path):
    target = lake_demo["target"]
    before = Warehouse(target).query("SELECT count(*) FROM articles")[0][0]
    before_pair = Warehouse(target).query(PAIR)[0]
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, target], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, cwd=REPO)
    poller = subprocess.Popen([sys.executable, "-c", POLLER, target, "40", PAIR], stdout=subprocess.PIPE, text=True,
                              cwd=REPO)
    try:
        assert holder.stdout.readline().strip() == str(before)
        (tmp_path / "more").mkdir()
        (tmp_path / "more" / "a.txt").write_text(" date 2021-06-05 Nigeria suspends Twitter\n\n" + (
            "Nigeria suspended Twitter indefinitely on Friday, the information minister said. ") * 10)
        more = tmp_path / "more.yaml"
        more.write_text(f'sources:\n  - {{id: more, kind: files, path: "more/*.txt"}}\n'
                        f'  - {{id: demo, kind: files, path: "{REPO}/data/demo/**/*"}}\n')
        env = dict(lake_demo["env"], NEWSINTEL_SOURCES=str(more))
        finish(start_run(env, briefing=str(tmp_path / "b.html")))       # the demo and one new article
        out, _ = holder.communicate("done\n", timeout=60)
        assert out.strip() == str(before)          # the held session kept its snapshot through the run
        polled, _ = poller.communicate(timeout=120)
    finally:
        holder.kill()
        poller.kill()
    failed, seen = polled.strip().splitlines()[-1].split(" ", 1)
    after, after_pair = Warehouse(target).query("SELECT count(*) FROM articles")[0][0], Warehouse(target).query(PAIR)[0]
    assert after == before + 1 and failed == "0"
    # Every session saw a committed state: the one before the run or the one after it, never a
    # half-written run (articles cleaned but their URLs not yet recorded).
    assert set(eval(seen)) <= {before_pair, after_pair}, seen


def test_a_backfill_over_the_demo_dates_in_parallel_runs_lands_the_rows_of_one_run(pg, tmp_path, file_demo,
                                                                                   monkeypatch):
    target = new_lake(pg, tmp_path)
    instance_env = dagster_home(pg, tmp_path)
    env = lake_env(target, **instance_env)
    finish(start_run(env, groups="ingest,clean"))                        # raw pages and articles, not extracted
    lake = Warehouse(target)
    days = [d for (d,) in lake.query("SELECT CAST(published_at AS DATE) FROM articles ORDER BY 1")]
    assert lake.query("SELECT count(*) FROM mentions") == [(0,)] and days[0] is not None
    months = sorted({d.replace(day=1) for d in days})          # the partition keys the demo's dates fall in
    cut = months[len(months) // 2]
    halves = [(str(months[0]), str(cut)), (str((cut + timedelta(days=32)).replace(day=1)), str(months[-1]))]
    # Two runs of the partitioned extraction, one per half of the months, each in its own process
    # (and its step in a process of its own, the multiprocess executor), committing concurrently.
    procs = [subprocess.Popen([sys.executable, "-m", "dagster", "job", "execute", "-m", "pipelines.definitions",
                               "-j", "extract_job", "--tags", json.dumps({
                                   "dagster/asset_partition_range_start": first,
                                   "dagster/asset_partition_range_end": last})],
                              env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for first, last in halves]
    for proc in procs:
        out, _ = proc.communicate(timeout=600)
        assert proc.returncode == 0, out[-3000:]
    finish(start_run(env, groups="resolve,models"))

    from dagster import DagsterInstance, RunsFilter
    for key, value in instance_env.items():
        monkeypatch.setenv(key, value)
    with DagsterInstance.get() as instance:
        runs = instance.get_run_records(RunsFilter(job_name="extract_job"))
    assert len(runs) == 2 and all(r.dagster_run.status.value == "SUCCESS" for r in runs)
    assert max(r.start_time for r in runs) < min(r.end_time for r in runs), "the two runs did not overlap"
    for table in FACT_TABLES + ("bans", "deal_talks", "ban_history", "deal_history", "companies", "markets"):
        assert table_rows(lake, table) == table_rows(file_demo, table), table
    assert lake.query("SELECT count(*) FROM extractions") == file_demo.query("SELECT count(*) FROM extractions")


def test_concurrent_writers_all_land_and_a_real_conflict_is_reported(pg, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from newsintel.storage.lake import CommitConflict, LakeStore

    target = new_lake(pg, tmp_path)

    def write(n: int) -> None:   # each its own store and session, racing to create the schema too
        with LakeStore(target).writer() as con:
            con.execute("INSERT INTO markets VALUES (?, ?, NULL, ?)", [f"M{n}", f"Market {n}", n])

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, range(4)))
    assert sorted(Warehouse(target).query("SELECT market_id FROM markets")) == [("M0",), ("M1",), ("M2",), ("M3",)]

    first, second = LakeStore(target), LakeStore(target)
    with pytest.raises(CommitConflict, match="can be run again"):
        with first.writer() as con:
            con.execute("CREATE OR REPLACE VIEW busiest AS SELECT max(article_count) AS n FROM markets")
            with second.writer() as other:     # commits first
                other.execute("CREATE OR REPLACE VIEW busiest AS SELECT min(article_count) AS n FROM markets")
    assert Warehouse(target).query("SELECT n FROM busiest") == [(0,)]   # the committed one, whole
