"""Grading: extract the final answer, compare it with the gold, return a status per row."""

from passk.grade.engine import STATUSES, GradeConfig, Grader, Verdict
from passk.grade.extract import ANSWER_FORMS, BOXED_CONFIG, PAIRS_CONFIG, ExtractConfig, extract_answer, extract_config

__all__ = ["STATUSES", "GradeConfig", "Grader", "Verdict", "ExtractConfig", "extract_answer", "extract_config",
           "ANSWER_FORMS", "BOXED_CONFIG", "PAIRS_CONFIG"]
