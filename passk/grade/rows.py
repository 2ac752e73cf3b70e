"""What a grade row holds: a verdict's fields, and which grader and policy made it (and which judge, where one
read the rows the rules are unsure of).

A run's grade parts (runs.py), graded pairs (pairs.py) and the API's results all carry these fields;
score and compare read the provenance to say when a run mixes graders.
"""

from __future__ import annotations

from typing import Any

from passk.grade.engine import Verdict

# on every row graded with a judge (`--judge MODEL`): the model, what its server reports of it, the prompt's fingerprint
JUDGE_FIELDS = ("judge_model", "judge_revision", "judge_prompt")


def verdict_fields(verdict: Verdict) -> dict[str, Any]:
    return {"correct": verdict.correct, "status": verdict.status, "extracted": verdict.extracted,
            "extract_rule": verdict.extract_rule, "method": verdict.method, "detail": verdict.detail}


def grading_provenance(grades: list[dict[str, Any]]) -> list[str]:
    """Every distinct grader and policy that made these grades ("unrecorded" for grades made before both
    were recorded), with the judge where there was one, sorted: more than one means the run mixes verdicts of
    different graders."""
    return sorted({f"{g.get('grader') or 'unrecorded'}/{g.get('policy') or 'unrecorded'}" + _judge_of(g)
                   for g in grades})


def judge_fields(provenance: dict[str, str]) -> dict[str, str]:
    """The judge's fields of a grader's provenance (none where no judge read the rows)."""
    return {key: provenance[key] for key in JUDGE_FIELDS if key in provenance}


def _judge_of(grade: dict[str, Any]) -> str:
    return " judge {} {} prompt {}".format(*(grade[key] for key in JUDGE_FIELDS)) if grade.get("judge_model") else ""
