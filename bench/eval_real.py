"""`make eval-real TEXTS=<folder>`: score the whole pipeline on real news, as a user's run would see it.

The real-news development set (`../shared/eval/`) holds labels and URLs only; the article texts are public
pages that live in a scratch folder outside the repo (`<folder>/<id>.txt`). This script turns them into a
`files` source with the set's own `build_input.py`, materializes every asset into a temporary database
under a throwaway Dagster instance (so no run history or pool slot of the project's is touched), and prints
the set's own scorer's figures. Nothing here knows any article: it only wires the shared tools together.

Usage: python bench/eval_real.py TEXTS [--keep DIR] [--per-article] [--json] [--gold GOLD]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSINTEL_SHARED", REPO.parent / "shared"))
EVAL = SHARED / "eval"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("texts", type=Path, help="folder of <id>.txt article texts (outside the repo)")
    ap.add_argument("--keep", type=Path, help="build the input and database here and keep them")
    ap.add_argument("--gold", type=Path, default=EVAL / "realnews-dev" / "gold.jsonl")
    ap.add_argument("--per-article", action="store_true", help="the scorer's per-article misses")
    ap.add_argument("--json", action="store_true", help="the scorer's figures as JSON")
    args = ap.parse_args()
    if not (EVAL / "score.py").is_file():
        print(f"eval-real: no scorer at {EVAL} (set NEWSINTEL_SHARED to the shared/ folder)", file=sys.stderr)
        return 2
    if not args.texts.is_dir() or not any(args.texts.glob("*.txt")):
        print(f"eval-real: {args.texts} holds no <id>.txt texts (see ../shared/eval/README.md)", file=sys.stderr)
        return 2
    work = args.keep or Path(tempfile.mkdtemp(prefix="newsintel-eval-real-"))
    if args.keep and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    inp, db, home = work / "in", work / "in" / "realnews.duckdb", work / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO / "pipelines" / "dagster.yaml", home / "dagster.yaml")
    py = sys.executable
    subprocess.run([py, str(EVAL / "build_input.py"), str(args.texts), str(inp), "--gold", str(args.gold)],
                   check=True, stdout=subprocess.DEVNULL)
    env = {**os.environ, "NEWSINTEL_SOURCES": str(inp / "sources.yaml"), "NEWSINTEL_DB": str(db),
           "DAGSTER_HOME": str(home)}
    started = time.monotonic()
    dagster = Path(py).with_name("dagster")
    run = subprocess.run([str(dagster), "asset", "materialize", "-m", "pipelines.definitions", "--select", "*"],
                         cwd=REPO, env=env, capture_output=True, text=True)
    (work / "run.log").write_text(run.stdout + run.stderr, encoding="utf-8")
    if run.returncode != 0:
        print(f"eval-real: the pipeline run failed; log at {work / 'run.log'}", file=sys.stderr)
        return 1
    print(f"pipeline: {time.monotonic() - started:.1f} s, database {db}", file=sys.stderr)
    score = [py, str(EVAL / "score.py"), str(db), "--gold", str(args.gold)]
    score += ["--per-article"] if args.per_article else []
    score += ["--json"] if args.json else []
    result = subprocess.run(score)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
