"""The pre-flight: every check a run makes before it writes anything or loads weights, and the dry run.

`passk run` calls `preflight` for each benchmark before the first run directory is written or the engine
loads; `--dry-run` is the same call, printing the first prompts and the plan, and refusing exactly where
the real run refuses (exit 2). Checked: the template and its options, the problems, the tokenizer, the
backend's passthrough options, the devices for --tp and --data-parallel, the --out folder, and the context
budget (each prompt plus max_tokens against the model's positions).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from passk import data
from passk.errors import ConfigError
from passk.generate.backends import BACKENDS, check_options
from passk.generate.runner import check_resume, model_fingerprint
from passk.generate.sampling import EngineConfig
from passk.prompts import Template, build_template
from passk.resolve import HF_DTYPES, RunConfig
from passk.rundir import RunDir
from passk.settings import GenerateSettings

DRY_RUN_SHOWN = 3  # prompts printed in full
# what a summary folder (several benchmarks, a preset) may hold beside its benchmarks' run directories
SUMMARY_FILES = ("report.md", "passk.png", "preset.json")
# the position limit Qwen2.5-Math-7B ships with is 4,096; DAPO's recipe raises it in the model's config
POSITION_KEYS = ("max_position_embeddings", "max_seq_len", "n_positions", "seq_length")


@dataclass(frozen=True)
class Budget:
    """Each prompt plus max_tokens against the model's context (None where it is unknown)."""
    lengths: dict[str, int | None]  # prompt tokens by problem id; None: more bytes than the context could hold
    sizes: dict[str, int]  # prompt bytes by problem id
    max_tokens: int
    context: int | None
    context_from: str = ""  # "--max-model-len" or the model config's key

    @property
    def longest_prompt_tokens(self) -> int:
        return max((n for n in self.lengths.values() if n is not None), default=0)

    @property
    def fits(self) -> bool:
        return self.refusal() is None

    def refusal(self) -> str | None:
        """The one context check: None where every prompt fits, else the one-line error with its fixes."""
        if self.context is None:
            return None
        raise_positions = ""
        if self.context_from in POSITION_KEYS:
            raise_positions = (f", or raise the model's positions where it allows it (--hf-overrides "
                               f"'{{\"{self.context_from}\": N}}', as DAPO's recipe does for Qwen2.5-Math-7B)")
        if self.max_tokens >= self.context:
            return (f"--max-tokens {self.max_tokens} leaves no room for a prompt in the model's context of "
                    f"{self.context} tokens; lower --max-tokens{raise_positions}")
        for problem_id, length in self.lengths.items():
            if length is None or length + self.max_tokens > self.context:
                told = f"{length} tokens" if length is not None else \
                    f"{self.sizes[problem_id]:,} bytes (more than the context holds)"
                room = self.context - self.longest_prompt_tokens
                return (f"problem {problem_id}: prompt of {told} + --max-tokens {self.max_tokens} exceeds the model's "
                        f"context of {self.context} tokens; lower --max-tokens"
                        + (f" to {room}" if room > 0 and length is not None else "")
                        + f", leave the problem out (--problems / a smaller --data file){raise_positions}")
        return None


def model_context(model: str, engine: EngineConfig = EngineConfig()) -> tuple[int | None, str]:
    """(the context the engine will use, where it comes from): --max-model-len, else the model config's
    positions, with --hf-overrides applied as the engine applies them."""
    if engine.max_model_len:
        return engine.max_model_len, "--max-model-len"
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(model, trust_remote_code=engine.trust_remote_code, revision=engine.revision)
    config = getattr(config, "text_config", None) or config
    overrides = engine.hf_overrides or {}
    for key in POSITION_KEYS:
        value = overrides.get(key, getattr(config, key, None))
        if isinstance(value, int) and value > 0:
            return value, key
    return None, ""


def budget(prompts: dict[str, str], tokenizer, max_tokens: int, context: int | None, context_from: str = "") -> Budget:
    """Token counts of every prompt; a prompt of more bytes than the context could hold even at the longest
    token is counted by its bytes instead of tokenized (a 10 MB line costs nothing)."""
    sizes = {key: len(text.encode("utf-8", "replace")) for key, text in prompts.items()}
    limit = None
    if context is not None:  # more bytes than the whole context holds at the longest token: too long, untokenized
        limit = context * max((len(t.encode("utf-8", "replace")) for t in tokenizer.get_vocab()), default=1)
    lengths = {key: None if limit is not None and sizes[key] > limit else
               len(tokenizer(text, add_special_tokens=False).input_ids) for key, text in prompts.items()}
    return Budget(lengths, sizes, max_tokens, context, context_from)


@dataclass(frozen=True)
class Ready:
    """One benchmark past the pre-flight: nothing written yet, no weights loaded."""
    config: RunConfig
    backend: str
    template: Template
    problems: list
    source: dict  # where the problems came from (data.load_problems)
    prompts: dict
    tokenizer: Any
    model: str  # what the backend loads: a path, a hub id, or the served model's name
    check: Budget | None
    settings: GenerateSettings  # what the samples will be; a run directory resumed must hold the same

    def plan(self) -> dict[str, Any]:
        c = self.config
        check = self.check
        return {"benchmark": c.benchmark, "problems": len(self.problems), "n": c.n,
                "temperature": c.sampling.temperature, "top_p": c.sampling.top_p, "max_tokens": c.sampling.max_tokens,
                "template": c.template, "k": list(c.k),
                "longest_prompt_tokens": check.longest_prompt_tokens if check else None,
                "context": check.context if check else None, "fits": check.fits if check else True}


def preflight(config: RunConfig, backend: str, model: str) -> Ready:
    """Every check of one benchmark's run that needs no weights; raises the error the run would stop on."""
    if backend == "hf" and config.engine.dtype not in HF_DTYPES:
        raise ConfigError(f"--dtype {config.engine.dtype} is not available with the hf backend; use one of {HF_DTYPES}")
    check_devices(config, backend)
    check_options(backend, config.engine, config.sampling)
    template = build_template(config.template, config.system_prompt, config.chat, config.fewshot, config.fewshot_k)
    problems, source = data.load_problems(config.spec, data.data_dir_from_env(config.data_dir), config.data_file)
    problems = data.select(problems, config.limit, list(config.problems) if config.problems else None)
    reach = BACKENDS[backend].reach
    if reach is not None:  # a served model's name is checked before a tokenizer is looked up by it
        reach(model, config.server)
    local = BACKENDS[backend].loads_weights or Path(config.tokenizer or model).is_dir()
    tokenizer = load_tokenizer(config.tokenizer or model, config.engine) if template.chat or local else None
    prompts = {p.problem_id: template.render(p.problem, tokenizer) for p in problems}
    check = None
    if tokenizer is not None and local:
        check = budget(prompts, tokenizer, config.sampling.max_tokens, *model_context(model, config.engine))
    settings = sample_settings(config, backend, model, template, problems, source)
    return Ready(config, backend, template, problems, source, prompts, tokenizer, model, check, settings)


def sample_settings(config: RunConfig, backend: str, model: str, template: Template, problems: list,
                    source: dict) -> GenerateSettings:
    """What the samples of this run are (the manifest's `settings`)."""
    from passk.generate.default_model import NAME as DEFAULT_NAME

    served = not BACKENDS[backend].loads_weights and not Path(model).is_dir()
    return GenerateSettings(
        benchmark=config.benchmark, model=config.model or DEFAULT_NAME,
        model_fingerprint=f"served:{model}" if served else model_fingerprint(model),
        backend=backend, template=template.name, template_text=template.record(), sampling=config.sampling,
        seed=config.seed, block_size=config.block_size, n=config.n, problem_ids=tuple(p.problem_id for p in problems),
        dataset={k: v for k, v in source.items() if k != data.REVISION},  # the revision is provenance (run_config)
        engine=config.engine.sample_affecting() if BACKENDS[backend].loads_weights else {})


def refuse(ready: list[Ready]) -> None:
    """What the real run would refuse after every benchmark's pre-flight: a prompt that does not fit (each
    benchmark named), then a run directory that holds samples of other settings (read only here; `prepare_run`
    checks again under the manifest lock)."""
    refused = [f"{r.config.benchmark}: {r.check.refusal()}" if len(ready) > 1 else r.check.refusal()
               for r in ready if r.check is not None and r.check.refusal()]
    if refused:
        raise ConfigError("; ".join(refused))  # type: ignore[arg-type]
    for r in ready:
        if not r.config.force:
            check_resume(RunDir(r.config.out), r.settings)


def load_tokenizer(name: str, engine: EngineConfig):
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(name, trust_remote_code=engine.trust_remote_code, revision=engine.revision)
    except OSError as exc:
        raise ConfigError(f"cannot load the tokenizer of {name!r} to render chat prompts "
                          f"(--tokenizer names another; --template raw needs none): {str(exc).splitlines()[0]}") from None


def check_devices(config: RunConfig, backend: str) -> None:
    """--tp and --data-parallel against the devices this machine shows (torch is imported only when they ask)."""
    tp, count = config.engine.tensor_parallel_size, config.data_parallel
    if tp == 1 and count == 1:
        return
    if tp > 1 and backend == "hf":
        raise ConfigError(f"--tp {tp}: the hf backend runs a model on one device; use --backend vllm, "
                          f"or --data-parallel for one engine per device")
    if not BACKENDS[backend].loads_weights:
        if tp > 1:
            raise ConfigError(f"--tp {tp}: the openai backend loads no engine; the server's own flags split the model")
        return
    gpus = visible_gpus()
    if tp > 1 and not gpus:
        raise ConfigError(f"--tp {tp} needs {tp} GPUs; none is visible (CUDA_VISIBLE_DEVICES, or no GPU here)")
    if gpus and len(gpus) < count * tp:
        raise ConfigError(f"--data-parallel {count} x --tp {tp} needs {count * tp} GPUs; {len(gpus)} visible")


def visible_gpus() -> list[str]:
    import torch

    if not torch.cuda.is_available():
        return []
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    return [d for d in visible.split(",") if d] if visible else [str(i) for i in range(torch.cuda.device_count())]


def check_out(path: str | Path, allowed: tuple[str, ...] = (), flag: str = "--out") -> None:
    """A folder passk writes a run into: absent, empty, a passk run (its resume is checked when it is made),
    or, for a summary folder, one that holds only `allowed` names. Anything else (a `passk compare` output, a
    home directory) is refused: passk would write its files among someone else's."""
    path = Path(path)
    if not path.exists():
        return
    if not path.is_dir():
        raise ConfigError(f"{flag} {path}: a file, not a folder")
    if (path / "manifest.json").is_file() or (path / "problems.jsonl").is_file():
        return
    foreign = sorted(p.name for p in path.iterdir() if p.name not in allowed and not p.name.startswith(".lock-"))
    if foreign:
        raise ConfigError(f"{flag} {path}: not a passk run directory (no manifest.json; it holds "
                          f"{', '.join(foreign[:3])}{' ...' if len(foreign) > 3 else ''}); name a new or empty folder")


def dry_run_text(ready: Ready, shown: int = DRY_RUN_SHOWN) -> str:
    """What `--dry-run` prints for one benchmark: the first prompts verbatim (between marker lines) and the plan."""
    c, tokenizer = ready.config, ready.tokenizer
    lines = []
    for p in ready.problems[:shown]:
        tokens = f", {len(tokenizer(ready.prompts[p.problem_id], add_special_tokens=False).input_ids)} prompt tokens" \
            if tokenizer is not None else ""
        lines += [f"----- {c.benchmark} problem {p.problem_id} (gold {p.gold!r}){tokens} -----",
                  ready.prompts[p.problem_id], "----- end of prompt -----"]
    plan = ready.plan()
    lines.append(f"{c.benchmark}: {plan['problems']} problems x n {c.n} = {plan['problems'] * c.n} samples; "
                 + ", ".join(f"{k} {plan[k]}" for k in ("temperature", "top_p", "max_tokens", "template", "k")))
    if ready.check is not None:
        check = ready.check
        context = "unknown" if check.context is None else str(check.context)
        lines.append(f"longest prompt {check.longest_prompt_tokens} tokens + max_tokens {check.max_tokens} "
                     f"= {check.longest_prompt_tokens + check.max_tokens}; model context {context}"
                     + ("" if check.fits else "  <-- DOES NOT FIT"))
    return "\n".join(lines)
