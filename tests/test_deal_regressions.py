"""Articles that once made deal extraction raise: no article may sink extraction."""
from datetime import date

import pytest
from conftest import SHARED

from newsintel.extract import extract_article
from newsintel.extract.companies import default_matcher

REGRESSIONS = SHARED / "eval" / "regressions"


def test_the_shared_assign_indexerror_article_extracts():
    path = REGRESSIONS / "assign-indexerror.txt"
    if not path.is_file():
        pytest.skip(f"regression article not found at {path} (set NEWSINTEL_SHARED to the shared/ folder)")
    facts = extract_article("r", None, path.read_text(encoding="utf-8"), None, default_matcher())
    assert isinstance(facts.deal_reports, list)


def test_a_clause_that_names_no_party_is_skipped_not_indexed():
    # The parties stand in different clauses, so the sentence is read clause by clause; the first clause
    # has a deal word ("transaction") but names no company at all.
    text = ("The boards of both companies have approved the transaction, which is expected to close in "
            "Netflix's fiscal year, while Spotify hires more staff.")
    facts = extract_article("r", None, text, date(2024, 5, 1), default_matcher())
    assert facts.deal_reports == []
