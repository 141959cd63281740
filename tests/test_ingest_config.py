"""Launchpad options of the ingest asset: read only some sources; refuse unknown ones clearly."""
from dagster import materialize

from assets.resources import SourcesResource, WarehouseResource
from newsintel.storage import Warehouse
from pipelines.definitions import ALL_ASSETS


def _setup(tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        day = 1 if name == "a" else 2
        (tmp_path / name / f"{name}.txt").write_text(f" date 2021-01-0{day} T\n\n" + f"{name}words " * 40)
    (tmp_path / "s.yaml").write_text('sources:\n  - {id: a, kind: files, path: "a/*"}\n'
                                     '  - {id: b, kind: files, path: "b/*"}\n')
    return {"warehouse": WarehouseResource(path=str(tmp_path / "x.duckdb")),
            "sources": SourcesResource(path=str(tmp_path / "s.yaml"))}


def _ingest(resources, **config):
    return materialize(ALL_ASSETS, selection="raw_pages", resources=resources,
                       run_config={"ops": {"raw_pages": {"config": config}}}, raise_on_error=False)


def test_only_sources_reads_just_those(tmp_path):
    resources = _setup(tmp_path)
    assert _ingest(resources, only_sources=["b"]).success
    assert Warehouse(tmp_path / "x.duckdb").query("SELECT source_id FROM raw_pages") == [("b",)]
    assert _ingest(resources).success
    assert sorted(Warehouse(tmp_path / "x.duckdb").query("SELECT source_id FROM raw_pages")) == [("a",), ("b",)]


def test_unknown_source_is_an_error_that_names_it(tmp_path):
    result = _ingest(_setup(tmp_path), only_sources=["nope"])
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    error = failure.event_specific_data.error
    assert "nope" in (error.cause.message if error.cause else error.message)


def test_extraction_backfill_over_a_date_range(tmp_path):
    resources = _setup(tmp_path)
    selection = ["raw_pages", "articles", "mentions", "market_metrics", "ban_reports", "deal_reports"]
    assert materialize(ALL_ASSETS, selection=selection, resources=resources).success
    wh = Warehouse(tmp_path / "x.duckdb")
    before = dict(wh.query("SELECT article_id, extracted_at FROM extractions"))
    result = materialize(ALL_ASSETS, selection=["mentions", "market_metrics", "ban_reports", "deal_reports"],
                         resources=resources, run_config={"ops": {"extracted_facts": {"config": {
                             "backfill_from": "2021-01-02", "backfill_to": "2021-01-31"}}}})
    assert result.success
    after = dict(wh.query("SELECT article_id, extracted_at FROM extractions"))
    redone = {a for a in after if after[a] != before[a]}
    published = dict(wh.query("SELECT article_id, CAST(published_at AS DATE) FROM articles"))
    assert {str(published[a]) for a in redone} == {"2021-01-02"}      # only the article in the window
