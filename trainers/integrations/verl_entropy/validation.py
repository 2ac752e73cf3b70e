"""passk's unbiased Pass@K on verl's validation: each validation step's samples as a passk run directory.

verl 0.9.1 validates with mean@N and a bootstrapped best@N (biased for K close to N). When
`trainer.validation_data_dir` is set, verl's RayPPOTrainer._validate hands every validation sample
(prompt, completion, gold, reward) to `_dump_generations`; the plugin wraps `_validate` to also

  1. write them as a passk run directory, VALIDATION_DIR/passk/step-NNNNNN (problems.jsonl with the golds,
     the samples, the grading record of the prompt template), so that `passk score` and `passk compare`
     work on every validation step, and
  2. add passk's unbiased Pass@K at K = 1, 2, 4, ... up to the samples per problem to the metrics verl logs
     to its tracker: `val-passk/<data_source>/pass@K` (correct = reward > 0: reward.py's +1 is passk's
     grader's verdict).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np

from passk.metrics import default_k_list, pass_at_k
from passk.prompts import get_template
from passk.rundir import SAMPLE_SCHEMA, GradingRecord, RunDir, write_part

PREFIX = "val-passk"


def write_run(path: Path, inputs, outputs, gts, scores, data_sources, templates) -> RunDir:
    """A passk run directory of one validation step; problems are identified by (data source, prompt, gold)."""
    ids: dict[tuple, str] = {}
    problems, samples, counts = [], [], defaultdict(int)
    for prompt, completion, gold, source, template in zip(inputs, outputs, gts, data_sources, templates, strict=True):
        key = (source, prompt, str(gold))
        if key not in ids:
            ids[key] = f"{len(ids):05d}"
            problems.append({"benchmark": source, "problem_id": ids[key], "problem": prompt, "gold": str(gold),
                             "template": template})
        pid = ids[key]
        samples.append({"benchmark": source, "problem_id": pid, "sample_idx": counts[key], "completion": completion,
                        "finish_reason": "stop", "num_tokens": len(completion)})
        counts[key] += 1
    run = RunDir(path)
    run.path.mkdir(parents=True, exist_ok=True)
    run.write_problems([{k: v for k, v in p.items() if k != "template"} for p in problems])
    write_part(run.samples_dir / "part-00000.parquet", samples, SAMPLE_SCHEMA)
    spec = get_template(templates[0] if templates else "qwen-boxed")

    def record(manifest):
        manifest.grading = GradingRecord(spec.answer_form, tuple(spec.extract_fallbacks))
        manifest.run_config = {"source": "verl validation", "template": spec.name}
    run.update_manifest(record)
    return run


def pass_at_k_metrics(inputs, gts, scores, data_sources) -> dict[str, float]:
    """Unbiased Pass@K per data source, over the problems of this validation step."""
    tallies: dict[str, dict[tuple, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for prompt, gold, score, source in zip(inputs, gts, scores, data_sources, strict=True):
        tally = tallies[source][(prompt, str(gold))]
        tally[0] += 1
        tally[1] += int(score > 0)
    metrics = {}
    for source, problems in tallies.items():
        n = np.array([t[0] for t in problems.values()])
        c = np.array([t[1] for t in problems.values()])
        for k in default_k_list(int(n.min())):
            metrics[f"{PREFIX}/{source}/pass@{k}"] = float(np.mean(pass_at_k(n, c, k)))
    return metrics


def val_template(config) -> str:
    """The prompt template of the validation data (prepare_data.py writes it into every row's extra_info)."""
    import pyarrow.parquet as pq

    files = config.data.val_files
    first = files if isinstance(files, str) else list(files)[0]
    extra = pq.read_table(first, columns=["extra_info"]).slice(0, 1).to_pylist()[0]["extra_info"] or {}
    return extra.get("template", "qwen-boxed")


def wrap_validate(verl_validate):
    """RayPPOTrainer._validate, also writing the passk run directory and logging Pass@K."""

    def _validate(self, merged: bool = False):
        captured = {}
        verl_dump, verl_update = self._dump_generations, self._val_metrics_update

        def dump(inputs, outputs, gts, scores, reward_extra_infos_dict, dump_path):
            captured.update(inputs=list(inputs), outputs=list(outputs), gts=list(gts), scores=list(scores),
                            dump_path=dump_path)
            return verl_dump(inputs, outputs, gts, scores, reward_extra_infos_dict, dump_path)

        def update(data_sources, *args, **kwargs):
            captured["sources"] = [str(s) for s in data_sources]
            return verl_update(data_sources, *args, **kwargs)

        # instance attributes shadow the methods for this call only
        self._dump_generations, self._val_metrics_update = dump, update
        try:
            metrics = verl_validate(self, merged)
        finally:
            del self._dump_generations, self._val_metrics_update
        if "dump_path" not in captured or merged:
            return metrics
        sources = captured.get("sources") or ["val"] * len(captured["inputs"])
        templates = [val_template(self.config)] * len(sources)
        run = write_run(Path(captured["dump_path"]) / "passk" / f"step-{self.global_steps:06d}", captured["inputs"],
                        captured["outputs"], captured["gts"], captured["scores"], sources, templates)
        passk_metrics = pass_at_k_metrics(captured["inputs"], captured["gts"], captured["scores"], sources)
        print(f"passk: validation at step {self.global_steps}: {run.path} {passk_metrics}")
        metrics.update(passk_metrics)
        return metrics

    _validate.passk_wraps = verl_validate
    return _validate


def install() -> None:
    try:
        from verl.trainer.ppo.ray_trainer import RayPPOTrainer
    except ImportError:  # verl 0.9.1's trainer needs cachetools, missing from its metadata: no trainer, nothing to wrap
        return

    if not hasattr(RayPPOTrainer._validate, "passk_wraps"):
        RayPPOTrainer._validate = wrap_validate(RayPPOTrainer._validate)
