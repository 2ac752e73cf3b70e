"""The GRPO / PPO training loop: rollouts, rewards, advantages, updates, metrics, checkpoints.

All the math is in trainers.core; this file only wires it together. One step:
  1. draw prompts, sample `group_size` responses each from the current policy (temperature 1.0)
  2. reward +1 / -1 from the passk grader
  3. old log-probs (and PPO values) from the trainer's own forward pass
  4. advantages: GRPO group-normalized, or PPO GAE over the critic's values
  5. `ppo_epochs` passes over shuffled mini-batches; in each forward pass the current
     policy's entropy shapes the advantage when advantage = "entropy"
Checkpoints are Hugging Face folders that `passk run --model` loads; running the same
command again resumes from the latest one.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections import Counter
from pathlib import Path

import torch
from torch import nn
from tqdm.auto import tqdm

from passk.analysis.patterns import count_reflective
from passk.errors import ConfigError, PasskError
from passk.grade import GradeConfig, Grader, extract_config
from passk.jsonl import write_json_atomic
from passk.prompts import get_template
from trainers import core
from trainers.config import TrainConfig, config_dict
from trainers.rollout import HFRollout, RolloutBatch, VLLMRollout
from trainers.tasks import TaskSource

# Settings a resumed run may change: how long it runs and how often it saves.
RESUMABLE_CHANGES = ("steps", "save_every", "tensorboard", "device")


class Critic(nn.Module):
    """A scalar value per token: a linear head on the policy's hidden states, or on its own backbone."""

    def __init__(self, hidden_size: int, backbone: nn.Module | None = None):
        super().__init__()
        self.backbone = backbone
        self.head = nn.Linear(hidden_size, 1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, hidden: torch.Tensor | None, input_ids=None, attention_mask=None) -> torch.Tensor:
        if self.backbone is not None:
            hidden = self.backbone(input_ids=input_ids, attention_mask=attention_mask,
                                   position_ids=position_ids(attention_mask)).last_hidden_state
        return self.head(hidden.float()).squeeze(-1)


def position_ids(attention_mask: torch.Tensor) -> torch.Tensor:
    """Positions that skip left padding, as `generate` uses when sampling: without them a left-padded
    prompt is scored at shifted positions, and the policy trained is not the policy that sampled."""
    return (attention_mask.long().cumsum(dim=-1) - 1).clamp_min(0)


def score_responses(model, ids: torch.Tensor, mask: torch.Tensor, prompt_len: int, temperature: float, **kwargs):
    """(model output, temperature-scaled response logits, log-prob of each sampled response token)."""
    out = model(input_ids=ids, attention_mask=mask, position_ids=position_ids(mask), **kwargs)
    logits = out.logits[:, prompt_len - 1: -1].float() / temperature  # position t is predicted at t - 1
    log_probs = torch.log_softmax(logits, dim=-1).gather(-1, ids[:, prompt_len:, None]).squeeze(-1)
    return out, logits, log_probs


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def _seed(*parts) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:4], "little") & 0x7FFFFFFF


class Trainer:
    def __init__(self, config: TrainConfig, progress: bool = True):
        from transformers import AutoModel, AutoModelForCausalLM, AutoTokenizer

        self.config = config
        self.progress = progress
        self.out = Path(config.out)
        self.device = _device(config.device)
        start = self._check_resume()
        model_path = str(start) if start else self._base_model()
        self.tokenizer = AutoTokenizer.from_pretrained(model_path)
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        torch.manual_seed(config.seed)  # the critic head's initialization; the global RNG is used nowhere else
        self.policy = AutoModelForCausalLM.from_pretrained(model_path, dtype=torch.float32).to(self.device)
        self.policy.train()
        self.critic = None
        if config.algorithm == "ppo":
            backbone = AutoModel.from_pretrained(self._base_model()).to(self.device) if config.critic == "separate" else None
            self.critic = Critic(self.policy.config.hidden_size, backbone).to(self.device)
        params = list(self.policy.parameters()) + (list(self.critic.head.parameters()) if self.critic and not self.critic.backbone else [])
        self.optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
        self.critic_optimizer = (torch.optim.AdamW(self.critic.parameters(), lr=config.critic_lr)
                                 if self.critic is not None and self.critic.backbone is not None else None)
        self.reference = None
        if config.kl_coef > 0:
            self.reference = AutoModelForCausalLM.from_pretrained(self._base_model(), dtype=torch.float32).to(self.device).eval()
        self.tasks = TaskSource(config.task, config.seed, config.problem_field, config.answer_field, config.data_dir,
                                config.holdout)
        self.template = get_template(config.template)
        self.grader = Grader(GradeConfig(extract=extract_config(self.template.answer_form, self.template.extract_fallbacks)))
        self.rollout = self._make_rollout(model_path)
        self.step = 0
        self.shuffle = torch.Generator().manual_seed(config.seed)
        if start:
            self._load_state(start)
        self.writer = None
        if config.tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(str(self.out / "tensorboard"))

    # ---- setup -------------------------------------------------------------------------------------------
    def _base_model(self) -> str:
        if self.config.model:
            return self.config.model
        from passk.generate.default_model import ensure_default_model

        return str(ensure_default_model())

    def _make_rollout(self, model_path: str):
        c = self.config
        if c.rollout_backend == "vllm":
            return VLLMRollout(model_path, self.tokenizer, c.max_new_tokens, c.temperature, c.top_p)
        return HFRollout(self.policy, self.tokenizer, c.max_new_tokens, c.temperature, c.top_p)

    def _check_resume(self) -> Path | None:
        """The latest checkpoint when the run directory exists with a compatible config, else None."""
        saved = self.out / "config.json"
        if not saved.is_file():
            self.out.mkdir(parents=True, exist_ok=True)
            write_json_atomic(saved, config_dict(self.config))
            return None
        old, new = json.loads(saved.read_text()), config_dict(self.config)
        differing = [k for k in new if k not in RESUMABLE_CHANGES and old.get(k) != new[k]]
        if differing:
            raise ConfigError(f"{self.out} holds a run with other settings ({', '.join(differing)}); "
                              f"use another out= or the same settings to resume")
        write_json_atomic(saved, new)
        checkpoints = sorted(self.out.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
        return checkpoints[-1] if checkpoints else None

    # ---- one step ----------------------------------------------------------------------------------------
    def _forward(self, batch: RolloutBatch, rows: slice | torch.Tensor, want_values: bool):
        """Per response token: log-prob of the sampled token, entropy, logits-based values (PPO)."""
        ids, mask = batch.input_ids[rows], batch.attention_mask[rows]
        p = batch.prompt_len
        out, logits, log_probs = score_responses(self.policy, ids, mask, p, self.config.temperature,
                                                 output_hidden_states=want_values and self.critic.backbone is None)
        need_grad = self.config.entropy_coef > 0
        with torch.set_grad_enabled(need_grad and torch.is_grad_enabled()):
            entropy = core.token_entropy(logits, chunk_size=self.config.entropy_chunk)
        values = None
        if want_values:
            hidden = out.hidden_states[-1] if self.critic.backbone is None else None
            values = self.critic(hidden, ids, mask)[:, p - 1: -1]
        return log_probs, entropy, values

    def _rewards(self, batch: RolloutBatch, golds: list[str]) -> tuple[torch.Tensor, list]:
        verdicts = self.grader.grade(batch.texts, golds, None if self.config.grade_truncated else batch.finish_reasons)
        c = self.config
        rewards = torch.tensor([c.reward_correct if v.correct else c.reward_incorrect for v in verdicts],
                               device=self.device)
        return rewards, verdicts

    def train_step(self) -> dict:
        c = self.config
        items = self.tasks.draw(c.prompts_per_step)
        prompts = [self.template.render(item.problem, self.tokenizer) for item in items]
        batch = self.rollout.sample(prompts, c.group_size, _seed(c.seed, "rollout", self.step))
        golds = [item.gold for item in items for _ in range(c.group_size)]
        rewards, verdicts = self._rewards(batch, golds)
        mask = batch.response_mask.float()
        ppo = c.algorithm == "ppo"
        with torch.no_grad():
            old_log_probs, old_entropy, old_values = self._forward(batch, slice(None), want_values=ppo)
            ref_log_probs = None
            if self.reference is not None:
                _, _, ref_log_probs = score_responses(self.reference, batch.input_ids, batch.attention_mask,
                                                      batch.prompt_len, c.temperature)
        if ppo:
            last = (mask.cumsum(dim=1) == mask.sum(dim=1, keepdim=True)) & (mask > 0)
            token_rewards = last.float() * rewards[:, None]
            advantages, returns = core.gae_advantages(token_rewards, old_values, mask, c.gamma, c.lam)
            if c.whiten_advantages:
                advantages = core.whiten(advantages, mask)
        else:
            advantages = core.grpo_advantages(rewards, batch.group_ids, mask, scale_by_std=c.scale_by_std)
            returns = None
        stats = Counter()
        updates = 0
        critic_only = ppo and self.step < c.critic_warmup_steps
        n = batch.input_ids.shape[0]
        for _epoch in range(c.ppo_epochs):
            order = torch.randperm(n, generator=self.shuffle)
            for start in range(0, n, c.mini_batch_size):
                rows = order[start: start + c.mini_batch_size].to(self.device)
                step_stats = self._update(batch, rows, mask[rows], advantages[rows], old_log_probs[rows],
                                          None if old_values is None else old_values[rows],
                                          None if returns is None else returns[rows],
                                          None if ref_log_probs is None else ref_log_probs[rows], critic_only)
                stats.update(step_stats)
                updates += 1
        if isinstance(self.rollout, VLLMRollout):
            self.rollout.sync(self.policy)
        lengths = mask.sum(dim=1)
        reflective = Counter()
        for text in batch.texts:
            reflective.update(count_reflective(text))
        metrics = {
            "step": self.step,
            "reward": rewards.mean().item(),
            "accuracy": sum(v.correct for v in verdicts) / len(verdicts),
            "entropy": core.masked_mean(old_entropy, mask).item(),
            "response_length": lengths.mean().item(),
            "truncation_rate": sum(r == "length" for r in batch.finish_reasons) / len(verdicts),
            **{k: v / updates for k, v in stats.items()},
            "reflective_words": dict(reflective),
            "reflective_per_response": sum(reflective.values()) / len(verdicts),
        }
        self.step += 1
        return metrics

    def _update(self, batch, rows, mask, advantages, old_log_probs, old_values, returns, ref_log_probs,
                critic_only: bool) -> dict:
        c = self.config
        ppo = c.algorithm == "ppo"
        log_probs, entropy, values = self._forward(batch, rows, want_values=ppo)
        out = {}
        if c.advantage == "entropy":
            # the paper's shaping, with the current policy's entropy from this very forward pass
            shaped = core.entropy_advantage(advantages, entropy, c.alpha, c.kappa)
            live = (advantages != 0) & (mask > 0)
            psi = shaped - advantages
            out["cap_binding_share"] = core.masked_mean((c.alpha * entropy.detach() > advantages.abs() / c.kappa).float(),
                                                        live).item()
            out["psi_over_abs_advantage"] = core.masked_mean(psi / advantages.abs().clamp_min(1e-12), live).item()
            advantages = shaped
        loss = torch.zeros((), device=self.device)
        if not critic_only:
            policy_loss, pstats = core.policy_loss(log_probs, old_log_probs, advantages, mask, c.clip_low, c.clip_high,
                                                   c.dual_clip, c.loss_aggregation)
            loss = loss + policy_loss
            out.update({"policy_loss": policy_loss.item(), "clip_fraction": pstats["clip_fraction"].item(),
                        "approx_kl": pstats["approx_kl"].item()})
            if ref_log_probs is not None:
                kl = core.aggregate(core.kl_penalty(log_probs, ref_log_probs, c.kl_estimator), mask, c.loss_aggregation)
                loss = loss + c.kl_coef * kl
                out["kl_to_reference"] = kl.item()
            if c.entropy_coef > 0:
                loss = loss - c.entropy_coef * core.aggregate(entropy, mask, c.loss_aggregation)
        if ppo:
            vloss = core.value_loss(values, old_values, returns, mask, c.value_clip, c.loss_aggregation)
            out["value_loss"] = vloss.item()
            loss = loss + vloss
        self.optimizer.zero_grad(set_to_none=True)
        if self.critic_optimizer is not None:
            self.critic_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        out["grad_norm"] = torch.nn.utils.clip_grad_norm_(self.policy.parameters(), c.grad_clip).item()
        if not critic_only:
            self.optimizer.step()
        elif self.critic is not None and self.critic.backbone is None:
            self.optimizer.step()  # warm-up: the shared optimizer steps, but the policy loss was left out
        if self.critic_optimizer is not None:
            torch.nn.utils.clip_grad_norm_(self.critic.parameters(), c.grad_clip)
            self.critic_optimizer.step()
        if not math.isfinite(loss.item()):
            raise PasskError(f"step {self.step}: the loss is {loss.item()}; lower lr or check the data")
        return out

    # ---- the loop, checkpoints ---------------------------------------------------------------------------
    def train(self) -> Path:
        c = self.config
        metrics_path = self.out / "metrics.jsonl"
        bar = tqdm(total=c.steps, initial=self.step, desc=f"{c.algorithm}/{c.advantage}", disable=not self.progress)
        with open(metrics_path, "a") as log:
            while self.step < c.steps:
                started = time.perf_counter()
                metrics = self.train_step()
                metrics["seconds"] = time.perf_counter() - started
                log.write(json.dumps(metrics) + "\n")
                log.flush()
                if self.writer is not None:
                    for key, value in metrics.items():
                        if isinstance(value, (int, float)):
                            self.writer.add_scalar(key, value, self.step)
                bar.update(1)
                bar.set_postfix(reward=f"{metrics['reward']:.2f}", entropy=f"{metrics['entropy']:.2f}")
                if self.step % c.save_every == 0 or self.step == c.steps:
                    self.save()
        bar.close()
        self.grader.close()
        return self.out / f"checkpoint-{self.step}"

    def save(self) -> Path:
        target = self.out / f"checkpoint-{self.step}"
        partial = target.with_name(target.name + ".partial")
        self.policy.save_pretrained(partial)
        self.tokenizer.save_pretrained(partial)
        torch.save({"step": self.step, "optimizer": self.optimizer.state_dict(),
                    "critic": self.critic.state_dict() if self.critic is not None else None,
                    "critic_optimizer": self.critic_optimizer.state_dict() if self.critic_optimizer else None,
                    "shuffle": self.shuffle.get_state(), "tasks": self.tasks.state()}, partial / "trainer_state.pt")
        partial.replace(target)
        return target

    def _load_state(self, checkpoint: Path) -> None:
        state = torch.load(checkpoint / "trainer_state.pt", weights_only=False)
        self.step = state["step"]
        self.optimizer.load_state_dict(state["optimizer"])
        if self.critic is not None and state["critic"] is not None:
            self.critic.load_state_dict(state["critic"])
        if self.critic_optimizer is not None and state["critic_optimizer"] is not None:
            self.critic_optimizer.load_state_dict(state["critic_optimizer"])
        self.shuffle.set_state(state["shuffle"])
        self.tasks.restore(state["tasks"])
        # metrics logged after this checkpoint belong to steps that will run again
        metrics_path = self.out / "metrics.jsonl"
        if metrics_path.is_file():
            kept = [line for line in metrics_path.read_text().splitlines() if json.loads(line)["step"] < self.step]
            metrics_path.write_text("".join(line + "\n" for line in kept))


def train(config: TrainConfig, progress: bool = True) -> Path:
    return Trainer(config, progress).train()
