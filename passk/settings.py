"""What the samples of a run are, and the one function that says which settings differ.

`GenerateSettings` is recorded once, in the run's manifest; a resume must match its
`SAMPLE_SETTINGS` (n may grow), shards merge only when they match, and `passk compare`
lists the `COMPARED_SETTINGS` that differ. The trainers compare their saved configs
through `settings_diff` too.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Iterable, Mapping

from passk.generate.sampling import SamplingConfig

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
    def from_dict(cls, data: Mapping[str, Any]) -> "GenerateSettings":
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known and v is not None}  # absent: the default
        values["sampling"] = SamplingConfig(**data["sampling"])
        values["problem_ids"] = tuple(data["problem_ids"])
        return cls(**values)


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
    """One indented line per differing key: `key: label1 V1, label2 V2`."""
    def short(value: Any) -> str:
        text = json.dumps(value, default=str)
        return text if len(text) <= limit else text[: limit - 3] + "..."

    return "\n".join(f"  {key}: " + ", ".join(f"{label} {short(v)}" for label, v in values.items())
                     for key, values in diff.items())
