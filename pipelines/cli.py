"""`newsintel` on the command line: ad-hoc SQL and a summary, always on the last published state.

Both open the database read-only, so they are safe while a run (or `make ui`) writes: the pipeline writes
a private work copy and publishes it with an atomic rename. The database is the one the code location's
warehouse resource names (NEWSINTEL_DB), so the command line and the UI always look at the same file.
"""
from __future__ import annotations

import argparse
import sys

import duckdb

from assets.resources import default_resources
from newsintel.report import summary, text_table
from newsintel.storage import Warehouse, WarehouseError

HELP = """Type SQL ending with ';' (it may span lines). Commands: .tables  .schema TABLE  .quit
Each statement runs on the newest published state of the database, read-only."""


def run_sql(warehouse: Warehouse, sql: str, out=None) -> None:
    out = out or sys.stdout
    with warehouse.reader() as con:
        cur = con.execute(sql)
        if cur.description is None:
            return
        cols = [d[0] for d in cur.description]
        rows = cur.fetchmany(200)
        print(text_table(cols, rows, width=60), file=out)
        more = len(cur.fetchmany(1))
        print(f"({len(rows)}{'+' if more else ''} rows)", file=out)


def repl(warehouse: Warehouse) -> int:
    print(f"newsintel SQL on {warehouse.path}\n{HELP}")
    buffer = []
    while True:
        try:
            line = input("newsintel> " if not buffer else "     ...> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        stripped = line.strip()
        if not buffer and stripped in (".quit", ".exit", "\\q"):
            return 0
        if not buffer and stripped == ".tables":
            run_sql(warehouse, "SELECT table_name, table_type FROM information_schema.tables "
                               "WHERE table_schema = 'main' ORDER BY table_type, table_name")
            continue
        if not buffer and stripped.startswith(".schema"):
            name = stripped.split(maxsplit=1)[1] if " " in stripped else ""
            run_sql(warehouse, f"DESCRIBE {name}" if name else "SHOW TABLES")
            continue
        buffer.append(line)
        if stripped.endswith(";"):
            sql, buffer = "\n".join(buffer), []
            try:
                run_sql(warehouse, sql)
            except (duckdb.Error, WarehouseError) as exc:
                print(f"error: {exc}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="newsintel", description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database file (default: $NEWSINTEL_DB or data/newsintel.duckdb)")
    sub = parser.add_subparsers(dest="command", required=True)
    sql = sub.add_parser("sql", help="run SQL on the database; interactive when no query is given")
    sql.add_argument("query", nargs="?", help="one SQL statement to run and print")
    sub.add_parser("summary", help="rows per table and the bans and deal talks found")
    args = parser.parse_args(argv)
    warehouse = Warehouse(args.db) if args.db else default_resources()["warehouse"].get()
    try:
        if args.command == "summary":
            with warehouse.reader() as con:
                print(summary(con))
            return 0
        if args.query:
            run_sql(warehouse, args.query)
            return 0
        return repl(warehouse)
    except (duckdb.Error, WarehouseError) as exc:
        print(f"newsintel: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
