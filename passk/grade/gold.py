"""A gold as the one answer string that is stored and graded: from a benchmark row or a pairs file.

Data loading (a benchmark names its format) and `passk grade --pairs` (format plain) both call
`gold_answer`, so a gold means the same wherever it comes from. The grader then reads this string
as it reads any gold (extract.extract_gold, normalize.normalize_answer).
"""

from __future__ import annotations

import numbers
import re
from typing import Any

from passk.errors import ConfigError, InputError
from passk.grade.extract import last_boxed
from passk.grade.normalize import repair_escapes, strip_delims

# plain: the text (a list value read as `list`, a number as `number`); number: 27.0 is 27 (AMC); list: answers,
# each possibly in $...$, joined by ", " (OlympiadBench); boxed_solution: a worked solution's last box (Minerva)
GOLD_FORMATS = ("plain", "number", "list", "boxed_solution")


def gold_answer(raw: Any, gold_format: str = "plain", where: str = "the gold") -> str:
    """`raw` as one answer string. None, true/false and objects are not answers: an InputError that begins
    with `where`, never the text 'None' (or a Python list's repr) compared as an answer."""
    if gold_format not in GOLD_FORMATS:
        raise ConfigError(f"unknown gold format {gold_format!r}; choose from {GOLD_FORMATS}")
    if not _is_answer(raw):
        raise InputError(f"{where} is {raw!r}; a gold is a string, a number or a list of them")
    if gold_format == "boxed_solution":
        boxed = last_boxed(str(raw))
        if boxed is None:
            raise InputError(f"{where} has no \\boxed{{}} answer")
        return boxed
    if gold_format == "number" or (gold_format == "plain" and isinstance(raw, numbers.Real)):
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise InputError(f"{where} is {raw!r}, not a number (gold_format number)") from None
        return str(int(value)) if value.is_integer() else repr(value)
    if gold_format == "list" or (gold_format == "plain" and isinstance(raw, (list, tuple))):
        items = raw if isinstance(raw, (list, tuple)) else [raw]
        # an item may itself hold several answers: "$69$,$84$"
        answers = [span for item in items for span in (re.findall(r"\$([^$]+)\$", str(item)) or [str(item)])]
        return ", ".join(strip_delims(a) for a in answers)
    return repair_escapes(str(raw)).strip()  # before strip(): "\frac" read as a form feed is whitespace


def _is_answer(raw: Any) -> bool:
    if isinstance(raw, (list, tuple)):
        return bool(raw) and all(_is_answer(item) for item in raw)
    # numbers.Real takes numpy's integers and floats too (parquet golds); a bool is not an answer
    return isinstance(raw, str) or isinstance(raw, numbers.Real) and not isinstance(raw, bool)
