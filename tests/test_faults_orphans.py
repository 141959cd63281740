"""A run killed during a pooled stage leaves no process behind and no lock held; runs that died before they
announced their process are failed; the schedule does not skip its ticks for a dead run.

Real processes throughout: `python -m pipelines.run` killed with SIGKILL while its cleaning pool works,
and a writer that dies holding the lock while a forked child of its keeps the descriptor. Before the fix
the pool's workers outlived the run (parent 1) holding the writer lock, and the next run blocked forever.
"""
from __future__ import annotations

import fcntl
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import REPO, write_sources
from dagster import DagsterRun, DagsterRunStatus, RunRequest, build_schedule_context, instance_for_test

import assets.recovery as recovery
from newsintel.proclocks import orphaned_lock_holders
from newsintel.storage import Warehouse
from pipelines.schedules import _scrape

ARTICLES = 260            # above parallel.MIN_PARALLEL: cleaning and extraction use the process pool


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read()
    except OSError:
        return b""


def _forked_children(pid: int) -> set[int]:
    """Children of `pid` forked without exec (its pool's workers), not the helpers Dagster starts."""
    kids: set[int] = set()
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
                kids.update(int(p) for p in fh.read().split())
    except OSError:
        pass
    own = _cmdline(pid)
    return {kid for kid in kids if own and _cmdline(kid) == own}


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def _corpus(folder: Path, n: int) -> Path:
    """n distinct English business articles as seed-format .txt files."""
    rng = random.Random(7)
    firms = ["Acme", "Borealis", "Cobalt", "Dunmore", "Everly", "Fairhaven", "Granite", "Halcyon", "Ironwood"]
    verbs = ["reported", "expected", "announced", "forecast", "recorded", "disclosed", "projected"]
    things = ["quarterly revenue", "operating profit", "new orders", "export volumes", "capital spending",
              "net income", "customer growth", "regional sales", "freight costs", "research budgets"]
    (folder / "in").mkdir(parents=True)
    for i in range(n):
        sentences = [f"Desk note {i} covers week {rng.randint(1, 52)} of trading."]
        for _ in range(rng.randint(30, 45)):
            sentences.append(f"{rng.choice(firms)} {rng.choice(verbs)} that {rng.choice(things)} rose by "
                             f"{rng.randint(2, 950)} million dollars in {rng.choice(['March', 'June', 'May'])}, "
                             f"according to analyst number {rng.randint(1, 99999)}.")
        paras = [" ".join(sentences[j:j + 5]) for j in range(0, len(sentences), 5)]
        date = f"{rng.randint(2019, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        (folder / "in" / f"a{i:05d}.txt").write_text(f" date {date} Business wire {i}\n\n" + "\n\n".join(paras))
    return write_sources(folder, f'sources:\n  - {{id: bulk, kind: files, path: "{folder}/in/*"}}\n')


def _env(tmp_path: Path, sources: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(REPO / "pipelines" / "dagster.yaml", home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSINTEL_")}
    env.update(DAGSTER_HOME=str(home), NEWSINTEL_DB=str(tmp_path / "db" / "news.duckdb"),
               NEWSINTEL_SOURCES=str(sources), NEWSINTEL_BRIEFING=str(tmp_path / "b.html"),
               NEWSINTEL_WORKERS="2", TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="",
               TLDEXTRACT_CACHE=str(tmp_path / "tld"), DAGSTER_DISABLE_TELEMETRY="1")
    return env


def test_kill_9_during_the_pool_leaves_no_worker_and_the_next_run_completes(tmp_path):
    env = _env(tmp_path, _corpus(tmp_path, ARTICLES))
    proc = subprocess.Popen([sys.executable, "-m", "pipelines.run"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    deadline = time.monotonic() + 180
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            workers = _forked_children(proc.pid)
            if len(workers) >= 2:                   # the pool is up: cleaning (or extraction) is under way
                time.sleep(0.3)                     # its workers are inside their first chunk
                workers |= _forked_children(proc.pid)
                os.kill(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.01)
    finally:
        if proc.poll() is None and time.monotonic() >= deadline:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL and len(workers) >= 2, "the run ended before its pool started"

    gone_by = time.monotonic() + 10
    while time.monotonic() < gone_by and any(_alive(p) for p in workers):
        time.sleep(0.05)
    survivors = [p for p in workers if _alive(p)]
    try:
        assert survivors == [], f"workers {survivors} outlived their run"
        assert orphaned_lock_holders(tmp_path / "db") == []
    finally:
        for pid in survivors:                       # before the fix: never leave them behind the test
            os.kill(pid, signal.SIGKILL)

    done = subprocess.run([sys.executable, "-m", "pipelines.run"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "died (its process" in done.stderr          # the killed run was failed, with a line saying so
    with Warehouse(tmp_path / "db" / "news.duckdb").reader() as con:
        assert con.execute("SELECT count(*) FROM raw_pages").fetchone()[0] == ARTICLES
        cleaned = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        pending = con.execute("SELECT count(*) FROM articles a WHERE NOT EXISTS "
                              "(SELECT 1 FROM extractions e WHERE e.article_id = a.article_id)").fetchone()[0]
    assert cleaned >= ARTICLES * 0.9 and pending == 0


ORPHAN_MAKER = textwrap.dedent("""
    import fcntl, os, sys, time
    lock = open(sys.argv[1], "a+")
    fcntl.flock(lock, fcntl.LOCK_EX)
    if os.fork() == 0:                  # a worker forked while the lock is held, as the pool's were
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 1)
        os.dup2(null, 2)
        time.sleep(120)
        os._exit(0)
    print("locked", flush=True)
    os.kill(os.getpid(), 9)             # the run dies; its worker lives on with the descriptor
""")


def test_recovery_ends_orphans_that_hold_the_writer_lock(tmp_path):
    db = tmp_path / "news.duckdb"
    lock = tmp_path / ".news.duckdb.lock"
    out = subprocess.run([sys.executable, "-c", ORPHAN_MAKER, str(lock)], capture_output=True, text=True,
                         timeout=30)
    assert out.stdout.strip() == "locked"
    holders = orphaned_lock_holders(tmp_path)
    try:
        assert len(holders) == 1 and holders[0].path == str(lock)
        with open(lock, "a+") as fh, pytest.raises(BlockingIOError):
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)        # held: a run would wait forever

        (message,) = recovery.free_orphaned_locks(str(db))
        assert f"still held by process(es) {holders[0].pid}" in message and "ended them" in message
        assert not _alive(holders[0].pid)
        with open(lock, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)        # free again
        assert recovery.free_orphaned_locks(str(db)) == []
    finally:
        for h in holders:
            if _alive(h.pid):
                os.kill(h.pid, signal.SIGKILL)


def test_a_live_writer_and_its_lock_are_left_alone(tmp_path):
    lock = tmp_path / ".news.duckdb.lock"
    with open(lock, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        child = os.fork()
        if child == 0:
            time.sleep(30)
            os._exit(0)
        try:
            assert orphaned_lock_holders(tmp_path) == []     # the taker (this process) is alive
            assert recovery.free_orphaned_locks(str(tmp_path / "news.duckdb")) == []
        finally:
            os.kill(child, signal.SIGKILL)
            os.waitpid(child, 0)


def test_a_run_that_died_before_announcing_its_process_is_failed_and_the_schedule_runs(monkeypatch):
    with instance_for_test() as instance:
        silent = instance.add_run(DagsterRun(job_name="newsintel_job", status=DagsterRunStatus.STARTED))
        fresh = recovery.reap_dead_runs(instance)
        assert fresh == []                   # within the grace period: it may be announcing itself now
        skipped = _scrape(build_schedule_context(instance=instance))
        assert "still started; tick skipped" in skipped.skip_message

        monkeypatch.setattr(recovery, "NO_PID_GRACE", 0.5)
        time.sleep(0.6)
        tick = _scrape(build_schedule_context(instance=instance))
        assert isinstance(tick, RunRequest)  # before the fix: skipped until run monitoring's 6 hours
        assert instance.get_run_by_id(silent.run_id).status == DagsterRunStatus.FAILURE


POOLED_JOB = textwrap.dedent("""
    from dagster import job, op

    from pipelines.executors import recovering_multiprocess_executor


    @op(pool="duckdb")
    def write_something():
        return 1


    @job(executor_def=recovering_multiprocess_executor)
    def pooled_job():
        write_something()
""")

WAITING_RUN = textwrap.dedent("""
    import subprocess, sys, time
    from dagster import DagsterEventType, DagsterInstance, DagsterRun, DagsterRunStatus, EventLogEntry, execute_job
    from dagster._core.definitions.reconstruct import ReconstructableJob
    from dagster._core.events import DagsterEvent, EngineEventData
    import pipelines.executors as executors
    executors.WATCH_SECONDS = 0.5

    instance = DagsterInstance.get()
    dead = subprocess.Popen([sys.executable, "-c", "pass"]); dead.wait()
    holder = instance.add_run(DagsterRun(job_name="newsintel_job", status=DagsterRunStatus.STARTED))
    event = DagsterEvent(DagsterEventType.ENGINE_EVENT.value, job_name="newsintel_job",
                         message=f"Executing steps in process (pid: {dead.pid})",
                         event_specific_data=EngineEventData.in_process(dead.pid))
    instance.handle_new_event(EventLogEntry(error_info=None, level="DEBUG", user_message="", run_id=holder.run_id,
                                            timestamp=time.time(), step_key=None, dagster_event=event))
    instance.event_log_storage.set_concurrency_slots("duckdb", 1)
    assert instance.event_log_storage.claim_concurrency_slot("duckdb", holder.run_id, "sql_models").is_claimed
    result = execute_job(ReconstructableJob.for_file(sys.argv[1], "pooled_job"), instance)
    print(result.success, instance.get_run_by_id(holder.run_id).status.value)
""")


def test_a_run_waiting_for_the_pool_slot_of_a_dead_run_goes_on(tmp_path):
    """On a lake the pool stays; a multiprocess run whose step waits for a slot held by a run that died
    used to spin forever. Real processes: the orchestrator here, its step in a process of its own."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(REPO / "pipelines" / "dagster.yaml", home / "dagster.yaml")      # pool limit 1
    (tmp_path / "pooled.py").write_text(POOLED_JOB, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSINTEL_")}
    env.update(DAGSTER_HOME=str(home), NEWSINTEL_DB=str(tmp_path / "db" / "news.duckdb"), PYTHONPATH=str(REPO),
               DAGSTER_DISABLE_TELEMETRY="1")
    done = subprocess.run([sys.executable, "-c", WAITING_RUN, str(tmp_path / "pooled.py")], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["True", "FAILURE"]


def test_make_run_ends_orphans_holding_the_writer_lock_and_completes(tmp_path):
    """The state a kill -9 left before workers died with their parent: the writer lock held by a process
    whose taker is dead. `make run` used to block on it forever (and ignore SIGTERM while it waited)."""
    demo = REPO / "data" / "demo" / "bharat"
    env = _env(tmp_path, write_sources(tmp_path, f"sources:\n  - {{id: bharat, kind: files, path: '{demo}/*'}}\n"))
    (tmp_path / "db").mkdir()
    lock = tmp_path / "db" / ".news.duckdb.lock"                  # the file warehouse's writer lock
    made = subprocess.run([sys.executable, "-c", ORPHAN_MAKER, str(lock)], capture_output=True, text=True,
                          timeout=30)
    assert made.stdout.strip() == "locked"
    (orphan,) = orphaned_lock_holders(tmp_path / "db")
    try:
        done = subprocess.run([sys.executable, "-m", "pipelines.run"], cwd=REPO, env=env, capture_output=True,
                              text=True, timeout=240)
        assert done.returncode == 0, done.stderr[-3000:]
        assert f"the lock {lock} was still held by process(es) {orphan.pid}" in done.stderr
        assert not _alive(orphan.pid)
    finally:
        if _alive(orphan.pid):
            os.kill(orphan.pid, signal.SIGKILL)
