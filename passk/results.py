"""Scores as typed values, and the only code that knows the keys of scores.json and compare.json.

A `BenchmarkResult` is one run's scores on one benchmark: Pass@K, maj@K and mean@n, each an
`Estimate` with its 95% bootstrap interval, the status counts and the per-problem rows.
`passk.score.benchmark_result` builds it, for `passk score` and for each run of `passk compare`;
a comparison adds only the paired differences (`PairedDifference`). compare.json keeps of each run
its estimates, not its counts and rows: read back, a run is a `ResultSummary`, which a
`BenchmarkResult` extends.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from passk import metrics
from passk.coverage import Crossing
from passk.errors import InputError
from passk.jsonl import read_json
from passk.settings import check_k

INTERVAL = ("95% percentile bootstrap over problems; each resampled problem keeps its own n samples, so the "
            "interval carries their sampling noise too (docs/metrics.md: coverage simulation)")
# 1: before the version was recorded; 2: before judged_samples (both read the same way, no sample judged)
SCORES_SCHEMA = 3
MAJ_RULE = ("exact over all size-k subsets; samples without an answer are drawn but do not vote; a tie at the top "
            "credits 1/(number tied) when the gold's class is among them; no vote at all credits 0")


@dataclass(frozen=True)
class ScoreConfig:
    """How scores are computed (recorded in scores.json): the K list and the bootstrap."""
    k: tuple[int, ...] | None = None  # None: powers of two up to the smallest n
    bootstrap_resamples: int = metrics.BOOTSTRAP_RESAMPLES
    bootstrap_seed: int = metrics.BOOTSTRAP_SEED

    def __post_init__(self):
        if self.k is not None:
            check_k(self.k)  # the one K check (passk.settings)


@dataclass(frozen=True)
class Estimate:
    """A mean over problems, and its 95% percentile-bootstrap interval (problems resampled)."""
    value: float
    low: float
    high: float

    @property
    def excludes_zero(self) -> bool:
        """For a difference: the interval lies on one side of zero."""
        return self.low > 0 or self.high < 0


@dataclass(frozen=True)
class ProblemRow:
    id: str
    n: int
    c: int  # correct samples
    statuses: dict[str, int]
    mean_num_tokens: float


@dataclass(frozen=True)
class ResultSummary:
    """A run's estimates on one benchmark: what compare.json keeps of each run."""
    n_problems: int
    k: tuple[int, ...]
    metrics: dict[str, dict[int, Estimate]]  # every metric at k (passk.metrics.AT_K), by name, then k
    mean_at_n: Estimate
    n_min: int  # the fewest and most samples of a problem
    n_max: int
    mean_num_tokens: float
    truncation_rate: float
    judged_samples: int = field(default=0, kw_only=True)  # samples whose verdict a judge model gave (`--judge`)

    @property
    def pass_at_k(self) -> dict[int, Estimate]:
        return self.metrics["pass@k"]

    @property
    def maj_at_k(self) -> dict[int, Estimate]:
        return self.metrics["maj@k"]


@dataclass(frozen=True)
class Diversity:
    """How varied a run's final answers are: per problem, the distinct answer classes and the entropy (bits)
    of the answers' distribution (samples without an answer left out), averaged over problems; and the gap
    maj@k - pass@k at each k, with its interval (negative: voting loses what sampling finds)."""
    distinct_answers: float
    answer_entropy_bits: float
    maj_minus_pass: dict[int, Estimate]
    mean_token_entropy: float | None = None  # nats, over every completion token, where `passk entropy` has run

    def to_json(self) -> dict[str, Any]:
        return {"distinct_answers": self.distinct_answers, "answer_entropy_bits": self.answer_entropy_bits,
                "maj_minus_pass": _values(self.maj_minus_pass), "maj_minus_pass_ci95": _intervals(self.maj_minus_pass),
                "mean_token_entropy": self.mean_token_entropy}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Diversity:
        return cls(data["distinct_answers"], data["answer_entropy_bits"],
                   _estimates(data["maj_minus_pass"], data["maj_minus_pass_ci95"]), data.get("mean_token_entropy"))


@dataclass(frozen=True)
class BenchmarkResult(ResultSummary):
    """One run's scores on one benchmark: a block of scores.json."""
    n_samples: int
    status_counts: dict[str, int]
    notes: tuple[str, ...]
    problems: tuple[ProblemRow, ...]
    diversity: Diversity | None = None  # None: read from a scores.json written before it was computed

    def to_json(self, per_problem: bool = True) -> dict[str, Any]:
        out = {"n_problems": self.n_problems, "n_samples": self.n_samples, "k": list(self.k),
               "pass_at_k": _values(self.pass_at_k), "ci95": _intervals(self.pass_at_k),
               "maj_at_k": _values(self.maj_at_k), "maj_ci95": _intervals(self.maj_at_k),
               "metrics": _metrics_json(self.metrics), "mean_at_n": self.mean_at_n.value, "mean_at_n_ci95": [self.mean_at_n.low, self.mean_at_n.high],
               "status_counts": dict(self.status_counts), "judged_samples": self.judged_samples,
               "truncation_rate": self.truncation_rate,
               "mean_num_tokens": self.mean_num_tokens, "notes": list(self.notes),
               "diversity": self.diversity.to_json() if self.diversity else None}
        if per_problem:
            out["problems"] = [{"id": p.id, "n": p.n, "c": p.c, "statuses": dict(p.statuses),
                                "mean_num_tokens": p.mean_num_tokens} for p in self.problems]
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BenchmarkResult:
        problems = tuple(ProblemRow(p["id"], p["n"], p["c"], dict(p["statuses"]), p["mean_num_tokens"])
                         for p in data["problems"])
        return cls(n_problems=data["n_problems"], k=tuple(data["k"]),
                   metrics=_metrics_from_json(data, "ci95"),
                   mean_at_n=Estimate(data["mean_at_n"], *data["mean_at_n_ci95"]),
                   n_min=min(p.n for p in problems), n_max=max(p.n for p in problems),
                   mean_num_tokens=data["mean_num_tokens"], truncation_rate=data["truncation_rate"],
                   n_samples=data["n_samples"], status_counts=dict(data["status_counts"]), notes=tuple(data["notes"]),
                   judged_samples=data.get("judged_samples", 0),
                   problems=problems, diversity=Diversity.from_json(data["diversity"]) if data.get("diversity") else None)


@dataclass(frozen=True)
class RunScores:
    """scores.json: how the scores were computed, what graded the samples, one result per benchmark.
    The run's settings are in its manifest.json, not copied here."""
    config: ScoreConfig
    graded_by: tuple[str, ...]
    benchmarks: dict[str, BenchmarkResult]

    def to_json(self) -> dict[str, Any]:
        config = self.config
        return {"schema_version": SCORES_SCHEMA,
                "config": {"k": list(config.k) if config.k else None, "bootstrap_resamples": config.bootstrap_resamples,
                           "bootstrap_seed": config.bootstrap_seed, "interval": INTERVAL, "maj_at_k": MAJ_RULE},
                "graded_by": list(self.graded_by),
                "benchmarks": {name: b.to_json() for name, b in self.benchmarks.items()}}

    @classmethod
    def from_json(cls, data: dict[str, Any], where: str) -> RunScores:
        """A scores.json as written. Older versions also kept a copy of the manifest (ignored here), and
        before grader provenance was recorded there was no `graded_by` (read as none)."""
        schema = data.get("schema_version", 1) if isinstance(data, dict) else 1
        if not isinstance(schema, int) or schema > SCORES_SCHEMA:
            raise InputError(f"{where}: scores.json schema_version {schema!r}; this passk reads up to {SCORES_SCHEMA} "
                             f"(a newer passk wrote it: upgrade, or `passk score` the run again)")
        try:
            config = data["config"]
            return cls(ScoreConfig(tuple(config["k"]) if config["k"] else None, config["bootstrap_resamples"],
                                   config["bootstrap_seed"]),
                       tuple(data.get("graded_by", ())),
                       {name: BenchmarkResult.from_json(b) for name, b in data["benchmarks"].items()})
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(f"{where}: not a passk scores.json ({type(exc).__name__}: {exc}); "
                             f"`passk score` writes it again") from None

    @classmethod
    def read(cls, path: str | os.PathLike) -> RunScores:
        path = Path(path)
        if not path.is_file():
            raise InputError(f"{path}: no scores.json; run `passk score` on that run first")
        return cls.from_json(read_json(path), str(path))


@dataclass(frozen=True)
class SolvedSets:
    """Problems solved at the largest K by one run of a pair and not the other ("solved": the unbiased
    Pass@K estimate is at least 1/2, which is "some sample correct" when K = n)."""
    k: int
    first: str  # the labels of the two runs
    other: str
    only_first: tuple[str, ...]
    only_other: tuple[str, ...]
    both: int
    neither: int

    def to_json(self) -> dict[str, Any]:
        return {"k": self.k, f"only_{self.first}": list(self.only_first), f"only_{self.other}": list(self.only_other),
                "both": self.both, "neither": self.neither}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SolvedSets:
        (first, only_first), (other, only_other) = [(key.removeprefix("only_"), v) for key, v in data.items()
                                                    if key.startswith("only_")]
        return cls(data["k"], first, other, tuple(only_first), tuple(only_other), data["both"], data["neither"])


@dataclass(frozen=True)
class PairedDifference:
    """A later run minus the first, on their shared problems, with paired bootstrap 95% intervals."""
    metrics: dict[str, dict[int, Estimate]]  # every metric at k, by name, then k
    mean_at_n: Estimate
    solved_at_largest_k: SolvedSets
    crossing: Crossing | None = None  # where the first run's Pass@K overtakes this one's (None: not computed)

    @property
    def pass_at_k(self) -> dict[int, Estimate]:
        return self.metrics["pass@k"]

    @property
    def maj_at_k(self) -> dict[int, Estimate]:
        return self.metrics["maj@k"]

    def to_json(self) -> dict[str, Any]:
        return {"pass_at_k": {str(k): _difference(d) for k, d in self.pass_at_k.items()},
                "maj_at_k": {str(k): _difference(d) for k, d in self.maj_at_k.items()},
                "metrics": {name: {str(k): _difference(d) for k, d in by_k.items()} for name, by_k in self.metrics.items()},
                "mean_at_n": _difference(self.mean_at_n), "solved_at_largest_k": self.solved_at_largest_k.to_json(),
                "crossing": self.crossing.to_json() if self.crossing else None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PairedDifference:
        blocks = data.get("metrics") or {"pass@k": data["pass_at_k"], "maj@k": data["maj_at_k"]}
        return cls({name: {int(k): Estimate(d["diff"], *d["ci95"]) for k, d in by_k.items()}
                    for name, by_k in blocks.items()},
                   Estimate(data["mean_at_n"]["diff"], *data["mean_at_n"]["ci95"]),
                   SolvedSets.from_json(data["solved_at_largest_k"]),
                   Crossing.from_json(data["crossing"]) if data.get("crossing") else None)


@dataclass(frozen=True)
class BenchmarkComparison:
    n_problems: int  # shared by every run
    k: tuple[int, ...]
    problems_only_in_some_runs: int
    runs: dict[str, ResultSummary]  # by label, the first run first
    differences: dict[str, PairedDifference]  # "LABEL - FIRST" for each later run
    problem_ids: tuple[str, ...] = ()  # the shared problems, and each run's pass rate (correct / n) on them
    pass_rates: dict[str, tuple[float, ...]] | None = None
    diversity: dict[str, tuple[float, float]] | None = None  # per run: distinct answers, answer entropy (bits)

    def to_json(self) -> dict[str, Any]:
        return {"n_problems": self.n_problems, "k": list(self.k),
                "problems_only_in_some_runs": self.problems_only_in_some_runs,
                "runs": {label: _summary(r) for label, r in self.runs.items()},
                "differences": {name: d.to_json() for name, d in self.differences.items()},
                "problems": {"ids": list(self.problem_ids),
                             "pass_rate": {label: list(r) for label, r in (self.pass_rates or {}).items()}},
                "diversity": {label: list(d) for label, d in (self.diversity or {}).items()}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BenchmarkComparison:
        runs = {label: ResultSummary(
            n_problems=data["n_problems"], k=tuple(data["k"]), metrics=_metrics_from_json(r, "pass_ci95"), mean_at_n=Estimate(r["mean_at_n"], *r["mean_at_n_ci95"]),
            n_min=r["n_min"], n_max=r["n_max"], mean_num_tokens=r["mean_num_tokens"],
            truncation_rate=r["truncation_rate"], judged_samples=r.get("judged_samples", 0))
            for label, r in data["runs"].items()}
        problems = data.get("problems", {})
        return cls(data["n_problems"], tuple(data["k"]), data["problems_only_in_some_runs"], runs,
                   {name: PairedDifference.from_json(d) for name, d in data["differences"].items()},
                   tuple(problems.get("ids", ())),
                   {label: tuple(r) for label, r in problems.get("pass_rate", {}).items()} or None,
                   {label: tuple(d) for label, d in data.get("diversity", {}).items()} or None)


@dataclass(frozen=True)
class Comparison:
    """compare.json: the runs' labels, the settings that differ, and per shared benchmark the comparison."""
    runs: tuple[str, ...]
    settings_differ: dict[str, dict[str, Any]]
    benchmarks: dict[str, BenchmarkComparison]
    warnings: tuple[str, ...] = ()  # what makes it partial (shared subsets, K left out); truncation; judge verdicts

    def to_json(self) -> dict[str, Any]:
        return {"runs": list(self.runs), "settings_differ": self.settings_differ, "warnings": list(self.warnings),
                "benchmarks": {name: b.to_json() for name, b in self.benchmarks.items()}}

    @classmethod
    def from_json(cls, data: dict[str, Any], where: str) -> Comparison:
        try:
            return cls(tuple(data["runs"]), data["settings_differ"],
                       {name: BenchmarkComparison.from_json(b) for name, b in data["benchmarks"].items()},
                       tuple(data.get("warnings", ())))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(f"{where}: not a passk compare.json ({type(exc).__name__}: {exc})") from None


def _values(estimates: dict[int, Estimate]) -> dict[str, float]:
    return {str(k): e.value for k, e in estimates.items()}


def _intervals(estimates: dict[int, Estimate]) -> dict[str, list[float]]:
    return {str(k): [e.low, e.high] for k, e in estimates.items()}


def _estimates(values: dict[str, float], intervals: dict[str, list[float]]) -> dict[int, Estimate]:
    return {int(k): Estimate(v, *intervals[k]) for k, v in values.items()}


def _difference(d: Estimate) -> dict[str, Any]:
    return {"diff": d.value, "ci95": [d.low, d.high], "excludes_zero": d.excludes_zero}


def _metrics_json(metrics: dict[str, dict[int, Estimate]]) -> dict[str, Any]:
    return {name: {"value": _values(by_k), "ci95": _intervals(by_k)} for name, by_k in metrics.items()}


def _metrics_from_json(data: dict[str, Any], pass_ci_key: str) -> dict[str, dict[int, Estimate]]:
    """Every metric of a block; files written before the other metrics kept pass@k and maj@k only."""
    if "metrics" in data:
        return {name: _estimates(block["value"], block["ci95"]) for name, block in data["metrics"].items()}
    return {"pass@k": _estimates(data["pass_at_k"], data[pass_ci_key]),
            "maj@k": _estimates(data["maj_at_k"], data["maj_ci95"])}


def _summary(r: ResultSummary) -> dict[str, Any]:
    """A run's block in compare.json."""
    return {"pass_at_k": _values(r.pass_at_k), "pass_ci95": _intervals(r.pass_at_k),
            "maj_at_k": _values(r.maj_at_k), "maj_ci95": _intervals(r.maj_at_k), "metrics": _metrics_json(r.metrics),
            "mean_at_n": r.mean_at_n.value, "mean_at_n_ci95": [r.mean_at_n.low, r.mean_at_n.high],
            "n_min": r.n_min, "n_max": r.n_max, "mean_num_tokens": r.mean_num_tokens,
            "truncation_rate": r.truncation_rate, "judged_samples": r.judged_samples}
