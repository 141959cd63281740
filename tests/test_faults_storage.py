"""The storage faults of issue 16, on real files and real processes: a publish that fails fails the run,
damaged work and published files repair each other, analyst writes survive a missing publish record, a
publisher killed at the rename, two set-asides in one second and a killed compaction, and a run waiting for
the writers' lock that is told to stop.

Each test fails on the code before its fix (said in its doc): a publish that failed gave a SUCCESS run and
exit 0; a corrupt block in the work file failed every later run; a damaged published file stayed damaged
after a run that changed nothing; a missing record let analyst writes be overwritten; a kill after the
rename set the pipeline's own file aside; two set-asides in one second raised FileExistsError; a
`.compacting` file stayed; a wait on the lock under a recording signal handler never ended.
"""
from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest
from conftest import REPO, run_pipeline, write_sources
from dagster import DagsterInstance, DagsterRunStatus

from newsintel.storage import Warehouse, WarehouseError, upsert_rows
from newsintel.storage import publish as publish_mod

DEMO = REPO / "data" / "demo"
ROW = dict(market_id="IN", name="India", article_count=1)


def _env(tmp_path: Path, sources: Path, db: Path) -> dict[str, str]:
    home = tmp_path / "home"
    if not home.exists():
        home.mkdir()
        shutil.copy(REPO / "pipelines" / "dagster.yaml", home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSINTEL_")}
    env.update(DAGSTER_HOME=str(home), NEWSINTEL_DB=str(db), NEWSINTEL_SOURCES=str(sources),
               NEWSINTEL_BRIEFING=str(tmp_path / "briefing.html"), TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="",
               TLDEXTRACT_CACHE=str(tmp_path / "tld"), DAGSTER_DISABLE_TELEMETRY="1")
    return env


# `make run` in a process whose publish copy writes half the file and then meets a full disk (ENOSPC), as
# the kernel's copy does when the filesystem fills under it.
FULL_DISK_RUN = textwrap.dedent("""
    import errno, os, runpy
    from newsintel.storage import publish

    def full_disk(src, dst):
        with open(src, "rb") as fin, open(dst, "wb") as fout:
            fout.write(fin.read(os.path.getsize(src) // 2))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    publish._clone_or_copy = full_disk
    runpy.run_module("pipelines.run", run_name="__main__")
""")


def _articles(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        con.close()


def _identity(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return st.st_ino, st.st_size, st.st_mtime_ns


def test_a_disk_filling_during_the_publish_copy_fails_the_run_and_make_run_exits_non_zero(tmp_path):
    """Before: the publish ran in the resource's teardown, whose exception Dagster logs without failing
    the run: SUCCESS, exit 0, and analysts kept yesterday's file without anyone being told."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(sorted((DEMO / "bharat").iterdir())[0], inbox)
    sources = write_sources(tmp_path, f"sources:\n  - {{id: inbox, kind: files, path: '{inbox}/*'}}\n")
    db = tmp_path / "news.duckdb"
    env = _env(tmp_path, sources, db)
    first = subprocess.run([sys.executable, "-m", "pipelines.run"], cwd=REPO, env=env, capture_output=True,
                           text=True, timeout=300)
    assert first.returncode == 0, first.stderr[-3000:]
    before, published = _articles(db), _identity(db)

    for path in sorted((DEMO / "bharat").iterdir())[1:]:       # new input: this run has something to publish
        shutil.copy(path, inbox)
    full = subprocess.run([sys.executable, "-c", FULL_DISK_RUN], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)
    assert full.returncode != 0, full.stdout[-2000:]
    assert "published_database" in full.stderr and os.strerror(errno.ENOSPC) in full.stderr, full.stderr[-3000:]
    assert f"analysts still see {db} as published at" in full.stderr          # which file, and how old
    assert " ago)" in full.stderr
    assert _identity(db) == published and _articles(db) == before            # readers: the whole old state
    assert not list(tmp_path.glob(".news.duckdb.publish-*"))                 # no half copy left behind
    instance = DagsterInstance.from_config(env["DAGSTER_HOME"])
    assert instance.get_run_records(limit=1)[0].dagster_run.status == DagsterRunStatus.FAILURE

    again = subprocess.run([sys.executable, "-m", "pipelines.run"], cwd=REPO, env=env, capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert _articles(db) > before                                             # the kept work, published


def _tmpfs(mount: Path, size: str) -> bool:
    mount.mkdir()
    if os.geteuid() != 0:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
                          capture_output=True).returncode == 0


def test_a_really_full_disk_during_publish_fails_the_run(tmp_path):
    """The same on a real full filesystem (a small tmpfs, when this runs as root and may mount one): the
    database lives there, and a filler leaves room for the run's writes but not for the publish copy."""
    mount = tmp_path / "disk"
    if not _tmpfs(mount, "64m"):
        pytest.skip("cannot mount a tmpfs here (needs root); the simulated full disk above still runs")
    try:
        sources = write_sources(tmp_path, f"sources:\n  - {{id: bharat, kind: files, path: '{DEMO}/bharat/*'}}\n")
        db = mount / "news.duckdb"
        env = _env(tmp_path, sources, db)
        first = subprocess.run([sys.executable, "-m", "pipelines.run"], cwd=REPO, env=env, capture_output=True,
                               text=True, timeout=300)
        assert first.returncode == 0, first.stderr[-3000:]
        published = _identity(db)
        work = mount / ".news.work.duckdb"
        free = shutil.disk_usage(mount).free
        # leave half the work file's size free: the run's own writes fit, a full copy of the file cannot
        with open(mount / "filler", "wb") as fh:
            fh.write(b"\0" * max(0, free - work.stat().st_size // 2))
        sources.write_text(sources.read_text() + f"  - {{id: wire, kind: files, path: '{DEMO}/wire/*'}}\n")
        full = subprocess.run([sys.executable, "-m", "pipelines.run"], cwd=REPO, env=env, capture_output=True,
                              text=True, timeout=300)
        assert full.returncode != 0
        assert "No space left on device" in full.stderr, full.stderr[-3000:]
        assert _identity(db) == published
        assert not list(mount.glob(".news.duckdb.publish-*"))
        (mount / "filler").unlink()
        again = subprocess.run([sys.executable, "-m", "pipelines.run"], cwd=REPO, env=env, capture_output=True,
                               text=True, timeout=300)
        assert again.returncode == 0, again.stderr[-3000:]
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def _big_published(tmp_path: Path) -> Warehouse:
    """A published database whose markets table spans many blocks, so a block in the middle holds data."""
    wh = Warehouse(tmp_path / "db.duckdb")
    with wh.writer() as con:
        upsert_rows(con, "markets", "market_id", [dict(market_id=f"M{i}", name=f"market {i} " * 30,
                                                       article_count=i) for i in range(40_000)])
    return wh


def _corrupt_middle(path: Path) -> None:
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.seek(size // 2)
        fh.write(os.urandom(64 * 1024))


def test_a_corrupt_block_met_mid_session_sets_the_work_file_aside_and_rebuilds_it(tmp_path):
    """Before: only an error at open was caught; a checksum error met later (extraction reading a damaged
    block) failed that run and every run after it."""
    wh = _big_published(tmp_path)
    messages: list[str] = []
    wh = Warehouse(wh.path, log=messages.append)
    _corrupt_middle(wh.store.work_path)
    with pytest.raises(WarehouseError, match="rebuilt from the published database"):
        with wh.writer() as con:
            con.execute("SELECT sum(length(name)) FROM markets").fetchone()     # reads every block
    assert messages and "damaged" in messages[0] and str(wh.path) in messages[0]
    assert list(tmp_path.glob(".db.work.duckdb.damaged-*"))
    with wh.writer() as con:                                                 # the next session goes on
        assert con.execute("SELECT count(*), sum(article_count) FROM markets").fetchone() == (
            40_000, sum(range(40_000)))


def test_a_damaged_published_file_is_published_again_by_a_run_that_changed_nothing(tmp_path):
    """Before: a truncated published file with an intact work file failed every run (its checks read it)
    and a run that changed nothing never published it again; analysts stayed locked out."""
    sources = write_sources(tmp_path, f"sources:\n  - {{id: bharat, kind: files, path: '{DEMO}/bharat/*'}}\n")
    db = tmp_path / "news.duckdb"
    run_pipeline(db, sources)
    expected = _articles(db)
    with open(db, "r+b") as fh:
        fh.truncate(db.stat().st_size // 3)
    run_pipeline(db, sources)                              # nothing new: the same input again
    assert _articles(db) == expected                       # analysts read every table again
    # the damaged file kept aside, not overwritten (DuckDB opens a file cut short, so it cannot tell damage
    # from an analyst's writes: either name)
    assert list(tmp_path.glob("news.damaged-*.duckdb")) + list(tmp_path.glob("news.analyst-*.duckdb"))


def test_a_published_file_damaged_inside_kept_size_is_republished_at_the_end_of_a_deferred_run(tmp_path):
    """The end-of-run check alone (a Warehouse as a run's resource holds it): garbage written over the
    published file's header makes it unopenable; flushing with nothing unpublished publishes it again."""
    wh = _big_published(tmp_path)
    with open(wh.path, "r+b") as fh:
        fh.write(b"\0" * 8192)
    messages: list[str] = []
    run = Warehouse(wh.path, defer_publish=True, log=messages.append)
    run.flush()
    assert run.query("SELECT count(*) FROM markets") == [(40_000,)]
    assert any("cannot be opened" in m for m in messages)


def _analyst_writes(path: Path) -> None:
    con = duckdb.connect(str(path))                        # read-write, closed cleanly: no WAL is left
    con.execute("CREATE OR REPLACE TABLE my_notes AS SELECT 42 AS answer")
    con.close()


def test_analyst_writes_are_set_aside_when_the_publish_record_is_missing(tmp_path):
    """Before: without `.<db>.published` the file counted as the pipeline's and was overwritten."""
    wh = Warehouse(tmp_path / "db.duckdb")
    with wh.writer() as con:
        upsert_rows(con, "markets", "market_id", [ROW])
    _analyst_writes(wh.path)
    (tmp_path / ".db.duckdb.published").unlink()
    with wh.writer() as con:
        upsert_rows(con, "markets", "market_id", [dict(ROW, article_count=2)])
    (aside,) = tmp_path.glob("db.analyst-*.duckdb")
    con = duckdb.connect(str(aside), read_only=True)
    assert con.execute("SELECT answer FROM my_notes").fetchone() == (42,)
    con.close()
    assert wh.query("SELECT article_count FROM markets") == [(2,)]


KILLED_PUBLISH = textwrap.dedent("""
    import os, signal, sys
    from newsintel.storage import Warehouse, upsert_rows
    from newsintel.storage import publish

    db, when = sys.argv[1], sys.argv[2]
    real = os.replace

    def replace(src, dst):
        if str(dst) == db:                     # the publish rename itself
            if when == "after":
                real(src, dst)
            os.kill(os.getpid(), signal.SIGKILL)
        return real(src, dst)

    publish.os.replace = replace
    with Warehouse(db).writer() as con:
        upsert_rows(con, "markets", "market_id", [dict(market_id="US", name="United States", article_count=3)])
""")


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_publisher_killed_at_the_rename_never_sets_the_pipelines_own_file_aside(tmp_path, when):
    """Before: the record was written after the rename; a kill -9 between them left a record of the old
    file, and the next publish set the pipeline's own file aside as an 'analyst' copy."""
    wh = Warehouse(tmp_path / "db.duckdb")
    with wh.writer() as con:
        upsert_rows(con, "markets", "market_id", [ROW])
    killed = subprocess.run([sys.executable, "-c", KILLED_PUBLISH, str(wh.path), when], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    with wh.writer() as con:
        upsert_rows(con, "markets", "market_id", [dict(ROW, article_count=5)])
    assert not list(tmp_path.glob("db.analyst-*"))
    assert wh.query("SELECT market_id, article_count FROM markets ORDER BY 1") == [("IN", 5), ("US", 3)]


def test_two_set_asides_in_one_second_both_keep_their_writes(tmp_path, monkeypatch):
    """Before: both took the name `<db>.analyst-<second>.duckdb` and the second publish failed with
    FileExistsError. The clock is held at one second so the two cannot straddle a tick."""
    monkeypatch.setattr(publish_mod.time, "strftime", lambda fmt, t=None: "20260101T000000Z")
    wh = Warehouse(tmp_path / "db.duckdb")
    with wh.writer() as con:
        upsert_rows(con, "markets", "market_id", [ROW])
    for n in (2, 3):
        _analyst_writes(wh.path)
        with wh.writer() as con:
            upsert_rows(con, "markets", "market_id", [dict(ROW, article_count=n)])
    assert sorted(p.name for p in tmp_path.glob("db.analyst-*.duckdb")) == [
        "db.analyst-20260101T000000Z-2.duckdb", "db.analyst-20260101T000000Z.duckdb"]


def test_a_compaction_killed_midway_leaves_nothing_behind_after_the_next_session(tmp_path):
    """Before: a `.compacting` file (and its spill folder) left by a killed compaction stayed for good."""
    wh = _big_published(tmp_path)
    work = wh.store.work_path
    tmp = work.with_name(f"{work.name}.compacting")
    child = subprocess.Popen([sys.executable, "-m", "newsintel.storage.compact", str(work), str(tmp)], cwd=REPO)
    deadline = time.monotonic() + 60
    while not tmp.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    child.kill()
    child.wait()
    if not tmp.exists():                       # the child finished before it could be killed: as it would leave it
        tmp.write_bytes(b"half a rewrite")
    with wh.writer() as con:
        upsert_rows(con, "markets", "market_id", [ROW])
    assert not tmp.exists() and not work.with_name(f"{work.name}.compact-spill").exists()


WAITER = textwrap.dedent("""
    import sys
    from dagster._utils.interrupts import capture_interrupts, setup_interrupt_handlers
    from newsintel.storage import Warehouse

    setup_interrupt_handlers()                 # SIGTERM handled like SIGINT, as Dagster's CLI does
    with capture_interrupts():                 # a handler that only records the signal (resource teardown)
        print("waiting", flush=True)
        with Warehouse(sys.argv[1]).writer():
            print("got the lock", flush=True)
""")

HOLDER = textwrap.dedent("""
    import fcntl, sys, time
    lock = open(sys.argv[1], "a+")
    fcntl.flock(lock, fcntl.LOCK_EX)
    print("held", flush=True)
    sys.stdin.read()
""")


def test_a_run_waiting_for_the_writers_lock_ends_on_sigterm(tmp_path):
    """Before: a blocking flock, retried by Python after every signal, under a handler that only records
    the signal (Dagster's capture_interrupts): SIGTERM was ignored and the wait lasted forever."""
    db = tmp_path / "db.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / ".db.duckdb.lock")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        waiter = subprocess.Popen([sys.executable, "-c", WAITER, str(db)], cwd=REPO, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        assert waiter.stdout.readline().strip() == "waiting"
        time.sleep(1.0)                        # well into the wait
        assert waiter.poll() is None
        waiter.send_signal(signal.SIGTERM)
        try:
            out, err = waiter.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            waiter.kill()
            waiter.communicate()
            pytest.fail("the run waiting for the writers' lock ignored SIGTERM")
        assert waiter.returncode != 0 and "got the lock" not in out
    finally:
        holder.communicate("", timeout=10)


def _segments(db: Path, source: str) -> set[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {r[0] for r in con.execute("SELECT DISTINCT body_file FROM raw_pages WHERE source_id = ?",
                                          [source]).fetchall()}
    finally:
        con.close()


def _lost_rows(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT f.url, r.source_id FROM clean_failures f JOIN raw_pages r USING (page_id) "
                           "WHERE f.reason LIKE 'raw page body lost%' ORDER BY 1").fetchall()
    finally:
        con.close()


def _damage_segment(path: Path, how: str) -> None:
    if how == "deleted":
        path.unlink()
    else:
        with open(path, "r+b") as fh:
            fh.truncate(path.stat().st_size // 2)


@pytest.mark.parametrize("how", ["deleted", "truncated"])
def test_a_lost_body_segment_fails_only_its_own_pages_and_refetch_restores_them(tmp_path, how):
    """Before: a body segment lost before its pages were cleaned stopped the clean stage for every page
    (FileNotFoundError, or a Parquet/ZSTD error), new input included; `refetch: true` kept the dead
    `body_file` because the body's hash was unchanged; `page_bodies()` raised."""
    yaml = ("sources:\n"
            f"  - {{id: bharat, kind: files, path: '{DEMO}/bharat/*'{{refetch}}}}\n"
            f"  - {{id: wire, kind: files, path: '{DEMO}/wire/*'}}\n")
    baseline = tmp_path / "baseline.duckdb"
    run_pipeline(baseline, write_sources(tmp_path, yaml.replace("{refetch}", "")))
    expected = _articles(baseline)

    db = tmp_path / "news.duckdb"
    sources = write_sources(tmp_path, yaml.replace("{refetch}", ""))
    run_pipeline(db, sources, selection=["raw_pages"])              # ingested, not cleaned yet
    lost = _segments(db, "bharat")
    assert lost and not lost & _segments(db, "wire")
    for segment in lost:
        _damage_segment(tmp_path / "news.duckdb.bodies" / segment, how)
    bodies = Warehouse(db).page_bodies()                             # the other pages' bodies, no error
    assert bodies and all("/wire/" in url or "wire" in url for url, _ in bodies)

    run_pipeline(db, sources)                                        # green: only bharat's pages fail
    rows = _lost_rows(db)
    assert rows and {source for _, source in rows} == {"bharat"}
    assert len(rows) == len({u for u, _ in rows})                    # one row per page
    assert 0 < _articles(db) < expected                              # wire's pages were cleaned

    run_pipeline(db, write_sources(tmp_path, yaml.replace("{refetch}", ", refetch: true")))
    assert _segments(db, "bharat").isdisjoint(lost)                  # bodies written anew, hash unchanged
    assert _lost_rows(db) == []
    assert _articles(db) == expected


def test_a_segment_deleted_after_cleaning_is_recorded_by_the_next_run(tmp_path):
    """Before: a segment deleted after its pages were cleaned went unnoticed by every green run, until
    `page_bodies()` (or a re-clean) met it."""
    sources = write_sources(tmp_path, f"sources:\n  - {{id: wire, kind: files, path: '{DEMO}/wire/*'}}\n")
    db = tmp_path / "news.duckdb"
    run_pipeline(db, sources)
    pages = len(Warehouse(db).page_bodies())
    for segment in _segments(db, "wire"):
        (tmp_path / "news.duckdb.bodies" / segment).unlink()
    assert Warehouse(db).page_bodies() == []
    run_pipeline(db, sources)
    assert len(_lost_rows(db)) == pages                              # one clean_failures row per page
    run_pipeline(db, sources)
    assert len(_lost_rows(db)) == pages                              # recorded once, not again each run
