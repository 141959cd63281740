"""Stage 6, report: the briefing, a static HTML page with inline SVG charts, regenerated on every run."""
from pathlib import Path

from dagster import AssetExecutionContext, Config, MaterializeResult, MetadataValue, asset
from pydantic import Field

from assets._metadata import OWNERS, tags
from assets.resources import WarehouseResource, utc_now
from newsintel.briefing import READS, briefing_path_for, write_briefing
from newsintel.paths import REPO_ROOT


class BriefingConfig(Config):
    path: str = Field(default="", description="Where to write the HTML page; a relative path is relative to the "
                                               "repo root. Empty: beside the database it describes (the project's "
                                               "own database: reports/briefing.html; x.duckdb: x.briefing.html).")


@asset(group_name="report", deps=list(READS), kinds={"python", "html"}, owners=OWNERS, tags=tags("report"),
       description="The briefing (reports/briefing.html for the project's database, else beside the database): "
                   "a ban timeline, the deal pipeline, the most-named companies and "
                   "markets, and the evidence sentences behind them. Static, no network: opens from disk. "
                   "Reads the published database only, so it never waits for a writer.")
def briefing(context: AssetExecutionContext, config: BriefingConfig,
             warehouse: WarehouseResource) -> MaterializeResult:
    wh = warehouse.get()
    path = Path(config.path).expanduser() if config.path else briefing_path_for(wh.target)
    path = path if path.is_absolute() else REPO_ROOT / path
    with wh.reader() as con:
        page = write_briefing(con, path, generated_at=utc_now(), database=str(wh.path))
    context.log.info(f"briefing: {path} {page.counts}")
    return MaterializeResult(metadata={
        "path": MetadataValue.path(str(path)),
        "open": MetadataValue.url(path.resolve().as_uri()),
        "bytes": path.stat().st_size,
        "sections": ", ".join(page.sections),
        **page.counts,
    })
