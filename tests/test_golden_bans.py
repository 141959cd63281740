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


def test_lexicon_refuses_a_status_outside_the_vocabulary(tmp_path):
    from newsintel.extract.bans import LEXICON, load_lexicon
    raw = yaml.safe_load(LEXICON.read_text(encoding="utf-8"))
    raw["triggers"].append({"forms": ["embargo"], "status": "sort_of_banned", "object": "any"})
    bad = tmp_path / "bans.yaml"
    bad.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ValueError, match="sort_of_banned"):
        load_lexicon(bad)


def test_authorities_tie_bodies_places_and_states_to_markets():
    from newsintel.extract.authorities import find_actors
    from newsintel.extract.markets import find_markets
    for text, market in [("Roskomnadzor said on Monday", "RU"), ("Italy's privacy regulator acted", "IT"),
                         ("Swedish telecom regulators decided", "SE"), ("Montana's governor signed it", "US"),
                         ("the Canadian government said", "CA")]:
        assert [a.market_id for a in find_actors(text, find_markets(text))][:1] == [market], text
    assert find_actors("Shares of Reliance rose in Mumbai trading.", []) == []
