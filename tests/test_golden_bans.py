"""The ban rules on golden sentences written by us (tests/fixtures/golden_bans.yaml): market, target,
measure and status of every report, and no report where the text states no ban."""
from datetime import date
from pathlib import Path

import pytest
import yaml

from newsintel.extract import extract_article
from newsintel.extract.companies import default_matcher

CASES = yaml.safe_load((Path(__file__).parent / "fixtures" / "golden_bans.yaml").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:60] for c in CASES])
def test_golden_ban_sentence(case):
    published = case.get("published")
    if isinstance(published, str):
        published = date.fromisoformat(published)
    facts = extract_article("golden", case.get("title"), case["text"], published or date(2022, 6, 1),
                            default_matcher())
    got = sorted([b["market_id"], b["target_id"], b["measure"], b["status"]] for b in facts.ban_reports)
    assert got == sorted(case["bans"])
