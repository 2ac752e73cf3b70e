"""Plain Math-Verify, as its users call it: the yardstick passk's grader must never fall below.

"Plain" means the library's defaults and nothing of ours: the gold is boxed and parsed with
the default extraction, the completion is parsed with the default extraction, and `verify`
is called gold first. `passk grade --check` prints its agreement beside passk's, and the test
suite asserts that wherever it accepts and passk rejects, passk names why (`BELOW_REASONS`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

# The reasons passk may reject what plain Math-Verify accepts; each is a prefix of a verdict's detail
# (or its status), documented in docs/grading.md.
BELOW_REASONS = ("hedge", "retracted", "false equation chain", "policy:", "truncated", "refused", "unclosed <think>",
                 "turn:")


def math_verify_accepts(completion: str, gold: str, timeout_s: int = 5) -> bool:
    from math_verify import parse, verify

    logging.getLogger("math_verify").setLevel(logging.ERROR)
    try:
        gold_parsed = parse(f"\\boxed{{{gold}}}", parsing_timeout=timeout_s)
        pred_parsed = parse(completion, parsing_timeout=timeout_s)
        return bool(verify(gold_parsed, pred_parsed, timeout_seconds=timeout_s))
    except Exception:  # noqa: BLE001 - the library's own failure is a rejection, as for its users
        return False


def math_verify_verdicts(completions: Sequence[str], golds: Sequence[str], timeout_s: int = 5) -> list[bool]:
    """One verdict per pair, in this process (Math-Verify's own signal-based timeouts apply)."""
    return [math_verify_accepts(c, g, timeout_s) for c, g in zip(completions, golds, strict=True)]


def named_reason(status: str, detail: str, method: str) -> str | None:
    """The documented reason a passk rejection carries, or None when it carries none."""
    if status == "truncated":
        return "truncated"
    if method == "refused":
        return "refused"
    return next((r for r in BELOW_REASONS if detail.startswith(r)), None)
