"""The SQL models: one view per file under the top-level `sql/`, loaded in dependency order.

Each `sql/<name>.sql` holds a single SELECT (no CREATE) that becomes the view `<name>`; its leading
comment block says what the view answers. Beside it, `sql/<name>.yml` gives the view's grain (the
columns that identify a row), each column's meaning and the data tests its asset checks run (`not_null`,
`accepted_values`, `relationships`), in the shape dbt projects such as jaffle-shop use, so a reviewer
reads the contract next to the query. What a view reads is never declared by hand: it is read from the
SQL with sqlglot, so lineage cannot drift from the code.

Why `sql/` is at the top level and still found by an installed copy: pyproject.toml maps the folder
into the package as `newsintel.sql` (setuptools `package-dir`), so the wheel ships it inside the
package and `importlib.resources` finds it there, and in an editable install, in the checkout.

A pure library: no Dagster here; `assets/` turns each `Model` into an asset.
"""
from __future__ import annotations

import hashlib
import heapq
import importlib.resources
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import duckdb
import sqlglot
import yaml
from sqlglot import exp
from sqlglot.lineage import lineage

from newsintel import vocab
from newsintel.storage.schema import ensure_schema
from newsintel.vocab import vocab_tables

DIALECT = "duckdb"

_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def default_sql_dir() -> Path:
    """The views' folder as the installed package sees it: `sql/` of the checkout in an editable install,
    the copy inside the package in a wheel (pyproject.toml maps one onto the other)."""
    return Path(str(importlib.resources.files("newsintel.sql")))


# Small tables of `newsintel/vocab.py`'s vocabularies that the views join (status order, which are open), written
# by the models stage itself before the views, so SQL never re-lists a status.
# Not upstream data: a model's deps leave them out.
VOCAB_TABLES = frozenset(vocab_tables())


class ModelError(ValueError):
    """A model that cannot be loaded: bad SQL, a dependency cycle, or an unknown table."""


@dataclass(frozen=True)
class Model:
    name: str
    path: Path
    sql: str
    description: str
    columns: dict[str, str]
    deps: frozenset[str]
    grain: str = ""                                  # what one row is, in words
    unique: tuple[str, ...] = ()                     # the columns that identify a row
    tests: dict[str, list[Any]] = field(default_factory=dict)   # column -> its data tests, as in the YAML


def parse_header(sql: str) -> str:
    """The leading `--` comment block as text."""
    lines: list[str] = []
    for raw in sql.splitlines():
        stripped = raw.strip()
        if not stripped.startswith("--"):
            if stripped:
                break
            if lines:
                break  # a blank line after the header ends it
            continue
        text = stripped[2:]
        lines.append(text[1:] if text.startswith(" ") else text)
    return "\n".join(lines).strip()


_DATA_TESTS = {"not_null", "accepted_values", "relationships"}


def read_contract(path: Path) -> dict[str, Any]:
    """The view's YAML (`<name>.yml` beside its SQL): grain, columns, data tests; empty when there is none.
    Checked here, so a typo in a test's name fails loading rather than silently testing nothing."""
    if not path.exists():
        return {}
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise ModelError(f"{path}: not valid YAML: {err}") from err
    if doc.get("name") != path.stem:
        raise ModelError(f"{path}: `name` must be {path.stem!r}, the view it describes")
    names = [c.get("name") for c in doc.get("columns") or []]
    unknown = sorted(set((doc.get("grain") or {}).get("unique") or []) - set(names))
    if unknown:
        raise ModelError(f"{path}: the grain names columns the file does not list: {', '.join(unknown)}")
    for column in doc.get("columns") or []:
        for test in column.get("data_tests") or []:
            kind = test if isinstance(test, str) else next(iter(test), None)
            if kind not in _DATA_TESTS:
                raise ModelError(f"{path}: column {column.get('name')}: unknown data test {kind!r} "
                                 f"(known: {', '.join(sorted(_DATA_TESTS))})")
            args = {} if isinstance(test, str) else test[kind] or {}
            if kind == "accepted_values" and not (args.get("values") or hasattr(vocab, str(args.get("vocabulary")))):
                raise ModelError(f"{path}: column {column.get('name')}: accepted_values needs `values` or the "
                                 f"`vocabulary` name of a tuple in newsintel/vocab.py")
            if kind == "relationships" and not (args.get("to") and args.get("field")):
                raise ModelError(f"{path}: column {column.get('name')}: relationships needs `to` and `field`")
    return doc


def find_deps(sql: str) -> frozenset[str]:
    """Names of the tables and views a query reads (CTEs and table functions excluded)."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=DIALECT) if s is not None]
    except sqlglot.errors.ParseError as err:
        raise ModelError(f"cannot parse SQL: {err}") from err
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise ModelError("a model file must hold exactly one SELECT query (no CREATE, no other statements)")
    tree = statements[0]
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    tables = {t.name.lower() for t in tree.find_all(exp.Table) if isinstance(t.this, exp.Identifier)}
    return frozenset(tables - ctes)


def load_model(path: Path) -> Model:
    name = path.stem
    if not _NAME.match(name):
        raise ModelError(f"{path}: the file name must be a lower-case SQL identifier (it names the view)")
    sql = path.read_text(encoding="utf-8")
    try:
        deps = find_deps(sql)
    except ModelError as err:
        raise ModelError(f"{path}: {err}") from err
    contract = read_contract(path.with_suffix(".yml"))
    columns = contract.get("columns") or []
    grain = contract.get("grain") or {}
    return Model(name=name, path=path, sql=sql, description=parse_header(sql),
                 columns={c["name"]: c.get("description") or "" for c in columns},
                 deps=deps - {name} - VOCAB_TABLES, grain=grain.get("description") or "",
                 unique=tuple(grain.get("unique") or ()),
                 tests={c["name"]: list(c["data_tests"]) for c in columns if c.get("data_tests")})


def sort_models(models: Iterable[Model], known_tables: Iterable[str] | None = None) -> list[Model]:
    """Models in dependency order (ties alphabetical), so each view is created after those it reads.

    Raises ModelError on a cycle, or, when `known_tables` is given, on a dependency that is neither a
    known table nor another model.
    """
    by_name = {m.name: m for m in models}
    if known_tables is not None:
        known = {t.lower() for t in known_tables} | by_name.keys()
        for m in sorted(by_name.values(), key=lambda m: m.name):
            unknown = sorted(m.deps - known)
            if unknown:
                raise ModelError(f"model {m.name!r} reads unknown tables: {', '.join(unknown)}")
    upstream = {n: {d for d in m.deps if d in by_name} for n, m in by_name.items()}
    downstream: dict[str, set[str]] = {n: set() for n in by_name}
    for n, deps in upstream.items():
        for d in deps:
            downstream[d].add(n)
    waiting = {n: len(deps) for n, deps in upstream.items()}
    ready = [n for n, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    ordered: list[Model] = []
    while ready:
        n = heapq.heappop(ready)
        ordered.append(by_name[n])
        for child in downstream[n]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, child)
    if len(ordered) < len(by_name):
        stuck = sorted(n for n, count in waiting.items() if count > 0)
        raise ModelError(f"dependency cycle among models: {_describe_cycle(stuck, upstream)}")
    return ordered


def _describe_cycle(stuck: list[str], upstream: dict[str, set[str]]) -> str:
    """Walk upstream from a stuck model until a name repeats: that loop is a cycle."""
    path = [stuck[0]]
    while True:
        nxt = min(d for d in upstream[path[-1]] if d in stuck)
        if nxt in path:
            loop = path[path.index(nxt):] + [nxt]
            return " <- ".join(loop)
        path.append(nxt)


def load_models(sql_dir: Path | None = None, known_tables: Iterable[str] | None = None) -> list[Model]:
    """Every `*.sql` model in `sql_dir` (default: the package's `sql/`), in dependency order."""
    folder = Path(sql_dir) if sql_dir is not None else default_sql_dir()
    if not folder.is_dir():
        raise ModelError(f"no SQL model folder at {folder}")
    return sort_models((load_model(p) for p in sorted(folder.glob("*.sql"))), known_tables)


def view_body(model: Model) -> str:
    """The model's SQL without a trailing semicolon, ready to follow `AS`."""
    body = model.sql.rstrip()
    while body.endswith(";"):
        body = body[:-1].rstrip()
    return body


def create_view(con: duckdb.DuckDBPyConnection, model: Model) -> None:
    con.execute(f"CREATE OR REPLACE VIEW {model.name} AS\n{view_body(model)}\n")


def write_vocab_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """(Re)write the vocabulary tables from vocab.py: a vocabulary edit reaches SQL on the next models run.
    A table that already holds exactly these rows is left alone, so a run that changes nothing writes nothing
    (and has nothing to publish). Returns the tables written."""
    written = []
    for name, rows in vocab_tables().items():
        cols = list(rows[0])
        expected = sorted(tuple(r[c] for c in cols) for r in rows)
        exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? "
                             "AND database_name = current_database()", [name]).fetchone()[0]
        if exists and sorted(con.execute(f"SELECT {', '.join(cols)} FROM {name}").fetchall()) == expected:
            continue
        values = ", ".join("(" + ", ".join("?" * len(cols)) + ")" for _ in rows)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM (VALUES {values}) AS v({', '.join(cols)})",
                    [r[c] for r in rows for c in cols])
        written.append(name)
    return written


def sync_views(con: duckdb.DuckDBPyConnection, models: Iterable[Model]) -> list[str]:
    """Create the views whose SQL changed since they were last created, or that are missing (a digest per
    view in `model_views`); returns the names created. A run that changes no SQL writes nothing here, so
    it leaves the database file as it was (and nothing needs publishing)."""
    have = dict(con.execute("SELECT view_name, digest FROM model_views").fetchall())
    existing = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal "
                                          "AND database_name = current_database()").fetchall()}
    created = []
    for model in sort_models(models):
        digest = hashlib.sha256(view_body(model).encode()).hexdigest()[:16]
        if have.get(model.name) == digest and model.name in existing:
            continue
        create_view(con, model)
        con.execute("DELETE FROM model_views WHERE view_name = ?", [model.name])
        con.execute("INSERT INTO model_views VALUES (?, ?)", [model.name, digest])
        created.append(model.name)
    return created


def create_views(con: duckdb.DuckDBPyConnection, models: Iterable[Model] | None = None) -> list[str]:
    """Create every view (default: all models, in dependency order); returns their names."""
    models = load_models() if models is None else sort_models(models)
    write_vocab_tables(con)
    for model in models:
        create_view(con, model)
    return [m.name for m in models]


def view_schemas(models: Iterable[Model]) -> dict[str, dict[str, str]]:
    """Every table's and view's columns with their DuckDB types, as DuckDB computes them over the empty
    schema: what a catalog shows for a view, and what column lineage resolves names against."""
    con = duckdb.connect()
    try:
        ensure_schema(con)
        create_views(con, list(models))
        rows = con.execute("SELECT table_name, column_name, data_type FROM information_schema.columns "
                           "ORDER BY table_name, ordinal_position").fetchall()
    finally:
        con.close()
    out: dict[str, dict[str, str]] = {}
    for table, column, dtype in rows:
        out.setdefault(table, {})[column] = dtype
    return out


def column_lineage(model: Model, schemas: dict[str, dict[str, str]]) -> dict[str, list[tuple[str, str]]]:
    """For each column of the view, the (table or view, column) pairs it is computed from, read from the
    SQL by sqlglot: like the view's dependencies, never kept by hand. Columns of the vocabulary tables are
    left out (they are not upstream data); a column computed from constants alone has none."""
    known = {t: cols for t, cols in schemas.items() if t != model.name}
    tree = sqlglot.parse_one(view_body(model), read=DIALECT)
    out: dict[str, list[tuple[str, str]]] = {}
    for column in model.columns:
        found = set()
        for node in lineage(column, tree, schema=known, dialect=DIALECT).walk():
            if not node.downstream and isinstance(node.source, exp.Table):
                table = node.source.name.lower()
                if table in known and table not in VOCAB_TABLES:
                    found.add((table, node.name.rsplit(".", 1)[-1].strip('"')))
        out[column] = sorted(found)
    return out
