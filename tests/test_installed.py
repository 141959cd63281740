"""A non-editable install, as a container image has it: the package alone, away from the repository,
finds its views, registry and data (no path reaches back into a source checkout)."""
import subprocess
import sys
import sysconfig
from pathlib import Path

from conftest import REPO

from newsintel.models import load_models

CHECK = """
import newsintel, newsintel.models, pipelines.definitions
from newsintel.models import load_models
from newsintel.registry import load_registry
assert load_registry()
assert "site-packages" in newsintel.__file__, newsintel.__file__
print(len(load_models()), len(pipelines.definitions.defs.resolve_asset_graph().get_all_asset_keys()))
"""


def test_a_wheel_installed_elsewhere_finds_its_views(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path / "dist"), str(REPO)], check=True, capture_output=True, cwd=tmp_path)
    wheel, = (tmp_path / "dist").glob("newsintel-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "venv")], check=True)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(tmp_path / "venv")}))
    # Dependencies come from this environment's site-packages, added as a plain path: its .pth files
    # (this checkout's editable install among them) are not processed, so only the wheel's copy is seen.
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(tmp_path / "venv" / "bin" / "python"), "install",
                    "--quiet", "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True)
    out = subprocess.run([str(tmp_path / "venv" / "bin" / "python"), "-c", CHECK], cwd=tmp_path, text=True,
                         capture_output=True)
    assert out.returncode == 0, out.stderr[-3000:]
    views, assets = map(int, out.stdout.split())
    assert views == len(load_models()) > 0 and assets > views
