"""GPU check of the trainers, offline: `passk train`-equivalent GRPO with the entropy advantage and the TRL
example, each a few steps on a tiny Llama built here (no hub, no vLLM), with figures to quote.

    python trainers/gpu_check.py                 # CUDA (fails unless CUDA is there)
    python trainers/gpu_check.py --device cpu --steps 3 --warm-start-steps 20    # smoke test on CPU

Prints per part: steps/s, mean reward of the first and last steps, peak GPU memory; then one JSON line.
Exits non-zero on any failure (a missing package, no CUDA, a non-finite loss, no learning signal at all).
Takes about a minute on a GPU, a few on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import tempfile
import time
from pathlib import Path

REQUIRED = ("torch", "transformers", "tokenizers", "datasets", "trl", "math_verify", "pyarrow")


def _peak_memory_gb(device: str) -> float | None:
    import torch

    return torch.cuda.max_memory_allocated() / 2**30 if device == "cuda" else None


def check_passk_train(work: Path, device: str, steps: int, warm_start_steps: int) -> dict:
    """GRPO + entropy advantage through trainers.loop.train, the code `passk train grpo` runs."""
    import torch

    from passk.generate.sampling import SamplingConfig
    from trainers.config import TrainConfig
    from trainers.loop import train
    from trainers.tiny import build_char_model, supervised_warm_start

    model = build_char_model(work / "tiny", "0123456789+-=", hidden_size=256, layers=4, heads=4)
    supervised_warm_start(model, "addsub", steps=warm_start_steps, batch_size=64)
    problems = work / "train.jsonl"
    from trainers.integrations.trl_example import addsub_rows

    problems.write_text("".join(json.dumps({"problem": r["prompt"], "answer": r["answer"]}) + "\n"
                                for r in addsub_rows(64, seed=1)))
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    config = TrainConfig(algorithm="grpo", advantage="entropy", model=str(model), task=str(problems),
                         template="plain", prompts_per_step=16, group_size=8,
                         sampling=SamplingConfig(temperature=1.0, top_p=1.0, max_tokens=6), steps=steps, lr=1e-4,
                         warmup_steps=2, save_every=steps, exact_eval_every=steps, device=device,
                         out=str(work / "passk-train"))
    started = time.perf_counter()
    checkpoint = train(config, progress=False)
    seconds = time.perf_counter() - started
    rows = [json.loads(line) for line in (work / "passk-train" / "metrics.jsonl").read_text().splitlines()]
    exact = [json.loads(line) for line in (work / "passk-train" / "exact_eval.jsonl").read_text().splitlines()]
    assert len(rows) == steps and (checkpoint / "config.json").is_file(), "training did not finish"
    assert all("cap_binding_share" in r for r in rows), "the entropy advantage did not run"
    return {"steps": steps, "steps_per_s": steps / seconds, "reward_first": rows[0]["reward"],
            "reward_last_5": sum(r["reward"] for r in rows[-5:]) / 5, "exact_train_start": exact[0]["train"],
            "exact_train_end": exact[-1]["train"], "peak_memory_gb": _peak_memory_gb(device)}


def check_trl(work: Path, device: str, steps: int, warm_start_steps: int) -> dict:
    """The TRL example (EntropyAdvantageGRPOTrainer, passk's grader as reward)."""
    import torch

    from trainers.integrations import trl_example

    model = trl_example.tiny_model(work / "trl-tiny", warm_start_steps=warm_start_steps)
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    trainer = trl_example.build_trainer(str(model), trl_example.addsub_rows(128), str(work / "trl"), steps=steps,
                                        lr=1e-4, batch_size=16, group_size=8, use_cpu=device == "cpu")
    started = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - started
    logged = [h for h in trainer.state.log_history if "rewards/passk_grader/mean" in h]
    assert len(logged) == steps, f"TRL logged {len(logged)} of {steps} steps"
    assert all("entropy_adv/cap_binding_share" in h for h in logged), "the entropy advantage did not run in TRL"
    on = next(trainer.model.parameters()).device.type
    assert on == device, f"TRL trained on {on}, not {device}"
    return {"steps": steps, "steps_per_s": steps / seconds, "reward_first": logged[0]["rewards/passk_grader/mean"],
            "reward_last_5": sum(h["rewards/passk_grader/mean"] for h in logged[-5:]) / 5,
            "peak_memory_gb": _peak_memory_gb(device)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    parser.add_argument("--steps", type=int, default=20, help="RL steps per part")
    parser.add_argument("--warm-start-steps", type=int, default=200, help="supervised steps before RL")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, installed or not
    missing = [name for name in REQUIRED if importlib.util.find_spec(name) is None]
    if missing:
        print(f"gpu_check: FAILED: missing packages: {', '.join(missing)}", file=sys.stderr)
        return 1
    import torch

    if args.device == "cuda" and not torch.cuda.is_available():
        print("gpu_check: FAILED: --device cuda but torch.cuda.is_available() is False", file=sys.stderr)
        return 1
    name = torch.cuda.get_device_name() if args.device == "cuda" else "cpu"
    print(f"gpu_check on {name}, torch {torch.__version__}", flush=True)
    figures, started = {"device": name}, time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for part, check in (("passk_train_grpo_entropy", check_passk_train), ("trl_example", check_trl)):
            t = time.perf_counter()
            figures[part] = check(Path(tmp), args.device, args.steps, args.warm_start_steps)
            f = figures[part]
            memory = f"{f['peak_memory_gb']:.2f} GB" if f["peak_memory_gb"] is not None else "n/a"
            print(f"{part}: {f['steps']} steps, {f['steps_per_s']:.2f} steps/s, reward {f['reward_first']:+.3f} -> "
                  f"{f['reward_last_5']:+.3f} (last 5), peak memory {memory}, {time.perf_counter() - t:.0f} s",
                  flush=True)
    figures["seconds"] = time.perf_counter() - started
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
