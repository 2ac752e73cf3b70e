"""Grading: extract the final answer, compare it with the gold, return a status per row."""

from passk.grade.engine import STATUSES, GradeConfig, Grader, Verdict
from passk.grade.extract import BOXED_CONFIG, PAIRS_CONFIG, ExtractConfig, extract_answer

__all__ = ["STATUSES", "GradeConfig", "Grader", "Verdict", "ExtractConfig", "extract_answer",
           "BOXED_CONFIG", "PAIRS_CONFIG"]
