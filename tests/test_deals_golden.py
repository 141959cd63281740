"""Golden deal sentences (tests/fixtures/golden_deals.yaml, written by us): each sentence and the deals it
reports, as acquirer -> target with type and status, through the whole article extractor. Adding a verb to
newsintel/extract/lexicon/deals.yaml is one lexicon line and one fixture line here."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from newsintel.extract import extract_article
from newsintel.extract.companies import default_matcher

FIXTURES = Path(__file__).parent / "fixtures" / "golden_deals.yaml"
CASES = yaml.safe_load(FIXTURES.read_text(encoding="utf-8"))


def _deals(case):
    published = case.get("published", date(2024, 6, 1))
    facts = extract_article("g", case.get("title"), case["text"], published, default_matcher())
    return facts.deal_reports


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_golden_deal_sentence(case):
    got = {(d["acquirer_id"], d["target_id"], d["deal_type"], d["status"]) for d in _deals(case)}
    want = {(d["acquirer"], d["target"], d["type"], d["status"]) for d in case["deals"]}
    if case.get("unordered"):
        got = {(frozenset(x[:2]),) + x[2:] for x in got}
        want = {(frozenset(x[:2]),) + x[2:] for x in want}
    if case.get("at_least"):
        assert want <= got, case["text"]
    else:
        assert got == want, case["text"]


def test_fixture_ids_are_unique():
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids))
