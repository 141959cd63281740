"""The listed-companies registry file: how index constituents become entries, and how it joins the hand-written one."""
from newsintel.extract.companies import default_matcher
from newsintel.registry import load_registry
from newsintel.registry.listed import build_entries

WORDS = {"target", "box", "shell", "northern"}


def _entries(stocks, taken_ids=(), taken_names=()):
    return {e["id"]: e for e in build_entries(stocks, set(taken_ids), set(taken_names), WORDS, {"germany"})}


def test_a_constituent_is_named_without_its_legal_form_and_keeps_the_listed_name_as_alias():
    e = _entries([{"name": "Quorvant Holdings Co.", "country": "Houston, Texas"}])["quorvant"]
    assert (e["name"], e["aliases"], e["country"]) == ("Quorvant", ["Quorvant Holdings Co."], "US")


def test_an_ordinary_word_is_a_risky_alias_and_without_a_legal_form_the_company_is_left_out():
    out = _entries([{"name": "Target Corporation", "country": "United States"}, {"name": "Box", "country": None},
                    {"name": "Northern Trust", "country": "United States"}])
    assert out["target"]["name"] == "Target Corporation" and out["target"]["risky_aliases"] == ["Target"]
    assert "box" not in out
    assert out["northern-trust"]["name"] == "Northern Trust"      # two words: no ordinary word


def test_the_hand_written_registry_and_place_names_win():
    out = _entries([{"name": "Alphabet Inc.", "country": "United States"}, {"name": "Germany AG", "country": "Germany"},
                    {"name": "Snapdeal Ltd", "country": "India"}], taken_ids={"alphabet"}, taken_names={"snapdeal"})
    assert out == {}


def test_listed_entries_load_beside_the_hand_written_ones_and_match():
    registry = load_registry()
    assert registry["chevron"].listed and not registry["alphabet"].listed
    hits = default_matcher().find("Chevron completed its acquisition of the rival producer.")
    assert [(h.company_id, h.origin) for h in hits] == [("chevron", "registry")]
    # an ordinary-word name needs the company named another way or business nearby
    assert not default_matcher().find("Their target was a cleaner river. Target dates slipped.")
