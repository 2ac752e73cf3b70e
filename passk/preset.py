"""Protocol presets: a paper's whole evaluation as data, one TOML file each in passk/presets/.

A preset names its benchmarks (each with n and a column label), the sampling, the budget,
the prompt template and the K rows of its table, and where all that comes from.
`passk run --preset NAME --model M` plans every benchmark first (the prompts and whether
they fit the model's context, with only the tokenizer loaded), then runs each one into
OUT/BENCHMARK with the ordinary `passk.run.run`, and writes OUT/report.md: one table laid
out like a paper's (K down, benchmarks across, Pass@K in percent) and OUT/preset.json.

The runs are one `RunConfig` per benchmark, built before anything runs; `run_configs`
loops over them. A multi-benchmark runner that loads the engine once can take the same
list in place of that loop.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from passk.config import from_dict
from passk.errors import ConfigError
from passk.jsonl import write_json_atomic, write_text_atomic
from passk.results import BenchmarkResult, RunScores
from passk.rundir import RunDir

PRESETS_DIR = Path(__file__).resolve().parent / "presets"
# what a command line may change in a preset; every change is listed in the report
OVERRIDABLE = ("n", "temperature", "top_p", "max_tokens", "template")


@dataclass(frozen=True)
class PresetBenchmark:
    name: str
    label: str
    n: int
    max_tokens: int | None = None  # None: the preset's


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    source: str
    template: str
    temperature: float
    top_p: float
    max_tokens: int
    benchmarks: tuple[PresetBenchmark, ...]
    table_k: tuple[int, ...]


def available_presets() -> list[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.toml"))


def describe_presets() -> dict[str, str]:
    return {name: get_preset(name).description for name in available_presets()}


def get_preset(name: str) -> Preset:
    path = PRESETS_DIR / f"{name}.toml"
    if not path.is_file():
        raise ConfigError(f"unknown preset {name!r}; available: {', '.join(available_presets())}")
    raw = tomllib.loads(path.read_text())
    benchmarks = tuple(from_dict(PresetBenchmark, b, where=f"{path} [[benchmarks]] #{i + 1}")
                       for i, b in enumerate(raw.pop("benchmarks", [])))
    if not benchmarks:
        raise ConfigError(f"{path}: a preset needs at least one [[benchmarks]] entry")
    preset = from_dict(Preset, {**raw, "name": name, "benchmarks": benchmarks,
                                "table_k": tuple(raw.get("table_k", ()))}, where=str(path))
    from passk.data import get_spec

    for b in preset.benchmarks:
        get_spec(b.name)  # an unknown benchmark is an error now, not after the first run
    return preset


def preset_configs(preset: Preset, out: str, overrides: dict[str, Any], **run_options) -> list:
    """One RunConfig per benchmark: the preset's settings, then the command line's `overrides`."""
    from passk.run import RunConfig

    unknown = sorted(set(overrides) - set(OVERRIDABLE))
    if unknown:
        raise ConfigError(f"--preset: cannot override {unknown}")
    configs = []
    for b in preset.benchmarks:
        settings = {"n": b.n, "temperature": preset.temperature, "top_p": preset.top_p,
                    "max_tokens": b.max_tokens or preset.max_tokens, "template": preset.template, **overrides}
        configs.append(RunConfig(out=str(Path(out) / b.name), benchmark=b.name, **settings, **run_options))
    return configs


def plan(configs: list) -> list[dict]:
    """Each benchmark's dry run, quietly: problems, prompts and budget; warnings still go to stderr."""
    from passk.run import run

    plans = []
    for config in configs:
        with contextlib.redirect_stdout(io.StringIO()):
            plans.append(run(dataclasses.replace(config, dry_run=True), progress=False))
    return plans


def run_configs(configs: list, progress: bool = True) -> list:
    from passk.run import run_benchmarks

    return run_benchmarks(configs, progress)  # one engine load, every benchmark's requests in flight at once


def run_preset(name: str, out: str, overrides: dict[str, Any], progress: bool = True, dry_run: bool = False,
               **run_options) -> dict[str, Any]:
    preset = get_preset(name)
    configs = preset_configs(preset, out, overrides, **run_options)
    if dry_run:
        from passk.run import run

        return {"plans": [run(dataclasses.replace(c, dry_run=True), progress=False) for c in configs]}
    plans = plan(configs)
    print(f"preset {name}: " + "; ".join(f"{p['benchmark']} {p['problems']} x {p['n']}" for p in plans))
    run_configs(configs, progress)
    if run_options.get("generate_only"):  # a shard job: the same command without --shard/--generate-only reports
        print(f"preset {name}: samples of shard {run_options.get('shard', '0/1')} written under {out}")
        return {"plans": plans}
    results = {c.benchmark: RunScores.read(RunDir(c.out).scores_json).benchmarks[c.benchmark] for c in configs}
    summary = {"preset": dataclasses.asdict(preset), "overrides": overrides,
               "run_options": {k: v for k, v in run_options.items() if k not in ("engine", "server", "ray")},
               "plans": plans,
               # per-problem detail stays in each run's scores.json
               "benchmarks": {b: result.to_json(per_problem=False) for b, result in results.items()}}
    write_json_atomic(Path(out) / "preset.json", summary)
    settings = RunDir(configs[0].out).read_manifest().settings
    report = preset_report(preset, configs, results, settings.model if settings else "?", overrides, run_options)
    write_text_atomic(Path(out) / "report.md", report)
    print(report)
    print(f"wrote {Path(out) / 'report.md'} and {Path(out) / 'preset.json'}")
    return summary


def preset_report(preset: Preset, configs: list, results: dict[str, BenchmarkResult], model: str,
                  overrides: dict[str, Any], run_options: dict[str, Any]) -> str:
    """The paper's table: K down, benchmarks across, Pass@K in percent; '-' where K exceeds the run's n."""
    labels = {b.name: b.label for b in preset.benchmarks}
    blocks = [results[c.benchmark] for c in configs]
    lines = [f"# passk preset `{preset.name}`: {model}", "", preset.description, "", f"Source: {preset.source}", ""]
    changed = {**overrides, **{k: v for k, v in run_options.items() if k in ("limit", "problems", "seed", "system_prompt",
                                                                               "chat", "fewshot", "fewshot_k") and v}}
    lines.append("Changed from the preset on the command line: "
                 + (", ".join(f"{k} = {v}" for k, v in changed.items()) if changed else "nothing") + ".")
    lines += ["", "| Pass@K (%) | " + " | ".join(labels[c.benchmark] for c in configs) + " |",
              "|---|" + "---:|" * len(configs)]
    ks = sorted(set(preset.table_k) | {k for b in blocks for k in b.k if k not in preset.table_k and k == max(b.k)})
    for k in ks:
        cells = [f"{100 * b.pass_at_k[k].value:.1f}" if k in b.pass_at_k else "-" for b in blocks]
        if any(c != "-" for c in cells):
            lines.append(f"| K = {k} | " + " | ".join(cells) + " |")
    lines.append("| mean@n | " + " | ".join(f"{100 * b.mean_at_n.value:.1f}" for b in blocks) + " |")
    lines.append("| problems x n | " + " | ".join(f"{b.n_problems} x {b.n_samples // max(b.n_problems, 1)}"
                                               for b in blocks) + " |")
    lines.append("| truncated | " + " | ".join(f"{100 * b.truncation_rate:.0f}%" for b in blocks) + " |")
    lines += ["", "95% bootstrap intervals, maj@K and statuses are in each benchmark's report: "
              + ", ".join(f"[{labels[c.benchmark]}]({c.benchmark}/report.md)" for c in configs) + ".", ""]
    notes = [f"{labels[c.benchmark]}: {note}" for c in configs for note in results[c.benchmark].notes]
    lines += [f"- {note}" for note in notes] + ([""] if notes else [])
    return "\n".join(lines)
