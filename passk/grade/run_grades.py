"""Grade a run directory: a grade part for every sample part that has none (`passk grade RUN_DIR`, `passk run`)."""

from __future__ import annotations

from collections import Counter

from tqdm.auto import tqdm

from passk.errors import InputError
from passk.grade.engine import GradeConfig, Grader
from passk.grade.gold import gold_answer
from passk.grade.rows import verdict_fields
from passk.rundir import GRADE_SCHEMA, JUDGED_GRADE_SCHEMA, RunDir, read_sample_part, write_part


def grade_run(run: RunDir, config: GradeConfig, progress: bool = True, regrade: bool = False) -> dict[str, int]:
    """Grade every sample part that has no grade part yet (every part with `regrade`, each grade part
    replaced atomically); returns status counts of the new grades. Each grade row records the grader's
    fingerprint and policy (and the judge, with `config.judge`)."""
    run.require()
    # problems.jsonl may come from elsewhere (the README invites it): its golds are read as loading reads them
    golds = {key: gold_answer(row["gold"], where=f"{run.problems}: the gold of {key[1]!r}")
             for key, row in run.read_problems().items()}
    todo = [p for p in run.sample_parts() if regrade or not run.grade_part_for(p).exists()]
    counts: Counter = Counter()
    with Grader(config) as grader:
        for part in tqdm(todo, desc="grading parts", unit="part", disable=not progress or len(todo) < 2):
            rows = read_sample_part(part)
            unknown = sorted({(r["benchmark"], r["problem_id"]) for r in rows} - set(golds))
            if unknown:
                raise InputError(f"{part}: samples of problems absent from {run.problems}: {unknown[:5]}")
            verdicts = grader.grade([r["completion"] for r in rows], [golds[(r["benchmark"], r["problem_id"])] for r in rows],
                                    [r["finish_reason"] for r in rows], progress=progress)
            write_part(run.grade_part_for(part), [
                {**{k: r[k] for k in ("benchmark", "problem_id", "sample_idx", "num_tokens")}, **verdict_fields(v),
                 "answer_key": v.answer_key, **grader.provenance}
                for r, v in zip(rows, verdicts, strict=True)], JUDGED_GRADE_SCHEMA if grader.judge else GRADE_SCHEMA)
            counts.update(v.status for v in verdicts)
    return dict(counts)
