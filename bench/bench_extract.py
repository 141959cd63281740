#!/usr/bin/env python3
"""Extraction speed: articles per second on one core, for articles of about 400 words, with the dependency
parser and without it (the same rules, the parse's events left out), so the parser's cost is a figure.

Usage:  python bench/bench_extract.py [--articles N] [--texts DIR]

--texts DIR measures plain-text articles from a folder instead (one article per *.txt, first line the title),
for example real news kept outside the repository, whose share of sentences about bans and deals is lower.

The input is the labeled development set and demo corpus (our own texts), each cut or repeated to about
400 words, so the number speaks for news of that length. The company matcher is built once, as in the
pipeline; the time covers sentence splitting, entity matching and every fact extractor.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=400)
    ap.add_argument("--texts", type=Path, help="a folder of *.txt articles to measure instead of the labeled sets")
    args = ap.parse_args(argv)
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    except (AttributeError, OSError):
        pass
    from newsintel.clean.articles import clean_record
    from newsintel.evaluate import read_documents
    from newsintel.extract import extract_article
    from newsintel.extract.companies import default_matcher

    texts = []
    for path in sorted(args.texts.glob("*.txt")) if args.texts else ():
        title, _, body = path.read_text(encoding="utf-8").partition("\n")
        texts.append((title, body, None))
    for corpus in () if args.texts else (REPO / "data" / "devset", REPO / "data" / "demo"):
        for rec in read_documents(corpus).values():
            art = clean_record(rec.url, rec.body_format, rec.body, rec.title_hint, rec.published_hint)
            words = art.text.split(" ")
            while len(words) < 400:
                words += art.text.split(" ")
            texts.append((art.title, " ".join(words[:400]), art.published_at.date() if art.published_at else None))
    import newsintel.extract.article as article
    from newsintel.extract.roles import cue_views

    matcher = default_matcher()
    extract_article("warm-up", *texts[0], matcher)
    batch = texts if args.texts else [texts[i % len(texts)] for i in range(args.articles)]
    parsed = 0
    for title, text, published in texts:
        parsed += len(cue_views(article.build_context("n", title, text, published, matcher)))
    print(f"sentences parsed: {parsed / len(texts):.1f} per article"
          + ("" if args.texts else " (these texts are about bans and deals throughout)"))
    with_parser = article.read_events
    for label, reader in (("with the parser", with_parser), ("without the parser", lambda ctx, m: [])):
        article.read_events = reader
        t0, c0 = time.perf_counter(), time.process_time()
        for i, (title, text, published) in enumerate(batch):
            extract_article(str(i), title, text, published, matcher)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        # CPU time of this process is the figure to compare: on a shared machine wall-clock counts the others
        size = "" if args.texts else " of 400 words"
        print(f"{label}: {len(batch)} articles{size} in {elapsed:.2f} s: {len(batch) / elapsed:.1f} articles/s"
              f" on one core; CPU {cpu:.2f} s: {len(batch) / cpu:.1f} articles per CPU-second")
    article.read_events = with_parser
    return 0


if __name__ == "__main__":
    sys.exit(main())
