"""Entropy advantage against the baseline advantage at CPU scale, end to end with passk's trainers and harness.

  1. a fixed set of training problems and a disjoint held-out set of multi-step arithmetic ("7-2+9=" -> "14")
  2. a tiny character-level Llama, warm-started by supervised learning so it sometimes succeeds
  3. GRPO and PPO (5 seeds per arm each) from that start, baseline and entropy advantage, the same seeds
     and data for both arms; each run logs its exact (teacher-forced) accuracy every 20 steps
  4. `passk run` on both problem sets for the start and every final checkpoint, K up to 256
  5. `passk compare`, per-seed paired comparisons, exact comparisons at equal steps and at matched
     training accuracy, training-curve plots, and report.md

Everything is fixed by the configs next to this file; nothing in the evaluation is tuned for either
arm. Work files go to runs/entropy-vs-baseline/, results to results/entropy-vs-baseline/.

    python experiments/entropy_vs_baseline/reproduce.py     (or: make reproduce)
"""

from __future__ import annotations

import json
import random
import shlex
import shutil
import sys
import time
import tomllib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WORK = ROOT / "runs" / "entropy-vs-baseline"
RESULTS = ROOT / "results" / "entropy-vs-baseline"
ARMS = ("baseline", "entropy")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def prepare(experiment: dict) -> tuple[Path, Path, Path]:
    """The held-out problems, the fixed training problems (disjoint), and the warm-started model."""
    from trainers.tasks import synthetic_item
    from trainers.tiny import build_char_model, supervised_warm_start

    WORK.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    files = {}
    for name, seed, count in (("heldout", experiment["heldout_seed"], experiment["heldout_problems"]),
                              ("train", experiment["train_seed"], experiment["train_problems"])):
        rng, items = random.Random(seed), []
        while len(items) < count:
            item = synthetic_item(experiment["task"], rng, len(items))
            if item.problem not in seen:
                seen.add(item.problem)
                items.append({"id": f"{name[0]}{len(items)}", "problem": item.problem, "answer": item.gold})
        files[name] = WORK / f"{name}.jsonl"
        text = "".join(json.dumps(i) + "\n" for i in items)
        if not files[name].is_file() or files[name].read_text() != text:  # never rewritten under a running trainer
            files[name].write_text(text)
    heldout_problems = {json.loads(line)["problem"] for line in files["heldout"].read_text().splitlines()}
    start = WORK / "start"
    if not (start / "config.json").is_file():
        log("building and warm-starting the tiny model")
        build_char_model(start, "0123456789+-=", hidden_size=experiment["hidden_size"], layers=experiment["layers"],
                         heads=experiment["heads"], seed=experiment["model_seed"])
        sft_started = time.time()
        losses = supervised_warm_start(start, experiment["task"], steps=experiment["sft_steps"], lr=experiment["sft_lr"],
                                       seed=experiment["model_seed"], exclude=heldout_problems)
        (WORK / "sft.json").write_text(json.dumps({"losses": losses, "seconds": time.time() - sft_started}))
    return start, files["train"], files["heldout"]


def main(argv: list[str] | None = None) -> None:
    import argparse

    import passk
    from passk.compare import compare_runs, format_comparison, load_run, write_comparison
    from passk.results import ScoreConfig
    from trainers.config import config_dict, train_config
    from trainers.loop import train

    parser = argparse.ArgumentParser(description="entropy advantage against baseline, GRPO and PPO, at CPU scale")
    parser.add_argument("--seeds", type=int, help="only the first N seeds of each algorithm (a smaller run)")
    parser.add_argument("--smoke", action="store_true", help="2 seeds, 4 steps, n = 4, under runs/ only: checks the "
                                                             "pipeline end to end in minutes")
    parser.add_argument("--train-only", choices=["grpo", "ppo"],
                        help="only train this algorithm's runs (to train GRPO and PPO in two processes at once; "
                             "a later full invocation resumes them and evaluates)")
    args = parser.parse_args(argv)
    experiment = tomllib.loads((HERE / "experiment.toml").read_text())
    configs = {"grpo": tomllib.loads((HERE / "grpo.toml").read_text()),
               "ppo": tomllib.loads((HERE / "ppo.toml").read_text())}
    if args.smoke:
        global WORK, RESULTS
        WORK, RESULTS = WORK.with_name(WORK.name + "-smoke"), WORK.with_name(WORK.name + "-smoke") / "results"
        args.seeds = 2
        experiment.update(sft_steps=20, heldout_problems=20, train_problems=8)
        experiment["eval"].update(n=4, k=[1, 2, 4])
        for config in configs.values():
            config.update(steps=4, exact_eval_every=2, save_every=4)
    if args.seeds:
        experiment["seeds"], experiment["ppo_seeds"] = experiment["seeds"][:args.seeds], experiment["ppo_seeds"][:args.seeds]
    started = time.time()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "configs").mkdir(exist_ok=True)
    start, train_file, heldout = prepare(experiment)

    # RL: GRPO and PPO, both arms, the same seeds and data; seed by seed, so that an interrupted run holds
    # whole seeds of every arm (a rerun resumes finished runs from their checkpoints at no cost)
    checkpoints = {"start": start}
    runs = [(algorithm, seed) for seed in sorted(set(experiment["seeds"]) | set(experiment["ppo_seeds"]))
            for algorithm in ("grpo", "ppo") if seed in experiment["seeds" if algorithm == "grpo" else "ppo_seeds"]
            and args.train_only in (None, algorithm)]
    for algorithm, seed in runs:
        for arm in ARMS:
            name = run_name(algorithm, arm, seed)
            config = train_config({**configs[algorithm], "task": str(train_file), "advantage": arm, "seed": seed,
                                   "model": str(start), "holdout": str(heldout), "out": str(WORK / "train" / name)})
            log(f"training {name}")
            checkpoints[name] = train(config, progress=False)
            for kind in ("metrics", "exact_eval"):
                shutil.copy(WORK / "train" / name / f"{kind}.jsonl", RESULTS / f"{kind}-{name}.jsonl")
            (RESULTS / "configs" / f"{name}.json").write_text(json.dumps(config_dict(config), indent=1))

    if args.train_only:
        return
    # evaluation with passk run, identical settings for every model, on both problem sets
    ev = experiment["eval"]
    trained = [name for name in checkpoints if name != "start"]
    sampled = {"seeds": experiment["seeds"][:ev["sampled_seeds"]], "ppo_seeds": experiment["ppo_seeds"][:ev["sampled_seeds"]]}
    checkpoints = {name: c for name, c in checkpoints.items()
                   if name == "start" or int(name.rsplit("seed", 1)[1]) in sampled["seeds" if name.startswith("grpo") else "ppo_seeds"]}
    for name, checkpoint in checkpoints.items():
        for problems, limit in ((train_file, None), (heldout, ev["heldout_limit"])):
            out = WORK / "eval" / problems.stem / name
            log(f"evaluating {name} on {problems.stem}")
            passk.run(data=str(problems), id_field="id", model=str(checkpoint), backend="hf", template="plain",
                      n=ev["n"], temperature=ev["temperature"], top_p=ev["top_p"], max_tokens=ev["max_tokens"],
                      k=ev["k"], block_size=ev["n"], seed=0, out=str(out), limit=limit, progress=False)

    # comparisons: every run against the start, and entropy against baseline seed by seed
    k_list = [int(k) for k in ev["k"]]
    config = ScoreConfig(k=tuple(k_list))
    names = list(checkpoints)
    results, pairs = {}, {}
    for problems in ("train", "heldout"):
        result = compare_runs([load_run(str(WORK / "eval" / problems / n), n) for n in names], config)
        write_comparison(result, RESULTS / f"compare-{problems}")
        print(format_comparison(result))
        results[problems] = result.benchmarks[problems]
        for algorithm, seeds in (("grpo", sampled["seeds"]), ("ppo", sampled["ppo_seeds"])):
            for seed in seeds:
                pair = compare_runs([load_run(str(WORK / "eval" / problems / run_name(algorithm, arm, seed)), arm)
                                     for arm in ARMS], config)
                pairs.setdefault(problems, {}).setdefault(algorithm, {})[seed] = \
                    pair.benchmarks[problems].differences["entropy - baseline"]
    (RESULTS / "paired-by-seed.json").write_text(json.dumps(
        {problems: {algorithm: {seed: d.to_json() for seed, d in by_seed.items()} for algorithm, by_seed in arms.items()}
         for problems, arms in pairs.items()}, indent=1))
    exact = exact_comparisons(experiment, k_list)
    (RESULTS / "exact.json").write_text(json.dumps(exact, indent=1))
    plot_curves(experiment, RESULTS)
    plot_arms(results, {**experiment, **sampled}, RESULTS)
    write_report(results, pairs, exact, experiment, sampled, configs, measured_seconds(trained, names))
    log(f"done in {(time.time() - started) / 60:.1f} min (this invocation); results in {RESULTS}")


def run_name(algorithm: str, arm: str, seed: int) -> str:
    return f"{algorithm}-{arm}-seed{seed}"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def exact_pass_at_k(per_problem: list[float], k: int) -> float:
    """Pass@K from exact per-problem success probabilities p: mean of 1 - (1 - p)^K (no sampling noise)."""
    p = np.asarray(per_problem)
    return float(np.mean(1 - (1 - p) ** k))


def exact_comparisons(experiment: dict, ks: list[int]) -> dict:
    """From the exact evaluations logged during training (every 20 steps), entropy against baseline:
    at equal steps (the last), and at matched training accuracy: for each seed pair, the held-out Pass@K
    of each arm at the checkpoint where its exact training Pass@1 (eval sampling) is closest to a common
    level, the lower of the two arms' final training Pass@1, so that neither arm wins by moving less."""
    out = {}
    for algorithm, seeds in (("grpo", experiment["seeds"]), ("ppo", experiment["ppo_seeds"])):
        rows = []
        for seed in seeds:
            curves = {arm: read_jsonl(RESULTS / f"exact_eval-{run_name(algorithm, arm, seed)}.jsonl") for arm in ARMS}
            level = min(curves[arm][-1]["train_eval"] for arm in ARMS)
            row = {"seed": seed, "matched_train_pass1": level}
            for arm in ARMS:
                final = curves[arm][-1]
                matched = min(curves[arm], key=lambda c: abs(c["train_eval"] - level))
                row[arm] = {
                    "final_step": final["step"], "matched_step": matched["step"],
                    "matched_train_pass1": matched["train_eval"],
                    "final_train": {k: exact_pass_at_k(final["train_eval_per_problem"], k) for k in ks},
                    "final_heldout": {k: exact_pass_at_k(final["holdout_eval_per_problem"], k) for k in ks},
                    "matched_heldout": {k: exact_pass_at_k(matched["holdout_eval_per_problem"], k) for k in ks}}
            rows.append(row)
        start = read_jsonl(RESULTS / f"exact_eval-{run_name(algorithm, ARMS[0], seeds[0])}.jsonl")[0]
        out[algorithm] = {"seeds": rows,
                          "start_train": {k: exact_pass_at_k(start["train_eval_per_problem"], k) for k in ks},
                          "start_heldout": {k: exact_pass_at_k(start["holdout_eval_per_problem"], k) for k in ks}}
    return out


def measured_seconds(trained: list[str], evaluated: list[str]) -> dict[str, float]:
    """Compute time of each stage, from what the stages recorded (not this invocation's clock, which
    skips finished stages on a rerun)."""
    train = sum(json.loads(line)["seconds"] for name in trained
                for line in (WORK / "train" / name / "metrics.jsonl").read_text().splitlines())
    from passk.rundir import RunDir

    evaluate = sum(t["seconds"] for name in evaluated for problems in ("train", "heldout")
                   for t in RunDir(WORK / "eval" / problems / name).read_manifest().throughput.values())
    return {"warm_start": json.loads((WORK / "sft.json").read_text())["seconds"], "training": train,
            "evaluation_generation": evaluate}


def plot_arms(results: dict, experiment: dict, out: Path) -> None:
    """Pass@K of the start and of each arm on both problem sets: the mean over seeds, the band from the lowest
    to the highest seed."""
    from passk.plot import Curve, plot_pass_at_k

    panels = {}
    for problems in ("train", "heldout"):
        b = results[problems]
        ks = b.k
        curves = [Curve("start", ks, tuple(b.runs["start"].pass_at_k[k].value for k in ks), color="black")]
        for algorithm, seeds, style in (("grpo", experiment["seeds"], "-"), ("ppo", experiment["ppo_seeds"], "--")):
            for arm, colour in zip(ARMS, ("tab:blue", "tab:orange"), strict=True):
                values = np.array([[b.runs[run_name(algorithm, arm, s)].pass_at_k[k].value for k in ks] for s in seeds])
                curves.append(Curve(f"{algorithm.upper()} {arm} (mean of {len(seeds)} seeds)", ks,
                                    tuple(values.mean(axis=0)), (tuple(values.min(axis=0)), tuple(values.max(axis=0))),
                                    color=colour, linestyle=style))
        panels[f"{problems} problems ({b.n_problems})"] = curves
    plot_pass_at_k(panels, out / "arms.png", panel_size=(6, 4.5), band_alpha=0.12, legend_fontsize=7)


def plot_curves(experiment: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [("reward", "mean reward"), ("entropy", "token entropy (rollouts)"), ("response_length", "response length"),
            ("psi_over_abs_advantage", "psi / |A| (entropy arm)"), ("exact_train", "exact Pass@1, training problems"),
            ("exact_heldout", "exact Pass@1, held-out problems")]
    fig, axes = plt.subplots(2, 6, figsize=(27, 8))
    for row, (algorithm, seeds) in enumerate((("grpo", experiment["seeds"]), ("ppo", experiment["ppo_seeds"]))):
        for ax, (key, title) in zip(axes[row], keys, strict=True):
            for arm in ARMS:
                if key.startswith("exact_"):
                    field = "train_eval" if key == "exact_train" else "holdout_eval"
                    runs = [read_jsonl(out / f"exact_eval-{run_name(algorithm, arm, s)}.jsonl") for s in seeds]
                    x = np.array([r["step"] for r in runs[0]])
                    values = np.array([[r[field] for r in run] for run in runs])
                else:
                    runs = [read_jsonl(out / f"metrics-{run_name(algorithm, arm, s)}.jsonl") for s in seeds]
                    if key not in runs[0][0]:
                        continue
                    window = min(5, len(runs[0]))
                    raw = np.array([[r[key] for r in run] for run in runs])
                    values = np.array([np.convolve(v, np.ones(window) / window, mode="valid") for v in raw])
                    x = np.arange(raw.shape[1])[window - 1:]
                colour = {"baseline": "tab:blue", "entropy": "tab:orange"}[arm]
                ax.plot(x, values.mean(axis=0), color=colour, label=f"{arm} (mean of {len(seeds)} seeds)")
                ax.fill_between(x, values.min(axis=0), values.max(axis=0), color=colour, alpha=0.2)
            ax.set(title=f"{algorithm.upper()}: {title}", xlabel="step")
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize=7)
    fig.suptitle("training curves (rollout metrics: 5-step moving average; band: min to max over seeds; "
                 "exact Pass@1 at the evaluation sampling, every 20 steps)")
    fig.tight_layout()
    fig.savefig(out / "training-curves.png", dpi=90)
    plt.close(fig)


def write_report(results: dict, pairs: dict, exact: dict, experiment: dict, sampled: dict, configs: dict,
                 timing: dict[str, float]) -> None:
    grpo, ev = configs["grpo"], experiment["eval"]
    ks = results["heldout"].k
    n_runs = 2 * (len(experiment["seeds"]) + len(experiment["ppo_seeds"]))
    lines = [
        "# Entropy advantage against the baseline advantage, GRPO and PPO, at CPU scale", "",
        "## Setup", "",
        f"- Task `{experiment['task']}`: 2 or 3 additions and subtractions of one-digit numbers, answer after `=`. "
        f"RL draws from a fixed set of {experiment['train_problems']} training problems; "
        f"{experiment['heldout_problems']} disjoint held-out problems are never drawn.",
        f"- Model: a character-level Llama ({experiment['layers']} layers, hidden {experiment['hidden_size']}), "
        f"warm-started by {experiment['sft_steps']} supervised steps on random problems (held-out ones excluded).",
        f"- RL from that start, {grpo['steps']} steps of {grpo['prompts_per_step']} prompts x {grpo['group_size']} "
        f"samples, temperature {grpo['temperature']}, lr {grpo['lr']} after a {grpo['warmup_steps']}-step linear "
        "warm-up, one optimizer step per rollout batch (chosen by measurement: `step-size.json`, "
        "`choose_step_size.py`), gradient clipping 1.0 on every trained parameter, clip 0.2/0.28, token-mean "
        "loss, no KL, no entropy loss, reward +1/-1 from the passk grader. Entropy arm: kappa 2, alpha 0.4 (GRPO) "
        "and 0.1 (PPO: a value head on the policy, GAE with gamma = lambda = 1, whitened advantages). "
        "The same seeds and data for both arms.",
        f"- Evaluation: `passk run` (hf backend) on the training problems and the first {ev['heldout_limit']} "
        f"held-out problems for the start and the first {ev['sampled_seeds']} seeds of every arm, n = {ev['n']}, "
        f"temperature {ev['temperature']}, top-p {ev['top_p']} (the paper's settings), identical for every model; "
        f"`passk compare` with paired bootstrap 95% intervals over problems. Besides, every {grpo['exact_eval_every']} "
        "steps each run logs "
        "the exact probability p of answering a problem with exactly its gold at the same sampling settings "
        "(teacher-forced, top-p applied), so exact Pass@K = mean of 1 - (1 - p)^K, free of sampling noise "
        "(a lower bound where other strings also grade correct); it covers every seed and all held-out problems.",
        f"- Compute on this 2-core machine (shared with other work while it ran): warm start "
        f"{timing['warm_start']:.0f} s, RL {timing['training']:.0f} s for all {n_runs} runs, generation for the "
        f"evaluations {timing['evaluation_generation']:.0f} s (grading, scoring and model loading on top).", ""]
    conclusions = []
    for algorithm, seeds in (("grpo", experiment["seeds"]), ("ppo", experiment["ppo_seeds"])):
        section, conclusion = _section(results, pairs, exact[algorithm], ks, algorithm, seeds,
                                       sampled["seeds" if algorithm == "grpo" else "ppo_seeds"], ev["n"])
        lines += section
        conclusions += conclusion
    lines += ["`*`: the paired bootstrap 95% interval over problems excludes zero. Seed-to-seed variation is "
              "not in these intervals; the per-seed columns show it.", "", "## Conclusion", ""] + conclusions + [
              "Reading these: the training problems are where RL sharpens (Pass@1 rises in every run); the held-out "
              "problems measure what carries over, and there 64 fixed problems are learnt rather than the skill, so "
              "coverage at large K falls in every arm. The exact evaluation runs every 20 steps, so the matching "
              "at equal training accuracy is coarse (the matched steps are listed per seed). This is a tiny model "
              "on a synthetic task: it exercises the mechanism end to end with passk's own trainers and harness, "
              "not the paper's claim for 7B models on competition math.", "",
              "## Files", "",
              "- `arms.png`: Pass@K of the start and of each arm on both problem sets (mean, band over seeds)",
              "- `compare-train/`, `compare-heldout/`: every run against the starting model (`passk compare`)",
              "- `paired-by-seed.json`: entropy against baseline, seed by seed, per algorithm and problem set",
              "- `exact.json`: exact Pass@K at equal steps and at matched training accuracy",
              "- `training-curves.png`: reward, entropy, length, psi/|A|, exact Pass@1 (train, held-out) per step",
              "- `metrics-*.jsonl`, `exact_eval-*.jsonl`, `configs/`: per-step metrics, exact evaluations and the "
              "resolved config of every run; `step-size.json`: the measurements behind the step size",
              "", "![Pass@K by arm](arms.png)", "", "![training curves](training-curves.png)", ""]
    (RESULTS / "report.md").write_text("\n".join(lines))
    (RESULTS / "command.txt").write_text("make reproduce\n# = " + shlex.join([sys.executable, str(Path(__file__).relative_to(ROOT))]) + "\n")


def _interval(values: list[float]) -> str:
    """Mean and a t-based 95% interval over seeds."""
    from scipy import stats

    v = np.asarray(values, dtype=float)
    if len(v) < 2 or v.std() == 0:
        return f"{v.mean():+.3f}"
    half = stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v))
    return f"{v.mean():+.3f} [{v.mean() - half:+.3f}, {v.mean() + half:+.3f}]"


def _section(results: dict, pairs: dict, exact: dict, ks: list[int], algorithm: str, seeds: list[int],
             sampled_seeds: list[int], n: int) -> tuple[list[str], list[str]]:
    """Tables for one algorithm: rewards per seed, sampled Pass@K on both sets, exact matched comparison."""
    name = algorithm.upper()
    cell = lambda d: f"{d.value:+.3f} [{d.low:+.3f}, {d.high:+.3f}]{'*' if d.excludes_zero else ''}"  # noqa: E731
    lines = [f"## {name}", "", "Training reward, mean of the first and the last 20 steps, per seed:", "",
             "| seed | baseline first 20 | baseline last 20 | entropy first 20 | entropy last 20 |", "|---:|---:|---:|---:|---:|"]
    trend = {arm: [] for arm in ARMS}
    for seed in seeds:
        cells = []
        for arm in ARMS:
            rewards = [r["reward"] for r in read_jsonl(RESULTS / f"metrics-{run_name(algorithm, arm, seed)}.jsonl")]
            trend[arm].append((float(np.mean(rewards[:20])), float(np.mean(rewards[-20:]))))
            cells += [f"{trend[arm][-1][0]:+.3f}", f"{trend[arm][-1][1]:+.3f}"]
        lines.append(f"| {seed} | " + " | ".join(cells) + " |")
    lines.append("")
    rows = exact["seeds"]
    above = {problems: {arm: sum(r[arm][f"final_{problems}"][1] > exact[f"start_{problems}"][1] for r in rows)
                        for arm in ARMS} for problems in ("train", "heldout")}
    lines += [f"Exact Pass@K at the final step on the training problems (mean over {len(seeds)} seeds):", "",
              "| k | start | baseline | entropy | entropy - baseline (t 95% interval over seeds) |", "|---:|---:|---:|---:|:---|"]
    for k in ks:
        diff = [r["entropy"]["final_train"][k] - r["baseline"]["final_train"][k] for r in rows]
        lines.append(f"| {k} | {exact['start_train'][k]:.3f} | "
                     + " | ".join(f"{np.mean([r[arm]['final_train'][k] for r in rows]):.3f}" for arm in ARMS)
                     + f" | {_interval(diff)} |")
    lines.append("")
    for problems in ("train", "heldout"):
        b = results[problems]
        start = b.runs["start"].pass_at_k
        per_run = {arm: {s: b.runs[run_name(algorithm, arm, s)].pass_at_k for s in sampled_seeds} for arm in ARMS}
        seeds_here = sampled_seeds
        lines += [f"Sampled Pass@K on the {problems} problems ({b.n_problems}), `passk run` n = {n} at the final "
                  f"step (mean over the first {len(seeds_here)} seeds; the difference per seed with its 95% interval):", "",
                  "| k | start | baseline | entropy | entropy - baseline per seed |", "|---:|---:|---:|---:|:---|"]
        for k in ks:
            lines.append(f"| {k} | {start[k].value:.3f} | "
                         + " | ".join(f"{np.mean([per_run[arm][s][k].value for s in seeds_here]):.3f}" for arm in ARMS)
                         + " | " + "; ".join(cell(pairs[problems][algorithm][s].pass_at_k[k]) for s in seeds_here)
                         + " |")
        lines.append("")
    lines += ["Exact held-out Pass@K (no sampling noise), entropy - baseline over seeds, mean with a t 95% interval "
              "over seed pairs: at equal steps (the final step) and at matched training accuracy (each arm at its "
              "checkpoint whose exact training Pass@1 is closest to the lower of the two arms' final values):", "",
              "| k | start | baseline (final) | entropy (final) | equal steps | matched training accuracy |",
              "|---:|---:|---:|---:|:---|:---|"]
    for k in ks:
        equal = [r["entropy"]["final_heldout"][k] - r["baseline"]["final_heldout"][k] for r in rows]
        matched = [r["entropy"]["matched_heldout"][k] - r["baseline"]["matched_heldout"][k] for r in rows]
        lines.append(f"| {k} | {exact['start_heldout'][k]:.3f} | "
                     f"{np.mean([r['baseline']['final_heldout'][k] for r in rows]):.3f} | "
                     f"{np.mean([r['entropy']['final_heldout'][k] for r in rows]):.3f} | {_interval(equal)} | "
                     f"{_interval(matched)} |")
    lines.append("")
    lines.append("Matched checkpoints (step, exact training Pass@1) per seed: " + "; ".join(
        f"seed {r['seed']}: baseline {r['baseline']['matched_step']} ({r['baseline']['matched_train_pass1']:.3f}), "
        f"entropy {r['entropy']['matched_step']} ({r['entropy']['matched_train_pass1']:.3f})" for r in rows) + ".")
    lines.append("")
    k_top = ks[-1]
    equal_top = [r["entropy"]["final_heldout"][k_top] - r["baseline"]["final_heldout"][k_top] for r in rows]
    matched_top = [r["entropy"]["matched_heldout"][k_top] - r["baseline"]["matched_heldout"][k_top] for r in rows]
    equal_one = [r["entropy"]["final_heldout"][1] - r["baseline"]["final_heldout"][1] for r in rows]
    conclusion = [
        f"{name}: RL raised exact Pass@1 above the start in {above['train']['baseline']}/{len(seeds)} baseline and "
        f"{above['train']['entropy']}/{len(seeds)} entropy runs on the training problems, and in "
        f"{above['heldout']['baseline']}/{len(seeds)} and {above['heldout']['entropy']}/{len(seeds)} on the held-out "
        f"problems. Training reward (first 20 -> last 20 steps, mean over seeds): baseline "
        f"{np.mean([t[0] for t in trend['baseline']]):+.2f} -> {np.mean([t[1] for t in trend['baseline']]):+.2f}, "
        f"entropy {np.mean([t[0] for t in trend['entropy']]):+.2f} -> {np.mean([t[1] for t in trend['entropy']]):+.2f}. "
        f"Entropy - baseline on held-out exact Pass@1 at equal steps: {_interval(equal_one)}; on Pass@{k_top}: "
        f"{_interval(equal_top)} at equal steps, {_interval(matched_top)} at matched training accuracy.", ""]
    return lines, conclusion


if __name__ == "__main__":
    main()
