"""`passk run`: a model and a benchmark to a Pass@K table, plot and report.

generate (resumable, shardable) -> grade -> score -> plot -> report.md, all in one run directory.
"""

from __future__ import annotations

import importlib.util
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from passk import data
from passk.errors import ConfigError
from passk.generate.backends import EngineConfig, SamplingConfig, make_backend
from passk.generate.runner import (GenerateSettings, Shard, generate_samples, model_fingerprint, pending_requests,
                                   prepare_run, update_manifest)
from passk.grade import GradeConfig, extract_config
from passk.grade.files import grade_run
from passk.prompts import build_template
from passk.rundir import RunDir
from passk.score import ScoreConfig, format_table, score_run, write_scores


@dataclass(frozen=True)
class RunConfig:
    out: str
    benchmark: str | None = None  # a name in benchmarks/, or None with data_file
    data_file: str | None = None
    problem_field: str = "problem"
    answer_field: str = "answer"
    id_field: str = ""
    data_dir: str | None = None
    model: str | None = None  # None: the embedded default
    backend: str = "auto"  # auto: vllm where it imports, else hf
    n: int | None = None  # None: the benchmark's default, likewise below
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    template: str | None = None
    k: tuple[int, ...] | None = None
    seed: int = 0
    block_size: int = 16
    batch_samples: int = 256
    limit: int | None = None
    problems: tuple[str, ...] | None = None
    shard: str = "0/1"
    force: bool = False
    generate_only: bool = False
    engine: EngineConfig = EngineConfig()
    grade_timeout_s: float = 5.0
    system_prompt: str | None = None  # prompt options (passk.prompts.build_template)
    chat: bool | None = None
    fewshot: str | None = None
    fewshot_k: int | None = None
    dry_run: bool = False  # print the rendered prompts and the budget check; load no model

    def __post_init__(self):
        if (self.benchmark is None) == (self.data_file is None):
            raise ConfigError("give exactly one of --benchmark NAME or --data FILE")
        if self.n is not None and self.n < 1:
            raise ConfigError(f"--n must be >= 1, got {self.n}")
        if self.block_size < 1 or self.batch_samples < 1:
            raise ConfigError("--block-size and --batch-samples must be >= 1")


def resolve_backend(name: str) -> str:
    if name != "auto":
        return name
    return "vllm" if importlib.util.find_spec("vllm") is not None else "hf"


def run(config: RunConfig, progress: bool = True) -> dict:
    from transformers import AutoTokenizer

    from passk.generate.default_model import NAME as DEFAULT_NAME
    from passk.generate.default_model import ensure_default_model

    spec = data.get_spec(config.benchmark) if config.benchmark else data.custom_spec(
        config.data_file, config.problem_field, config.answer_field, config.id_field)
    spec = replace(spec, **{k: v for k, v in {"n": config.n, "temperature": config.temperature, "top_p": config.top_p,
                                              "max_tokens": config.max_tokens, "template": config.template}.items()
                            if v is not None})
    template = build_template(spec.template, config.system_prompt, config.chat, config.fewshot, config.fewshot_k)
    problems, source = data.load_problems(spec, data.data_dir_from_env(config.data_dir), config.data_file)
    problems = data.select(problems, config.limit, list(config.problems) if config.problems else None)
    model = config.model or str(ensure_default_model())
    backend_name = resolve_backend(config.backend)
    tokenizer = AutoTokenizer.from_pretrained(model)
    prompts = {p.problem_id: template.render(p.problem, tokenizer) for p in problems}
    if config.dry_run:
        from passk.plan import dry_run
        return dry_run(spec, problems, prompts, tokenizer, model, config.engine.max_model_len)
    settings = GenerateSettings(
        benchmark=spec.name, model=config.model or DEFAULT_NAME, model_fingerprint=model_fingerprint(model),
        backend=backend_name, template=template.name, template_text=template.record(),
        sampling=SamplingConfig(spec.temperature, spec.top_p, spec.max_tokens), seed=config.seed,
        block_size=config.block_size, n=spec.n, problem_ids=tuple(p.problem_id for p in problems), dataset=source)
    run_dir = RunDir(config.out)
    shard = Shard.parse(config.shard)
    prepare_run(run_dir, settings, problems, prompts, force=config.force)
    resolved = {**asdict(config), "resolved": {"backend": backend_name, "model_path": model,
                                               "benchmark": data.spec_dict(spec)}}
    grading = {"answer_form": template.answer_form, "extract_fallbacks": list(template.extract_fallbacks),
               "timeout_s": config.grade_timeout_s}
    update_manifest(run_dir, lambda m: m.update(run_config=resolved, grading=grading))
    if pending_requests(run_dir, settings, problems, prompts, shard):
        backend = make_backend(backend_name, model, config.engine)
        try:
            generate_samples(run_dir, backend, settings, problems, prompts, shard, config.batch_samples, progress)
        finally:
            backend.close()
    if config.generate_only:
        return {}
    grade_run(run_dir, GradeConfig(timeout_s=config.grade_timeout_s, extract=extract_config(template.answer_form, template.extract_fallbacks)),
              progress=progress)
    scores = score_run(run_dir, ScoreConfig(k=config.k or (spec.k if config.n is None else None)))
    write_scores(run_dir, scores)
    from passk.plot import plot_runs
    from passk.report import write_report

    plot_runs([run_dir.scores_json], [settings.model], run_dir.plot_png)
    write_report(run_dir, scores)
    print(format_table(scores))
    print(f"wrote {run_dir.scores_json}, {run_dir.plot_png} and {run_dir.report_md}")
    return scores


def default_out(benchmark: str | None, data_file: str | None) -> str:
    return str(Path("runs") / (benchmark or Path(data_file).stem))
