"""The GRPO / PPO training loop: rollouts, rewards, advantages, updates, metrics, checkpoints.

All the math is in trainers.core; this file only wires it together. One step:
  1. draw prompts, sample `group_size` responses each from the current policy (temperature 1.0)
  2. reward +1 / -1 from the passk grader
  3. old log-probs (and PPO values) from the trainer's own forward pass
  4. advantages from the algorithm's estimator in core.ADVANTAGE_ESTIMATORS (GRPO group-normalized,
     PPO GAE over the critic's values: an estimator that needs values brings a critic)
  5. `ppo_epochs` passes over shuffled mini-batches; in each forward pass the current policy's
     entropy reshapes the advantage through core.ADVANTAGE_SHAPINGS[advantage]
Checkpoints are Hugging Face folders that `passk run --model` loads; running the same
command again resumes from the latest one.
"""

from __future__ import annotations

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
from passk.generate.sampling import stable_seed
from passk.jsonl import write_json_atomic, write_text_atomic
from passk.prompts import get_template
from passk.settings import describe_diff, settings_diff
from trainers import core
from trainers.config import TrainConfig, config_dict, upgrade
from trainers.reward import OutcomeReward
from trainers.rollout import ROLLOUTS, RolloutBatch
from trainers.tasks import TaskSource

# Settings a resumed run may change: how long it runs and how often it saves.
RESUMABLE_CHANGES = ("steps", "save_every", "exact_eval_every", "tensorboard", "device")


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


@torch.no_grad()
def gold_probability(model, tokenizer, prompts: list[str], golds: list[str], stop_ids: set[int], temperature: float,
                     top_p: float = 1.0, batch_size: int = 256) -> torch.Tensor:
    """P(the sampler answers exactly the gold, then stops | prompt) per problem, teacher-forced: at each answer
    position the probability of the gold token at `temperature` within the top-p nucleus (0 outside it)."""
    device = next(model.parameters()).device
    stop = min(stop_ids)
    was_training = model.training
    model.eval()
    out = []
    for start in range(0, len(prompts), batch_size):
        rows = []
        for prompt, gold in zip(prompts[start: start + batch_size], golds[start: start + batch_size], strict=True):
            p = tokenizer(prompt, add_special_tokens=False).input_ids
            a = tokenizer(gold, add_special_tokens=False).input_ids + [stop]
            rows.append((p, a))
        width = max(len(p) + len(a) for p, a in rows)
        ids = torch.full((len(rows), width), tokenizer.pad_token_id, dtype=torch.long)
        mask = torch.zeros_like(ids)
        answer = torch.zeros_like(ids, dtype=torch.bool)
        for r, (p, a) in enumerate(rows):  # left padding, as rollouts use
            ids[r, width - len(p) - len(a):] = torch.tensor(p + a)
            mask[r, width - len(p) - len(a):] = 1
            answer[r, width - len(a):] = True
        ids, mask, answer = ids.to(device), mask.to(device), answer.to(device)
        logits = model(input_ids=ids, attention_mask=mask, position_ids=position_ids(mask)).logits[:, :-1].float()
        probs = torch.softmax(logits / temperature, dim=-1)
        target = ids[:, 1:, None]
        if top_p < 1:  # nucleus sampling keeps the most likely tokens whose mass before them is < top_p
            kept_mass = (probs * (probs > probs.gather(-1, target))).sum(-1, keepdim=True)
            in_nucleus = kept_mass < top_p
            nucleus = probs.sort(dim=-1, descending=True).values
            nucleus_mass = (nucleus * (nucleus.cumsum(-1) - nucleus < top_p)).sum(-1, keepdim=True)
            probs = torch.where(in_nucleus, probs / nucleus_mass, torch.zeros_like(probs))
        token_p = probs.gather(-1, target).squeeze(-1)
        out.append(torch.where(answer[:, 1:], token_p, torch.ones_like(token_p)).prod(dim=1))
    model.train(was_training)
    return torch.cat(out).cpu()


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


class Trainer:
    def __init__(self, config: TrainConfig, progress: bool = True):
        from transformers import AutoModel, AutoModelForCausalLM, AutoTokenizer

        self.config = config
        self.progress = progress
        self.out = Path(config.out)
        self.device = _device(config.device)
        # everything a user can get wrong is checked before a model loads
        self.tasks = TaskSource(config.task, config.seed, config.problem_field, config.answer_field, config.data_dir,
                                config.holdout)
        self.template = get_template(config.template)
        start = self._check_resume()
        model_path = str(start) if start else self._base_model()
        self.tokenizer = AutoTokenizer.from_pretrained(model_path)
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        torch.manual_seed(config.seed)  # the critic head's initialization; the global RNG is used nowhere else
        self.policy = AutoModelForCausalLM.from_pretrained(model_path, dtype=torch.float32).to(self.device)
        self.policy.train()
        self.estimator = core.ADVANTAGE_ESTIMATORS[config.estimator]
        self.shaping = core.ADVANTAGE_SHAPINGS[config.advantage]
        self.critic = None
        if core.needs_values(config.estimator):
            backbone = AutoModel.from_pretrained(self._base_model()).to(self.device) if config.critic == "separate" else None
            self.critic = Critic(self.policy.config.hidden_size, backbone).to(self.device)
        params = list(self.policy.parameters()) + (list(self.critic.head.parameters()) if self.critic and not self.critic.backbone else [])
        self.optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
        # linear warm-up over the first optimizer steps: Adam's first steps are its largest relative to the signal
        warmup = config.warmup_steps * config.updates_per_rollout
        self.schedule = torch.optim.lr_scheduler.LambdaLR(self.optimizer, lambda i: min(1.0, (i + 1) / (warmup + 1)))
        self.critic_optimizer = (torch.optim.AdamW(self.critic.parameters(), lr=config.critic_lr)
                                 if self.critic is not None and self.critic.backbone is not None else None)
        self.reference = None
        if config.kl_coef > 0:
            self.reference = AutoModelForCausalLM.from_pretrained(self._base_model(), dtype=torch.float32).to(self.device).eval()
        self.reward = OutcomeReward(self.template, config.reward_correct, config.reward_incorrect)
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
        return ROLLOUTS[c.rollout_backend](self.policy, self.tokenizer, model_path, c.sampling)

    def _check_resume(self) -> Path | None:
        """The latest checkpoint when the run directory exists with a compatible config, else None."""
        saved = self.out / "config.json"
        if not saved.is_file():
            self.out.mkdir(parents=True, exist_ok=True)
            write_json_atomic(saved, config_dict(self.config))
            return None
        old, new = upgrade(json.loads(saved.read_text())), config_dict(self.config)
        differing = settings_diff({"run has": old, "asked": new}, [k for k in new if k not in RESUMABLE_CHANGES])
        if differing:
            raise ConfigError(f"{self.out} holds a run with other settings:\n{describe_diff(differing)}\n"
                              f"Use another out= or the same settings to resume.")
        write_json_atomic(saved, new)
        checkpoints = sorted(self.out.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
        return checkpoints[-1] if checkpoints else None

    # ---- one step ----------------------------------------------------------------------------------------
    def _forward(self, batch: RolloutBatch, rows: slice | torch.Tensor, want_values: bool):
        """Per response token: log-prob of the sampled token, entropy, logits-based values (PPO)."""
        ids, mask = batch.input_ids[rows], batch.attention_mask[rows]
        p = batch.prompt_len
        out, logits, log_probs = score_responses(self.policy, ids, mask, p, self.config.sampling.temperature,
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
        rewards, verdicts = self.reward(batch.texts, golds,
                                        None if self.config.grade_truncated else batch.finish_reasons)
        return torch.tensor(rewards, device=self.device), verdicts

    def train_step(self) -> dict:
        c = self.config
        items = self.tasks.draw(c.prompts_per_step)
        prompts = [self.template.render(item.problem, self.tokenizer) for item in items]
        batch = self.rollout.sample(prompts, c.group_size, stable_seed(c.seed, "rollout", self.step))
        golds = [item.gold for item in items for _ in range(c.group_size)]
        rewards, verdicts = self._rewards(batch, golds)
        mask = batch.response_mask.float()
        with_values = self.critic is not None
        with torch.no_grad():
            old_log_probs, old_entropy, old_values = self._forward(batch, slice(None), want_values=with_values)
            ref_log_probs = None
            if self.reference is not None:
                _, _, ref_log_probs = score_responses(self.reference, batch.input_ids, batch.attention_mask,
                                                      batch.prompt_len, c.sampling.temperature)
        advantages, returns = self.estimator(rewards, mask, batch.group_ids, old_values, scale_by_std=c.scale_by_std,
                                             gamma=c.gamma, lam=c.lam, whiten_advantages=c.whiten_advantages)
        stats = Counter()
        updates = 0
        critic_only = with_values and self.step < c.critic_warmup_steps
        n = batch.input_ids.shape[0]
        size = c.mini_batch_size or n
        for _epoch in range(c.ppo_epochs):
            order = torch.randperm(n, generator=self.shuffle)
            for start in range(0, n, size):
                rows = order[start: start + size].to(self.device)
                step_stats = self._update(batch, rows, mask[rows], advantages[rows], old_log_probs[rows],
                                          None if old_values is None else old_values[rows],
                                          None if returns is None else returns[rows],
                                          None if ref_log_probs is None else ref_log_probs[rows], critic_only)
                stats.update(step_stats)
                updates += 1
        if hasattr(self.rollout, "sync"):  # a rollout with its own copy of the weights (vLLM's engine)
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
            "lr": self.schedule.get_last_lr()[0],
            **{k: v / updates for k, v in stats.items()},
            "reflective_words": dict(reflective),
            "reflective_per_response": sum(reflective.values()) / len(verdicts),
        }
        self.step += 1
        return metrics

    def _update(self, batch, rows, mask, advantages, old_log_probs, old_values, returns, ref_log_probs,
                critic_only: bool) -> dict:
        c = self.config
        log_probs, entropy, values = self._forward(batch, rows, want_values=self.critic is not None)
        # the current policy's entropy, from this very forward pass, shapes the advantage
        advantages, out = self.shaping(advantages, entropy, mask, c.alpha, c.kappa)
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
        if values is not None:
            vloss = core.value_loss(values, old_values, returns, mask, c.value_clip, c.loss_aggregation)
            out["value_loss"] = vloss.item()
            loss = loss + vloss
        if not math.isfinite(loss.item()):
            raise PasskError(f"step {self.step}: the loss is {loss.item()}; lower lr or check the data")
        self.optimizer.zero_grad(set_to_none=True)
        if self.critic_optimizer is not None:
            self.critic_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        # clip every parameter this optimizer trains (the value head's too), not only the policy's
        trained = [p for group in self.optimizer.param_groups for p in group["params"]]
        out["grad_norm"] = torch.nn.utils.clip_grad_norm_(trained, c.grad_clip).item()
        # in the critic's warm-up the policy loss is left out, so a shared optimizer moves only the value head
        self.optimizer.step()
        self.schedule.step()
        if self.critic_optimizer is not None:
            torch.nn.utils.clip_grad_norm_(self.critic.parameters(), c.grad_clip)
            self.critic_optimizer.step()
        return out

    # ---- the loop, checkpoints ---------------------------------------------------------------------------
    def train(self) -> Path:
        c = self.config
        metrics_path = self.out / "metrics.jsonl"
        bar = tqdm(total=c.steps, initial=self.step, desc=f"{c.algorithm}/{c.advantage}", disable=not self.progress)
        with open(metrics_path, "a") as log:
            while self.step < c.steps:
                if c.exact_eval_every and self.step % c.exact_eval_every == 0:
                    self.exact_eval()
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
        if c.exact_eval_every:
            self.exact_eval()
        self.reward.close()
        return self.out / f"checkpoint-{self.step}"

    def exact_eval(self) -> dict:
        """Exact accuracy without sampling noise: the probability that the policy answers a problem with exactly
        its gold and stops (a lower bound where other strings also grade correct), at the rollout temperature
        and at the evaluation sampling (eval_temperature, eval_top_p), per problem and on average, on the fixed
        training problems and on the holdout; appended to exact_eval.jsonl. Pass@K follows exactly:
        1 - (1 - p)^K per problem."""
        row = {"step": self.step}
        for name, items in (("train", self.tasks.items or []), ("holdout", self.tasks.holdout)):
            if items:
                prompts = [self.template.render(i.problem, self.tokenizer) for i in items]
                evaluation = self.config.eval_sampling
                for label, temperature, top_p in (("", self.config.sampling.temperature, 1.0),
                                                  ("_eval", evaluation.temperature, evaluation.top_p)):
                    p = gold_probability(self.policy, self.tokenizer, prompts, [i.gold for i in items],
                                         self.rollout.stop_ids, temperature, top_p)
                    row[f"{name}{label}"] = p.mean().item()
                    row[f"{name}{label}_per_problem"] = [round(x, 6) for x in p.tolist()]
        path = self.out / "exact_eval.jsonl"
        kept = [line for line in path.read_text().splitlines() if _step_of(line) < self.step] \
            if path.is_file() else []  # a resumed run recomputes the rows after its checkpoint
        write_text_atomic(path, "".join(line + "\n" for line in kept + [json.dumps(row)]))
        return row

    def save(self) -> Path:
        target = self.out / f"checkpoint-{self.step}"
        partial = target.with_name(target.name + ".partial")
        self.policy.save_pretrained(partial)
        self.tokenizer.save_pretrained(partial)
        torch.save({"step": self.step, "optimizer": self.optimizer.state_dict(), "schedule": self.schedule.state_dict(),
                    "critic": self.critic.state_dict() if self.critic is not None else None,
                    "critic_optimizer": self.critic_optimizer.state_dict() if self.critic_optimizer else None,
                    "shuffle": self.shuffle.get_state(), "tasks": self.tasks.state()}, partial / "trainer_state.pt")
        partial.replace(target)
        return target

    def _load_state(self, checkpoint: Path) -> None:
        state = torch.load(checkpoint / "trainer_state.pt", weights_only=False)
        self.step = state["step"]
        self.optimizer.load_state_dict(state["optimizer"])
        self.schedule.load_state_dict(state["schedule"])
        if self.critic is not None and state["critic"] is not None:
            self.critic.load_state_dict(state["critic"])
        if self.critic_optimizer is not None and state["critic_optimizer"] is not None:
            self.critic_optimizer.load_state_dict(state["critic_optimizer"])
        self.shuffle.set_state(state["shuffle"])
        self.tasks.restore(state["tasks"])
        # metrics logged after this checkpoint belong to steps that will run again; a line a crash cut short
        # (the log is appended a line per step) is dropped too; the kept lines replace the file atomically
        metrics_path = self.out / "metrics.jsonl"
        if metrics_path.is_file():
            kept = [line for line in metrics_path.read_text().splitlines() if _step_of(line) < self.step]
            write_text_atomic(metrics_path, "".join(line + "\n" for line in kept))


def _step_of(line: str) -> float:
    try:
        return json.loads(line)["step"]
    except (json.JSONDecodeError, KeyError, TypeError):
        return math.inf


def train(config: TrainConfig, progress: bool = True) -> Path:
    return Trainer(config, progress).train()
