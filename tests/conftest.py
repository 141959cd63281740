"""Shared fixtures: temporary warehouses, the seed article, and a one-call pipeline run."""
from __future__ import annotations

import os
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSINTEL_SHARED", REPO.parent / "shared"))
SEED = SHARED / "seed" / "000_e8867d5644f664a7.txt"


@pytest.fixture(autouse=True, scope="session")
def _dagster_home(tmp_path_factory):
    """Runs in tests go to a throwaway instance, never to the project's run history."""
    home = tmp_path_factory.mktemp("dagster_home")
    old = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)
    yield
    if old is None:
        os.environ.pop("DAGSTER_HOME", None)
    else:
        os.environ["DAGSTER_HOME"] = old


@pytest.fixture
def seed_path() -> Path:
    if not SEED.is_file():
        pytest.skip(f"seed article not found at {SEED} (set NEWSINTEL_SHARED to the shared/ folder)")
    return SEED


def write_sources(folder: Path, body: str) -> Path:
    path = folder / "sources.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def run_pipeline(db: Path, sources: Path, selection=None):
    """Materialize every asset (and its checks) into `db` from `sources`, as a user's run would."""
    from dagster import materialize

    from assets.resources import SourcesResource, WarehouseResource
    from pipelines.definitions import ALL_ASSETS, checks

    result = materialize(ALL_ASSETS + checks.CHECKS, selection=selection,
                         resources={"warehouse": WarehouseResource(path=str(db)),
                                    "sources": SourcesResource(path=str(sources))})
    assert result.success
    return result


def guard_loopback(monkeypatch, names: dict[str, str], unknown_test_names_fail: bool = False) -> list:
    """Fail any connect to anything but 127.0.0.1 (no test ever sends traffic elsewhere), and resolve the
    host names in `names` to the (private) addresses given, so refusals can be tested without a network;
    with `unknown_test_names_fail`, any other `*.test` name does not resolve. Returns the connect attempts."""
    real_connect, real_gai = socket.socket.connect, socket.getaddrinfo
    attempts: list = []

    def connect(self, address):
        attempts.append(address)
        if isinstance(address, tuple) and address[0] != "127.0.0.1":
            raise AssertionError(f"test tried to connect to {address}")
        return real_connect(self, address)

    def getaddrinfo(host, port, *args, **kwargs):
        if host in names:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (names[host], port or 80))]
        if unknown_test_names_fail and isinstance(host, str) and host.endswith(".test"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_gai(host, port, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return attempts


class LocalServer(ThreadingHTTPServer):
    """A real HTTP server on 127.0.0.1 at a free port, its handler threads never holding up the tests' exit:
    the base of the web suites' servers, which add their own state."""
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, handler: type[BaseHTTPRequestHandler]):
        super().__init__(("127.0.0.1", 0), handler)
