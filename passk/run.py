"""`passk run`: a model and a benchmark to a Pass@K table, plot and report.

generate (resumable, shardable) -> grade -> score -> plot -> report.md, all in one run directory.
"""

from __future__ import annotations

import importlib.util
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from passk import data, metrics
from passk.errors import ConfigError
from passk.generate.backends import BACKENDS, EngineConfig, SamplingConfig, make_backend
from passk.generate.runner import (GenerateSettings, Shard, generate_samples, model_fingerprint, pending_requests,
                                   prepare_run)
from passk.grade import GradeConfig, extract_config
from passk.grade.files import grade_run
from passk.plan import model_context
from passk.prompts import build_template
from passk.rundir import GradingRecord, RunDir
from passk.score import ScoreConfig, format_table, score_run, write_scores


HF_DTYPES = ("auto", "float32", "bfloat16", "float16")
VLLM_DTYPES = HF_DTYPES + ("half", "float")


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
        """Every flag checked here, before any file is read or any model loads."""
        if (self.benchmark is None) == (self.data_file is None):
            raise ConfigError("give exactly one of --benchmark NAME or --data FILE")
        problems = [f"--{flag} must be >= {low}, got {value}" for flag, value, low in (
            ("n", self.n, 1), ("max-tokens", self.max_tokens, 1), ("temperature", self.temperature, 0),
            ("block-size", self.block_size, 1), ("batch-samples", self.batch_samples, 1), ("limit", self.limit, 1),
            ("tp", self.engine.tensor_parallel_size, 1), ("max-model-len", self.engine.max_model_len, 1))
            if value is not None and value < low]
        if self.top_p is not None and not 0 < self.top_p <= 1:
            problems.append(f"--top-p must be in (0, 1], got {self.top_p}")
        gpu = self.engine.gpu_memory_utilization
        if gpu is not None and not 0 < gpu <= 1:
            problems.append(f"--gpu-memory-utilization must be in (0, 1], got {gpu}")
        if self.k is not None and (not self.k or any(k < 1 for k in self.k)):
            problems.append(f"--k must be positive integers, got {','.join(map(str, self.k))}")
        if self.k is not None and self.n is not None and max(self.k) > self.n:
            problems.append(f"--k {max(self.k)} exceeds --n {self.n} (Pass@K needs K <= n samples)")
        if self.problems is not None and not all(self.problems):
            problems.append("--problems has an empty id")
        if self.backend not in ("auto", *BACKENDS):
            problems.append(f"--backend must be auto, {' or '.join(BACKENDS)}, got {self.backend!r}")
        if self.engine.dtype not in VLLM_DTYPES:
            problems.append(f"--dtype must be one of {VLLM_DTYPES}, got {self.engine.dtype!r}")
        if self.grade_timeout_s <= 0:
            problems.append(f"grade timeout must be > 0 s, got {self.grade_timeout_s}")
        if problems:
            raise ConfigError("; ".join(problems))
        Shard.parse(self.shard)
        for flag, path, want_dir in (("--data", self.data_file, False), ("--data-dir", self.data_dir, True)):
            if path is not None and not (Path(path).is_dir() if want_dir else Path(path).is_file()):
                raise ConfigError(f"{flag} {path}: no such {'directory' if want_dir else 'file'}")
        if self.model is not None:
            check_model_argument(self.model)


def check_model_argument(model: str) -> None:
    """A path that does not exist is an error here, not a failed hub download later; `org/name` may be a hub id."""
    path = Path(model).expanduser()
    if path.exists():
        if not (path / "config.json").is_file():
            raise ConfigError(f"--model {model}: no config.json there; a model directory holds config.json and weights")
        return
    # a hub id is `name` or `org/name`; anything else, or a first part that is a local folder, is a path
    looks_like_path = model.startswith((".", "/", "~")) or model.count("/") > 1 or (
        "/" in model and Path(model.split("/")[0]).is_dir())
    if looks_like_path:
        raise ConfigError(f"--model {model}: no such directory (and not a hub id of the form org/name)")


def resolve_backend(name: str) -> str:
    if name != "auto":
        return name
    return "vllm" if importlib.util.find_spec("vllm") is not None else "hf"


def run(config: RunConfig, progress: bool = True) -> dict:
    from passk.generate.default_model import NAME as DEFAULT_NAME
    from passk.generate.default_model import ensure_default_model

    spec = resolved_spec(config)
    template = build_template(spec.template, config.system_prompt, config.chat, config.fewshot, config.fewshot_k)
    backend_name = resolve_backend(config.backend)
    if backend_name == "hf" and config.engine.dtype not in HF_DTYPES:
        raise ConfigError(f"--dtype {config.engine.dtype} is not available with the hf backend; use one of {HF_DTYPES}")
    shard = Shard.parse(config.shard)
    problems, source = data.load_problems(spec, data.data_dir_from_env(config.data_dir), config.data_file)
    problems = data.select(problems, config.limit, list(config.problems) if config.problems else None)
    model = config.model or str(ensure_default_model())
    tokenizer = load_tokenizer(model)
    prompts = {p.problem_id: template.render(p.problem, tokenizer) for p in problems}
    if config.dry_run:
        from passk.plan import dry_run
        return dry_run(spec, problems, prompts, tokenizer, model, config.engine.max_model_len)
    check_prompt_lengths(prompts, tokenizer, spec.max_tokens, model_context(model, config.engine.max_model_len))
    settings = GenerateSettings(
        benchmark=spec.name, model=config.model or DEFAULT_NAME, model_fingerprint=model_fingerprint(model),
        backend=backend_name, template=template.name, template_text=template.record(),
        sampling=SamplingConfig(spec.temperature, spec.top_p, spec.max_tokens), seed=config.seed,
        block_size=config.block_size, n=spec.n, problem_ids=tuple(p.problem_id for p in problems), dataset=source)
    run_dir = RunDir(config.out)
    prepare_run(run_dir, settings, problems, prompts, force=config.force)
    run_dir.update_manifest(lambda m: _record_run(m, config, spec, model, template))
    if pending_requests(run_dir, settings, problems, prompts, shard):
        backend = make_backend(backend_name, model, config.engine)
        try:
            generate_samples(run_dir, backend, settings, problems, prompts, shard, config.batch_samples, progress)
        finally:
            backend.close()
    if config.generate_only:
        return {}
    with run_dir.task_lock("grade"):
        grade_run(run_dir, GradeConfig(timeout_s=config.grade_timeout_s,
                                       extract=extract_config(template.answer_form, template.extract_fallbacks)),
                  progress=progress)
    scores = score_run(run_dir, ScoreConfig(k=spec.k))
    write_scores(run_dir, scores)
    from passk.plot import plot_runs
    from passk.report import write_report

    plot_runs([run_dir.scores_json], [settings.model], run_dir.plot_png)
    write_report(run_dir, scores)
    print(format_table(scores))
    print(f"wrote {run_dir.scores_json}, {run_dir.plot_png} and {run_dir.report_md}")
    return scores


def resolved_spec(config: RunConfig) -> data.BenchmarkSpec:
    """The benchmark definition with the flags applied; K follows --k, else n (the definition's when n is its own)."""
    spec = data.get_spec(config.benchmark) if config.benchmark else data.custom_spec(
        config.data_file, config.problem_field, config.answer_field, config.id_field)
    n = config.n or spec.n
    k = config.k or (spec.k if config.n is None else tuple(metrics.default_k_list(n)))
    if max(k) > n:
        raise ConfigError(f"--k {max(k)} exceeds n = {n} (the benchmark's default; pass --n)")
    overrides = {"n": config.n, "temperature": config.temperature, "top_p": config.top_p,
                 "max_tokens": config.max_tokens, "template": config.template}
    return replace(spec, k=tuple(k), **{key: v for key, v in overrides.items() if v is not None})


def load_tokenizer(model: str):
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(model)
    except OSError as exc:  # a missing or incomplete model directory, an unreachable hub id
        raise ConfigError(f"--model {model}: cannot load its tokenizer ({str(exc).splitlines()[0][:200]})") from None


def check_prompt_lengths(prompts: dict[str, str], tokenizer, max_tokens: int, context: int | None) -> None:
    """Refuse, before generating, a prompt whose tokens plus max_tokens exceed the model's context."""
    if context is None:
        return
    if max_tokens >= context:
        raise ConfigError(f"--max-tokens {max_tokens} leaves no room for a prompt in the model's context of "
                          f"{context} tokens")
    longest_token = max((len(t.encode("utf-8", "replace")) for t in tokenizer.get_vocab()), default=1)
    for problem_id, prompt in prompts.items():
        # a prompt of more bytes than the context could hold even at the longest token is refused untokenized
        size = len(prompt.encode("utf-8", "replace"))
        length = None if size > (context - max_tokens) * longest_token else \
            len(tokenizer(prompt, add_special_tokens=False).input_ids)
        if length is None or length + max_tokens > context:
            told = f"{length} tokens" if length is not None else f"{size:,} bytes (more than the context holds)"
            raise ConfigError(f"problem {problem_id}: prompt of {told} + --max-tokens {max_tokens} exceeds the "
                              f"model's context of {context} tokens; lower --max-tokens, or leave the problem out "
                              f"(--problems / a smaller --data file)")


def _record_run(manifest, config: RunConfig, spec: data.BenchmarkSpec, model: str, template) -> None:
    """The options of this `passk run` that are not sample settings, each once (sampling lives in settings)."""
    in_settings = {"benchmark", "model", "backend", "n", "temperature", "top_p", "max_tokens", "template", "seed",
                   "block_size", "k", "grade_timeout_s", "problem_field", "answer_field", "id_field", "data_file"}
    definition = {key: v for key, v in data.spec_dict(spec).items()
                  if key not in {"name", "temperature", "top_p", "max_tokens", "n", "template", "k"}}
    manifest.run_config = {**{key: v for key, v in asdict(config).items() if key not in in_settings},
                           "model_path": model, "k": list(spec.k), "definition": definition}
    manifest.grading = GradingRecord(template.answer_form, tuple(template.extract_fallbacks), config.grade_timeout_s)


def default_out(benchmark: str | None, data_file: str | None) -> str:
    if not benchmark and not data_file:
        raise ConfigError("give exactly one of --benchmark NAME or --data FILE")
    return str(Path("runs") / (benchmark or Path(data_file).stem))
