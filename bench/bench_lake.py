#!/usr/bin/env python3
"""The whole pipeline on the demo corpus into the DuckDB file and into a DuckLake on PostgreSQL, in turn.

Usage:  python bench/bench_lake.py "host=127.0.0.1 port=5432 user=postgres" [--repeat N]

The libpq keywords name a server where the user may create databases (each lake gets a new one, and a
folder under a temporary directory for its data). Runs alternate file, lake, file, lake, ... so a busy
machine weighs on both alike; the figure to read is the ratio of medians. Every run is a fresh store, one
process, Dagster's in-process executor, as `make run` does it.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def run(target: str) -> float:
    from dagster import DagsterInstance, materialize

    from assets.resources import SourcesResource, WarehouseResource
    from pipelines.definitions import ALL_ASSETS, checks

    started = time.perf_counter()
    result = materialize(ALL_ASSETS + checks.CHECKS, instance=DagsterInstance.ephemeral(),
                         resources={"warehouse": WarehouseResource(path=target),
                                    "sources": SourcesResource(path=str(REPO / "data" / "sources.yaml"))})
    assert result.success
    return time.perf_counter() - started


def new_database(dsn: str) -> str:
    import psycopg2

    name = f"bench_{uuid.uuid4().hex[:8]}"
    con = psycopg2.connect(f"{dsn} dbname=postgres")
    con.autocommit = True
    with con.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    con.close()
    return name


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dsn", help="libpq keywords without dbname, e.g. 'host=127.0.0.1 port=5432 user=postgres'")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    times: dict[str, list[float]] = {"file": [], "lake": []}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            times["file"].append(run(str(Path(tmp) / f"demo{i}.duckdb")))
            lake = f"ducklake:postgres:{args.dsn} dbname={new_database(args.dsn)}?data_path={tmp}/lake{i}/"
            times["lake"].append(run(lake))
            print(f"run {i + 1}: file {times['file'][-1]:.1f} s, lake {times['lake'][-1]:.1f} s", flush=True)
    file_s, lake_s = statistics.median(times["file"]), statistics.median(times["lake"])
    print(f"median: file {file_s:.1f} s, lake {lake_s:.1f} s, lake/file {lake_s / file_s:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
