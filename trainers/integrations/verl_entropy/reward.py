"""passk's grader as verl's reward: +1 when the boxed (or template's) answer equals the gold, else -1.

    reward.custom_reward_function.path=trainers/integrations/verl_entropy/reward.py
    reward.custom_reward_function.name=compute_score

verl calls compute_score(data_source, solution_str, ground_truth, extra_info) once per response;
the grader (and its worker pool) is built once per process. The template named in extra_info
(written by prepare_data.py) decides the extraction fallbacks, as in `passk run`.
"""

from __future__ import annotations

import functools

from passk.grade import GradeConfig, Grader, extract_config
from passk.grade.gold import gold_answer
from passk.prompts import get_template

REWARD_CORRECT, REWARD_INCORRECT = 1.0, -1.0  # the paper's +1 / -1


@functools.cache
def _grader(template: str) -> Grader:
    spec = get_template(template)  # the template's answer form decides what is extracted, as in `passk run`
    return Grader(GradeConfig(extract=extract_config(spec.answer_form, spec.extract_fallbacks)))


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs) -> float:
    template = (extra_info or {}).get("template", "qwen-boxed")
    verdict = _grader(template).grade([solution_str], [gold_answer(ground_truth, where="ground_truth")])[0]
    return REWARD_CORRECT if verdict.correct else REWARD_INCORRECT
