"""launch_grpo.sh through verl 0.9.1's own main_ppo on CPU, both arms, and launch_ppo.sh's entropy arm with its
critic, 2 steps each (launch_cpu.sh [--ppo]).

Runs in the verl environment (.venv-verl with cachetools, pebble and math-verify: see the README's verl
section). Each arm starts and stops its own Ray cluster on 127.0.0.1; about 2-4 minutes per arm on 2 cores.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("verl", reason="run in .venv-verl (see install.sh)")

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "trainers/integrations/verl_entropy/launch_cpu.sh"
pytestmark = pytest.mark.slow


def _steps(log: str) -> dict[int, dict[str, str]]:
    """verl's console tracker lines: {step: {metric: value}}."""
    out = {}
    for line in re.sub(r"\x1b\[[0-9;]*m", "", log).splitlines():
        m = re.search(r" step:(\d+) - (.*)", line)
        if m:
            out[int(m.group(1))] = dict(kv.split(":", 1) for kv in m.group(2).split(" - ") if ":" in kv)
    return out


def _number(value: str) -> float:
    return float(re.sub(r"np\.\w+\((.*)\)", r"\1", value))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("verl-cpu")
    subprocess.run([sys.executable, "-m", "trainers.integrations.verl_entropy.cpu_demo", "--out", str(out)], cwd=ROOT,
                   check=True, env={**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"})
    return out


def _run(out: Path, *overrides: str, ppo: bool = False) -> str:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "RAY_DEDUP_LOGS": "0"}
    done = subprocess.run(["bash", str(SCRIPT), *(["--ppo"] if ppo else []), str(out), *overrides], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=900)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-4000:]
    return log


def test_entropy_arm_shapes_the_advantage_and_logs_passk_validation(demo):
    log = _run(demo)
    steps = _steps(log)
    assert {1, 2} <= set(steps)
    for step in (1, 2):
        assert _number(steps[step]["actor/entropy_adv/psi_over_abs_advantage"]) > 0  # the shaping was applied
    assert _number(steps[0]["val-passk/synthetic-digit/pass@1"]) <= _number(steps[0]["val-passk/synthetic-digit/pass@4"])
    run = demo / "val" / "passk" / "step-000000"
    assert (run / "problems.jsonl").is_file() and list((run / "samples").glob("part-*.parquet"))


def test_baseline_arm_runs_without_the_shaping(demo):
    steps = _steps(_run(demo, "actor_rollout_ref.actor.policy_loss.loss_mode=vanilla"))
    assert {1, 2} <= set(steps)
    assert not any(k.startswith("actor/entropy_adv/") for s in steps.values() for k in s)
    assert "actor/pg_loss" in steps[2]


def test_ppo_entropy_arm_trains_a_critic(demo):
    log = _run(demo, "trainer.val_before_train=False", ppo=True)  # launch_ppo.sh: GAE, a critic, alpha 0.1
    steps = _steps(log)
    assert {1, 2} <= set(steps)
    assert "'PASSK_ENTROPY_ALPHA': '0.1'" in log  # the paper's PPO alpha, in every Ray worker's environment
    for step in (1, 2):
        assert _number(steps[step]["actor/entropy_adv/psi_over_abs_advantage"]) > 0  # the shaping was applied
        assert _number(steps[step]["critic/vf_loss"]) > 0  # the critic's value loss, from its own update
        assert _number(steps[step]["critic/grad_norm"]) > 0
