"""Pass@K of the policy while TRL trains it: a `TrainerCallback` that writes each validation as a passk run.

Every `every` optimizer steps, `PassAtKCallback` samples the model being trained n = max(K) times on each of a
few validation problems and hands the result to passk, which does the rest as `passk run` does:

  1. passk's runner (`prepare_run`, `generate_samples`) writes OUT/step-NNNNNN as a run directory: the manifest
     with the sample settings and the template's grading record, problems.jsonl with the golds, sample parts;
     sample j of a problem is drawn with passk's seeds, by passk's transformers sampling (`hf_generate`: eval
     mode, a forked RNG, the training mode put back), from the weights in memory;
  2. passk's grader grades it (`grade_run`) and passk scores it at the K list (`score_run`, `write_scores`:
     scores.json), so `passk score`, `passk compare` and `passk view` work on every validation step;
  3. `val-passk/<benchmark>/pass@K` for each K goes to TRL's log: `trainer.state.log_history` and every
     `report_to` backend (through transformers' `Trainer.log`, not the GRPOTrainer's, which would fold its
     pending training metrics into this entry and clear them from the step's own).

    callback = PassAtKCallback(problems, out="runs/trl/passk", every=10, k=(1, 2, 4, 8), template="plain",
                               sampling=SamplingConfig(max_tokens=256))
    callback.attach(trainer)   # trainer.add_callback, and the trainer to log through
    trainer.train()

Sampling defaults to passk's evaluation settings (temperature 0.6, top-p 0.95); every validation step draws
with the same seeds, so the steps differ by the weights alone. Generation runs in the main
process only; with parameters sharded across processes (DeepSpeed ZeRO-3, FSDP) it is not supported.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from passk.data import Problem
from passk.generate.backends import HFBackend
from passk.generate.runner import generate_samples, prepare_run
from passk.generate.sampling import SamplingConfig, pad_token_id, stop_token_ids
from passk.grade.run_grades import grade_run
from passk.prompts import get_template
from passk.results import ScoreConfig
from passk.rundir import RunDir
from passk.score import score_run, write_scores
from passk.settings import GenerateSettings, GradingRecord, check_k

PREFIX = "val-passk"


class InMemoryHFBackend(HFBackend):
    """passk's hf backend around a model already loaded (the one being trained): no load, no unload."""

    def __init__(self, model, tokenizer):
        self.model, self.tokenizer = model, tokenizer
        self.device = next(model.parameters()).device
        self.revision = None
        self.stop_ids = stop_token_ids(model.generation_config, tokenizer)
        self.pad_id = pad_token_id(tokenizer, self.stop_ids)

    def describe(self) -> dict[str, Any]:
        return {"device": str(self.device), "dtype": str(self.model.dtype), "weights": "in memory (training)"}

    def close(self) -> None:
        pass  # the trainer's model


class PassAtKCallback(TrainerCallback):
    def __init__(self, problems: Sequence[Problem], out: str | Path, every: int, k: Sequence[int] = (1, 2, 4, 8),
                 template: str = "plain", sampling: SamplingConfig = SamplingConfig(), seed: int = 0,
                 model_name: str | None = None):
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every}")
        if not problems:
            raise ValueError("no validation problems")
        benchmarks = {p.benchmark for p in problems}
        if len(benchmarks) > 1:
            raise ValueError(f"one benchmark per callback (a run directory holds one), got {sorted(benchmarks)}")
        self.problems, self.out, self.every = list(problems), Path(out), every
        self.k = tuple(sorted(set(check_k(tuple(k), flag="k"))))
        self.template, self.sampling, self.seed, self.model_name = get_template(template), sampling, seed, model_name
        self.trainer = None
        self.results: dict[int, dict[str, float]] = {}  # by global step: what was logged

    def attach(self, trainer) -> PassAtKCallback:
        """Add to `trainer`'s callbacks and log through it (without it, metrics go to state.log_history only)."""
        trainer.add_callback(self)
        self.trainer = trainer
        return self

    def on_step_end(self, args, state, control, model=None, processing_class=None, **kwargs):
        if state.global_step % self.every or not state.is_world_process_zero or state.global_step in self.results:
            return
        _, metrics = self.validate(model, processing_class, state.global_step)
        self.results[state.global_step] = metrics
        if self.trainer is not None:
            from transformers import Trainer

            should_log = control.should_log  # the step's own training log, which on_log would cancel
            Trainer.log(self.trainer, dict(metrics))
            control.should_log = should_log
        else:
            state.log_history.append({**metrics, "step": state.global_step})
        return control

    def validate(self, model, tokenizer, step: int) -> tuple[RunDir, dict[str, float]]:
        """Sample, write, grade and score OUT/step-NNNNNN; ({val-passk/benchmark/pass@K: value})."""
        run = RunDir(self.out / f"step-{step:06d}")
        name = self.model_name or getattr(model, "name_or_path", None) or type(model).__name__
        prompts = {p.problem_id: self.template.render(p.problem, tokenizer) for p in self.problems}
        n = max(self.k)
        settings = GenerateSettings(
            benchmark=self.problems[0].benchmark, model=f"{name}@step-{step}", model_fingerprint=f"trl-step:{step}",
            backend="hf", template=self.template.name, template_text=self.template.record(), sampling=self.sampling,
            seed=self.seed, block_size=n, n=n, problem_ids=tuple(p.problem_id for p in self.problems),
            dataset={"source": "TRL validation problems"})
        grading = GradingRecord.for_template(self.template)
        prepare_run(run, settings, self.problems, prompts, force=True)  # the weights in memory, never an older run's

        def record(manifest):
            manifest.grading = grading
            # the weights sampled were in memory, never saved: no model_path (what `passk entropy` would load)
            manifest.run_config = {"source": "TRL PassAtKCallback", "global_step": step, "base_model": name,
                                   "k": list(self.k)}
        run.update_manifest(record)
        generate_samples(run, InMemoryHFBackend(model, tokenizer), settings, self.problems, prompts, progress=False)
        with run.task_lock("grade"):
            grade_run(run, grading.grade_config(), progress=False)
        scores = score_run(run, ScoreConfig(k=self.k))
        write_scores(run, scores)
        metrics = {f"{PREFIX}/{b}/pass@{k}": e.value for b, result in scores.benchmarks.items()
                   for k, e in result.pass_at_k.items()}
        print(f"passk: validation at step {step}: {run.path} {metrics}")
        return run, metrics
