"""Stage 5, models: one DuckDB view per file in `sql/`; each view's upstream assets are read from its SQL
with sqlglot, so the lineage in the UI is never kept by hand."""
from dagster import AssetExecutionContext, AssetSpec, MaterializeResult, MetadataValue, multi_asset

from assets._metadata import POOL
from assets.resources import WarehouseResource
from newsintel.models import load_models, sync_views, write_vocab_tables

# Tables written as a side product of another asset: a view reading them depends on that asset.
PRODUCED_BY = {"article_urls": "articles", "clean_failures": "articles", "fetch_log": "raw_pages",
               "extractions": "mentions"}
MODELS = load_models()


def _spec(model) -> AssetSpec:
    return AssetSpec(model.name, group_name="models", kinds={"duckdb", "sql"},
                     deps=sorted({PRODUCED_BY.get(d, d) for d in model.deps}),
                     description=model.description,
                     metadata={"sql_file": f"sql/{model.path.name}",
                               "columns": MetadataValue.md("\n".join(f"- `{c}`: {d}" for c, d in model.columns.items()))})


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
