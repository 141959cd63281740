"""Line-level boilerplate that survives block-level extraction.

Extractors judge whole blocks; "Also read: <link>" teasers, newsletter prompts
and photo credits sit inside the article container as ordinary paragraphs, so
they are recognised here by their wording. Patterns are anchored and
deliberately narrow: dropping a real sentence costs more than keeping a
stray credit line.
"""

from __future__ import annotations

import re

_LEADS = (
    # English
    r"also read|read also|read more|read next|more reading|further reading|see also|"
    r"related(?: articles?| stories| coverage| content| reading)?|"
    r"recommended(?: for you| reading)?|you may also like|you might also like|don'?t miss|must read|"
    r"more from [\w .'&-]{1,40}|more on this(?: story| topic)?|watch(?: now| video)?|listen(?: now)?|"
    r"editor'?s picks?|trending(?: now)?|popular|latest(?: news| stories)?|top stories|"
    r"(?:click|tap) here|sponsored|advertisement|ad|promoted|filed under|tags?|topics?|"
    r"most (?:read|popular|viewed|shared)(?: [\w ]{1,30})?|more great [\w ]{1,30} stories|"
    r"reading time|read time|tempo de leitura|lesezeit|время чтения|text size|by|"
    # German, French, Spanish, Portuguese, Italian, Indonesian, Russian
    r"lesen sie (?:auch|mehr)|mehr zum thema|auch interessant|lire aussi|à lire aussi|voir aussi|"
    r"lee también|leer más|ver también|leia (?:também|mais)|veja (?:também|mais)|saiba mais|"
    r"leggi anche|leggi (?:di )?più|baca juga|simak juga|читайте также|читайте (?:по )?теме|смотрите также|"
    r"по теме|подробнее"
)
# "Also read: ...", "READ MORE | ...", "Related — ...": lead word(s), then a separator.
_TEASER = re.compile(rf"^\s*[\[(»›>•*-]*\s*(?:{_LEADS})\s*[\])]?\s*(?::|\||–|—|-|»|›|>|\.\.\.|…)", re.IGNORECASE)
# the lead alone on its line ("Advertisement", "Read more", "Related")
_ALONE = re.compile(rf"^\s*[\[(»›>•*-]*\s*(?:{_LEADS})\s*[\])]?\s*[.:…»›>]*\s*$", re.IGNORECASE)

_PROMPTS = re.compile(
    r"^(?:"
    r"(?:sign up|subscribe|register)\b.{0,80}\b(?:newsletter|updates|inbox|alerts|free)|"
    r"(?:get|receive)\b.{0,60}\bnewsletter\b|"
    r".{0,60}\bnewsletter\b.{0,60}\b(?:inbox|sign up|subscribe)\b|"
    r"follow\b.{0,60}\b(?:on|at) (?:facebook|twitter|instagram|linkedin|youtube|tiktok|telegram|x)\b|"
    r"like us on facebook|join (?:us|our) on (?:telegram|whatsapp|facebook)|"
    r"share (?:this|it|on)\b.{0,40}\b(?:article|story|post|facebook|twitter|linkedin|whatsapp|friends?)|"
    r"(?:like|liked|enjoy|enjoyed) this (?:story|article|post)\?|"
    r"subscribe\b|(?:click|tap) here\b|"
    r"\(?\s*(?:additional |writing and )?(?:reporting|writing|editing|compiled|edited) by\b|"
    r".{0,200}\bcontributed (?:reporting|to this (?:report|story|article))|"
    r"(?:e-?mail|write to|reach|contact) .{1,80}\bat \S+@\S+|have a (?:news )?tip\b|"
    r"our standards:|this copy is for your personal|"
    r"updated(?: at| on)?\s+\d{1,2}[:.]\d\d|"
    r"(?:this|the) (?:article|story) (?:continues|continued) below|story continues below|"
    r"continue reading (?:below|the main story)|scroll (?:down )?to continue|"
    r"we use cookies|by continuing to (?:use|browse)|"
    r"(?:photo|image|picture|foto|фото)s?\s*(?:credit)?\s*[:©]|"
    r"(?:photo|image|picture|video)s? (?:by|courtesy(?: of)?)\s+\S|"
    r"(?:credit|source|fonte|quelle|источник)\s*:\s*\S{1,40}(?:\s+\S+){0,5}$|"
    r"©|ⓒ|\(c\)\s|copyright\s*(?:©|ⓒ|\(c\)|\d{4})|"
    r"\((?:graphic|interactive|factbox)s?\s*:[^)]{0,120}\)\s*$"
    r")",
    re.IGNORECASE,
)
# a credit at the end of a caption: "... headquarters. (Photo: Jane Doe/AFP)" or "... / Getty Images"
_CREDIT_TAIL = re.compile(
    r"(?:\(\s*(?:photo|image|picture|foto|credit)s?\b[^)]{0,80}\)|"
    r"\b(?:photo|image|picture)s?\s*(?:credit)?\s*:\s*[^.]{1,60}|"
    r"/\s*(?:getty images|afp|reuters|ap photo|shutterstock|istock)[^.]{0,30})\s*$",
    re.IGNORECASE,
)
_WORDS = re.compile(r"\w+")

# A line made only of sharing-widget labels: "Whatsapp Facebook Pint Baixar".
_SHARE_WORDS = frozenset("""
facebook twitter whatsapp pinterest pin pint linkedin email e mail print share shares tweet
reddit telegram copy link flipboard messenger sms comments comment save x tumblr vk ok
baixar compartilhar teilen partager condividi compartir bagikan поделиться
""".split())
# Tabloid teaser tags closing a related-story line: "... [VIDEO]", "... [INSIGHT]".
_TEASER_TAG = re.compile(r"\[(?:insight|video|reaction|warning|news|pictures|pics|latest|poll|"
                         r"revealed|map|graph|update|live|analysis|photos?|gallery|watch)\]\s*\|?\s*$",
                         re.IGNORECASE)

# Promotions placed mid-paragraph: "Start your day with X. Sign up for the free newsletter."
# Worded as addressed to the reader ("your inbox", "our newsletter", "sign up
# for the free daily newsletter"), so that a story about a newsletter business
# ("its paid newsletters reached 1 million subscribers") is left alone.
_PROMO_ANYWHERE = re.compile(
    r"\b(?:sign(?:ing)? up|subscrib(?:e|ing))\b.{0,80}\b(?:our|the free|free|daily|weekly)\b"
    r".{0,40}\bnewsletters?\b|"
    r"\b(?:to|in|into) your inbox\b|\bour (?:[\w-]+ ){0,3}newsletters?\b|"
    r"\bfollow (?:us|him|her|them|me)\b.{0,40}\b(?:twitter|facebook|instagram|linkedin)\b|"
    r"\ball rights reserved\b",
    re.IGNORECASE,
)


_BYLINE = re.compile(r"^(?:By|BY|by:|By:)\s+(.{3,80})$")
_NAME_GLUE = frozenset({"and", "&", "de", "da", "van", "von", "der", "la", "le", "al", "bin"})


def _is_byline(line: str) -> bool:
    """"By Jane Doe and Ravi Patel, Reuters": every word capitalised or glue.
    "By the end of the year ..." has lower-case words and stays."""
    m = _BYLINE.match(line.strip())
    if not m:
        return False
    words = re.findall(r"[^\s,|/]+", m.group(1))
    if not words or len(words) > 8:
        return False
    return all(w[0].isupper() or w.lower() in _NAME_GLUE or not w[0].isalpha() for w in words)


def is_boilerplate(line: str) -> bool:
    """True for a paragraph that is navigation, promotion or a credit."""
    n_words = len(_WORDS.findall(line))
    if n_words == 0:
        return True
    if n_words <= 45 and _PROMO_ANYWHERE.search(line):
        return True
    if _ALONE.match(line):
        return True
    if n_words <= 12 and _is_byline(line):
        return True
    if n_words <= 30 and _TEASER.match(line):
        return True
    if n_words <= 40 and _PROMPTS.match(line):
        return True
    if n_words <= 12 and all(w.lower() in _SHARE_WORDS for w in _WORDS.findall(line)):
        return True
    if n_words <= 25 and _TEASER_TAG.search(line):
        return True
    if n_words <= 25 and "©" in line:
        return True
    if n_words <= 40 and _CREDIT_TAIL.search(line) and not line.rstrip().endswith((".", "!", "?", "”", '"')):
        return True
    return False


def drop_boilerplate(lines: list[str]) -> list[str]:
    return [ln for ln in lines if not is_boilerplate(ln)]
