"""Extraction: companies, markets, bans, deals and figures from clean article text (rules, no models).

`EXTRACTOR_VERSION` is stored with every row, so that an improved extractor re-runs on stored articles
only (they are never fetched again).
"""
from newsintel.extract.article import EXTRACTOR_VERSION, ArticleFacts, extract_article

__all__ = ["EXTRACTOR_VERSION", "ArticleFacts", "extract_article"]
