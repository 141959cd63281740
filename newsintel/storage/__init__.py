"""The one door to storage: every read and write of the database goes through this package.

Modules, lowest first (each imports only those before it, and none imports a pipeline stage):

- `base`: `WarehouseError`, `WriteStats`, and the `Store` Protocol both stores satisfy;
- `schema`: every table's DDL, the contract's tables, keys, and the upgrade of an older database;
- `writes`: bulk inserts, upserts and merges through Arrow, and lookups by key, on any DuckDB connection;
- `sessions`: write sessions that commit per chunk and reopen the file between chunks;
- `bodies`: raw page bodies in immutable Parquet segments beside the database file;
- `publish`, `compact`: how the file store publishes its work copy atomically, and keeps it small;
- `files`: the file store; `lake`: the DuckLake store (loaded only when a lake is the target);
- `queue`: the hand-off between extraction and resolution (`resolve_queue`);
- `warehouse`: the facade, `Warehouse`, over whichever store a target names.

The names below are the ones stages use; importing them from here keeps callers independent of the split.
"""
from newsintel.storage.base import Store, WarehouseError, WriteStats
from newsintel.storage.bodies import BodyStore, load_body
from newsintel.storage.files import FileStore
from newsintel.storage.schema import CONTRACT_TABLES, DDL, columns_of, ensure_schema, primary_keys
from newsintel.storage.sessions import RenewingSession, commit_chunk
from newsintel.storage.warehouse import Warehouse, open_store
from newsintel.storage.writes import (
    IN_LIST_MAX,
    insert_frame,
    insert_rows,
    key_filter,
    key_in,
    literal_list,
    merge_rows,
    preview,
    registered,
    replace_table,
    row_counts,
    rows_frame,
    upsert_rows,
)

__all__ = [
    "CONTRACT_TABLES", "DDL", "IN_LIST_MAX", "BodyStore", "FileStore", "RenewingSession", "Store", "Warehouse",
    "WarehouseError", "WriteStats", "columns_of", "commit_chunk", "ensure_schema", "insert_frame", "insert_rows",
    "key_filter", "key_in", "literal_list", "load_body", "merge_rows", "open_store", "preview", "primary_keys",
    "registered", "replace_table", "row_counts", "rows_frame", "upsert_rows",
]
