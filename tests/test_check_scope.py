"""The checks of a run read the rows that run wrote, by key; the daily sweep reads every row; both find
the same faults in the rows they read (newsintel.quality.run_rules, assets/checks.py)."""
from __future__ import annotations

import shutil
from datetime import datetime, timedelta

import duckdb
import pytest
from conftest import REPO, write_sources
from dagster import DagsterInstance, Definitions, materialize

from assets import checks
from assets.resources import SourcesResource, WarehouseResource
from newsintel import quality
from newsintel.storage import ensure_schema, insert_rows

OLD, RUN = datetime(2026, 1, 1, 10), datetime(2026, 1, 2, 10)


def _article(article_id: str, at: datetime, **kw) -> dict:
    return {**dict(article_id=article_id, url=f"https://x.test/{article_id}",
                   canonical_url=f"https://x.test/{article_id}", source_id="s", fetched_at=at, text="some words",
                   word_count=2, content_hash=article_id, page_id=article_id), **kw}


def _report(report_id: str, article_id: str, **kw) -> dict:
    return {**dict(report_id=report_id, article_id=article_id, market_id="US", target_id="tiktok",
                   measure="app_ban", status="enacted", evidence="It was banned.", confidence=0.9,
                   extractor_version="v"), **kw}


def _write(con, article_id: str, at: datetime, reports: list[dict], **article) -> None:
    insert_rows(con, "articles", [_article(article_id, at, **article)])
    insert_rows(con, "article_urls", [dict(url=f"https://x.test/{article_id}", article_id=article_id, source_id="s",
                                           page_id=article_id, body_sha256="0", is_primary=True, first_seen=at)])
    insert_rows(con, "extractions", [dict(article_id=article_id, extractor_version="v", extracted_at=at)])
    insert_rows(con, "ban_reports", reports)


@pytest.fixture
def con():
    con = duckdb.connect()
    ensure_schema(con)
    # an old article with a faulty report (a measure outside the vocabulary), and two written by "this run"
    _write(con, "old", OLD, [_report("r-old", "old", measure="curfew")])
    _write(con, "new1", RUN, [_report("r1", "new1")])
    _write(con, "new2", RUN + timedelta(seconds=5), [_report("r2", "new2"), _report("r3", "new2")])
    yield con
    con.close()


def _outcomes(con, table: str, since: datetime | None) -> dict[str, quality.Outcome]:
    table_rules = [r for r in quality.rules() if r.table == table]
    return {o.rule.name: o for o in quality.run_rules(con, table, table_rules, since=since)}


def test_a_run_reads_its_own_rows_and_the_sweep_every_row(con):
    run = _outcomes(con, "ban_reports", RUN)
    assert {o.scope for o in run.values()} == {quality.SCOPE_RUN}
    assert {o.rows_checked for o in run.values()} == {3}
    assert run["ban_reports_measure_in_vocabulary"].offending == 0       # the old fault is not this run's
    assert "this run's 2 keys" in run["ban_reports_measure_in_vocabulary"].sql
    full = _outcomes(con, "ban_reports", None)
    assert {(o.scope, o.rows_checked) for o in full.values()} == {(quality.SCOPE_FULL, 4)}
    assert full["ban_reports_measure_in_vocabulary"].offending == 1
    assert sum(o.offending for o in full.values()) == 1
    articles = _outcomes(con, "articles", RUN)
    assert {o.rows_checked for o in articles.values()} == {2}


def test_a_run_finds_the_faults_it_wrote(con):
    # this run writes a report with a confidence out of range, one without evidence, an empty article
    insert_rows(con, "ban_reports", [_report("r5", "new1", confidence=1.5), _report("r4", "new2", evidence=" ")])
    _write(con, "new3", RUN, [], word_count=0)
    run = _outcomes(con, "ban_reports", RUN)
    assert run["ban_reports_confidence_in_range"].offending == 1
    assert run["ban_reports_has_evidence"].offending == 1
    assert _outcomes(con, "articles", RUN)["articles_text_not_empty"].offending == 1


def test_derived_tables_are_checked_by_the_keys_the_run_named(con):
    insert_rows(con, "bans", [dict(ban_id=b, market_id="US", target_id=t, measure="app_ban", status=s,
                                   report_count=1, article_count=1)
                              for b, t, s in [("us-tiktok-app-ban", "tiktok", "enacted"),
                                              ("us-wechat-app-ban", "wechat", "banned")]])
    run = _outcomes(con, "bans", RUN)
    assert {o.rows_checked for o in run.values()} == {1}        # wechat's ban is no report of this run
    assert run["bans_status_in_vocabulary"].offending == 0
    assert _outcomes(con, "bans", None)["bans_status_in_vocabulary"].offending == 1


def test_full_sql_is_the_rule_over_every_row(con):
    for rule in quality.rules():
        assert "{scope}" not in rule.sql and "{scope}" in rule.template
        assert con.execute(rule.sql).fetchone()[0] == con.execute(rule.sql_for("TRUE")).fetchone()[0], rule.name


def _metadata(result) -> dict[str, dict]:
    return {e.check_name: e.metadata for e in result.get_asset_check_evaluations()}


def test_pipeline_runs_check_their_own_rows_and_the_sweep_job_everything(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(REPO / "data" / "demo" / "wire", corpus / "wire")
    sources = write_sources(tmp_path, 'sources:\n  - {id: demo, kind: files, path: "corpus/**/*"}\n')
    resources = {"warehouse": WarehouseResource(path=str(tmp_path / "db.duckdb")),
                 "sources": SourcesResource(path=str(sources))}
    from pipelines.definitions import ALL_ASSETS, quality_sweep_job
    with DagsterInstance.ephemeral() as instance:
        first = materialize(ALL_ASSETS + checks.RUN_CHECKS, instance=instance, resources=resources)
        shutil.copytree(REPO / "data" / "demo" / "bharat", corpus / "bharat")
        second = materialize(ALL_ASSETS + checks.RUN_CHECKS, instance=instance, resources=resources)
        assert first.success and second.success
        one, two = _metadata(first), _metadata(second)
        key = "articles_article_id_unique_not_null"
        assert one[key]["scope"].value == two[key]["scope"].value == quality.SCOPE_RUN
        added = len(list((corpus / "bharat").rglob("*.*")))
        assert 0 < two[key]["rows_checked"].value <= added < one[key]["rows_checked"].value + added
        assert two["ban_reports_has_evidence"]["scope"].value == quality.SCOPE_RUN

        sweep_defs = Definitions(assets=ALL_ASSETS, asset_checks=checks.CHECKS, jobs=[quality_sweep_job],
                                 resources=resources)
        sweep = sweep_defs.resolve_job_def("quality_sweep_job").execute_in_process(instance=instance)
        assert sweep.success and not sweep.get_asset_materialization_events()
        swept = _metadata(sweep)
        assert set(swept) == {k.name for c in checks.CHECKS for k in c.check_keys}
        assert {m["scope"].value for m in swept.values()} == {quality.SCOPE_FULL}
        total = one[key]["rows_checked"].value + two[key]["rows_checked"].value
        assert swept[key]["rows_checked"].value == total
        assert all(m["offending_rows"].value == 0 for n, m in swept.items() if not n.endswith("_resolves"))


def test_a_key_the_run_wrote_is_compared_with_every_row():
    """On a store without PRIMARY KEY (a DuckLake), a run may write a report id an older article holds."""
    con = duckdb.connect()
    con.execute("CREATE TABLE ban_reports AS SELECT * FROM (SELECT NULL::TEXT AS report_id, NULL::TEXT AS article_id)"
                " WHERE FALSE")
    con.execute("CREATE TABLE extractions (article_id TEXT, extracted_at TIMESTAMP)")
    con.execute("INSERT INTO ban_reports VALUES ('r1', 'old'), ('r2', 'old'), ('r1', 'new'), (NULL, 'new')")
    con.execute("INSERT INTO extractions VALUES ('old', ?), ('new', ?)", [OLD, RUN])
    rule = next(r for r in quality.rules() if r.name == "ban_reports_report_id_unique_not_null")
    (out,) = quality.run_rules(con, "ban_reports", [rule], since=RUN)
    assert (out.scope, out.rows_checked) == (quality.SCOPE_RUN, 2)
    assert out.offending == con.execute(rule.sql).fetchone()[0] == 3      # r1 twice (2 - 1), one NULL (+ 1 + 1)
    con.execute("DELETE FROM ban_reports WHERE article_id = 'new'")
    con.execute("INSERT INTO ban_reports VALUES ('r3', 'new')")
    assert next(quality.run_rules(con, "ban_reports", [rule], since=RUN)).offending == 0
    con.close()
