"""Entropy-advantage GRPO with TRL 1.16, rewarded by passk's grader: a runnable example.

    python -m trainers.integrations.trl_example --tiny runs/trl-tiny --steps 20 --out runs/trl
    python -m trainers.integrations.trl_example --model Qwen/Qwen2.5-Math-1.5B --data train.jsonl \
        --template qwen-boxed --out runs/trl-qwen

--tiny DIR builds a character-level Llama in code and warm-starts it on `addsub` ("7-2+9=" -> "14"),
so it runs anywhere, hub or not; --data is a JSONL of {"problem", "answer"} (default: addsub problems).

--val-every N samples the policy every N steps on --val-problems held-out problems (the last rows of --data,
or addsub problems not trained on) and writes each validation as a passk run directory, OUT/passk/step-NNNNNN,
graded and scored by passk, logging val-passk/<benchmark>/pass@K at the K list --val-k (n = its largest K) to
TRL's log (trl_passk.PassAtKCallback):

    python -m trainers.integrations.trl_example --tiny runs/trl-tiny --steps 20 --out runs/trl \
        --val-every 5 --val-problems 16 --val-k 1,2,4,8
    passk score runs/trl/passk/step-000020

The paper's settings (Cheng et al. 2025) in GRPOConfig terms (PAPER_SETTINGS below):
  rollout temperature 1.0     temperature=1.0
  clip 0.2 / 0.28             epsilon=0.2, epsilon_high=0.28
  no KL loss                  beta=0.0 (TRL then loads no reference model)
  token-level loss            loss_type="dapo" (sum over the batch's tokens / their count)
  no entropy loss             TRL has none; top_entropy_quantile=1.0 keeps every token in the loss
  group-normalized advantage  scale_rewards="group"
  reward +1 / -1              the reward function below (passk's grader)
  kappa 2, alpha 0.4          EntropyAdvantageGRPOTrainer(entropy_kappa=, entropy_alpha=) (trainers.core)
  one policy update per batch num_iterations=1
Learning rate, batch and group sizes, lengths are per model and are flags here.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from passk.data import Problem
from passk.generate.sampling import SamplingConfig
from passk.grade.gold import gold_answer
from passk.prompts import get_template
from passk.settings import parse_k
from trainers import core
from trainers.reward import REWARD_CORRECT, REWARD_INCORRECT, OutcomeReward

PAPER_SETTINGS = dict(temperature=1.0, epsilon=0.2, epsilon_high=0.28, beta=0.0, loss_type="dapo",
                      top_entropy_quantile=1.0, scale_rewards="group", num_iterations=1)


class PasskReward:
    """TRL reward function: +1 where passk's grader finds the completion's answer equal to the gold, else -1."""

    __name__ = "passk_grader"  # TRL names the logged reward after the function

    def __init__(self, template: str, correct: float = REWARD_CORRECT, incorrect: float = REWARD_INCORRECT):
        self.reward = OutcomeReward(template, correct, incorrect)

    def __call__(self, prompts, completions, answer, **kwargs) -> list[float]:
        texts = [c if isinstance(c, str) else c[-1]["content"] for c in completions]  # plain or conversational
        return self.reward(texts, [gold_answer(a, where=f"answer[{i}]") for i, a in enumerate(answer)])[0]


def tiny_model(path: str | Path, warm_start_steps: int = 300) -> Path:
    """A character-level Llama warm-started on addsub, built here (no hub); reused if already there."""
    from trainers.tiny import build_char_model, supervised_warm_start

    path = Path(path)
    if not (path / "config.json").is_file():
        build_char_model(path, "0123456789+-=", hidden_size=64, layers=2, heads=2)
        supervised_warm_start(path, "addsub", steps=warm_start_steps, batch_size=32)
    return path


def addsub_rows(count: int, seed: int = 0, exclude: set[str] = frozenset()) -> list[dict]:
    from trainers.tasks import synthetic_item

    rng = random.Random(seed)
    rows, n = [], 0
    while len(rows) < count:
        item = synthetic_item("addsub", rng, n)
        n += 1
        if item.problem not in exclude:
            rows.append({"prompt": item.problem, "answer": item.gold})
    return rows


VAL_BENCHMARK = "trl-val"


def val_problems(rows: list[dict]) -> list[Problem]:
    """Validation rows as passk problems (benchmark "trl-val", ids in order)."""
    return [Problem(VAL_BENCHMARK, f"{i:05d}", r["prompt"], str(r["answer"])) for i, r in enumerate(rows)]


def build_trainer(model: str, rows: list[dict], out: str, template: str = "plain", steps: int = 10,
                  lr: float = 3e-5, batch_size: int = 16, group_size: int = 8, max_completion_length: int = 6,
                  alpha: float = core.PAPER_ALPHA["grpo"], kappa: float = core.PAPER_KAPPA, baseline: bool = False,
                  use_cpu: bool = True, seed: int = 0, val_rows: list[dict] | None = None, val_every: int = 0,
                  val_k: tuple[int, ...] = (1, 2, 4, 8)):
    """The trainer; with `val_rows` and `val_every`, a PassAtKCallback writing OUT/passk/step-NNNNNN attached."""
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    from trainers.integrations.trl_entropy import EntropyAdvantageGRPOTrainer

    tokenizer = AutoTokenizer.from_pretrained(model)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"
    render = get_template(template)
    data = Dataset.from_list([{"prompt": render.render(r["prompt"], tokenizer), "answer": r["answer"]} for r in rows])
    args = GRPOConfig(output_dir=out, max_steps=steps, learning_rate=lr, per_device_train_batch_size=batch_size,
                      num_generations=group_size, max_completion_length=max_completion_length, logging_steps=1,
                      report_to=[], save_strategy="no", use_cpu=use_cpu, seed=seed, **PAPER_SETTINGS)
    common = dict(model=AutoModelForCausalLM.from_pretrained(model), processing_class=tokenizer,
                  reward_funcs=PasskReward(template), args=args, train_dataset=data)
    if baseline:
        trainer = GRPOTrainer(**common)
    else:
        trainer = EntropyAdvantageGRPOTrainer(**common, entropy_alpha=alpha, entropy_kappa=kappa)
    if val_rows and val_every:
        from trainers.integrations.trl_passk import PassAtKCallback

        PassAtKCallback(val_problems(val_rows), Path(out) / "passk", val_every, val_k, template,
                        SamplingConfig(max_tokens=max_completion_length), seed=seed, model_name=model).attach(trainer)
    return trainer


def val_k_list(text: str) -> tuple[int, ...]:
    try:
        return parse_k(text, "--val-k")
    except ValueError as exc:  # argparse would say only "invalid value"
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="entropy-advantage GRPO with TRL, rewarded by passk's grader")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", help="a Hugging Face model path or id")
    source.add_argument("--tiny", metavar="DIR", help="build (or reuse) a tiny warm-started Llama in DIR")
    parser.add_argument("--data", help="JSONL of problems (default: 256 addsub problems)")
    parser.add_argument("--problem-field", default="problem")
    parser.add_argument("--answer-field", default="answer")
    parser.add_argument("--template", default="plain", help="passk prompt template (qwen-boxed for instruct models)")
    parser.add_argument("--out", default="runs/trl-entropy")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--batch-size", type=int, default=16, help="completions per step")
    parser.add_argument("--group-size", type=int, default=8)
    parser.add_argument("--max-completion-length", type=int, default=6)
    parser.add_argument("--baseline", action="store_true", help="plain GRPO (no entropy advantage)")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--val-every", type=int, default=0, metavar="N",
                        help="Pass@K validation every N steps, as passk run directories OUT/passk/step-NNNNNN (0: off)")
    parser.add_argument("--val-problems", type=int, default=16, metavar="N",
                        help="held-out validation problems: the last N rows of --data, or N addsub problems not "
                             "trained on (default 16)")
    parser.add_argument("--val-k", type=val_k_list, default=(1, 2, 4, 8),
                        help="K list of the validation's Pass@K; its largest K is the samples per problem "
                             "(default 1,2,4,8)")
    args = parser.parse_args(argv)
    if args.val_every < 0 or args.val_problems < 1:
        parser.error("--val-every must be >= 0 and --val-problems >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    trainer = train(parse_args(argv))
    rewards = [h["reward"] for h in trainer.state.log_history if "reward" in h]
    print(f"{len(rewards)} steps; mean reward first {rewards[0]:+.3f}, last {rewards[-1]:+.3f}")
    for h in trainer.state.log_history:
        passk_at = {key: value for key, value in h.items() if key.startswith("val-passk/")}
        if passk_at:
            print(f"step {h['step']}: " + ", ".join(f"{key} {value:.3f}" for key, value in passk_at.items()))
    return 0


def train(args: argparse.Namespace):
    """Build the trainer from main's arguments and train it; the trainer (its state.log_history)."""
    model = str(tiny_model(args.tiny)) if args.tiny else args.model
    val_count = args.val_problems if args.val_every else 0
    if args.data:
        lines = Path(args.data).read_text().splitlines()
        rows = [{"prompt": (r := json.loads(line))[args.problem_field], "answer": str(r[args.answer_field])}
                for line in lines if line.strip()]
        if val_count >= len(rows):
            raise SystemExit(f"--val-problems {val_count} leaves no training rows of the {len(rows)} in {args.data}")
        rows, val_rows = (rows[:-val_count], rows[-val_count:]) if val_count else (rows, [])
    else:
        rows = addsub_rows(256)
        val_rows = addsub_rows(val_count, seed=1, exclude={r["prompt"] for r in rows})
    trainer = build_trainer(model, rows, args.out, args.template, args.steps, args.lr, args.batch_size,
                            args.group_size, args.max_completion_length, baseline=args.baseline,
                            use_cpu=args.device == "cpu", val_rows=val_rows, val_every=args.val_every,
                            val_k=args.val_k)
    trainer.train()
    return trainer


if __name__ == "__main__":
    raise SystemExit(main())
