"""The code location loads, and it offers every table and view the contract promises."""
from dagster import AssetKey

from newsintel.models import load_models
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
    assert res["warehouse"].get().path == (tmp_path / "x.duckdb").resolve()
    assert res["sources"].path == str(tmp_path / "y.yaml")
