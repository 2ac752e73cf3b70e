"""Protocol presets: a paper's whole evaluation as data, one TOML file each in passk/presets/.

A preset names its benchmarks (each with n and a column label), the sampling, the budget,
the prompt template and the K rows of its table, and where all that comes from. The resolve
step (passk.resolve) layers it between the benchmark definitions and the command line, one
`RunConfig` per benchmark; passk.pipeline runs them on one engine load after every benchmark's
pre-flight (the prompts and whether they fit the model's context, with only the tokenizer
loaded), into OUT/BENCHMARK; `write_preset_report` then writes OUT/report.md, one table laid
out like a paper's (K down, benchmarks across, Pass@K in percent), and OUT/preset.json.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from passk.config import from_dict
from passk.errors import ConfigError
from passk.jsonl import write_json_atomic, write_text_atomic
from passk.results import BenchmarkResult, RunScores
from passk.rundir import RunDir

PRESETS_DIR = Path(__file__).resolve().parent / "presets"
# options of a command line that the report lists as changes from the preset, beside n, template and sampling
LISTED_OPTIONS = ("limit", "problems", "seed", "system_prompt", "chat", "fewshot", "fewshot_k", "hf_overrides",
                  "max_model_len")


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


def write_preset_report(plan, plans: list[dict], scores: Sequence[RunScores]) -> None:
    """OUT/preset.json and OUT/report.md of a preset's finished run (`plan`: its passk.resolve.RunPlan)."""
    preset, configs, out = plan.preset, list(plan.configs), Path(plan.summary_dir)
    results = {c.benchmark: s.benchmarks[c.benchmark] for c, s in zip(configs, scores, strict=True)}
    changed = changes(plan.given)
    summary = {"preset": dataclasses.asdict(preset), "changed": changed, "plans": plans,
               # per-problem detail stays in each run's scores.json
               "benchmarks": {b: result.to_json(per_problem=False) for b, result in results.items()}}
    write_json_atomic(out / "preset.json", summary)
    settings = RunDir(configs[0].out).read_manifest().settings
    report = preset_report(preset, configs, results, settings.model if settings else "?", changed)
    write_text_atomic(out / "report.md", report)
    print(report)
    print(f"wrote {out / 'report.md'} and {out / 'preset.json'}")


def changes(given: dict[str, Any]) -> dict[str, Any]:
    """What the command line changed from the preset, in a fixed order: n, each sampling value, the template,
    then LISTED_OPTIONS."""
    from passk.generate.sampling import SamplingConfig

    order = ["n", *(f.name for f in dataclasses.fields(SamplingConfig)), "sampling_options", "template",
             *LISTED_OPTIONS]
    return {k: given[k] for k in order if given.get(k)}


def preset_report(preset: Preset, configs: list, results: dict[str, BenchmarkResult], model: str,
                  changed: dict[str, Any]) -> str:
    """The paper's table: K down, benchmarks across, Pass@K in percent with its 95% interval; '-' where K
    exceeds the run's n."""
    labels = {b.name: b.label for b in preset.benchmarks}
    blocks = [results[c.benchmark] for c in configs]
    lines = [f"# passk preset `{preset.name}`: {model}", "", preset.description, "", f"Source: {preset.source}", ""]
    lines.append("Changed from the preset on the command line: "
                 + (", ".join(f"{k} = {v}" for k, v in changed.items()) if changed else "nothing") + ".")
    lines += ["", "| Pass@K (%) | " + " | ".join(labels[c.benchmark] for c in configs) + " |",
              "|---|" + "---:|" * len(configs)]
    ks = sorted(set(preset.table_k) | {k for b in blocks for k in b.k if k not in preset.table_k and k == max(b.k)})
    for k in ks:
        cells = [_percent(b.pass_at_k[k]) if k in b.pass_at_k else "-" for b in blocks]
        if any(c != "-" for c in cells):
            lines.append(f"| K = {k} | " + " | ".join(cells) + " |")
    lines.append("| mean@n | " + " | ".join(_percent(b.mean_at_n) for b in blocks) + " |")
    lines.append("| problems x n | " + " | ".join(f"{b.n_problems} x {b.n_samples // max(b.n_problems, 1)}"
                                               for b in blocks) + " |")
    lines.append("| truncated | " + " | ".join(f"{100 * b.truncation_rate:.0f}%" for b in blocks) + " |")
    lines += ["", "Each cell: the estimate [its 95% interval] (docs/metrics.md). maj@K, the other metrics and statuses "
              "are in each benchmark's report: "
              + ", ".join(f"[{labels[c.benchmark]}]({c.benchmark}/report.md)" for c in configs) + ".", ""]
    notes = [f"{labels[c.benchmark]}: {note}" for c in configs for note in results[c.benchmark].notes]
    lines += [f"- {note}" for note in notes] + ([""] if notes else [])
    return "\n".join(lines)


def _percent(estimate) -> str:
    return f"{100 * estimate.value:.1f} [{100 * estimate.low:.1f}, {100 * estimate.high:.1f}]"
