"""passk: Pass@K evaluation for math reasoning.

The flow is data -> generate -> grade -> score -> report; each stage is a module
(or package) of the same name, and the CLI in `passk.cli` only wires them together.

The Python API (the functions the CLI calls, imported lazily so `import passk` stays light):

    read_run(run_dir)             one pandas DataFrame, a row per sample: benchmark, problem_id, sample_idx,
                                  problem, prompt, completion, finish_reason, num_tokens, gold, extracted,
                                  extract_rule, status, correct (status/correct None where not graded yet)
    scores(run_dir, k=None)       what `passk score` computes, typed (nothing is written; .to_json() is scores.json)
    compare_runs(run_dirs, labels=None, k=None)   what `passk compare` computes, typed (.to_json() is compare.json)
    grade_pairs(completions, golds, finish_reasons=None, fallbacks=None, timeout_s=None)
                                  one dict per pair (correct, status, extracted, extract_rule, method, detail),
                                  graded as `passk grade --pairs` grades
    run(progress=True, **settings)   what `passk run` does, the flags as keywords (benchmark="math500", n=16, ...);
                                  by benchmark, its scores
"""

from __future__ import annotations

__version__ = "0.2.0"
# (not `score`, `compare`, `grade`: those are the modules of the same stages)
__all__ = ["read_run", "scores", "compare_runs", "grade_pairs", "run", "__version__"]


def __getattr__(name: str):
    if name in ("read_run", "scores", "compare_runs", "grade_pairs", "run"):
        from passk import api

        return getattr(api, name)
    raise AttributeError(f"module 'passk' has no attribute {name!r}")
