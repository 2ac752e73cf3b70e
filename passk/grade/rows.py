"""What a grade row holds: a verdict's fields, and which grader and policy made it.

A run's grade parts (runs.py), graded pairs (pairs.py) and the API's results all carry these fields;
score and compare read the provenance to say when a run mixes graders.
"""

from __future__ import annotations

from typing import Any

from passk.grade.engine import Verdict


def verdict_fields(verdict: Verdict) -> dict[str, Any]:
    return {"correct": verdict.correct, "status": verdict.status, "extracted": verdict.extracted,
            "extract_rule": verdict.extract_rule, "method": verdict.method, "detail": verdict.detail}


def grading_provenance(grades: list[dict[str, Any]]) -> list[str]:
    """Every distinct grader and policy that made these grades ("unrecorded" for grades made before both
    were recorded), sorted: more than one means the run mixes verdicts of different graders."""
    return sorted({f"{g.get('grader') or 'unrecorded'}/{g.get('policy') or 'unrecorded'}" for g in grades})
