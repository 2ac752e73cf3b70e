"""What the samples of a run are, how they are graded, the one K check, and the one function that says which
settings differ.

`GenerateSettings` is recorded once, in the run's manifest; a resume must match its
`SAMPLE_SETTINGS` (n may grow), shards merge only when they match, and `passk compare`
lists the `COMPARED_SETTINGS` that differ. The trainers compare their saved configs
through `settings_diff` too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from passk.errors import ConfigError
from passk.generate.sampling import SamplingConfig
from passk.grade.engine import GradeConfig

# Settings that change what the samples are; a resume or a merge must match them all. n may grow.
SAMPLE_SETTINGS = ("benchmark", "model", "model_fingerprint", "backend", "template", "template_text", "sampling",
                   "seed", "block_size", "problem_ids", "dataset", "engine")
# Settings worth naming when runs are compared (problem ids are compared problem by problem instead).
COMPARED_SETTINGS = ("model", "model_fingerprint", "backend", "template", "template_text", "sampling", "n", "seed",
                     "dataset", "engine", "graded_by")


@dataclass(frozen=True)
class GenerateSettings:
    benchmark: str
    model: str
    model_fingerprint: str
    backend: str
    template: str
    template_text: str
    sampling: SamplingConfig
    seed: int
    block_size: int
    n: int
    problem_ids: tuple[str, ...]
    dataset: dict = field(default_factory=dict)
    engine: dict = field(default_factory=dict)  # EngineConfig.sample_affecting(): the engine options that change samples

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["problem_ids"] = list(self.problem_ids)
        return d

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GenerateSettings:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known and v is not None}  # absent: the default
        values["sampling"] = SamplingConfig(**data["sampling"])
        values["problem_ids"] = tuple(data["problem_ids"])
        return cls(**values)


@dataclass(frozen=True)
class GradingRecord:
    """How a run's samples are graded, as its prompt template implies; the manifest keeps it for `passk grade RUN`.

    The one glue between a template and the grader: `for_template` and `grade_config` (passk run, passk grade,
    the trainers' rewards, the TRL and verl rewards)."""
    answer_form: str = "boxed"
    extract_fallbacks: tuple[str, ...] = ()
    timeout_s: float = GradeConfig.timeout_s  # the grader's default, written once (passk.grade.engine)

    @classmethod
    def for_template(cls, template, timeout_s: float | None = None) -> GradingRecord:
        """`template`: anything with `answer_form` and `extract_fallbacks` (a Template, a BenchmarkSpec's)."""
        return cls(template.answer_form, tuple(template.extract_fallbacks),
                   GradeConfig.timeout_s if timeout_s is None else timeout_s)

    def grade_config(self, **options: Any) -> GradeConfig:
        """The grader for these samples; `options` are GradeConfig's others (workers, cache_path, policy, judge)."""
        from passk.grade import extract_config

        return GradeConfig(timeout_s=self.timeout_s, extract=extract_config(self.answer_form, self.extract_fallbacks),
                           **options)


def parse_k(text: str, flag: str = "--k") -> tuple[int, ...]:
    """A K list as the command line spells it: "1,2,4"."""
    try:
        return check_k(tuple(int(k) for k in text.split(",")), flag=flag)
    except ValueError as exc:
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"{flag} must be comma-separated positive integers (for example 1,2,4), got {text!r}") from None


def check_k(ks: Iterable[int], n: int | None = None, flag: str = "--k") -> tuple[int, ...]:
    """The one check of a K list: positive integers, and none beyond n where n is known."""
    ks = tuple(ks)
    if not ks or any(not isinstance(k, int) or isinstance(k, bool) or k < 1 for k in ks):
        raise ConfigError(f"{flag} must be positive integers (for example 1,2,4), got {','.join(map(str, ks))}")
    if n is not None and max(ks) > n:
        raise ConfigError(f"{flag} {max(ks)} exceeds n = {n} (Pass@K needs K <= n samples; raise --n)")
    return ks


def settings_diff(by_label: Mapping[str, Mapping[str, Any]], keys: Iterable[str]) -> dict[str, dict[str, Any]]:
    """{key: {label: value}} for each key whose values differ between the labelled settings.

    Values compare as canonical JSON, so a tuple equals the list it was saved as, 1 equals 1.0 and key
    order never matters; a key absent from one side differs from any value on the other.
    """
    out = {}
    for key in keys:
        values = {label: settings.get(key) for label, settings in by_label.items()}
        if len({json.dumps(_one_number_type(v), sort_keys=True, default=str) for v in values.values()}) > 1:
            out[key] = values
    return out


def _one_number_type(value: Any) -> Any:
    """1.0 as 1: a temperature saved as 1.0 and asked as 1 (TOML, JSON) is the same setting."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _one_number_type(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_one_number_type(v) for v in value]
    return value


def describe_diff(diff: dict[str, dict[str, Any]], limit: int = 120) -> str:
    """One indented line per differing value: `key: label1 V1, label2 V2`. A table (sampling, dataset, engine)
    is opened to the keys inside it that differ, each named with both values (`sampling.temperature: ...`);
    a long list is named by its length and its first difference."""
    return "\n".join(f"  {name}: " + ", ".join(f"{label} {text}" for label, text in shown.items())
                     for key, values in diff.items() for name, shown in _leaves(key, values, limit).items())


def _leaves(key: str, values: dict[str, Any], limit: int) -> dict[str, dict[str, str]]:
    """{dotted key: {label: the value as shown}} for each value that differs, opening tables every side holds."""
    if len(values) > 1 and all(isinstance(v, Mapping) for v in values.values()):
        inner = sorted({k for v in values.values() for k in v})
        out: dict[str, dict[str, str]] = {}
        for sub, subvalues in settings_diff(values, inner).items():
            out.update(_leaves(f"{key}.{sub}", subvalues, limit))
        return out
    texts = {label: json.dumps(v, default=str) for label, v in values.items()}
    lists = [v for v in values.values() if isinstance(v, (list, tuple))]
    if len(lists) == len(values) > 1 and any(len(t) > limit for t in texts.values()):
        # the first index where the lists differ; unequal lengths are the point (strict=False): past the shortest
        # list they differ by length, and the default is that length
        first = next((i for i, items in enumerate(zip(*lists, strict=False))
                      if len({json.dumps(x, default=str) for x in items}) > 1), min(map(len, lists)))
        return {key: {label: f"{len(v)} items" + (f" (#{first} is {json.dumps(v[first], default=str)})"
                                                  if first < len(v) else "") for label, v in values.items()}}
    return {key: {label: t if len(t) <= limit else t[: limit - 3] + "..." for label, t in texts.items()}}
