#!/usr/bin/env python3
"""Does the pipeline keep up with a firehose? Cold runs, increments and no-ops on archives of two sizes.

Usage:  python bench/bench_scale.py [--small 1000] [--large 10000] [--html 2000] [--repeat 3] [--keep DIR]
        (make bench-scale)

It generates N distinct 400-700-word business articles from the demo corpus's sentences (shuffled, with
their figures changed; about one in ten carries a ban or deal sentence), as seed-format `.txt` files, and
HTML pages of the same texts in a news-site template. Each run is a fresh process that loads the code
location and materializes what the scrape job does (every asset, the briefing, the tables' checks; with a
run history in a temporary DAGSTER_HOME), so a figure includes everything a scheduled run pays. Printed per
run: wall time, split into the fixed start-up (interpreter, imports, definitions) and the run itself, the
slowest steps, and the peak memory (resident set of the run's process and of its largest worker); at the
end, the median time of every step of an increment on both archives, so a term that grows with the archive
shows up as a step.

The figures the README quotes:
- cold articles/s on the large text archive and pages/s on the HTML one (targets: >= 60 and >= 35);
- no-op ratio: a run that finds nothing new on the large archive vs. on the small one (median of
  `--repeat` alternated runs; target <= 1.2);
- marginal ratio: (a run with 100 new articles - a no-op) on the large archive vs. on the small one
  (target <= 1.3);
- peak memory ratio of the two cold runs (target <= 1.2).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")
_NUMBER = re.compile(r"\b\d+(?:\.\d+)?\b")
_EVENT = re.compile(r"\b(ban|bans|banned|block|blocked|acquir\w*|buy|bought|deal|talks|invest\w*|stake|merger|"
                    r"divest\w*|lifted|suspend\w*)\b", re.I)
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} | The Bench Ledger</title>
<meta property="article:published_time" content="{date}T08:00:00Z">
<link rel="canonical" href="https://bench.example/{date}/{slug}"></head><body>
<header><nav><a href="/">Home</a> <a href="/markets">Markets</a> <a href="/tech">Tech</a> <a href="/deals">Deals</a>
</nav><div class="cookie">We use cookies to improve your experience.</div></header>
<main><article><h1>{title}</h1><p class="byline">By the bench desk</p>{paras}</article>
<aside><h3>Most read</h3><ul><li><a href="/a">Markets wrap</a></li><li><a href="/b">Earnings week</a></li></ul></aside>
</main><footer><p>© 2024 The Bench Ledger. All rights reserved.</p><a href="/privacy">Privacy</a></footer>
</body></html>
"""


# -- the corpus ------------------------------------------------------------------------------------------
def demo_sentences() -> tuple[list[str], list[str]]:
    """The demo corpus's sentences, split into event sentences (ban/deal words) and the rest."""
    from newsintel.clean.articles import clean_record
    from newsintel.scrape.files import read_files_source
    from newsintel.scrape.records import RawRecord
    from newsintel.sources import load_sources
    neutral, events = set(), set()
    for src in load_sources(REPO / "data" / "sources.yaml"):
        for rec in read_files_source(src):
            if not isinstance(rec, RawRecord):
                continue
            try:
                text = clean_record(rec.url, rec.body_format, rec.body, rec.title_hint, rec.published_hint).text
            except ValueError:
                continue
            for para in text.split("\n\n"):
                for s in _SENTENCE.split(para):
                    if 8 <= len(s.split()) <= 60:
                        (events if _EVENT.search(s) else neutral).add(s.strip())
    return sorted(neutral), sorted(events)


def articles(n: int, seed: int, pools: tuple[list[str], list[str]]):
    """n distinct (date, title, paragraphs) articles: shuffled sentences, figures changed."""
    neutral, events = pools
    rng = random.Random(seed)
    for i in range(n):
        words, sentences = rng.randint(400, 700), []
        if rng.random() < 0.1:
            sentences += rng.sample(events, k=min(2, len(events)))
        while sum(len(s.split()) for s in sentences) < words:
            sentences.append(rng.choice(neutral))
        rng.shuffle(sentences)
        sentences = [_NUMBER.sub(lambda m: str(rng.randint(2, 950)), s) for s in sentences]
        sentences.insert(0, f"Desk note {seed}-{i}: figures as of week {rng.randint(1, 52)}.")
        paras = [" ".join(sentences[j:j + 4]) for j in range(0, len(sentences), 4)]
        date = f"{rng.randint(2019, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        yield date, " ".join(sentences[1].split()[:9]).rstrip(".,;:"), paras


def write_corpus(folder: Path, n: int, seed: int, pools, html: bool = False) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i, (date, title, paras) in enumerate(articles(n, seed, pools)):
        if html:
            slug = f"story-{seed}-{i}"
            body = "".join(f"<p>{p}</p>\n" for p in paras)
            (folder / f"{slug}.html").write_text(PAGE.format(title=title, date=date, slug=slug, paras=body))
        else:
            (folder / f"a{seed}-{i:06d}.txt").write_text(f" date {date} {title}\n\n" + "\n\n".join(paras))


def sources_yaml(folder: Path) -> Path:
    path = folder / "sources.yaml"
    path.write_text('sources:\n  - {id: bench, kind: files, path: "in/**/*"}\n')
    return path


# -- one run, in its own process ---------------------------------------------------------------------------
def _cpu(who) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def run_once(db: str, sources: str) -> dict:
    started = time.monotonic()
    from dagster import DagsterInstance, materialize

    import newsintel.storage.publish
    from assets import checks
    from assets.resources import SourcesResource, WarehouseResource
    from pipelines.definitions import ALL_ASSETS, REPORT_ASSETS
    published: list[tuple[float, int]] = []
    original = newsintel.storage.publish.publish

    def timed_publish(work, path, log):           # the bench's only instrumentation: what publishing costs
        t0 = time.monotonic()
        original(work, path, log)
        published.append((time.monotonic() - t0, Path(path).stat().st_size))
    newsintel.storage.publish.publish = timed_publish
    loaded = time.monotonic()
    startup_cpu = _cpu(resource.RUSAGE_SELF)
    instance = DagsterInstance.get()
    # what the scrape job runs: every asset, the briefing (beside the database), the checks of the tables
    result = materialize(ALL_ASSETS + REPORT_ASSETS + checks.RUN_CHECKS, instance=instance,
                         resources={"warehouse": WarehouseResource(path=db), "sources": SourcesResource(path=sources)},
                         run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}})
    done = time.monotonic()
    steps: dict[str, float] = {}
    begun: dict[str, float] = {}
    for entry in instance.all_logs(result.run_id):
        e = entry.dagster_event
        if e is None or not e.step_key:
            continue
        if e.event_type_value == "STEP_START":
            begun[e.step_key] = entry.timestamp
        elif e.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and e.step_key in begun:
            steps[e.step_key] = round(entry.timestamp - begun[e.step_key], 2)
    run_cpu = _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN) - startup_cpu
    return {"ok": result.success, "startup_s": round(loaded - started, 2), "run_s": round(done - loaded, 2),
            "startup_cpu_s": round(startup_cpu, 2), "run_cpu_s": round(run_cpu, 2),
            "publishes": len(published), "publish_s": round(sum(p[0] for p in published), 2),
            "db_mb": round(max((p[1] for p in published), default=0) / 2**20, 1),
            "steps": steps, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            "worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024}


def measured(db: Path, sources: Path, home: Path, label: str) -> dict:
    env = dict(os.environ, DAGSTER_HOME=str(home), DAGSTER_DISABLE_TELEMETRY="1",
               TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="")
    t0 = time.monotonic()
    out = subprocess.run([sys.executable, __file__, "_run", str(db), str(sources)], env=env,
                         capture_output=True, text=True)
    wall = time.monotonic() - t0
    if out.returncode != 0:
        raise SystemExit(f"{label}: run failed\n{out.stderr[-3000:]}")
    fig = json.loads(out.stdout.strip().splitlines()[-1])
    fig["wall_s"] = round(wall, 2)
    slow = sorted(fig["steps"].items(), key=lambda kv: -kv[1])[:4]
    print(f"  {label:<28} wall {wall:7.2f} s  (start-up {fig['startup_s']:.2f} + run {fig['run_s']:.2f})  "
          f"cpu {fig['startup_cpu_s']:.2f} + {fig['run_cpu_s']:.2f} s  "
          f"published {fig.get('publishes', 0)}x {fig.get('db_mb', 0)} MB in {fig.get('publish_s', 0):.2f} s  "
          f"peak {fig['rss_mb']} MB (worker {fig['worker_rss_mb']} MB)  "
          + ", ".join(f"{k} {v:.2f}" for k, v in slow), flush=True)
    if not fig["ok"]:
        raise SystemExit(f"{label}: the run did not succeed")
    return fig


class Archive:
    """One database and its input folder, with a supply of new articles for increments."""

    def __init__(self, root: Path, n: int, pools, html: bool = False):
        self.root, self.n, self.pools, self.html = root, n, pools, html
        self.db, self.home = root / "db" / "bench.duckdb", root / "dagster_home"
        self.home.mkdir(parents=True)
        shutil.copy(REPO / "pipelines" / "dagster.yaml", self.home / "dagster.yaml")
        write_corpus(root / "in" / "base", n, seed=n, pools=pools, html=html)
        self.sources = sources_yaml(root)
        self.increments = 0

    def run(self, label: str) -> dict:
        return measured(self.db, self.sources, self.home, f"{label} ({self.n:,})")

    def add(self, count: int) -> None:
        self.increments += 1
        write_corpus(self.root / "in" / f"inc{self.increments}", count, seed=10_000_000 + self.n * 10 + self.increments,
                     pools=self.pools, html=self.html)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", type=int, default=1000)
    ap.add_argument("--large", type=int, default=10000)
    ap.add_argument("--html", type=int, default=2000, help="HTML pages for the cold HTML run (0: skip)")
    ap.add_argument("--increment", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", help="keep the generated archives in this folder")
    args = ap.parse_args(argv)
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-scale-"))
    root.mkdir(parents=True, exist_ok=True)
    pools = demo_sentences()
    print(f"bench_scale: {len(pools[0])} neutral and {len(pools[1])} event sentences from the demo corpus; "
          f"{os.cpu_count()} cores; work in {root}", flush=True)
    try:
        small = Archive(root / "small", args.small, pools)
        large = Archive(root / "large", args.large, pools)
        print("cold runs (text):")
        cold = {a.n: a.run("cold") for a in (small, large)}
        noop: dict[int, list[dict]] = {small.n: [], large.n: []}
        inc: dict[int, list[dict]] = {small.n: [], large.n: []}
        print(f"no-op and +{args.increment} runs, alternated:")
        for _ in range(args.repeat):
            for a in (small, large):
                noop[a.n].append(a.run("no-op"))
            for a in (small, large):
                a.add(args.increment)
                inc[a.n].append(a.run(f"+{args.increment} new"))
        html = None
        if args.html:
            print("cold run (HTML):")
            html = Archive(root / "html", args.html, pools, html=True).run("cold HTML")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    med = statistics.median
    s, big = small.n, large.n
    print("\nsummary")
    for n, f in cold.items():
        print(f"  cold {n:>6,} text articles: {n / f['wall_s']:6.1f} articles/s whole run "
              f"({n / f['run_s']:.1f}/s after start-up of {f['startup_s']:.1f} s), peak {f['rss_mb']} MB "
              f"+ worker {f['worker_rss_mb']} MB")
    if html:
        print(f"  cold {args.html:>6,} HTML pages:    {args.html / html['wall_s']:6.1f} pages/s whole run "
              f"({args.html / html['run_s']:.1f}/s after start-up), peak {html['rss_mb']} MB "
              f"+ worker {html['worker_rss_mb']} MB")
    def m(figs, key):
        return med([f[key] if key != "cpu_s" else f["startup_cpu_s"] + f["run_cpu_s"] for f in figs])
    for key, what in (("wall_s", "wall"), ("cpu_s", "CPU (process and workers; steady when the machine is shared)"),
                      ("run_s", "wall after start-up")):
        n_s, n_b = m(noop[s], key), m(noop[big], key)
        i_s, i_b = m(inc[s], key), m(inc[big], key)
        print(f"  {what}:")
        print(f"    no-op: {n_s:.2f} s on {s:,}, {n_b:.2f} s on {big:,}: ratio {n_b / n_s:.2f} (target <= 1.2)")
        print(f"    marginal +{args.increment}: {i_s - n_s:.2f} s on {s:,}, {i_b - n_b:.2f} s on {big:,}: ratio "
              f"{(i_b - n_b) / (i_s - n_s):.2f} (target <= 1.3)")
    print(f"  fixed start-up (interpreter, imports, definitions): {m(noop[s], 'startup_s'):.2f} s wall, "
          f"{m(noop[s], 'startup_cpu_s'):.2f} s CPU per run")
    for n, f in cold.items():
        print(f"  cold {n:,}: {n / (f['startup_cpu_s'] + f['run_cpu_s']):.1f} articles per CPU-second")
    if html:
        print(f"  cold HTML: {args.html / (html['startup_cpu_s'] + html['run_cpu_s']):.1f} pages per CPU-second")
    print(f"  per step of a +{args.increment} run (median s on {s:,} / {big:,}: ratio):")
    for step in sorted({k for f in inc[s] + inc[big] for k in f["steps"]}):
        a, b = (med([f["steps"].get(step, 0.0) for f in inc[n]]) for n in (s, big))
        print(f"    {step:<28} {a:6.2f} / {b:6.2f}" + (f": {b / a:.2f}" if a else ""))
    checks_s, checks_b = (med([sum(v for k, v in f["steps"].items() if k.endswith("_checks")) for f in inc[n]])
                          for n in (s, big))
    print(f"    {'all checks':<28} {checks_s:6.2f} / {checks_b:6.2f}"
          + (f": {checks_b / checks_s:.2f}" if checks_s else ""))
    print(f"  peak memory cold: {cold[s]['rss_mb']} MB on {s:,}, {cold[big]['rss_mb']} MB on {big:,}: ratio "
          f"{cold[big]['rss_mb'] / cold[s]['rss_mb']:.2f} (target <= 1.2)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "_run":
        print(json.dumps(run_once(sys.argv[2], sys.argv[3])))
        sys.exit(0)
    sys.exit(main())
