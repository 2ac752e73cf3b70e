"""The Python API behind `import passk`: the same functions the CLI calls, without the files it writes.

    import passk
    df = passk.read_run("runs/demo")              # one row per sample, joined with its problem and grade
    df.groupby("problem_id").correct.mean()
    passk.scores("runs/demo").benchmarks["math500_level1"].pass_at_k[8]    # Estimate(value, low, high)
    passk.scores("runs/demo").benchmarks["math500_level1"].metrics["g-pass@k_0.5"][8]   # every metric at K
    passk.compare_runs(["runs/base", "runs/rl"], labels=["base", "rl"]).benchmarks["math500_level1"].differences
    passk.grade_pairs(["... \\boxed{4}"], ["4"])         # [{'correct': True, 'status': 'correct', ...}]
    passk.run(benchmark="math500", model="Qwen/Qwen2.5-Math-1.5B", n=16, k=[1, 4, 16])   # {"math500": RunScores}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from passk.rundir import RunDir, read_grades, read_sample_part

if TYPE_CHECKING:
    import pandas

    from passk.results import Comparison, RunScores

RUN_COLUMNS = ("benchmark", "problem_id", "sample_idx", "problem", "prompt", "completion", "finish_reason",
               "num_tokens", "gold", "extracted", "extract_rule", "status", "correct")


def read_run(run_dir: str) -> pandas.DataFrame:
    """Samples, problems and grades of a run as one table (columns RUN_COLUMNS), in sample order."""
    import pandas as pd

    run = RunDir(run_dir).require()
    problems = run.read_problems()
    grades = {(g["benchmark"], g["problem_id"], g["sample_idx"]): g for g in read_grades(run)}
    rows = []
    for part in run.sample_parts():
        for s in read_sample_part(part):
            problem = problems.get((s["benchmark"], s["problem_id"]), {})
            grade = grades.get((s["benchmark"], s["problem_id"], s["sample_idx"]), {})
            rows.append({"benchmark": s["benchmark"], "problem_id": s["problem_id"], "sample_idx": s["sample_idx"],
                         "problem": problem.get("problem"), "prompt": problem.get("prompt"),
                         "completion": s["completion"], "finish_reason": s["finish_reason"],
                         "num_tokens": s["num_tokens"], "gold": problem.get("gold"),
                         "extracted": grade.get("extracted"), "extract_rule": grade.get("extract_rule"),
                         "status": grade.get("status"), "correct": grade.get("correct")})
    table = pd.DataFrame(rows, columns=list(RUN_COLUMNS))
    return table.sort_values(["benchmark", "problem_id", "sample_idx"], ignore_index=True)


def scores(run_dir: str, k: Sequence[int] | None = None) -> RunScores:
    """What `passk score RUN_DIR` computes (`.to_json()` is its scores.json): per benchmark a BenchmarkResult
    with every metric at K (`metrics`, by name: pass@k, maj@k, pass^k, g-pass@k_TAU, mg-pass@k; `pass_at_k` and
    `maj_at_k` for short) and mean_at_n as estimates with 95% intervals, diversity, status counts, per-problem rows."""
    from passk.results import ScoreConfig
    from passk.score import score_run

    return score_run(RunDir(run_dir), ScoreConfig(k=tuple(k) if k else None))


def compare_runs(run_dirs: Sequence[str], labels: Sequence[str] | None = None,
                 k: Sequence[int] | None = None) -> Comparison:
    """What `passk compare` computes (`.to_json()` is its compare.json): each run beside the first, with paired
    bootstrap intervals."""
    from passk import compare
    from passk.results import ScoreConfig

    names: list[str | None] = list(labels) if labels else [None] * len(run_dirs)
    if len(names) != len(run_dirs):
        from passk.errors import ConfigError

        raise ConfigError(f"labels gives {len(names)} names for {len(run_dirs)} runs")
    return compare.compare_runs([compare.load_run(path, label) for path, label in zip(run_dirs, names, strict=True)],
                                ScoreConfig(k=tuple(k) if k else None))


def grade_pairs(completions: Sequence[str], golds: Sequence[str], finish_reasons: Sequence[str | None] | None = None,
          fallbacks: Sequence[str] | None = None, timeout_s: float | None = None,
          workers: int = 0) -> list[dict[str, Any]]:
    """Grade (completion, gold) pairs as `passk grade --pairs` does (all extraction fallbacks unless given;
    timeout_s None: the grader's default)."""
    from passk.grade import PAIRS_CONFIG, ExtractConfig, GradeConfig, Grader
    from passk.grade.gold import gold_answer
    from passk.grade.rows import verdict_fields

    extract = PAIRS_CONFIG if fallbacks is None else ExtractConfig(tuple(fallbacks))
    timeout: dict[str, Any] = {} if timeout_s is None else {"timeout_s": timeout_s}
    with Grader(GradeConfig(workers=workers, extract=extract, **timeout)) as grader:
        verdicts = grader.grade(list(completions), [gold_answer(g, where=f"golds[{i}]") for i, g in enumerate(golds)],
                                list(finish_reasons) if finish_reasons is not None else None)
    return [verdict_fields(v) for v in verdicts]


def run(progress: bool = True, **settings: Any) -> dict[str, Any]:
    """What `passk run` does, with the same settings as keywords (each flag's name with _ for -: benchmark,
    data, preset, model, n, temperature, max_tokens, k, tp, dry_run, ...; lists where the flag takes a
    comma-separated list). By benchmark: its RunScores (with dry_run=True, its plan; with generate_only, {})."""
    from passk.pipeline import execute
    from passk.resolve import resolve_run

    return execute(resolve_run(settings), progress=progress)
