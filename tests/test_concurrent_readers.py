"""Ad-hoc SQL never fights the pipeline: another process reading the database through a whole run neither
blocks nor breaks it, sessions opened during the run always succeed, and they see complete states only."""
import subprocess
import sys
import time

from conftest import REPO, run_pipeline

from newsintel.storage import Warehouse

HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)          # held open through the whole run
print(con.execute("SELECT count(*) FROM articles").fetchone()[0], flush=True)
sys.stdin.readline()
print(con.execute("SELECT count(*) FROM articles").fetchone()[0], flush=True)
"""

POLLER = """
import sys, time, duckdb
ok = failed = 0
seen = set()
deadline = time.time() + float(sys.argv[2])
while time.time() < deadline:
    try:
        con = duckdb.connect(sys.argv[1], read_only=True)  # a fresh session, as an analyst opens one
        n_articles = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        n_urls = con.execute("SELECT count(DISTINCT article_id) FROM article_urls").fetchone()[0]
        con.close()
        seen.add((n_articles, n_urls))
        ok += 1
    except Exception as exc:
        failed += 1
        print("failed:", exc, file=sys.stderr)
    time.sleep(0.05)
print(ok, failed, sorted(seen), flush=True)
"""


def test_readers_in_other_processes_during_a_whole_run(tmp_path):
    db = tmp_path / "live.duckdb"
    seed_sources = tmp_path / "one.yaml"
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "a.txt").write_text(" date 2021-06-05 Nigeria suspends Twitter\n\n" + (
        "Nigeria suspended Twitter indefinitely on Friday, the information minister said. ") * 10)
    seed_sources.write_text('sources:\n  - {id: one, kind: files, path: "one/*.txt"}\n')
    run_pipeline(db, seed_sources)                      # a first published state: one article

    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    poller = subprocess.Popen([sys.executable, "-c", POLLER, str(db), "20"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "1"
        started = time.monotonic()
        run_pipeline(db, REPO / "data" / "sources.yaml")   # the demo corpus, while both readers are busy
        assert time.monotonic() - started < 60              # never waited ~100 s on a lock
        out, _ = holder.communicate("done\n", timeout=30)
        assert out.strip() == "1"                           # the held session kept its complete snapshot
        polled, _ = poller.communicate(timeout=60)
    finally:
        holder.kill()
        poller.kill()
    ok, failed, seen = polled.split(" ", 2)
    assert int(failed) == 0 and int(ok) > 10
    # every state a session saw was a published one: articles and their URLs always agree
    for n_articles, n_urls in eval(seen):
        assert n_articles == n_urls
    assert Warehouse(db).query("SELECT count(*) FROM articles")[0][0] > 40


def _readme_snippet() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- notebook-snippet -->", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    assert "newsintel.connect()" in block
    return block


NOTEBOOK = """
import sys, time
import pandas as pd
import newsintel
SNIPPET = sys.argv[3]
runs = failed = 0
seen = set()
deadline = time.time() + float(sys.argv[2])
while time.time() < deadline:
    try:
        scope = {}
        # the README's snippet, on this test's database instead of the project's
        exec(SNIPPET.replace("newsintel.connect()", f"newsintel.connect({sys.argv[1]!r})"), scope)
        assert isinstance(scope["bans"], pd.DataFrame) and isinstance(scope["deals"], pd.DataFrame)
        frame = scope["db"].sql("SELECT (SELECT count(*) FROM articles) AS a, "
                                "(SELECT count(DISTINCT article_id) FROM article_urls) AS u")
        assert isinstance(frame, pd.DataFrame)
        seen.add((int(frame.a[0]), int(frame.u[0])))
        runs += 1
    except Exception as exc:
        failed += 1
        print("failed:", repr(exc), file=sys.stderr)
    time.sleep(0.05)
print(runs, failed, sorted(seen), flush=True)
"""


def test_the_readme_notebook_snippet_returns_dataframes_while_a_run_writes(tmp_path):
    db = tmp_path / "live.duckdb"
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "a.txt").write_text(" date 2021-06-05 Nigeria suspends Twitter\n\n" + (
        "Nigeria suspended Twitter indefinitely on Friday, the information minister said. ") * 10)
    (tmp_path / "one.yaml").write_text('sources:\n  - {id: one, kind: files, path: "one/*.txt"}\n')
    run_pipeline(db, tmp_path / "one.yaml")             # a first published state: one article
    notebook = subprocess.Popen([sys.executable, "-c", NOTEBOOK, str(db), "15", _readme_snippet()],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        run_pipeline(db, REPO / "data" / "sources.yaml")   # the demo corpus, while the notebook queries
        out, err = notebook.communicate(timeout=60)
    finally:
        notebook.kill()
    assert notebook.returncode == 0, err[-2000:]
    runs, failed, seen = out.strip().splitlines()[-1].split(" ", 2)
    assert int(failed) == 0, err[-2000:]
    assert int(runs) > 5
    seen = eval(seen)
    assert all(a == u for a, u in seen)                  # only complete, published states
    assert max(a for a, _ in seen) >= 1
