"""The one resolve step: what a user gave (command-line flags, `passk.run` keywords) to each run's settings.

Layers, later over earlier: the dataclasses' defaults (`SamplingConfig`, `EngineConfig`, `ServerConfig`,
`RunConfig`, the grader's timeout) < the benchmark definition < the preset < what was given. argparse passes
only what the user typed, so every default is written once, in its dataclass. A given key lands in the
dataclass that has a field of its name (ALIASES names the few flags spelled otherwise), so a new sampling flag is
one CLI line and one `SamplingConfig` field. K is checked once (`passk.settings.check_k`), with the n it
belongs to; anything unknown is a ConfigError that names it.
"""

from __future__ import annotations

import dataclasses
import difflib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from passk import data, metrics
from passk.config import check_type, from_dict, json_object
from passk.errors import ConfigError
from passk.generate.backends import BACKENDS
from passk.generate.openai_backend import ServerConfig
from passk.generate.sampling import EngineConfig, SamplingConfig
from passk.grade.engine import GradeConfig
from passk.judge import JudgeConfig, judge_config
from passk.ray_cluster import RayConfig
from passk.settings import check_k, parse_k

HF_DTYPES = ("auto", "float32", "bfloat16", "float16")
VLLM_DTYPES = HF_DTYPES + ("half", "float")
# flags whose name is not their field's: flag -> (where, field)
ALIASES = {"tp": ("engine", "tensor_parallel_size"), "engine_options": ("engine", "options"),
           "sampling_options": ("sampling", "options"), "request_timeout": ("server", "timeout_s"),
           "data": ("run", "data_file"), "grade_timeout": ("run", "grade_timeout_s"),
           "ray": ("ray", "address"), "ray_actors": ("ray", "actors"), "ray_cpus_per_actor": ("ray", "cpus_per_actor"),
           "ray_chunk_samples": ("ray", "chunk_samples"), "judge": ("judge", "model"), "judge_url": ("judge", "url"),
           "judge_options": ("judge", "options")}
JSON_FIELDS = {("engine", "options"), ("engine", "hf_overrides"), ("sampling", "options"),  # a JSON string or a dict
               ("judge", "options")}
# what picks the benchmarks, and what each benchmark's settings resolve from
PLAN_KEYS = ("benchmark", "preset", "out", "n", "k", "template")


@dataclass(frozen=True)
class RunConfig:
    """One benchmark's run with every setting resolved (`resolve_run` builds it; nothing is None for "default")."""
    out: str
    spec: data.BenchmarkSpec  # the benchmark definition as loaded (for --data, one made from the field flags)
    n: int
    k: tuple[int, ...]
    template: str
    sampling: SamplingConfig = SamplingConfig()
    data_file: str | None = None
    data_dir: str | None = None
    model: str | None = None  # None: the embedded default; with the openai backend, the served model's name
    tokenizer: str | None = None  # renders chat prompts; None: the model's
    backend: str = "auto"  # auto: vllm where it imports, else hf
    seed: int = 0
    block_size: int = 16  # samples per request
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
    judge: JudgeConfig | None = None  # --judge MODEL [--judge-url URL]: reads the rows the rules are unsure of
    grade_timeout_s: float = GradeConfig.timeout_s
    system_prompt: str | None = None  # prompt options (passk.prompts.build_template)
    chat: bool | None = None
    fewshot: str | None = None
    fewshot_k: int | None = None
    dry_run: bool = False  # the pre-flight only: print the prompts and the plan, write nothing, load no weights

    @property
    def benchmark(self) -> str:
        return self.spec.name

    def __post_init__(self):
        """The run's own values, checked before any file is read or any model loads (sampling checks itself)."""
        from passk.generate.runner import Shard

        check_type(self.n, int, "--n")
        problems = [f"--{flag} must be >= {low}, got {value}" for flag, value, low in (
            ("n", self.n, 1), ("block-size", self.block_size, 1), ("batch-samples", self.batch_samples, 1),
            ("limit", self.limit, 1), ("tp", self.engine.tensor_parallel_size, 1),
            ("max-model-len", self.engine.max_model_len, 1), ("data-parallel", self.data_parallel, 1),
            ("fewshot-k", self.fewshot_k, 1)) if value is not None and value < low]
        gpu = self.engine.gpu_memory_utilization
        if gpu is not None and not 0 < gpu <= 1:
            problems.append(f"--gpu-memory-utilization must be in (0, 1], got {gpu}")
        if self.problems is not None and not all(self.problems):
            problems.append("--problems has an empty id")
        if self.backend not in ("auto", *BACKENDS):
            problems.append(f"--backend must be auto, {' or '.join(BACKENDS)}, got {self.backend!r}")
        if self.engine.dtype not in VLLM_DTYPES:
            problems.append(f"--dtype must be one of {VLLM_DTYPES}, got {self.engine.dtype!r}")
        if self.grade_timeout_s <= 0:
            problems.append(f"--grade-timeout must be > 0 s, got {self.grade_timeout_s}")
        if self.part_seconds <= 0:
            problems.append(f"--part-seconds must be > 0, got {self.part_seconds}")
        if problems:
            raise ConfigError("; ".join(problems))
        check_k(self.k, self.n)
        if self.data_parallel > 1 and self.shard != "0/1":
            raise ConfigError("--data-parallel splits the run into its own shards: give it or --shard, not both")
        if self.data_parallel > 1 and not BACKENDS.get(self.backend, BACKENDS["hf"]).loads_weights:
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
class RunPlan:
    """Everything one `passk run` will do: a RunConfig per benchmark, and where a combined report goes."""
    configs: tuple[RunConfig, ...]
    summary_dir: str | None = None  # several benchmarks: OUT, with a combined report.md and passk.png
    preset: Any = None  # passk.preset.Preset, when the run is a preset's
    given: dict = field(default_factory=dict)  # what the user gave, as given (a preset's report lists the changes)


def known_keys() -> list[str]:
    """Every key `passk.run` and `passk run` accept (the flags' names, with - as _)."""
    keys = set(PLAN_KEYS) | set(ALIASES) | {"dry_run"}
    keys |= {f.name for cls in (SamplingConfig, EngineConfig, ServerConfig) for f in dataclasses.fields(cls)} - {
        "options", "tensor_parallel_size", "timeout_s"}
    keys |= {f.name for f in dataclasses.fields(RunConfig)} - {"spec", "sampling", "engine", "server", "ray", "data_file",
                                                                "grade_timeout_s", "out", "n", "k", "template"}
    keys |= set(data.CUSTOM_FIELDS)
    return sorted(keys)


def resolve_run(given: Mapping[str, Any]) -> RunPlan:
    """The run's settings from what was given (keys as `known_keys`); raises ConfigError naming what is wrong."""
    given = {key: value for key, value in given.items() if value is not None}
    unknown = sorted(set(given) - set(known_keys()))
    if unknown:
        hints = [f"{u} (did you mean {m[0]}?)" if (m := difflib.get_close_matches(u, known_keys(), 1)) else u
                 for u in unknown]
        raise ConfigError(f"unknown setting(s) {', '.join(hints)}")
    routed = _route(given)
    sources = [key for key in ("benchmark", "data", "preset") if key in given]
    if len(sources) != 1:
        raise ConfigError("give exactly one of --benchmark NAME[,NAME...], --data FILE or --preset NAME")
    misplaced = [key for key in data.CUSTOM_FIELDS if key in given and "data" not in given]
    if misplaced:
        raise ConfigError(f"--{misplaced[0].replace('_', '-')} reads a --data file; a benchmark definition names "
                          f"its own fields")
    if "preset" in given:
        return _preset_plan(given, routed)
    names = _names(given["benchmark"]) if "benchmark" in given else [None]
    specs = [data.get_spec(name) if name else data.custom_spec(given["data"], **{
        key: given[key] for key in data.CUSTOM_FIELDS if key in given}) for name in names]
    if len(specs) > 1:  # one engine load for all: OUT/NAME per benchmark, a combined report in OUT
        parent = given.get("out", "runs")
        configs = [_config(spec, str(Path(parent) / spec.name), {}, given, routed) for spec in specs]
        return RunPlan(tuple(configs), summary_dir=parent, given=given)
    out = given.get("out") or str(Path("runs") / specs[0].name)
    return RunPlan((_config(specs[0], out, {}, given, routed),), given=given)


def _preset_plan(given: dict, routed: dict) -> RunPlan:
    from passk.preset import get_preset

    if "k" in given:
        raise ConfigError("--preset runs its own benchmarks and K; drop --k")
    preset = get_preset(given["preset"])
    out = given.get("out") or str(Path("runs") / preset.name)
    layer = {"temperature": preset.temperature, "top_p": preset.top_p, "max_tokens": preset.max_tokens,
             "template": preset.template}
    configs = [_config(data.get_spec(b.name), str(Path(out) / b.name),
                       {**layer, "n": b.n, **({"max_tokens": b.max_tokens} if b.max_tokens else {})}, given, routed)
               for b in preset.benchmarks]
    return RunPlan(tuple(configs), summary_dir=out, preset=preset, given=given)


def _config(spec: data.BenchmarkSpec, out: str, preset_layer: dict, given: dict, routed: dict) -> RunConfig:
    """One benchmark's settings: the definition < the preset < what was given."""
    sampling_names = {f.name for f in dataclasses.fields(SamplingConfig)}
    definition = {key: getattr(spec, key) for key in (*sampling_names, "n", "template") if hasattr(spec, key)}
    merged = {**definition, **preset_layer, **{key: given[key] for key in ("n", "template") if key in given},
              **routed["sampling"]}
    n, template = check_type(merged.pop("n"), int, "--n"), check_type(merged.pop("template"), str, "--template")
    if "k" in given:
        k = parse_k(given["k"]) if isinstance(given["k"], str) else tuple(given["k"])  # checked by RunConfig
    elif "n" in preset_layer or "n" in given:  # n is not the definition's: its K list does not apply
        k = tuple(metrics.default_k_list(n)) if n >= 1 else ()  # n < 1: RunConfig names it
    else:
        k = spec.k
    return RunConfig(out=out, spec=spec, n=n, k=k, template=template,
                     sampling=from_dict(SamplingConfig, merged, where="sampling"),
                     engine=from_dict(EngineConfig, routed["engine"], where="engine options"),
                     server=from_dict(ServerConfig, routed["server"], where="server options"),
                     ray=_ray(given, routed["ray"]), judge=judge_config(**routed["judge"]), **routed["run"])


def _ray(given: dict, options: dict) -> RayConfig | None:
    """--ray [ADDRESS] and its options; None without --ray (its options alone are refused)."""
    if "ray" not in given:
        if options:
            raise ConfigError(f"--ray-{sorted(options)[0].replace('_', '-')} goes with --ray")
        return None
    address = options.get("address")
    return from_dict(RayConfig, {**options, "address": None if address in ("", True) else address},
                     where="ray options")


def _route(given: dict) -> dict[str, dict[str, Any]]:
    """Each given key to the dataclass that has a field of its name: sampling, engine, server or run."""
    owners = {"sampling": SamplingConfig, "engine": EngineConfig, "server": ServerConfig, "run": RunConfig,
              "ray": RayConfig}
    fields = {where: {f.name for f in dataclasses.fields(cls)} for where, cls in owners.items()}
    run_hints = typing.get_type_hints(RunConfig)
    routed: dict[str, dict[str, Any]] = {where: {} for where in (*owners, "judge")}  # judge: ALIASES route to it
    for key, value in given.items():
        if key in PLAN_KEYS or key in data.CUSTOM_FIELDS or key == "benchmark":
            continue
        where, name = ALIASES.get(key) or next((w, key) for w in owners if key in fields[w])
        if (where, name) in JSON_FIELDS and isinstance(value, str):
            value = json_object("--" + key.replace("_", "-"), value)
        elif name == "problems" and isinstance(value, str):
            value = tuple(value.split(","))
        elif isinstance(value, list):
            value = tuple(value)
        if where == "run":  # the other three are built by from_dict, which checks types the same way
            value = check_type(value, run_hints[name], "--" + key.replace("_", "-"))
        routed[where][name] = value
    return routed


def _names(value: str | list[str] | tuple[str, ...]) -> list[str]:
    names = value.split(",") if isinstance(value, str) else list(value)
    if not all(names) or len(set(names)) != len(names):
        raise ConfigError(f"--benchmark {','.join(names)}: each name once, none empty")
    return names


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
