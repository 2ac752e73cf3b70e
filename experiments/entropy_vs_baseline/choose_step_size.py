"""How the RL defaults were chosen: short GRPO baseline runs from the experiment's starting model on its
fixed training problems, one per candidate (learning rate, warm-up, optimizer steps per rollout), scored by
the exact probability of answering correctly (no sampling noise) on the training and held-out problems.

    python experiments/entropy_vs_baseline/choose_step_size.py      -> results/entropy-vs-baseline/step-size.json
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from reproduce import RESULTS, WORK, log, prepare  # noqa: E402

# (lr, warmup_steps, ppo_epochs, mini_batch_size): the old setting first (4 optimizer steps per rollout)
CANDIDATES = [(3e-4, 0, 2, 64), (3e-4, 10, 1, None), (1e-4, 10, 1, None), (3e-5, 10, 1, None)]
STEPS = 60


def main() -> None:
    from trainers.config import train_config
    from trainers.loop import train

    experiment = tomllib.loads((HERE / "experiment.toml").read_text())
    grpo = tomllib.loads((HERE / "grpo.toml").read_text())
    start, train_file, heldout = prepare(experiment)
    rows = []
    for lr, warmup, epochs, mini in CANDIDATES:
        name = f"lr{lr:g}-warmup{warmup}-epochs{epochs}-mini{mini}"
        out = WORK / "step-size" / name
        settings = {**grpo, "lr": lr, "warmup_steps": warmup, "ppo_epochs": epochs, "mini_batch_size": mini,
                    "steps": STEPS, "save_every": STEPS, "exact_eval_every": 20}
        config = train_config({**{k: v for k, v in settings.items() if v is not None}, "task": str(train_file),
                               "advantage": "baseline", "seed": 0, "model": str(start), "holdout": str(heldout),
                               "out": str(out)})
        log(f"step size: {name}")
        train(config, progress=False)
        exact = [json.loads(line) for line in (out / "exact_eval.jsonl").read_text().splitlines()]
        rewards = [json.loads(line)["reward"] for line in (out / "metrics.jsonl").read_text().splitlines()]
        rows.append({"lr": lr, "warmup_steps": warmup, "optimizer_steps_per_rollout": config.updates_per_rollout,
                     "exact_train": [(e["step"], round(e["train"], 4)) for e in exact],
                     "exact_heldout": [(e["step"], round(e["holdout"], 4)) for e in exact],
                     "reward_first_10": sum(rewards[:10]) / 10, "reward_last_10": sum(rewards[-10:]) / 10})
        print(json.dumps(rows[-1]), flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "step-size.json").write_text(json.dumps({"steps": STEPS, "runs": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
