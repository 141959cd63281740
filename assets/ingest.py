"""Stage 1, ingest: every configured source into `raw_pages`, every attempt into `fetch_log`."""
from dataclasses import replace

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
)

from assets._metadata import OWNERS, POOL, failures_md, table_metadata, table_spec, tags
from assets.resources import SourcesResource, WarehouseResource, scrape_freshness, utc_now
from newsintel.report import markdown_table
from newsintel.scrape.ingest import ingest_sources


class IngestConfig(Config):
    """Launchpad options. A backfill after a parser fix: `refetch: true` for the sources concerned."""
    only_sources: list[str] = []    # source ids to read this run; empty means every configured source
    refetch: bool = False           # fetch stored web pages again (conditional GET where servers allow)


SOURCES_CHECK = "every_source_yields_records"


@asset(group_name="ingest", pool=POOL, kinds={"python", "duckdb"}, owners=OWNERS, tags=tags("ingest"),
       metadata=table_spec("raw_pages"), freshness_policy=scrape_freshness(),
       check_specs=[AssetCheckSpec(SOURCES_CHECK, asset="raw_pages",
                                   description="Warns when a source yielded only failures this run (a folder of "
                                               "unreadable files, a feed that is down): never a silent green.")],
       description="Raw bodies of every article found in the configured sources (compressed, keyed by a hash "
                   "of the normalized URL). A URL already stored with the same body is not written again; "
                   "web pages are fetched politely (robots.txt, per-host delay, retries with backoff).")
def raw_pages(context: AssetExecutionContext, config: IngestConfig, warehouse: WarehouseResource,
              sources: SourcesResource) -> MaterializeResult:
    configured = sources.load()
    unknown = set(config.only_sources) - {s.id for s in configured}
    if unknown:
        raise ValueError(f"only_sources names sources that are not configured: {sorted(unknown)}")
    chosen = [s for s in configured if not config.only_sources or s.id in config.only_sources]
    if config.refetch:
        chosen = [replace(s, options={**s.options, "refetch": True}) for s in chosen]
    now = utc_now()
    wh = warehouse.get()
    report = ingest_sources(wh, chosen, now)      # committed in batches: a crash loses at most one
    dead = report.sources_with_only_failures
    with wh.writer() as con:
        attempts = con.execute("SELECT source_id, status, count(*) FROM fetch_log WHERE attempted_at >= ? "
                               "GROUP BY ALL ORDER BY ALL", [now]).fetchall()
        meta = table_metadata(
            con, "raw_pages", preview_sql=f"SELECT page_id, url, source_id, body_format, fetched_at FROM raw_pages "
                                          f"WHERE updated_at = '{now.isoformat(sep=' ')}'::TIMESTAMP",
            sources=len(chosen), new=report.counts["new"], updated=report.counts["updated"],
            unchanged=report.counts["unchanged"], failed=report.counts["failed"],
            truncated=report.counts["truncated"], sources_with_only_failures=", ".join(dead) or None,
            warnings="\n".join(report.warnings) or None,
            attempts_this_run=MetadataValue.md(markdown_table(["source", "status", "attempts"], attempts)
                                               if attempts else "_none_"),
            failures=failures_md(report.errors))
    context.log.info(f"ingest: {dict(report.counts)}")
    for url, note in report.notes[:20]:
        context.log.info(f"ingest: {url}: {note}")
    for warning in report.warnings:
        context.log.warning(f"ingest: {warning}")
    if dead:
        context.log.warning(f"ingest: source(s) {', '.join(dead)} yielded only failures, nothing was read from "
                            "them; see fetch_log (status 'failed') for each one")
    check = AssetCheckResult(
        check_name=SOURCES_CHECK, passed=not dead, severity=AssetCheckSeverity.WARN,
        metadata={"sources_with_only_failures": ", ".join(dead) or "none",
                  "failed_records": report.counts["failed"]})
    return MaterializeResult(metadata=meta, check_results=[check])
