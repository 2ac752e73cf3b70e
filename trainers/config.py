"""Training configuration: one frozen dataclass of plain values, from a TOML/JSON file plus key=value overrides.

Defaults follow Cheng et al. (2025): kappa 2, alpha 0.4 (GRPO) / 0.1 (PPO), rollout
temperature 1.0, clip 0.2 / 0.28, token-level loss, no KL loss, no entropy loss,
reward +1 / -1 from the passk grader, several policy updates per rollout batch.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from passk.config import from_dict
from passk.errors import ConfigError

ALGORITHMS = ("grpo", "ppo")
ADVANTAGE_SHAPINGS = ("baseline", "entropy")
DEFAULT_ALPHA = {"grpo": 0.4, "ppo": 0.1}


@dataclass(frozen=True)
class TrainConfig:
    algorithm: str = "grpo"
    advantage: str = "baseline"  # baseline | entropy (the paper's entropy-based advantage)
    alpha: float | None = None  # None: 0.4 for GRPO, 0.1 for PPO
    kappa: float = 2.0
    # model and data
    model: str = ""  # hub id or local path; "" is the embedded default of passk
    task: str = "arith"  # a synthetic task (see trainers/tasks.py), a passk benchmark name, or a JSONL file
    problem_field: str = "problem"
    answer_field: str = "answer"
    template: str = "plain"  # a passk prompt template (qwen-boxed for instruct models on benchmarks)
    data_dir: str = ""  # local benchmark mirror for passk benchmarks
    holdout: str = ""  # a JSONL of evaluation problems never drawn for training (problem_field / answer_field)
    # rollouts
    prompts_per_step: int = 8
    group_size: int = 8  # samples per prompt
    max_new_tokens: int = 256
    temperature: float = 1.0
    top_p: float = 1.0
    rollout_backend: str = "hf"  # hf (transformers generate) | vllm (GPU, weights synced after each update)
    # optimization
    steps: int = 100
    lr: float = 1e-6
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    ppo_epochs: int = 2  # policy updates per rollout batch
    mini_batch_size: int = 16  # responses per optimizer step
    clip_low: float = 0.2
    clip_high: float = 0.28
    dual_clip: float | None = None
    loss_aggregation: str = "token-mean"
    kl_coef: float = 0.0
    kl_estimator: str = "k3"
    entropy_coef: float = 0.0
    scale_by_std: bool = True  # GRPO; False is Dr. GRPO
    # PPO critic
    critic: str = "value_head"  # value_head (on the policy) | separate (its own backbone)
    critic_lr: float = 1e-5
    critic_warmup_steps: int = 0
    value_clip: float | None = 0.2
    gamma: float = 1.0
    lam: float = 1.0
    whiten_advantages: bool = True
    # reward
    reward_correct: float = 1.0
    reward_incorrect: float = -1.0
    grade_truncated: bool = False  # False: a response that hit max_new_tokens earns reward_incorrect
    # bookkeeping
    seed: int = 0
    out: str = "runs/train"
    save_every: int = 50
    entropy_chunk: int = 1024
    tensorboard: bool = False
    device: str = "auto"

    def __post_init__(self):
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm must be one of {ALGORITHMS}, got {self.algorithm!r}")
        if self.advantage not in ADVANTAGE_SHAPINGS:
            raise ValueError(f"advantage must be one of {ADVANTAGE_SHAPINGS}, got {self.advantage!r}")
        if self.alpha is None:
            object.__setattr__(self, "alpha", DEFAULT_ALPHA[self.algorithm])
        if self.alpha < 0 or self.kappa <= 1:
            raise ValueError(f"need alpha >= 0 and kappa > 1, got alpha={self.alpha}, kappa={self.kappa}")
        if self.group_size < 2 and self.algorithm == "grpo":
            raise ValueError("GRPO needs group_size >= 2 (advantages are relative within a group)")
        if self.critic not in ("value_head", "separate"):
            raise ValueError(f"critic must be value_head or separate, got {self.critic!r}")
        if self.rollout_backend not in ("hf", "vllm"):
            raise ValueError(f"rollout_backend must be hf or vllm, got {self.rollout_backend!r}")


def load_config(path: str | None, overrides: list[str], algorithm: str | None = None) -> TrainConfig:
    """A file (TOML or JSON), then key=value overrides (values parsed as JSON where they parse)."""
    data: dict[str, Any] = {}
    if path:
        file = Path(path)
        if not file.is_file():
            raise ConfigError(f"{file}: no such config file")
        data = tomllib.loads(file.read_text()) if file.suffix == ".toml" else json.loads(file.read_text())
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"override {item!r} must look like key=value")
        try:
            data[key] = json.loads(value)
        except json.JSONDecodeError:
            data[key] = value
    if algorithm:
        if data.get("algorithm", algorithm) != algorithm:
            raise ConfigError(f"the config says algorithm={data['algorithm']!r} but the command is `train {algorithm}`")
        data["algorithm"] = algorithm
    return from_dict(TrainConfig, data, where=path or "train config")


def config_dict(config: TrainConfig) -> dict[str, Any]:
    return dataclasses.asdict(config)
