"""Getting news in: one module per kind of source, each yielding `RawRecord`s or `RecordError`s."""
from newsintel.scrape.records import RawRecord, RecordError

__all__ = ["RawRecord", "RecordError"]
