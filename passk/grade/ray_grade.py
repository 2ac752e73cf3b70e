"""`passk grade RUN --ray`: a run's sample parts graded in parallel across a Ray cluster.

The driver reads each sample part and sends its completions and golds to a task (one CPU each, anywhere
in the cluster); the task grades them with the same Grader and returns the verdicts; the driver writes
the grade part, as `grade_run` does on one machine. Verdicts are a function of (answer, gold, policy)
decided under CPU-time limits, so they are the same whichever node decides them. Nodes need no shared
storage: rows travel through Ray's object store. A task whose worker or node dies is run again (grading is
idempotent); an error in the grader itself is raised, and the parts graded before it are kept.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

from tqdm.auto import tqdm

from passk.errors import ConfigError, InputError
from passk.grade.engine import GradeConfig
from passk.grade.gold import gold_answer
from passk.ray_cluster import RayConfig, connect, disconnect, task_error
from passk.rundir import GRADE_SCHEMA, RunDir, read_sample_part, write_part

KEY_FIELDS = ("benchmark", "problem_id", "sample_idx", "num_tokens")


def grade_rows(completions: list[str], golds: list[str], finish_reasons: list[str], config: GradeConfig
               ) -> list[dict[str, Any]]:
    """A grade row's verdict and provenance fields for each completion (runs in a Ray task)."""
    from passk.grade.engine import Grader
    from passk.grade.rows import verdict_fields

    with Grader(config) as grader:
        return [{**verdict_fields(v), "answer_key": v.answer_key, **grader.provenance}
                for v in grader.grade(completions, golds, finish_reasons)]


def grade_run_ray(run: RunDir, config: GradeConfig, ray: RayConfig, progress: bool = True,
                  regrade: bool = False) -> dict[str, int]:
    """What `grade_run` does, each sample part a task on the cluster; status counts of the new grades."""
    if config.judge is not None:
        raise ConfigError("--judge asks its server from this machine, and remembers its verdicts here: drop --ray")
    import ray as ray_api

    if config.cache_path:
        raise ConfigError("--cache is a file on this machine, which the cluster's graders cannot share: "
                          "drop it with --ray")
    run.require()
    golds = {key: gold_answer(row["gold"], where=f"{run.problems}: the gold of {key[1]!r}")
             for key, row in run.read_problems().items()}
    todo = [p for p in run.sample_parts() if regrade or not run.grade_part_for(p).exists()]
    counts: Counter = Counter()
    if not todo:
        return {}
    started = connect(ray)
    try:
        task = ray_api.remote(num_cpus=1, max_retries=3)(grade_rows)
        worker_config = replace(config, workers=1)  # one core per task: the cluster's cores are the parallelism
        in_flight_max = max(2, 2 * int(ray_api.cluster_resources().get("CPU", 1)))
        pending: dict[Any, tuple] = {}
        bar = tqdm(total=len(todo), desc="grading parts on ray", unit="part", disable=not progress)
        queue = list(reversed(todo))
        while queue or pending:
            while queue and len(pending) < in_flight_max:  # parts read as tasks free up: memory stays bounded
                part = queue.pop()
                rows = read_sample_part(part)
                unknown = sorted({(r["benchmark"], r["problem_id"]) for r in rows} - set(golds))
                if unknown:
                    raise InputError(f"{part}: samples of problems absent from {run.problems}: {unknown[:5]}")
                ref = task.remote([r["completion"] for r in rows],
                                  [golds[(r["benchmark"], r["problem_id"])] for r in rows],
                                  [r["finish_reason"] for r in rows], worker_config)
                pending[ref] = (part, rows)
            ready, _ = ray_api.wait(list(pending), num_returns=1)
            for ref in ready:
                part, rows = pending.pop(ref)
                try:
                    verdicts = ray_api.get(ref)
                except Exception as exc:  # noqa: BLE001  (a grader error is raised as it would be here)
                    raise task_error(exc, f"grading {part.name} on the Ray cluster") from None
                write_part(run.grade_part_for(part), [{**{k: r[k] for k in KEY_FIELDS}, **v}
                                                      for r, v in zip(rows, verdicts, strict=True)], GRADE_SCHEMA)
                counts.update(v["status"] for v in verdicts)
                bar.update(1)
        bar.close()
    finally:
        disconnect(started)
    return dict(counts)
