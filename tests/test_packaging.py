"""The wheel, installed non-editable into a fresh environment, finds its data and runs.

To stay cheap the fresh venv does not download torch and friends: the wheel goes in with
--no-deps, then one .pth makes this environment's other packages importable (a folder of
links to them that leaves out every trace of the editable passk install). The test then
checks that `passk` is imported from the fresh venv, never from the repository.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import passk
from passk.rundir import RunDir
from tests.conftest import write_jsonl

REPO = Path(__file__).resolve().parent.parent


def _run(cmd, **kwargs):
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{cmd} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(venv python, venv bin folder, clean environment) with the passk wheel installed non-editable."""
    tmp = tmp_path_factory.mktemp("packaging")
    source = tmp / "source"  # a copy, so the build leaves no build/ or egg-info in the repository
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    for name in ("passk", "trainers"):
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(tmp / "dist"),
          str(source)])
    wheels = list((tmp / "dist").glob("passk_eval-*.whl"))
    assert len(wheels) == 1, wheels
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", str(wheels[0])])
    # the dependencies: links to this environment's site-packages, minus the editable passk
    farm = tmp / "deps"
    farm.mkdir()
    here = Path(sysconfig.get_paths()["purelib"])
    for entry in here.iterdir():
        if "passk" not in entry.name.lower():
            (farm / entry.name).symlink_to(entry)
    purelib = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip()
    Path(purelib, "zz_dependencies.pth").write_text(f"import site; site.addsitedir({str(farm)!r})\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}:{env.get('PATH', '')}"
    return python, venv / "bin", env, tmp


@pytest.mark.slow
def test_wheel_installs_with_its_data_and_passk_comes_from_the_fresh_venv(installed):
    python, bin_dir, env, tmp = installed
    info = json.loads(_run([str(python), "-c", "import json, passk, importlib.metadata as m; print(json.dumps("
                            "[passk.__file__, m.version('passk-eval'), passk.__version__]))"], env=env, cwd=tmp))
    location, dist_version, version = info
    assert location.startswith(str(tmp / "venv")) and "site-packages" in location, location
    assert dist_version == version == passk.__version__
    listing = _run([str(bin_dir / "passk"), "list"], env=env, cwd=tmp)
    for name in ("aime24", "amc22_23", "math500", "qwen25-math-cot", "rlvr-qwen-boxed", "entropy-adv", "limit-of-rlvr"):
        assert name in listing, name
    assert _run([str(bin_dir / "passk"), "--version"], env=env, cwd=tmp).strip() == f"passk {passk.__version__}"
    # the benchmark definitions come from the installed package, not the repository
    where = _run([str(python), "-c", "from passk import data; print(data.BENCHMARKS_DIR)"], env=env, cwd=tmp).strip()
    assert where.startswith(str(tmp / "venv")) and Path(where, "aime24.toml").is_file()


@pytest.mark.slow
def test_tiny_hf_run_from_the_installed_wheel(installed, tiny_model):
    python, bin_dir, env, tmp = installed
    problems = write_jsonl(tmp / "problems.jsonl", [{"q": f"{i}+{i}=", "a": str(2 * i)} for i in range(3)])
    out = tmp / "run"
    _run([str(bin_dir / "passk"), "run", "--data", str(problems), "--problem-field", "q", "--answer-field", "a",
          "--model", str(tiny_model), "--backend", "hf", "--template", "plain", "--n", "2", "--max-tokens", "4",
          "--out", str(out), "--quiet"], env=env, cwd=tmp)
    scores = json.loads((out / "scores.json").read_text())
    assert scores["benchmarks"]["problems"]["n_samples"] == 6
    assert "manifest" not in scores  # the run's settings are in its manifest.json only
    assert RunDir(out).read_manifest().history[0]["command"][0].startswith(str(bin_dir))
    assert (out / "report.md").is_file()
