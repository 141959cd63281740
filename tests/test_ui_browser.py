"""The Dagster UI in a real browser.

`dagster dev` serves the project's definitions on a free port with a throwaway DAGSTER_HOME and database;
the test checks the schedule and the inbox sensor are on, launches a run of `newsintel_job` through the
GraphQL API, waits for it to succeed, and has headless Chromium render the asset graph to a PNG (kept in
pytest's tmp and in reports/screenshots/). Skipped where Chromium is not installed (`.ci/run` installs it).
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from conftest import REPO, SEED, write_sources

from newsintel.storage import Warehouse

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = REPO / "reports" / "screenshots"
DAGSTER = Path(sys.executable).with_name("dagster")
LOCATION = "pipelines.definitions"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason=f"Chromium not found at {CHROMIUM}: apt-get install chromium (see .ci/run)")

FALLBACK_ARTICLE = """ date 2020-08-13 India's ban on TikTok weighs on ByteDance
The government of India banned TikTok alongside 58 other Chinese apps in late June. ByteDance is reported to
be in talks with Reliance Industries about an investment in TikTok's business in India, where the app had
over 200 million users before the ban. In the United States, Microsoft is in talks to buy TikTok's US
business after President Trump issued an executive order against the app.
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen, log) -> None:
    """SIGINT to the server's process group (dagster dev then stops the webserver, daemon and code
    servers it started), escalating to SIGTERM and SIGKILL if it lingers."""
    for sig, grace in ((signal.SIGINT, 20), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            proc.poll()                      # reap the leader, or the group never looks empty
            try:
                os.killpg(proc.pid, 0)       # any process left in the group?
            except ProcessLookupError:
                break
            time.sleep(0.25)
        else:
            continue
        break
    proc.wait(timeout=5)
    log.close()


@pytest.fixture
def dagster_dev(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    # The project's instance config as shipped (its "join the community" pop-up is off).
    (home / "dagster.yaml").write_text((REPO / "pipelines" / "dagster.yaml").read_text(encoding="utf-8"),
                                       encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    if SEED.is_file():
        shutil.copy(SEED, corpus / SEED.name)
    else:
        (corpus / "article.txt").write_text(FALLBACK_ARTICLE, encoding="utf-8")
    (tmp_path / "inbox").mkdir()
    port = _free_port()
    env = {**os.environ,
           "DAGSTER_HOME": str(home),
           "NEWSINTEL_DB": str(tmp_path / "ui.duckdb"),
           "NEWSINTEL_SOURCES": str(write_sources(
               tmp_path, 'sources:\n  - {id: ui, kind: files, path: "corpus/*.txt"}\n')),
           "NEWSINTEL_INBOX": str(tmp_path / "inbox"),          # empty: the sensor starts nothing
           "NEWSINTEL_SCRAPE_CRON": "0 0 1 1 *",                # no scheduled tick during the test
           "DAGSTER_DISABLE_TELEMETRY": "1",
           "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "",
           "TLDEXTRACT_CACHE": str(tmp_path / "tldextract")}
    log = open(tmp_path / "dagster-dev.log", "wb")
    # `env --default-signal=INT`: a background job's SIGINT may be ignored, and SIGINT is how dagster dev
    # shuts its children down cleanly. A new session makes the server's process group ours to signal.
    proc = subprocess.Popen(["env", "--default-signal=INT", str(DAGSTER), "dev", "-w", "workspace.yaml",
                             "-h", "127.0.0.1", "-p", str(port)],
                            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"dagster dev exited with {proc.returncode}:\n"
                            + (tmp_path / "dagster-dev.log").read_text(errors="replace")[-3000:])
            try:
                if requests.get(f"{url}/server_info", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail("dagster dev did not answer /server_info within 60 s")
            time.sleep(0.5)
        yield {"url": url, "port": port, "tmp": tmp_path, "db": Path(env["NEWSINTEL_DB"])}
    finally:
        _stop(proc, log)


def _graphql(url: str, query: str) -> dict:
    response = requests.post(f"{url}/graphql", json={"query": query}, timeout=30)
    response.raise_for_status()
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


def _screenshot(url: str, png: Path, profile: Path, size: str = "1400,900") -> None:
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
           f"--user-data-dir={profile}", f"--window-size={size}", "--hide-scrollbars",
           "--virtual-time-budget=15000", f"--screenshot={png}", url]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert png.is_file(), f"chromium wrote no screenshot ({done.returncode}):\n{done.stderr[-2000:]}"


def test_ui_runs_the_job_and_shows_the_asset_graph(dagster_dev):
    from dagster import DagsterRunStatus
    from dagster_graphql import DagsterGraphQLClient

    url, tmp = dagster_dev["url"], dagster_dev["tmp"]

    # The schedules (the scrape, the daily check sweep) and the sensors are on by default.
    repos = _graphql(url, """{ repositoriesOrError { ... on RepositoryConnection { nodes {
        schedules { name cronSchedule scheduleState { status } } sensors { name sensorState { status } } } } } }""")
    (repo,) = repos["repositoriesOrError"]["nodes"]
    assert {(s["name"], s["scheduleState"]["status"]) for s in repo["schedules"]} == {
        ("scrape_schedule", "RUNNING"), ("quality_sweep_schedule", "RUNNING")}
    assert {(s["name"], s["sensorState"]["status"]) for s in repo["sensors"]} == {
        ("inbox_sensor", "RUNNING"), ("dead_run_sensor", "RUNNING")}

    # A run of the whole job, launched as the UI's Launchpad does (the code location's default executor runs
    # it in one process); the briefing goes to the test's folder.
    client = DagsterGraphQLClient("127.0.0.1", port_number=dagster_dev["port"])
    briefing = tmp / "briefing.html"
    run_id = client.submit_job_execution("newsintel_job", run_config={
        "ops": {"briefing": {"config": {"path": str(briefing)}}}})
    deadline = time.monotonic() + 60
    while (status := client.get_run_status(run_id)) not in (
            DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED):
        assert time.monotonic() < deadline, f"run {run_id} still {status} after 60 s"
        time.sleep(1)
    assert status == DagsterRunStatus.SUCCESS, (tmp / "dagster-dev.log").read_text(errors="replace")[-3000:]
    assert Warehouse(dagster_dev["db"]).query("SELECT count(*) FROM articles")[0][0] >= 1
    assert briefing.is_file()

    # The asset graph, rendered by a real browser: the global lineage with every group expanded (the
    # `expanded` parameter is the UI's own; without it the groups show collapsed), the catalog with every
    # asset materialized, and the report group with the briefing and the views it reads.
    groups = ",".join(f"global@global:{g}" for g in ("ingest", "clean", "extract", "resolve", "models", "report"))
    views = {"asset-graph.png": f"/asset-groups?expanded={quote(groups)}",
             "asset-catalog.png": "/assets",
             "briefing-asset.png": f"/locations/{LOCATION}/asset-groups/report"}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in views.items():
        png = tmp / name
        _screenshot(url + path, png, tmp / "chromium-profile", size="1600,1000")
        assert png.stat().st_size > 20_000, f"{name} is only {png.stat().st_size} bytes: a blank page?"
        shutil.copy(png, SCREENSHOTS / name)

    # What the catalog shows a Dagster user, as the UI's own GraphQL serves it: kinds, owners, the column
    # schema of a table, the column lineage of a view, the freshness policy of the scraped assets.
    nodes = {tuple(n["assetKey"]["path"]): n for n in _graphql(url, """{ assetNodes {
        assetKey { path } kinds owners { ... on TeamAssetOwner { team } }
        internalFreshnessPolicy { ... on CronFreshnessPolicy { deadlineCron lowerBoundDeltaSeconds } }
        metadataEntries { label
          ... on TableSchemaMetadataEntry { schema { columns { name type } } }
          ... on TableColumnLineageMetadataEntry { lineage { columnName columnDeps { assetKey { path } columnName } } }
        } } }""")["assetNodes"]}
    meta = {k: {e["label"]: e for e in n["metadataEntries"]} for k, n in nodes.items()}
    assert set(nodes[("articles",)]["kinds"]) == {"python", "duckdb"}
    assert set(nodes[("deal_pipeline",)]["kinds"]) == {"duckdb", "sql"}
    assert all(n["owners"] == [{"team": "newsintel"}] for n in nodes.values())
    columns = meta[("bans",)]["dagster/column_schema"]["schema"]["columns"]
    assert columns[0] == {"name": "ban_id", "type": "VARCHAR"} and len(columns) > 10
    lineage = {e["columnName"]: e["columnDeps"] for e in meta[("stalled_deals",)]["dagster/column_lineage"]["lineage"]}
    assert lineage["acquirer_name"] == [{"assetKey": {"path": ["deal_pipeline"]}, "columnName": "acquirer_name"}]
    for scraped in ("raw_pages", "articles"):     # the test's yearly cron: due once a year, within the year before
        assert nodes[(scraped,)]["internalFreshnessPolicy"] == {"deadlineCron": "0 0 1 1 *",
                                                                "lowerBoundDeltaSeconds": 365 * 86400}
    assert nodes[("bans",)]["internalFreshnessPolicy"] is None
