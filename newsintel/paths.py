"""Where the repository's own files are: the one module that knows the checkout's layout.

Everything that defaults to a file of the project (the database, the sources YAML, the briefing, the inbox)
starts from here, so moving a folder is a change in one place. In an installed copy (a container image)
REPO_ROOT is the folder holding the package, and every such default is expected to be overridden by a
setting (NEWSINTEL_DB, NEWSINTEL_SOURCES, ...).
"""
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = REPO_ROOT / "data" / "newsintel.duckdb"
