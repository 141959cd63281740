"""Language of the page: trust the markup, fall back to statistics."""

from __future__ import annotations

import threading

_lock = threading.Lock()
_identifier = None


def _model():
    """py3langid's model ships inside the wheel; load it once, lazily,
    because it takes a noticeable fraction of a second."""
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier
                # 0.4 loads an .npz model, 0.3 a pickle: support both pins.
                loader = (getattr(LanguageIdentifier, "from_model_file", None)
                          or getattr(LanguageIdentifier, "from_pickled_model"))
                _identifier = loader(MODEL_FILE, norm_probs=True)
    return _identifier


def detect(text: str) -> str | None:
    sample = text[:3000]
    if sum(ch.isalpha() for ch in sample) < 20:
        return None
    lang, prob = _model().classify(sample)
    return lang if prob >= 0.5 else None


def choose_language(declared: str | None, text: str) -> str | None:
    if declared:
        return declared
    return detect(text) if text else None
