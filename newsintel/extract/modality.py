"""Whether a fact is stated as done, or only wished, planned, threatened, supposed or quoted.

"Trump said he would ban TikTok" and "if it bought the business" state no ban and no purchase; the
extractors ask here before taking a verb at its word.
"""
from __future__ import annotations

import re

_MODAL_BEFORE = re.compile(
    r"(?:\b(?:will|would|could|can|may|might|shall|should)\s+(?:\w+\s+){0,2}|\bto be\s+|"
    r"\b(?:plans?|planned|planning|wants?|wanted|aims?|seeks?|sought|threat\w*|hopes?|intends?|intended|vow\w*|"
    r"pledg\w*|promis\w*|urg\w*|ask\w*|calls?|called|demand\w*|prepared|ready|set|expected|likely|"
    r"considering|weighing|moving|looking)\s+(?:\w+\s+){0,3}?to\s+(?:\w+\s+){0,1}|"
    r"\b(?:if|unless|until|whether)\s+(?:\S+\s+){0,6})$", re.I)


def is_modal(text: str, at: int) -> bool:
    """True when the trigger at `at` is wished, planned, threatened or conditional rather than done."""
    return bool(_MODAL_BEFORE.search(text[max(0, at - 45):at]))


def is_quoted(text: str, at: int) -> bool:
    """True inside quoted speech: what someone says they are doing is a claim, not an act."""
    before = text[:at]
    return before.count("“") > before.count("”") or before.count('"') % 2 == 1
