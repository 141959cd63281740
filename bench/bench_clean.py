#!/usr/bin/env python3
"""Body-text quality and speed of ``parse_html`` on the article-extraction benchmark.

Usage:  python bench/bench_clean.py [--bench-dir DIR] [--out PRED.json] [--per-page OUT.tsv]

The benchmark (181 saved pages plus hand-written article bodies) lives outside
the repo, at ../shared/benchmarks/article-extraction relative to the repo root,
or wherever NEWSINTEL_BENCH_DIR points.  Scoring uses that folder's own
score.py so our numbers are comparable with the ones published there.

Speed is measured in this one process, on one core, over parse_html as the
pipeline calls it (body + metadata + language), excluding gunzip/file reading
and the one-off import/model warm-up.
"""
from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_BENCH = REPO.parent / "shared" / "benchmarks" / "article-extraction"
sys.path.insert(0, str(REPO))


def _load_score_module(bench: Path):
    spec = importlib.util.spec_from_file_location("aeb_score", bench / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pin_to_one_core() -> None:
    # Throughput is specified per core; keep BLAS/numpy (py3langid) from
    # spreading over several and flattering the number.
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    except (AttributeError, OSError):
        pass


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench-dir", default=os.environ.get("NEWSINTEL_BENCH_DIR") or str(DEFAULT_BENCH))
    ap.add_argument("--out", help="keep the predictions JSON here (default: a temp file)")
    ap.add_argument("--per-page", help="write per-page tp/fp/fn/F1 TSV here")
    ap.add_argument("--limit", type=int, default=0, help="only the first N pages (quick runs)")
    args = ap.parse_args(argv)

    bench = Path(args.bench_dir)
    truth_path, html_dir, score_path = bench / "ground-truth.json", bench / "html", bench / "score.py"
    missing = [p for p in (truth_path, html_dir, score_path) if not p.exists()]
    if missing:
        print(f"bench_clean: benchmark folder not usable: missing {', '.join(map(str, missing))}\n"
              f"  set NEWSINTEL_BENCH_DIR or pass --bench-dir (default {DEFAULT_BENCH})",
              file=sys.stderr)
        return 2

    _pin_to_one_core()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    scorer = _load_score_module(bench)
    from newsintel.clean.html_page import parse_html

    truth_raw = json.loads(truth_path.read_text(encoding="utf8"))
    ids = sorted(truth_raw)
    if args.limit:
        ids = ids[: args.limit]
    pages = []
    for page_id in ids:
        with gzip.open(html_dir / f"{page_id}.html.gz", "rt", encoding="utf8") as fh:
            pages.append((page_id, fh.read(), truth_raw[page_id].get("url")))

    parse_html("<html><body><p>warm up the language model and imports</p></body></html>")
    preds: dict[str, dict] = {}
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    for page_id, html, url in pages:
        page = parse_html(html, url)
        preds[page_id] = {
            "articleBody": page.text, "title": page.title, "authors": list(page.authors),
            "published_at": page.published_at.isoformat() if page.published_at else None,
            "language": page.language, "canonical_url": page.canonical_url,
        }
    wall = time.perf_counter() - start_wall
    cpu = time.process_time() - start_cpu

    if args.out:
        out_path = Path(args.out)
        out_path.write_text(json.dumps(preds, ensure_ascii=False, indent=1), encoding="utf8")
    else:
        fd, name = tempfile.mkstemp(prefix="bench_clean_", suffix=".json")
        out_path = Path(name)
        with os.fdopen(fd, "w", encoding="utf8") as fh:
            json.dump(preds, fh, ensure_ascii=False)

    truth = scorer.load_truth(truth_path)
    truth = {k: v for k, v in truth.items() if k in preds}
    result = scorer.score(truth, scorer.load_predictions(out_path))
    if args.per_page:
        with open(args.per_page, "w", encoding="utf8") as fh:
            fh.write("id\ttp\tfp\tfn\tpage_f1\n")
            for page_id, (tp, fp, fn, _) in result["per_page"].items():
                d = 2 * tp + fp + fn
                fh.write(f"{page_id}\t{tp}\t{fp}\t{fn}\t{(1.0 if d == 0 else 2 * tp / d):.4f}\n")
    if not args.out:
        out_path.unlink(missing_ok=True)

    n = len(pages)
    print(f"pages            {n}")
    print(f"precision        {result['precision']:.4f}")
    print(f"recall           {result['recall']:.4f}")
    print(f"F1 (benchmark)   {result['f1']:.4f}")
    print(f"mean page F1     {result['mean_page_f1']:.4f}")
    print(f"exact            {result['accuracy']:.4f}")
    print(f"empty bodies     {result['empty_pred']}")
    # wall-clock is the number that matters; per CPU-second is printed too
    # because on a shared machine other processes inflate the wall time
    print(f"pages/s (1 core) {n / wall:.1f}   ({n / max(cpu, 1e-9):.1f} per CPU-second; "
          f"wall {wall:.2f}s, cpu {cpu:.2f}s)")
    with_title = sum(1 for p in preds.values() if p["title"])
    with_date = sum(1 for p in preds.values() if p["published_at"])
    with_author = sum(1 for p in preds.values() if p["authors"])
    with_lang = sum(1 for p in preds.values() if p["language"])
    print(f"metadata found   title {with_title}/{n}, date {with_date}/{n}, "
          f"authors {with_author}/{n}, language {with_lang}/{n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
