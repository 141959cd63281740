"""Stage 2, clean: raw pages into `articles` (one row per distinct story) and `article_urls`."""
from dagster import AssetExecutionContext, MaterializeResult, asset

from assets._metadata import OWNERS, POOL, failures_md, table_metadata, table_spec, tags
from assets.resources import WarehouseResource, scrape_freshness, utc_now
from newsintel.clean.articles import clean_pages


@asset(group_name="clean", pool=POOL, deps=["raw_pages"], kinds={"python", "duckdb"}, owners=OWNERS,
       tags=tags("clean"), metadata=table_spec("articles"), freshness_policy=scrape_freshness(),
       description="Clean article text with title, authors, publication date and language. A story syndicated "
                   "under several URLs is one article; every URL is kept in article_urls.")
def articles(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    wh = warehouse.get()
    with wh.writer() as con:
        report = clean_pages(con, utc_now(), bodies=wh.bodies)
        meta = table_metadata(
            con, "articles",
            preview_sql="SELECT article_id, title, domain, published_at, language, word_count FROM articles "
                        "WHERE article_id IN {run} ORDER BY published_at DESC NULLS LAST",
            run_ids=report.article_ids,
            new=report.counts["new"], updated=report.counts["updated"],
            syndicated_copies=report.counts["syndicated"], failed=report.counts["failed"],
            bands_backfilled=report.counts["bands_backfilled"] or None,
            failures=failures_md(report.failures))
    context.log.info(f"clean: {dict(report.counts)}")
    return MaterializeResult(metadata=meta)
