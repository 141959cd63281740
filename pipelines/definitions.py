"""The code location `dagster dev` and `dagster asset materialize -m pipelines.definitions` load."""
from dagster import AssetSelection, Definitions, define_asset_job, load_assets_from_modules

from assets import checks, clean, extract, ingest, models, resolve
from pipelines.resources import default_resources

ALL_ASSETS = load_assets_from_modules([ingest, clean, extract, resolve, models])

# The main job: the whole pipeline, sources to views.
newsintel_job = define_asset_job("newsintel_job", selection=AssetSelection.all(),
                                 description="Ingest every source, clean, extract, resolve and rebuild the views.")

defs = Definitions(
    assets=ALL_ASSETS,
    asset_checks=checks.CHECKS,
    jobs=[newsintel_job],
    resources=default_resources(),
)
