"""Extraction quality against labeled articles: precision, recall and F1 per table, status accuracy,
the share of no-news articles kept clean, and whether confidence means something.

Labels are YAML lists (`data/demo_labels.yaml`, `data/devset_labels.yaml`); each entry names a document
relative to its corpus folder (`wire/a.txt`, `export/newsroom.jsonl#3`). Documents are read, cleaned and
extracted by the same code the pipeline runs, without Dagster or a database.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from newsintel.clean.articles import clean_record
from newsintel.extract import extract_article
from newsintel.extract.article import BACKGROUND_AGE
from newsintel.extract.companies import default_matcher
from newsintel.paths import REPO_ROOT
from newsintel.scrape.files import kind_suffix, list_files, read_file
from newsintel.scrape.records import RawRecord
from newsintel.sources import Source

LABEL_SETS = {"demo": (REPO_ROOT / "data" / "demo_labels.yaml", REPO_ROOT / "data" / "demo"),
              "devset": (REPO_ROOT / "data" / "devset_labels.yaml", REPO_ROOT / "data" / "devset")}
MARKET_ALIASES = {"UK": "GB"}


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, truth: set, pred: set) -> None:
        self.tp += len(truth & pred)
        self.fp += len(pred - truth)
        self.fn += len(truth - pred)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Evaluation:
    tallies: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    status: Counter = field(default_factory=Counter)          # right / wrong on matched reports
    quiet_articles: Counter = field(default_factory=Counter)  # clean / noisy among articles reporting nothing
    confidence: Counter = field(default_factory=Counter)      # (bucket, right?) for predicted reports
    errors: list[str] = field(default_factory=list)
    diffs: list[str] = field(default_factory=list)           # per document: what was missed or extra

    def add(self, other: "Evaluation") -> None:
        for name, tally in other.tallies.items():
            _add_tally(self.tallies[name], tally)
        self.status.update(other.status)
        self.quiet_articles.update(other.quiet_articles)
        self.confidence.update(other.confidence)
        self.errors += other.errors


def _add_tally(a: Tally, b: Tally) -> None:
    a.tp, a.fp, a.fn = a.tp + b.tp, a.fp + b.fp, a.fn + b.fn


def read_documents(corpus: Path) -> dict[str, RawRecord]:
    """Every record of a corpus folder, keyed by its path relative to the folder (plus #n for exports)."""
    src = Source(id="eval", kind="files", base_dir=corpus.resolve(), path="**/*")
    docs = {}
    for path in list_files(src):
        rel = path.resolve().relative_to(src.base_dir).as_posix()
        records = list(read_file(src, path))
        for n, rec in enumerate(records, 1):
            if isinstance(rec, RawRecord):
                docs[f"{rel}#{n}" if kind_suffix(path) in (".jsonl", ".csv") else rel] = rec
    return docs


def _market(m):
    return MARKET_ALIASES.get(m, m) if m else m


def evaluate(labels_path: Path, corpus: Path, ev: Evaluation | None = None) -> Evaluation:
    ev = ev or Evaluation()
    labels = yaml.safe_load(labels_path.read_text(encoding="utf-8")) or []
    records = read_documents(corpus)
    matcher = default_matcher()
    for label in labels:
        if label.get("duplicate_of"):
            continue
        doc = str(label["doc"])
        rec = records.get(doc)
        if rec is None:
            ev.errors.append(f"{labels_path.name}: {doc}: no such document")
            continue
        try:
            art = clean_record(rec.url, rec.body_format, rec.body, rec.title_hint, rec.published_hint)
        except ValueError as exc:
            ev.errors.append(f"{doc}: {exc}")
            continue
        published = art.published_at.date() if art.published_at else None
        facts = extract_article(doc, art.title, art.text, published, matcher)
        _score(ev, label, facts)
        _diff(ev, doc, label, facts)
    return ev


def _score(ev: Evaluation, label: dict, facts) -> None:
    pred_companies = {m["entity_id"] for m in facts.mentions if m["entity_kind"] == "company"}
    pred_markets = {m["entity_id"] for m in facts.mentions if m["entity_kind"] == "market"}
    ev.tallies["companies"].add(set(label.get("companies") or []), pred_companies)
    ev.tallies["markets"].add({_market(m) for m in label.get("markets") or []}, pred_markets)

    true_bans = {(_market(b["market"]), b["target"]): b for b in label.get("bans") or []}
    pred_bans = {(b["market_id"], b["target_id"]): b for b in facts.ban_reports}
    ev.tallies["bans"].add(set(true_bans), set(pred_bans))
    for key in true_bans.keys() & pred_bans.keys():
        ev.status["right" if true_bans[key]["status"] == pred_bans[key]["status"] else "wrong"] += 1
    for key, b in pred_bans.items():
        ok = key in true_bans and true_bans[key]["status"] == b["status"]
        ev.confidence[(b["confidence"] >= 0.8, ok)] += 1

    true_deals = {(d["acquirer"], d["target"]): d for d in label.get("deals") or []}
    pred_deals = {(d["acquirer_id"], d["target_id"]): d for d in _news_deals(label, facts, true_deals)}
    ev.tallies["deals"].add(set(true_deals), set(pred_deals))
    ev.tallies["deals_unordered"].add({frozenset(k) for k in true_deals}, {frozenset(k) for k in pred_deals})
    for key in true_deals.keys() & pred_deals.keys():
        ev.status["right" if true_deals[key]["status"] == pred_deals[key]["status"] else "wrong"] += 1
        ev.tallies["deal_types"].add({true_deals[key]["deal_type"]}, {pred_deals[key]["deal_type"]})
    for key, d in pred_deals.items():
        ok = key in true_deals and true_deals[key]["status"] == d["status"]
        ev.confidence[(d["confidence"] >= 0.8, ok)] += 1

    true_metrics = {(m["company"], m["metric"], float(m["value"])) for m in label.get("metrics") or []}
    pred_metrics = {(m["company_id"], m["metric"], float(m["value"])) for m in facts.market_metrics}
    ev.tallies["metrics"].add(true_metrics, pred_metrics)

    if not label.get("bans") and not label.get("deals"):
        ev.quiet_articles["clean" if not facts.ban_reports and not pred_deals else "noisy"] += 1


def _news_deals(label: dict, facts, true_deals: dict) -> list[dict]:
    """The deal reports these labels judge: they leave out past deals an article gives as background ("which
    bought LinkedIn in 2016"), so a report dated that far back that they do not name is neither right nor wrong."""
    published = label.get("published")
    if not isinstance(published, dt.date):
        return list(facts.deal_reports)
    return [d for d in facts.deal_reports
            if (d["acquirer_id"], d["target_id"]) in true_deals or not d["event_date"]
            or d["event_date"] >= published - BACKGROUND_AGE]


def _diff(ev: Evaluation, doc: str, label: dict, facts) -> None:
    def show(kind, truth, pred):
        for x in sorted(truth - pred, key=str):
            ev.diffs.append(f"{doc}: missed {kind} {x}")
        for x in sorted(pred - truth, key=str):
            ev.diffs.append(f"{doc}: extra  {kind} {x}")
    show("company", set(label.get("companies") or []),
         {m["entity_id"] for m in facts.mentions if m["entity_kind"] == "company"})
    show("ban", {(_market(b["market"]), b["target"], b["status"]) for b in label.get("bans") or []},
         {(b["market_id"], b["target_id"], b["status"]) for b in facts.ban_reports})
    show("deal", {(d["acquirer"], d["target"], d["deal_type"], d["status"]) for d in label.get("deals") or []},
         {(d["acquirer_id"], d["target_id"], d["deal_type"], d["status"])
          for d in _news_deals(label, facts, {(d["acquirer"], d["target"]) for d in label.get("deals") or []})})
    show("metric", {(m["company"], m["metric"], float(m["value"])) for m in label.get("metrics") or []},
         {(m["company_id"], m["metric"], float(m["value"])) for m in facts.market_metrics})


def format_report(ev: Evaluation, title: str) -> str:
    lines = [f"== {title}", f"{'table':<16}{'P':>7}{'R':>7}{'F1':>7}{'tp':>6}{'fp':>6}{'fn':>6}"]
    for name in ("companies", "markets", "bans", "deals", "deals_unordered", "deal_types", "metrics"):
        t = ev.tallies[name]
        lines.append(f"{name:<16}{t.precision:7.3f}{t.recall:7.3f}{t.f1:7.3f}{t.tp:6d}{t.fp:6d}{t.fn:6d}")
    total = sum(ev.status.values())
    accuracy = ev.status["right"] / total if total else 0
    lines.append(f"status accuracy on matched reports: {accuracy:.3f} ({total} matched)")
    quiet = sum(ev.quiet_articles.values())
    lines.append(f"articles reporting no ban or deal kept clean: "
                 f"{ev.quiet_articles['clean'] / quiet if quiet else 1:.3f} ({ev.quiet_articles['clean']}/{quiet})")
    high = ev.confidence[(True, True)] + ev.confidence[(True, False)]
    low = ev.confidence[(False, True)] + ev.confidence[(False, False)]
    lines.append(f"reports at confidence >= 0.8 right: {ev.confidence[(True, True)] / high if high else 0:.3f} "
                 f"({high} reports); below 0.8: {ev.confidence[(False, True)] / low if low else 0:.3f} ({low})")
    for e in ev.errors:
        lines.append(f"error: {e}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score extraction against labeled articles.")
    parser.add_argument("sets", nargs="*", default=list(LABEL_SETS), help="label sets: demo, devset")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every missed and extra fact")
    args = parser.parse_args(argv)
    combined = Evaluation()
    evaluated = 0
    for name in args.sets:
        labels, corpus = LABEL_SETS[name]
        if not labels.exists():
            print(f"skipping {name}: {labels} not found", file=sys.stderr)
            continue
        ev = evaluate(labels, corpus)
        print(format_report(ev, name))
        if args.verbose:
            print("\n".join(ev.diffs))
        combined.add(ev)
        evaluated += 1
    if evaluated > 1:
        print(format_report(combined, "all"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
