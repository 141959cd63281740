#!/usr/bin/env python3
"""What the asset checks and the briefing cost as the archive grows, with the run's new work held fixed.

Usage:  python bench/bench_checks_briefing.py DB [--times 1 20] [--repeat 3]

DB is a database a pipeline run wrote (for example one `make bench-scale` left with `--keep`): its last
run's extracted articles are "this run". For each multiplier, a copy of DB gets every older article
repeated that many times under new ids (with its text, mentions and reports; the repeats count as older
runs), so the archive grows while the run stays the same. Printed per size, the fastest of `--repeat`:
the tables' checks as a run does them (scope "this run"), the same checks over every row (the daily
sweep), the views' checks (sweep only), and the briefing.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from newsintel import models, quality  # noqa: E402
from newsintel.briefing import build_briefing  # noqa: E402

REPEATED = {  # table: columns made unique per copy (article_id always); older-run timestamps moved back a day
    "articles": ["page_id"], "article_urls": ["url"], "extractions": [], "mentions": [], "market_metrics": [],
    "ban_reports": ["report_id"], "deal_reports": ["report_id"],
}
MOVED = {"extractions": "extracted_at", "article_urls": "first_seen"}


def grow(src: Path, dst: Path, times: int) -> datetime:
    shutil.copy(src, dst)
    con = duckdb.connect(str(dst))
    # the last run's start, as near as the tables tell: its cleaning comes before its extraction
    since = con.execute("SELECT least((SELECT max(first_seen) FROM article_urls), "
                        "(SELECT max(extracted_at) FROM extractions))").fetchone()[0]
    run = "SELECT article_id FROM extractions WHERE extracted_at >= $since"
    for k in range(1, times):
        for table, unique in REPEATED.items():
            cols = ", ".join([f"article_id || '~{k}' AS article_id"] + [f"{c} || '~{k}' AS {c}" for c in unique]
                             + ([f"{MOVED[table]} - INTERVAL 1 DAY AS {MOVED[table]}"] if table in MOVED else []))
            con.execute(f"INSERT INTO {table} SELECT * REPLACE ({cols}) FROM {table} "
                        f"WHERE article_id NOT LIKE '%~%' AND article_id NOT IN ({run})", {"since": since})
    if times > 1:
        con.execute(f"UPDATE companies SET article_count = article_count * {times}")
        con.execute(f"UPDATE markets SET article_count = article_count * {times}")
    con.close()
    return since



def fastest(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def measure(db: Path, since, repeat: int) -> dict[str, float]:
    con = duckdb.connect(str(db), read_only=True)
    by_table: dict[str, list] = {}
    for rule in quality.rules():
        by_table.setdefault(rule.table, []).append(rule)
    views: dict[str, list] = {}
    for rule in quality.view_rules(models.load_models()):
        views.setdefault(rule.table, []).append(rule)

    def checks(rules_by: dict, scoped) -> None:
        for table, rules in rules_by.items():
            list(quality.run_rules(con, table, rules, since=scoped))
    out = {"articles": con.execute("SELECT count(*) FROM articles").fetchone()[0],
           "run_articles": con.execute("SELECT count(*) FROM extractions WHERE extracted_at >= ?",
                                       [since]).fetchone()[0],
           "checks_run": fastest(lambda: checks(by_table, since), repeat),
           "checks_sweep": fastest(lambda: checks(by_table, None), repeat),
           "view_checks_sweep": fastest(lambda: checks(views, None), repeat),
           "briefing": fastest(lambda: build_briefing(con), repeat)}
    con.close()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("db", type=Path)
    ap.add_argument("--times", type=int, nargs="+", default=[1, 20])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-checks-"))
    try:
        rows = []
        for times in args.times:
            db = work / f"x{times}.duckdb"
            since = grow(args.db, db, times)
            rows.append(measure(db, since, args.repeat))
            db.unlink()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| archive | run's articles | tables' checks, this run | tables' checks, full sweep "
          "| views' checks (sweep) | briefing |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['articles']:,} | {r['run_articles']:,} | {r['checks_run']:.3f} s | {r['checks_sweep']:.3f} s "
              f"| {r['view_checks_sweep']:.3f} s | {r['briefing']:.3f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
