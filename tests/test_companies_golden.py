"""Golden sentences for organisations and markets (tests/fixtures/golden_companies.yaml), one case each.

Hits are read from the sentence views of an article, as the ban and deal rules read them, so an organisation
discovered by its role is checked where those rules pick it up.
"""
from pathlib import Path

import pytest
import yaml

from newsintel.extract.companies import default_matcher
from newsintel.extract.context import build_context

CASES = yaml.safe_load((Path(__file__).parent / "fixtures" / "golden_companies.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_golden_sentence(case):
    ctx = build_context(case["id"], case.get("title"), case["text"], None, default_matcher())
    hits = {h.company_id: h for v in ctx.views for h in v.companies}
    markets = {m.market_id for v in ctx.views for m in v.markets if not m.dateline}
    missing = [c for c in case.get("found", []) if c not in hits]
    assert not missing, f"not found: {missing}; hits: {sorted(hits)}"
    wrong = [c for c in case.get("not_found", []) if c in hits]
    assert not wrong, f"found, but should not be: {wrong}"
    for cid, kind in (case.get("kinds") or {}).items():
        assert hits[cid].kind == kind, f"{cid} is {hits[cid].kind}, not {kind}"
    for cid, surfaces in (case.get("surfaces") or {}).items():   # later, shorter mentions of the same one
        got = {h.surface for v in ctx.views for h in v.companies if h.company_id == cid}
        assert set(surfaces) <= got, f"{cid} named as {sorted(got)}"
    if "markets" in case:
        assert set(case["markets"]) <= markets, f"markets {sorted(markets)}"
    assert not set(case.get("not_markets", [])) & markets, f"markets {sorted(markets)}"


def test_fixture_ids_are_unique():
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids))
