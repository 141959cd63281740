"""The code location loads, and it offers every table and view the contract promises."""
from pathlib import Path

from dagster import AssetKey, EnvVar

from newsintel.models import load_models
from newsintel.paths import DEFAULT_DB_PATH
from newsintel.storage import CONTRACT_TABLES

CONTRACT_VIEWS = {"company_overview", "market_overview", "ban_timeline", "deal_pipeline", "company_exposure",
                  "daily_mentions", "co_mentions"}


def test_definitions_load_and_validate():
    from dagster import Definitions

    from pipelines.definitions import defs
    Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    keys = {k.path[-1] for k in graph.get_all_asset_keys()}
    assert set(CONTRACT_TABLES) <= keys
    assert CONTRACT_VIEWS <= keys
    assert defs.resolve_job_def("newsintel_job") is not None


def test_every_sql_file_is_an_asset_with_lineage_from_its_sql():
    from pipelines.definitions import defs
    graph = defs.resolve_asset_graph()
    for model in load_models():
        node = graph.get(AssetKey(model.name))
        parents = {k.path[-1] for k in node.parent_keys}
        assert parents, model.name
        assert parents <= {k.path[-1] for k in graph.get_all_asset_keys()}


def test_every_asset_has_a_group_and_description():
    from pipelines.definitions import defs
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.group_name in {"ingest", "clean", "extract", "resolve", "models", "report", "publish"}, key
        assert node.description, key


def test_checks_cover_primary_keys_and_vocabularies():
    from pipelines.definitions import defs
    names = {k.name for k in defs.resolve_asset_graph().asset_check_keys}
    assert "articles_article_id_unique_not_null" in names
    assert "ban_reports_status_in_vocabulary" in names
    assert "deal_talks_deal_type_in_vocabulary" in names


def test_resources_read_environment(monkeypatch, tmp_path):
    import importlib

    import assets.resources as resources
    monkeypatch.setenv("NEWSINTEL_DB", str(tmp_path / "x.duckdb"))
    monkeypatch.setenv("NEWSINTEL_SOURCES", str(tmp_path / "y.yaml"))
    res = importlib.reload(resources).default_resources()
    # EnvVar: Dagster resolves the variable when a run starts and shows its name, not its value, in the UI
    assert res["warehouse"].path == EnvVar("NEWSINTEL_DB") and res["sources"].path == EnvVar("NEWSINTEL_SOURCES")
    assert res["warehouse"].get().path == (tmp_path / "x.duckdb").resolve()
    (tmp_path / "y.yaml").write_text('sources:\n  - {id: one, kind: files, path: "one/*.txt"}\n')
    assert [s.id for s in res["sources"].load()] == ["one"]
    monkeypatch.delenv("NEWSINTEL_DB")
    assert importlib.reload(resources).default_resources()["warehouse"].path == str(DEFAULT_DB_PATH)


GRAPH = """
import json
from dagster import AssetKey, Definitions
from pipelines.definitions import defs
Definitions.validate_loadable(defs)
graph = defs.resolve_asset_graph()
node = lambda name: graph.get(AssetKey(name))
job = defs.resolve_job_def("newsintel_job")
print(json.dumps({
    "executor": job.executor_def.name,
    "retries": job.op_retry_policy is not None,
    "partitioned": sorted(k.path[-1] for k in graph.get_all_asset_keys() if node(k.path[-1]).partitions_def),
    "table_name": node("bans").metadata["dagster/table_name"],
    "kinds": sorted(node("articles").kinds),
    "view_kinds": sorted(node("deal_pipeline").kinds),
    "schema": [c.name for c in node("bans").metadata["dagster/column_schema"].columns],
    "view_schema": [c.name for c in node("stalled_deals").metadata["dagster/column_schema"].columns],
    "lineage": {c: [[d.asset_key.path[-1], d.column_name] for d in deps] for c, deps in
                node("stalled_deals").metadata["dagster/column_lineage"].deps_by_column.items()},
    "fresh": sorted(k.path[-1] for k in graph.get_all_asset_keys() if node(k.path[-1]).freshness_policy),
    "owners": sorted({o for k in graph.get_all_asset_keys() for o in node(k.path[-1]).owners}),
    "unowned": sorted(k.path[-1] for k in graph.get_all_asset_keys() if not node(k.path[-1]).owners),
}))
"""


def _graph(target: str) -> dict:
    """The code location loaded in a process of its own with NEWSINTEL_DB set, as `dagster dev` would load it:
    the graph depends on the target (partitions, executor, retries), so each needs a fresh import."""
    import json
    import os
    import subprocess
    import sys
    env = {**os.environ, "NEWSINTEL_DB": target}
    out = subprocess.run([sys.executable, "-c", GRAPH], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_both_graphs_load_without_a_server(tmp_path):
    """The file's graph and the lake's, with the Dagster idioms the UI shows: kinds, table names, column
    schemas from the DDL and the views, column lineage from sqlglot, freshness on the scraped assets, owners.
    Loading connects to nothing: the lake's catalog here does not exist."""
    from newsintel.storage.schema import table_columns
    file = _graph(str(tmp_path / "news.duckdb"))
    lake = _graph("ducklake:postgres:dbname=nowhere host=127.0.0.1 port=1?data_path=/nonexistent/")
    assert (file["executor"], file["retries"], file["partitioned"]) == ("in_process", False, [])
    assert (lake["executor"], lake["retries"]) == ("multiprocess", True)
    assert lake["partitioned"] == ["ban_reports", "deal_reports", "market_metrics", "mentions"]
    assert (file["table_name"], lake["table_name"]) == ("news.main.bans", "lake.main.bans")
    for graph in (file, lake):
        assert graph["kinds"] == ["duckdb", "python"] and graph["view_kinds"] == ["duckdb", "sql"]
        assert graph["schema"] == [c.name for c in table_columns()["bans"]] and graph["schema"][0] == "ban_id"
        assert graph["view_schema"][:3] == ["deal_id", "status", "acquirer_id"]
        assert graph["lineage"]["acquirer_name"] == [["deal_pipeline", "acquirer_name"]]
        assert ["articles", "published_at"] in graph["lineage"]["data_as_of"]
        assert graph["fresh"] == ["articles", "raw_pages"]
        assert graph["owners"] == ["team:newsintel"] and graph["unowned"] == []


def test_the_shipped_instance_config_turns_the_community_popup_off():
    import yaml
    for name in ("dagster.yaml", "dagster_postgres.yaml"):
        config = yaml.safe_load((Path(__file__).resolve().parent.parent / "pipelines" / name).read_text())
        assert config["nux"] == {"enabled": False}, name
