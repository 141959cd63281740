"""The run's last step: publish the database analysts read, so that a publish that fails fails the run.

Why a step and not only the warehouse resource's teardown: Dagster logs an exception raised while a
resource is torn down but still reports the run SUCCESS, so a disk that filled during the publish copy
gave a green run while analysts kept yesterday's file (issue 16). Here the publish is an asset that
depends on every other asset of the main job, so it runs after the last writer; when it fails the run is
FAILED and the error says which file analysts still see and how old it is (newsintel/storage/files.py).
The resource's teardown still publishes what a run of a subset of the assets committed (a run without this
step). On a lake there is nothing to publish: the step only records that.
"""
from dagster import AssetExecutionContext, MaterializeResult, asset

from assets._metadata import OWNERS, tags
from assets.models import MODELS
from assets.resources import WarehouseResource


@asset(group_name="publish", deps=sorted({m.name for m in MODELS} | {"briefing"}), kinds={"duckdb"},
       owners=OWNERS, tags=tags("publish"),
       description="The database file analysts open, published atomically from the run's work file once every "
                   "writer of the run is done; a publish that fails (a full disk, a read-write session on the "
                   "file) fails the run.")
def published_database(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    published = warehouse.publish()
    return MaterializeResult(metadata={"database": str(warehouse.path), "published": published})
