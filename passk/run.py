"""`passk run`: a model and benchmarks to Pass@K tables, plots and reports.

generate (resumable, shardable) -> grade -> score -> plot -> report.md, one run directory per
benchmark. Several benchmarks share one engine load (`run_benchmarks`); `data_parallel` N
starts N processes, one engine each (one GPU each where there are GPUs), on shards of the
same run directories.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from passk import data, metrics
from passk.errors import ConfigError, PasskError
from passk.generate.backends import BACKENDS, check_options, make_backend
from passk.generate.sampling import EngineConfig, SamplingConfig
from passk.generate.openai_backend import ServerConfig
from passk.generate.runner import (GenerateSettings, Job, Shard, generate_jobs, model_fingerprint, pending_requests,
                                   prepare_run)
from passk.grade import GradeConfig, extract_config
from passk.grade.runs import grade_run
from passk.plan import model_context
from passk.prompts import Template, build_template
from passk.ray_cluster import RayConfig
from passk.rundir import GradingRecord, RunDir
from passk.results import RunScores, ScoreConfig
from passk.score import format_table, score_run, write_scores

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
    model: str | None = None  # None: the embedded default; with the openai backend, the served model's name
    tokenizer: str | None = None  # renders chat prompts; None: the model's
    backend: str = "auto"  # auto: vllm where it imports, else hf
    n: int | None = None  # None: the benchmark's default, likewise below
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    top_k: int = 0
    min_p: float = 0.0
    repetition_penalty: float = 1.0
    stop: tuple[str, ...] = ()
    sampling_options: dict = field(default_factory=dict)
    template: str | None = None
    k: tuple[int, ...] | None = None
    seed: int = 0
    block_size: int = 16
    batch_samples: int = 256  # samples per written part
    part_seconds: float = 60.0  # ... or a part at least this often while samples come back
    limit: int | None = None
    problems: tuple[str, ...] | None = None
    shard: str = "0/1"
    data_parallel: int = 1
    force: bool = False
    generate_only: bool = False
    engine: EngineConfig = EngineConfig()
    server: ServerConfig = ServerConfig()
    ray: RayConfig | None = None  # --ray: engine actors across a Ray cluster fed from one queue (generate/ray_pool.py)
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
        if self.part_seconds <= 0:
            raise ConfigError(f"--part-seconds must be > 0, got {self.part_seconds}")
        if self.data_parallel < 1:
            raise ConfigError(f"--data-parallel must be >= 1, got {self.data_parallel}")
        if self.data_parallel > 1 and self.shard != "0/1":
            raise ConfigError("--data-parallel splits the run into its own shards: give it or --shard, not both")
        if self.data_parallel > 1 and self.backend == "openai":
            raise ConfigError("--data-parallel starts local engines; with --backend openai raise --concurrency")
        Shard.parse(self.shard)
        if self.ray is not None and (self.data_parallel > 1 or self.shard != "0/1" or self.backend == "openai"):
            raise ConfigError("--ray hands the whole run to the cluster's engine actors: drop --data-parallel, "
                              "--shard and --backend openai")
        for flag, path, want_dir in (("--data", self.data_file, False), ("--data-dir", self.data_dir, True)):
            if path is not None and not (Path(path).is_dir() if want_dir else Path(path).is_file()):
                raise ConfigError(f"{flag} {path}: no such {'directory' if want_dir else 'file'}")
        if self.model is not None and self.backend != "openai":  # a served model's name is the server's business
            check_model_argument(self.model)

@dataclass(frozen=True)
class Prepared:
    """One benchmark ready to generate: its run directory made (or checked for resuming)."""
    config: RunConfig
    run_dir: RunDir
    settings: GenerateSettings
    problems: list
    prompts: dict
    template: Template
    spec_k: tuple[int, ...]
    model: str  # what the backend loads: a path, a hub id, or the served model's name


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


ENGINE_KEYS = ("model", "tokenizer", "backend", "engine", "server", "shard", "data_parallel", "batch_samples",
               "part_seconds", "ray")


def run(config: RunConfig, progress: bool = True) -> RunScores | dict:
    return run_benchmarks([config], progress)[0]


def run_benchmarks(configs: list[RunConfig], progress: bool = True,
                   summary_dir: str | None = None) -> list[RunScores | dict]:
    """Run several benchmarks (each its own run directory) on one engine load, every request of every
    benchmark in flight at once; scores per config, in order (with `dry_run`, each plan).

    Every run directory is made or checked before the engine loads, so a bad flag or a refused
    resume costs nothing. With `summary_dir`, a combined report.md and passk.png go there."""
    first = configs[0]
    for c in configs[1:]:
        differing = [k for k in ENGINE_KEYS if getattr(c, k) != getattr(first, k)]
        if differing:
            raise ConfigError(f"benchmarks run on one engine must share {differing}")
    outs = [c.out for c in configs]
    if len(set(outs)) != len(outs):
        raise ConfigError(f"two benchmarks would write the same run directory: {outs}")
    backend_name = resolve_backend(first.backend)
    shard = Shard.parse(first.shard)
    if first.dry_run:  # the prompts and the budget of each; nothing written, no model loaded
        return [_prepare(c, backend_name) for c in configs]
    # a server is asked whether it serves the model before any run directory records it
    served = make_backend(backend_name, _model_path(first), first.engine, first.server) \
        if backend_name == "openai" else None
    try:
        prepared = [_prepare(c, backend_name) for c in configs]
        if first.data_parallel > 1:
            _generate_data_parallel(prepared, first, backend_name, progress)
        else:
            _generate(prepared, shard, backend_name, progress, served)
    finally:
        if served is not None:
            served.close()
    if first.generate_only:
        return [{} for _ in configs]
    results = [_score(p, progress) for p in prepared]
    if summary_dir:
        _write_summary(Path(summary_dir), prepared, results)
    return results


def per_benchmark(config: RunConfig, names: list[str], parent: str) -> list[RunConfig]:
    """The same run for each named benchmark, each in its own run directory PARENT/NAME."""
    return [replace(config, benchmark=name, data_file=None, out=str(Path(parent) / name)) for name in names]


def _model_path(config: RunConfig) -> str:
    from passk.generate.default_model import ensure_default_model

    return config.model or str(ensure_default_model())


def _prepare(config: RunConfig, backend_name: str) -> Prepared | dict:
    from passk.generate.default_model import NAME as DEFAULT_NAME

    spec = resolved_spec(config)
    if backend_name == "hf" and config.engine.dtype not in HF_DTYPES:
        raise ConfigError(f"--dtype {config.engine.dtype} is not available with the hf backend; use one of {HF_DTYPES}")
    sampling = SamplingConfig(spec.temperature, spec.top_p, spec.max_tokens, config.top_k, config.min_p,
                              config.repetition_penalty, tuple(config.stop), dict(config.sampling_options))
    template = build_template(spec.template, config.system_prompt, config.chat, config.fewshot, config.fewshot_k)
    problems, source = data.load_problems(spec, data.data_dir_from_env(config.data_dir), config.data_file)
    problems = data.select(problems, config.limit, list(config.problems) if config.problems else None)
    model = _model_path(config)
    local = backend_name != "openai" or Path(config.tokenizer or model).is_dir()
    tokenizer = _tokenizer(config.tokenizer or model, config.engine) if template.chat or config.dry_run or local else None
    prompts = {p.problem_id: template.render(p.problem, tokenizer) for p in problems}
    if config.dry_run:
        from passk.plan import dry_run

        return dry_run(spec, problems, prompts, tokenizer, model, config.engine.max_model_len)
    check_options(backend_name, config.engine, sampling)  # before the run directory records them
    if tokenizer is not None and backend_name != "openai":
        check_prompt_lengths(prompts, tokenizer, spec.max_tokens, model_context(model, config.engine.max_model_len))
    served = backend_name == "openai" and not Path(model).is_dir()
    settings = GenerateSettings(
        benchmark=spec.name, model=config.model or DEFAULT_NAME,
        model_fingerprint=f"served:{model}" if served else model_fingerprint(model),
        backend=backend_name, template=template.name, template_text=template.record(), sampling=sampling,
        seed=config.seed, block_size=config.block_size, n=spec.n, problem_ids=tuple(p.problem_id for p in problems),
        dataset=source, engine={} if backend_name == "openai" else config.engine.sample_affecting())
    run_dir = RunDir(config.out)
    prepare_run(run_dir, settings, problems, prompts, force=config.force)
    run_dir.update_manifest(lambda m: _record_run(m, config, spec, model, template, backend_name))
    return Prepared(config, run_dir, settings, problems, prompts, template, spec.k, model)


def _tokenizer(name: str, engine: EngineConfig):
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(name, trust_remote_code=engine.trust_remote_code, revision=engine.revision)
    except OSError as exc:
        raise ConfigError(f"cannot load the tokenizer of {name!r} to render chat prompts "
                          f"(--tokenizer names another; --template raw needs none): {str(exc).splitlines()[0]}") from None


def _generate(prepared: list[Prepared], shard: Shard, backend_name: str, progress: bool, backend=None) -> None:
    """Fill this shard of every run directory at once, loading the engine once (not at all if nothing is missing)."""
    todo = [p for p in prepared if pending_requests(p.run_dir, p.settings, p.problems, p.prompts, shard)]
    if not todo:
        return
    c = todo[0].config
    owned = backend is None
    if owned and c.ray is not None:  # engine actors across a Ray cluster; this process stays the one writer
        from passk.generate.ray_pool import RayPool

        backend = RayPool(c.ray, backend_name, todo[0].model, c.engine, [p.run_dir for p in todo], progress)
    backend = backend or make_backend(backend_name, todo[0].model, c.engine, c.server)
    try:
        engine = backend.describe()
        for p in todo:
            p.run_dir.update_manifest(lambda m: m.engine.__setitem__(shard.tag, engine))
        generate_jobs([Job(p.run_dir, p.settings, p.problems, p.prompts) for p in todo], backend, shard,
                      c.batch_samples, progress, c.part_seconds)
    finally:
        if owned:
            backend.close()


def _generate_data_parallel(prepared: list[Prepared], config: RunConfig, backend_name: str, progress: bool) -> None:
    """N processes, each one engine on shard i/N of every run directory; on GPUs each gets its own devices."""
    count = config.data_parallel
    devices = _visible_gpus()
    per = config.engine.tensor_parallel_size
    if devices and len(devices) < count * per:
        raise ConfigError(f"--data-parallel {count} x --tp {per} needs {count * per} GPUs; {len(devices)} visible")
    context = multiprocessing.get_context("spawn")  # a fresh interpreter per engine: no CUDA or vLLM state shared
    procs = []
    saved = os.environ.get("CUDA_VISIBLE_DEVICES")
    try:
        for i in range(count):
            if devices:
                os.environ["CUDA_VISIBLE_DEVICES"] = ",".join(devices[i * per:(i + 1) * per])
            proc = context.Process(target=_generate_shard, args=(prepared, Shard(i, count), backend_name,
                                                                  progress and i == 0), name=f"passk-dp{i}")
            proc.start()
            procs.append(proc)
    finally:
        if devices:
            os.environ.pop("CUDA_VISIBLE_DEVICES", None) if saved is None else os.environ.__setitem__(
                "CUDA_VISIBLE_DEVICES", saved)
    for proc in procs:
        proc.join()
    failed = [f"shard {i}/{count} (exit code {p.exitcode})" for i, p in enumerate(procs) if p.exitcode != 0]
    if failed:
        raise PasskError(f"data-parallel generation failed in {', '.join(failed)}; the samples written are kept, "
                         f"run the same command again to generate the rest")


def _generate_shard(prepared: list[Prepared], shard: Shard, backend_name: str, progress: bool) -> None:
    _generate(prepared, shard, backend_name, progress)


def _visible_gpus() -> list[str]:
    import torch

    if not torch.cuda.is_available():
        return []
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    return [d for d in visible.split(",") if d] if visible else [str(i) for i in range(torch.cuda.device_count())]


def _score(p: Prepared, progress: bool) -> RunScores:
    from passk.plot import plot_scores
    from passk.report import write_report

    config = p.config
    with p.run_dir.task_lock("grade"):
        grade_run(p.run_dir, GradeConfig(timeout_s=config.grade_timeout_s, extract=extract_config(
            p.template.answer_form, p.template.extract_fallbacks)), progress=progress)
    scores = score_run(p.run_dir, ScoreConfig(k=p.spec_k))
    write_scores(p.run_dir, scores)
    plot_scores([scores], [p.settings.model], p.run_dir.plot_png)
    write_report(p.run_dir, scores.benchmarks)
    print(format_table(scores))
    print(f"wrote {p.run_dir.scores_json}, {p.run_dir.plot_png} and {p.run_dir.report_md}")
    return scores


def _write_summary(folder: Path, prepared: list[Prepared], results: list[RunScores]) -> None:
    """One report and one plot over every benchmark of the command."""
    from passk.plot import plot_scores
    from passk.report import write_report

    summary = RunDir(folder)
    combined = {name: b for scores in results for name, b in scores.benchmarks.items()}
    plot_scores(results, [p.settings.benchmark for p in prepared], summary.plot_png)
    write_report(summary, combined)
    print(f"wrote {summary.report_md} and {summary.plot_png} over {len(prepared)} benchmarks")


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


def _record_run(manifest, config: RunConfig, spec: data.BenchmarkSpec, model: str, template, backend: str) -> None:
    """The options of this `passk run` that are not sample settings, each once (sampling lives in settings)."""
    in_settings = {"benchmark", "model", "backend", "n", "temperature", "top_p", "max_tokens", "template", "seed",
                   "block_size", "k", "grade_timeout_s", "problem_field", "answer_field", "id_field", "data_file"}
    definition = {key: v for key, v in data.spec_dict(spec).items()
                  if key not in {"name", "temperature", "top_p", "max_tokens", "n", "template", "k"}}
    manifest.run_config = {**{key: v for key, v in asdict(config).items() if key not in in_settings},
                           "model_path": model, "resolved_backend": backend, "k": list(spec.k),
                           "definition": definition}
    manifest.grading = GradingRecord(template.answer_form, tuple(template.extract_fallbacks), config.grade_timeout_s)


def default_out(benchmark: str | None, data_file: str | None) -> str:
    return str(Path("runs") / (benchmark or Path(data_file).stem))
