"""Keeping the work file compact, so that what a publish copies follows the data, not the history of runs.

Why: DuckDB reuses the blocks it frees, but the small commits of an incremental run (a chunk's appends, the
merges of the derived tables) leave partly filled blocks behind. Measured with `make bench-scale`: the
10,000-article file grew by 3-6 MB per run of 100 new articles whose rows take about 0.6 MB, and a copy made
with COPY FROM DATABASE was 76 MB against 117 MB. Left alone, every publish would copy a file that grows
with the number of runs.

How: before a publish, when the work file has grown past `GROWTH` times its size after the last
compaction, it is rewritten with COPY FROM DATABASE (tables, views, constraints; 0.8 s at 10,000 articles)
into a file beside it, in a child process with a fixed memory limit, and the new file replaces it by rename.
A compaction costs one rewrite of the archive, but it comes only after the file grew by half, so its cost
per new article stays constant however large the archive. Call with the writers' lock held and no connection
open on the work file.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import duckdb

GROWTH = 1.5                   # rewrite when the file is this many times its compacted size
MIN_BYTES = 16 * 1024 * 1024   # below this a file is left as it is: the copy costs next to nothing
PYTHON = sys.executable        # the child that rewrites the file


def _mark(work: Path) -> Path:
    return work.with_name(f"{work.name}.compacted")


def compacted_size(work: Path) -> int:
    """The work file's size after its last compaction (0 when it was never compacted)."""
    try:
        return int(json.loads(_mark(work).read_text())["size"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def clean_stale(work: Path) -> list[Path]:
    """Remove what a compaction killed mid-way left (the half-written `.compacting` copy, its spill folder);
    call with the writers' lock held, so no compaction is under way."""
    stale = [p for p in (work.with_name(f"{work.name}.compacting"), work.with_name(f"{work.name}.compacting.wal"),
                         work.with_name(f"{work.name}.compact-spill")) if p.exists()]
    for p in stale:
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
    return stale


def compact_if_bloated(work: Path, log: Callable[[str], None]) -> bool:
    """Rewrite `work` compactly when it has grown past GROWTH times its last compacted size. The rewrite runs
    in a child process under a fixed DuckDB memory limit (MEMORY_LIMIT): what it holds does not depend on the
    archive's size and is given back when it ends. A compaction that fails is logged and skipped; the
    publish goes on with the file as it is."""
    size = work.stat().st_size
    if size < MIN_BYTES or size <= GROWTH * compacted_size(work):
        return False
    tmp = work.with_name(f"{work.name}.compacting")
    tmp.unlink(missing_ok=True)
    package_root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p))
    done = subprocess.run([PYTHON, "-m", "newsintel.storage.compact", str(work), str(tmp)],
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        tmp.unlink(missing_ok=True)
        log(f"could not compact the work file {work.name} (it is published as it is): "
            f"{(done.stderr.strip().splitlines() or ['no message'])[-1]}")
        return False
    os.replace(tmp, work)
    new = work.stat().st_size
    _mark(work).write_text(json.dumps({"size": new}))
    log(f"compacted the work file {work.name}: {size / 2**20:.1f} MB -> {new / 2**20:.1f} MB")
    return True


MEMORY_LIMIT = "128MB"   # measured: the rewrite of a 117 MB file then peaks at 234 MB resident


def rewrite(work: Path, dest: Path) -> None:
    """COPY FROM DATABASE `work` into a new file `dest`, fsynced (runs in the child process)."""
    if Path(f"{work}.wal").exists():      # a session left committed work in its WAL: fold it in first
        duckdb.connect(str(work)).close()
    spill = work.with_name(f"{work.name}.compact-spill")
    con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT, "temp_directory": str(spill)})
    try:
        con.execute(f"ATTACH '{_sql_path(work)}' AS work_src (READ_ONLY)")
        con.execute(f"ATTACH '{_sql_path(dest)}' AS work_dst")
        con.execute("COPY FROM DATABASE work_src TO work_dst")
        con.execute("DETACH work_dst")
        con.execute("DETACH work_src")
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
    with open(dest, "rb") as fh:
        os.fsync(fh.fileno())


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


if __name__ == "__main__":
    rewrite(Path(sys.argv[1]), Path(sys.argv[2]))
