"""Stage 5, models: one DuckDB view per file in `newsintel/sql/`; each view's upstream assets are read from its SQL
with sqlglot, so the lineage in the UI is never kept by hand."""
from dagster import AssetExecutionContext, AssetSpec, MaterializeResult, MetadataValue, multi_asset

from assets._metadata import POOL, table_metadata
from newsintel.models import create_view, load_models, write_vocab_tables
from pipelines.resources import WarehouseResource

# Tables written as a side product of another asset: a view reading them depends on that asset.
PRODUCED_BY = {"article_urls": "articles", "clean_failures": "articles", "fetch_log": "raw_pages",
               "extractions": "mentions"}
MODELS = load_models()


def _spec(model) -> AssetSpec:
    return AssetSpec(model.name, group_name="models", kinds={"duckdb", "sql"},
                     deps=sorted({PRODUCED_BY.get(d, d) for d in model.deps}),
                     description=model.description,
                     metadata={"sql_file": f"newsintel/sql/{model.path.name}",
                               "columns": MetadataValue.md("\n".join(f"- `{c}`: {d}" for c, d in model.columns.items()))})


@multi_asset(specs=[_spec(m) for m in MODELS], pool=POOL, can_subset=True,
             description="Analytic views over the warehouse tables, created in dependency order.")
def sql_models(context: AssetExecutionContext, warehouse: WarehouseResource):
    selected = {k.path[-1] for k in context.selected_asset_keys}
    with warehouse.get().writer() as con:
        write_vocab_tables(con)   # the statuses the views join, from newsintel/vocab.py
        for model in MODELS:
            create_view(con, model)  # every view, so that a selected view's upstream views exist
        for model in MODELS:
            if model.name in selected:
                yield MaterializeResult(asset_key=model.name, metadata=table_metadata(con, model.name))
