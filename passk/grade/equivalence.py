"""Is a predicted answer equivalent to the gold? Cheapest check first.

1. `quick_verdict` (in-process, microseconds): equal canonical strings, plain numbers,
   choice letters, unordered comma lists of those. It answers True, False or None
   (no opinion).
2. `symbolic_verdict` (in a worker process under a hard timeout): math-verify with the
   gold first (it is asymmetric), then sympy on plain-text expressions where
   math-verify could not parse a side. Inputs that could hang sympy are refused first.
"""

from __future__ import annotations

import logging
import re
from functools import cache

from passk.grade.normalize import choice_letter, normalize_answer, numbers_equal, parse_number

MAX_ANSWER_CHARS = 1000
MAX_BRACE_DEPTH = 30
MAX_EXPONENT_DEPTH = 2
_NUMERIC_TOWER = re.compile(r"\d\s*(?:\^|\*\*)\s*\{?\s*\d+\s*(?:\^|\*\*)")  # 9^{9^9}: hundreds of millions of digits
_HUGE_EXPONENT = re.compile(r"(?:\^|\*\*)\s*\{?\s*\d{6,}")


@cache
def _math_verify_config() -> list:
    # Units are ours to strip (normalize.py): math-verify would read "10m" as 10 metres.
    from math_verify import ExprExtractionConfig, LatexExtractionConfig
    from math_verify.parser import NormalizationConfig

    logging.getLogger("math_verify").setLevel(logging.ERROR)  # it warns on every call without timeouts
    return [LatexExtractionConfig(normalization_config=NormalizationConfig(
        basic_latex=True, units=False, malformed_operators=True, nits=True, boxed="all", equations=False)),
            ExprExtractionConfig()]


class Refused(Exception):
    """An input too absurd to hand to sympy; the message says why."""


def quick_verdict(pred: str, gold: str) -> bool | None:
    """Decide from canonical strings and plain numbers alone; None means 'ask sympy'."""
    if pred == gold:
        return True
    gold_choice, pred_choice = choice_letter(gold), choice_letter(pred)
    if gold_choice:
        return pred_choice == gold_choice if pred_choice or parse_number(pred) is None else None
    gold_num, pred_num = parse_number(gold), parse_number(pred)
    if gold_num is not None and pred_num is not None:
        return numbers_equal(pred_num, gold_num)
    gold_items, pred_items = split_top_level(gold), split_top_level(pred)
    if len(gold_items) > 1 or len(pred_items) > 1:
        return _unordered_equal(pred_items, gold_items)
    return None


def _unordered_equal(pred_items: list[str], gold_items: list[str]) -> bool | None:
    if len(pred_items) != len(gold_items):
        return None if _any_symbolic(pred_items + gold_items) else False
    remaining = list(gold_items)
    for item in pred_items:
        match = next((g for g in remaining if quick_verdict(item, g)), None)
        if match is None:
            return None if _any_symbolic(pred_items + gold_items) else False
        remaining.remove(match)
    return True


def _any_symbolic(items: list[str]) -> bool:
    return any(parse_number(i) is None and choice_letter(i) is None for i in items)


def split_top_level(s: str) -> list[str]:
    """Split a bare comma list ('1, 2, 3' or '7, -2 and -5') at depth 0; tuples stay whole."""
    if s[:1] in "([{" or s.startswith("\\{"):
        return [s]
    s = re.sub(r",?\s*(?:\\text\{\s*and\s*\}|\band\b)\s*", ",", s)
    items, depth, start = [], 0, 0
    for i, ch in enumerate(s):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(s[start:i])
            start = i + 1
    items.append(s[start:])
    return [normalize_answer(item) for item in items if item.strip()]


def check_sane(s: str) -> None:
    """Raise Refused for inputs that could make sympy hang or eat memory."""
    if len(s) > MAX_ANSWER_CHARS:
        raise Refused(f"answer of {len(s)} characters (limit {MAX_ANSWER_CHARS})")
    depth = max_depth = 0
    for ch in s:
        depth += (ch == "{") - (ch == "}")
        max_depth = max(max_depth, depth)
    if max_depth > MAX_BRACE_DEPTH:
        raise Refused(f"braces nested {max_depth} deep (limit {MAX_BRACE_DEPTH})")
    if _exponent_depth(s) > MAX_EXPONENT_DEPTH or _NUMERIC_TOWER.search(s):
        raise Refused("an exponent tower")
    if _HUGE_EXPONENT.search(s):
        raise Refused("an exponent of 6 or more digits")
    if re.search(r"\d{400}", s):
        raise Refused("a number of more than 400 digits")
    if re.search(r"\d\s*!\s*!|\d{4,}\s*!", s):
        raise Refused("a huge factorial")


def _exponent_depth(s: str) -> int:
    """How many exponents stack: 2^{3^{4}} and 2**3**4 have depth 2, e^{x^2} too, x^2 has 1."""
    s = s.replace("**", "^")
    groups: list[bool] = []  # one entry per open brace: is it an exponent group?
    deepest = chain = 0
    i = 0
    while i < len(s):
        ch = s[i]
        if ch == "^":
            if s[i + 1: i + 2] == "{":
                groups.append(True)
                deepest = max(deepest, sum(groups))
                chain = 0
                i += 2
                continue
            chain += 1  # a bare exponent binds one token, so 2^3^4 keeps stacking
            deepest = max(deepest, sum(groups) + chain)
        elif ch == "{":
            groups.append(False)
        elif ch == "}":
            if groups:
                groups.pop()
        elif not (ch.isalnum() or ch == "."):
            chain = 0
        i += 1
    return deepest


def symbolic_verdict(pred: str, gold: str) -> tuple[bool, str]:
    """(equivalent, rule) from math-verify, then sympy; may be slow: run it under a timeout.

    The caller has passed both sides through `check_sane`."""
    from math_verify import parse, verify

    config = _math_verify_config()
    gold_parsed = parse(f"${gold}$", config, parsing_timeout=None)
    pred_parsed = parse(f"${pred}$", config, parsing_timeout=None)
    if gold_parsed and pred_parsed:
        if verify(gold_parsed, pred_parsed, timeout_seconds=None):
            return True, "math_verify"
        return _rounded_decimal_equal(pred, gold_parsed), "math_verify"
    verdict = _sympy_plain(pred, gold)
    if verdict is not None:
        return verdict, "sympy"
    return False, "unparsed"


def _rounded_decimal_equal(pred: str, gold_parsed: list) -> bool:
    """A decimal prediction (125.663) of an irrational gold (40 pi), correctly rounded: see normalize."""
    number = parse_number(pred)
    if number is None or not number.decimals or number.significant_digits < 3:
        return False
    from sympy import Expr, Float, Rational

    gold_expr = gold_parsed[0]
    if not isinstance(gold_expr, Expr) or not gold_expr.is_number or not gold_expr.is_real:
        return False
    gold_value = gold_expr.evalf(number.decimals + 30)
    return abs(Rational(number.value) - gold_value) <= Float(0.5) * Rational(1, 10 ** number.decimals)


def _sympy_plain(pred: str, gold: str) -> bool | None:
    """Plain-text expressions ('sqrt(2)/2', 'x^2+1') that math-verify's LaTeX reader skips."""
    from sympy import simplify
    from sympy.parsing.sympy_parser import (convert_xor, implicit_multiplication_application, parse_expr,
                                            standard_transformations)

    transformations = standard_transformations + (implicit_multiplication_application, convert_xor)
    try:
        a = parse_expr(pred, transformations=transformations, evaluate=True)
        b = parse_expr(gold, transformations=transformations, evaluate=True)
        return bool(simplify(a - b) == 0)
    except Exception:  # noqa: BLE001 - any parse failure means "no opinion"
        return None
