"""The outcome reward of Cheng et al. (2025): +1 where passk's grader finds the answer equal to the gold, else -1.

One place for the reward and its glue to the grader (the prompt template's answer form decides what is
extracted, as in `passk run`): the training loop and the TRL reward call it.
"""

from __future__ import annotations

from collections.abc import Sequence

from passk.grade import Grader
from passk.prompts import Template, get_template
from passk.settings import GradingRecord

REWARD_CORRECT, REWARD_INCORRECT = 1.0, -1.0


class OutcomeReward:
    """Grades completions against golds and pays `correct` or `incorrect` for each; `close()` ends the grader."""

    def __init__(self, template: str | Template, correct: float = REWARD_CORRECT,
                 incorrect: float = REWARD_INCORRECT):
        spec = get_template(template) if isinstance(template, str) else template
        self.grader = Grader(GradingRecord.for_template(spec).grade_config())
        self.correct, self.incorrect = correct, incorrect

    def __call__(self, completions: Sequence[str], golds: Sequence[str],
                 finish_reasons: Sequence[str] | None = None) -> tuple[list[float], list]:
        """(rewards, verdicts); a finish reason "length" makes the completion truncated (no reward) unless None."""
        verdicts = self.grader.grade(list(completions), list(golds),
                                     list(finish_reasons) if finish_reasons is not None else None)
        return [self.correct if v.correct else self.incorrect for v in verdicts], verdicts

    def close(self) -> None:
        self.grader.close()
