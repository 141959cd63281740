"""newsintel: business news in; companies, markets, bans and deal talks out.

The package is the pure library (no Dagster imports); `assets/` and `pipelines/` wire it into Dagster.
In a notebook: `db = newsintel.connect(); db.sql("SELECT * FROM bans")` gives a pandas DataFrame
(`newsintel.api`).
"""
import os as _os

# tldextract (pulled in by newspaper3k) downloads the public suffix list on first use unless told
# otherwise; an empty URL list makes it use the snapshot bundled with the package. This must be set
# before anything imports tldextract, hence here.
_os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

__version__ = "0.1.0"


def connect(target=None):
    """The published database, read-only, queries answered as DataFrames (see `newsintel.api.connect`).
    Imported on first use, so `import newsintel` stays light for the stages that import the package."""
    from newsintel.api import connect as _connect
    return _connect(target)
