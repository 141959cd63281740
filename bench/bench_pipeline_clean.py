#!/usr/bin/env python3
"""The benchmark's 181 pages through ingest and clean, as a `files` source, scored on `articles.text`.

Usage:  python bench/bench_pipeline_clean.py [--bench-dir DIR]

Unlike bench_clean.py (parse_html alone), this measures what lands in the warehouse: pages the cleaning
stage rejects (no article body) or folds into another article (same text) count as empty predictions.
Pages per second cover the clean stage (decompress, parse, normalize, dedup, write) on one process.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DEFAULT_BENCH = REPO.parent / "shared" / "benchmarks" / "article-extraction"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench-dir", default=os.environ.get("NEWSINTEL_BENCH_DIR") or str(DEFAULT_BENCH))
    args = ap.parse_args(argv)
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})   # the target is per core
    except (AttributeError, OSError):
        pass
    bench = Path(args.bench_dir)
    if not (bench / "html").is_dir() or not (bench / "score.py").is_file():
        print(f"bench_pipeline_clean: no benchmark at {bench} (set NEWSINTEL_BENCH_DIR)", file=sys.stderr)
        return 2
    from newsintel.clean.articles import clean_pages
    from newsintel.scrape.ingest import ingest_sources
    from newsintel.sources import load_sources
    from newsintel.storage import Warehouse

    with tempfile.TemporaryDirectory() as tmp:
        sources = Path(tmp) / "sources.yaml"
        sources.write_text(f'sources:\n  - {{id: aeb, kind: files, path: "{bench / "html"}/*.html.gz"}}\n')
        wh = Warehouse(Path(tmp) / "bench.duckdb")
        now = datetime(2026, 1, 1)
        with wh.writer() as con:
            t0 = time.perf_counter()
            ingest_sources(con, load_sources(sources), now)
            t1 = time.perf_counter()
            report = clean_pages(con, now)
            t2 = time.perf_counter()
            rows = con.execute("""
                SELECT u.url, a.text FROM article_urls u JOIN articles a USING (article_id)
                WHERE u.is_primary""").fetchall()
        pred = {url.rsplit("/", 1)[-1].removesuffix(".html.gz"): text for url, text in rows}
        out = Path(tmp) / "pred.json"
        out.write_text(json.dumps(pred))
        spec = importlib.util.spec_from_file_location("aeb_score", bench / "score.py")
        score = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(score)
        result = score.score(score.load_truth(bench / "ground-truth.json"), score.load_predictions(out))
    pages = 181
    print(f"pages: {pages}  articles: {len(pred)}  clean failures: {report.counts['failed']}  "
          f"folded as copies: {report.counts['syndicated']}")
    print(f"articles.text  F1 {result['f1']:.3f}  P {result['precision']:.3f}  R {result['recall']:.3f}  "
          f"mean page F1 {result['mean_page_f1']:.3f}")
    print(f"ingest {pages / (t1 - t0):.1f} pages/s   clean stage {pages / (t2 - t1):.1f} pages/s (one process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
