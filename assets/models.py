"""Stage 5, models: one DuckDB view per file in `sql/`; each view's upstream assets are read from its SQL
with sqlglot, so the lineage in the UI is never kept by hand."""
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    TableColumn,
    TableColumnDep,
    TableColumnLineage,
    TableSchema,
    multi_asset,
)

from assets._metadata import OWNERS, POOL, tags
from assets.resources import WarehouseResource, table_name
from newsintel.models import Model, column_lineage, load_models, sync_views, view_schemas, write_vocab_tables

# Tables written as a side product of another asset: a view reading them depends on that asset.
PRODUCED_BY = {"article_urls": "articles", "clean_failures": "articles", "fetch_log": "raw_pages",
               "extractions": "mentions"}
MODELS = load_models()
SCHEMAS = view_schemas(MODELS)      # every table's and view's columns, typed by DuckDB over the empty schema


def _lineage(model: Model) -> TableColumnLineage:
    """Column lineage read from the SQL by sqlglot; a column of a side-product table is shown on the asset
    that writes it only when that asset has the column (article_urls.url is not articles.url)."""
    deps = {}
    for column, sources in column_lineage(model, SCHEMAS).items():
        found = [TableColumnDep(asset_key=AssetKey(table), column_name=name) for table, name in sources
                 if table not in PRODUCED_BY]
        if found:
            deps[column] = found
    return TableColumnLineage(deps_by_column=deps)


def _spec(model: Model) -> AssetSpec:
    columns = [TableColumn(name, dtype, description=model.columns.get(name) or None)
               for name, dtype in SCHEMAS[model.name].items()]
    return AssetSpec(model.name, group_name="models", kinds={"duckdb", "sql"}, owners=OWNERS, tags=tags("models"),
                     deps=sorted({PRODUCED_BY.get(d, d) for d in model.deps}),
                     description=model.description,
                     metadata={"sql_file": f"sql/{model.path.name}", "grain": model.grain,
                               "dagster/table_name": table_name(model.name),
                               "dagster/column_schema": TableSchema(columns=columns),
                               "dagster/column_lineage": _lineage(model)})


@multi_asset(specs=[_spec(m) for m in MODELS], pool=POOL, can_subset=True,
             description="Analytic views over the warehouse tables, created in dependency order; a view whose "
                         "SQL did not change is left as it is.")
def sql_models(context: AssetExecutionContext, warehouse: WarehouseResource):
    selected = {k.path[-1] for k in context.selected_asset_keys}
    with warehouse.get().writer() as con:
        write_vocab_tables(con)   # the statuses the views join, from newsintel/vocab.py (only when changed)
        # every view, so that a selected view's upstream views exist; an unchanged one is not rewritten
        created = set(sync_views(con, MODELS))
        for model in MODELS:
            if model.name in selected:
                # no row count or preview: a view's rows are computed when read, and reading every view on
                # every run would cost a full scan of the archive (co_mentions alone is quadratic per article)
                yield MaterializeResult(asset_key=model.name, metadata={
                    "view": model.name, "recreated": model.name in created,
                    "columns_count": len(model.columns)})
