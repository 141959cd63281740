"""Nothing downloads at run time: the whole pipeline runs in a network namespace with no network at all."""
import os
import shutil
import subprocess
import sys

import pytest
from conftest import REPO


def _can_unshare() -> bool:
    if not shutil.which("unshare") or os.geteuid() != 0:
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _can_unshare(), reason="needs root and unshare(1) to cut the network")
def test_make_run_needs_no_network(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "pipelines" / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "NEWSINTEL_DB": str(tmp_path / "offline.duckdb"),
           "TMPDIR": str(tmp_path)}
    probe = subprocess.run(["unshare", "-n", sys.executable, "-c",
                            "import socket; socket.create_connection(('pypi.org', 443), timeout=3)"],
                           capture_output=True, text=True, env=env)
    assert probe.returncode != 0                       # the namespace really has no network
    run = subprocess.run(["unshare", "-n", sys.executable, "-m", "pipelines.run"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Bans (" in run.stdout and "Deal talks (" in run.stdout
