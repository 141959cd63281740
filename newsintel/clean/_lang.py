"""Language of the page: trust the markup, but check it against the text.

Templates get copied between editions: businessinsider.de serves English
articles under <html lang="de">, German blogs keep an English theme's
lang="en". A confident statistical verdict on enough body text therefore
overrides the declaration; on short or ambiguous text the markup wins.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()
_identifier = None

# Below this many letters the detector is unreliable.
MIN_LETTERS = 200
# Detector confidence needed to contradict the page's own declaration.
OVERRIDE_PROB = 0.99
SAMPLE_CHARS = 1500


def _model():
    """py3langid's model ships inside the wheel (nothing is downloaded);
    it is loaded once, lazily, because that takes a noticeable fraction of a
    second."""
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier
                # 0.4 loads an .npz model, 0.3 a pickle: support both pins.
                loader = (getattr(LanguageIdentifier, "from_model_file", None)
                          or LanguageIdentifier.from_pickled_model)
                _identifier = loader(MODEL_FILE, norm_probs=True)
    return _identifier


def detect(text: str) -> tuple[str | None, float]:
    sample = text[:SAMPLE_CHARS]
    if sum(ch.isalpha() for ch in sample) < 20:
        return None, 0.0
    lang, prob = _model().classify(sample)
    return lang, float(prob)


def choose_language(declared: str | None, text: str) -> str | None:
    if not text:
        return declared
    letters = sum(ch.isalpha() for ch in text[:SAMPLE_CHARS])
    if declared and letters < MIN_LETTERS:
        return declared
    detected, prob = detect(text)
    if declared is None:
        return detected if prob >= 0.5 else None
    if detected and detected != declared and prob >= OVERRIDE_PROB:
        return detected
    return declared
