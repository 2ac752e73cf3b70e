"""Is a predicted answer equivalent to the gold? Cheapest check first.

1. `quick_verdict` (in-process, microseconds): equal canonical strings, plain numbers,
   choice letters, unordered comma lists of those. It answers True, False or None
   (no opinion).
2. `symbolic_verdict` (in a worker process under a hard timeout): math-verify with the
   gold first (it is asymmetric), then sympy on plain-text expressions where
   math-verify could not parse a side. Inputs that could hang sympy are refused first.
"""

from __future__ import annotations

import ast
import logging
import math
import operator
import re
from fractions import Fraction
from functools import cache
from itertools import pairwise
from typing import NamedTuple

from passk.grade.normalize import (
    CLOCK_CANONICAL,
    DECIMAL_GOLD_DIGITS,
    FORMS_SEP,
    RESIDUE_CANONICAL,
    choice_letter,
    has_finite_decimal,
    normalize_answer,
    numbers_equal,
    parse_number,
)

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


class Judgement(NamedTuple):
    equal: bool
    detail: str = ""  # why, where a rule beyond plain equality decided (hedge, false chain, policy)


def quick_verdict(pred: str, gold: str, policy: str = "strict") -> Judgement | None:
    """Decide from canonical strings and plain numbers alone; None means 'ask sympy'."""
    if pred == gold:
        return Judgement(True)
    if FORMS_SEP in gold or FORMS_SEP in pred:  # one answer in several forms: any form answers
        verdicts = [quick_verdict(p, g, policy) for p in pred.split(FORMS_SEP) for g in gold.split(FORMS_SEP)]
        if any(v is not None and v.equal for v in verdicts):
            return Judgement(True)
        return Judgement(False) if all(v is not None for v in verdicts) else None
    pred_residue, gold_residue = RESIDUE_CANONICAL.fullmatch(pred), RESIDUE_CANONICAL.fullmatch(gold)
    if gold_residue and pred_residue:  # two classes: the same modulus and congruent residues
        return Judgement(pred_residue.group(2) == gold_residue.group(2)
                         and _same_residue(pred_residue.group(1), gold_residue.group(1), int(gold_residue.group(2))))
    if gold_residue:
        gold = gold_residue.group(1)  # "x \equiv 4 \pmod 7" solved as "x = 4": the residue answers
    elif pred_residue:
        pred = pred_residue.group(1)  # "2 \pmod 7" answers a gold 2: the residue
    if gold == "\\emptyset" and pred in _NO_SOLUTION or pred == "\\emptyset" and gold in _NO_SOLUTION:
        return Judgement(True)  # "there are no real solutions" answers the empty set, and the empty set "no solution"
    if CLOCK_CANONICAL.match(pred) and CLOCK_CANONICAL.match(gold):  # times of day: "21:00" is not "9:00"
        return Judgement(False)
    gold_values, pred_values = named_values(gold), named_values(pred)
    if gold_values and pred_values:  # "a = -1, b = 2" against "a = 2, b = -1": each name keeps its own value
        if set(gold_values) != set(pred_values):
            return Judgement(False)
        verdicts = [quick_verdict(pred_values[name], value, policy) for name, value in gold_values.items()]
        if any(v is not None and not v.equal for v in verdicts):
            return Judgement(False)
        return Judgement(True) if all(v is not None for v in verdicts) else None
    gold_base, pred_base = _base_numeral(gold), _base_numeral(pred)
    if pred_base is not None and gold_base is not None:  # "(212)_3" is "212_3" (but "1011_2" does not convert 11)
        return Judgement(pred_base == gold_base)
    if gold_base is not None and re.fullmatch(r"\d+", pred):  # "212" for "212_3": the digits in the base the gold names
        return Judgement(_base_numeral(f"{pred}_{{{_BASE_OF.search(gold).group(1)}}}") == gold_base)  # type: ignore[union-attr]
    gold_ratio, pred_ratio = _ratio(gold), _ratio(pred)
    if gold_ratio and pred_ratio:  # "10:6:4" is "5:3:2"; "5:2:3" is not
        return Judgement(len(gold_ratio) == len(pred_ratio) and
                         all(p * gold_ratio[0] == g * pred_ratio[0] for p, g in zip(pred_ratio, gold_ratio, strict=True)))
    named, gold_named = _NAMED_VALUE.match(pred), _NAMED_VALUE.match(gold)
    if named and gold_named and named.group(1) != gold_named.group(1):
        return Judgement(False)  # "y=3" is not "x=3"
    gold_items = split_top_level(gold)
    if len(gold_items) > 1 and all(_same_value(item, gold_items[0]) for item in gold_items[1:]):
        gold = gold_items[0]  # a gold "\frac{3}{4} or 0.75" offers one value in two forms
    aside = _PARENTHESISED_ALTERNATIVE.fullmatch(pred)
    if aside:  # "7 (or 8 if we count the empty set)", "17 (if we count the empty set, 18)": two answers offered
        main, others = aside.group(1), _ASIDE_VALUE.findall(aside.group(2))
        verdicts = [quick_verdict(other, main, policy) for other in others]
        if any(v is None or not v.equal for v in verdicts):
            return Judgement(False, "hedge: another answer offered in parentheses")
        pred = main  # "12 (or equivalently 12.0)"
    approximation = _APPROXIMATION.fullmatch(pred)
    if approximation and not _UNCERTAIN.search(gold):  # "\\frac{1}{3} \\approx 0.333": the exact side answers
        exact, decimal = approximation.groups()
        value = arithmetic_value(exact)
        if value is None:
            return None
        approximate = parse_number(decimal)
        assert approximate is not None  # _APPROXIMATION's group 2 is a plain decimal
        if round(value, len(decimal.split(".")[1])) != approximate.value:
            return Judgement(False, "false equation chain: the approximation is not the value")
        pred = normalize_answer(exact)
    elif _UNCERTAIN.search(pred) and not _UNCERTAIN.search(gold):
        return Judgement(False, "hedge: an approximate or uncertain answer")
    gold_prefixed, pred_prefixed = CHOICE_WITH_VALUE.match(gold), CHOICE_WITH_VALUE.match(pred)
    if pred_prefixed and not gold_prefixed and not choice_letter(gold):
        pred = pred[pred_prefixed.end():]  # "(C)12" answers 12 where the gold is the value, not the letter
    if gold_prefixed and not choice_letter(pred):
        gold = gold[gold_prefixed.end():]  # a gold "(C)12" is answered by its value 12 as by its letter
    if pred.startswith("\\{") and gold.startswith("(") and len(split_top_level(gold)) == 1 and ")(" not in gold:
        return Judgement(False)  # a set is neither an ordered pair nor an interval
    gold_items, pred_items = split_top_level(gold), list(dict.fromkeys(split_top_level(pred)))
    if len(gold_items) == 1 and len(pred_items) > 1 and _is_scalar(gold):
        # "1/2, or 0.5" says one thing twice; "3 or 5" offers alternatives, right or wrong
        verdicts = [quick_verdict(item, gold, policy) for item in pred_items]
        if all(v is not None and v.equal for v in verdicts):
            return Judgement(True)
        if any(v is not None and not v.equal for v in verdicts):
            return Judgement(False, f"hedge: {len(pred_items)} alternatives for one answer")
        return None  # sympy decides whether "\\sqrt{8}, 2\\sqrt{2}" says one thing twice
    if len(pred_items) == 1 and pred_items[0] != pred:
        pred = pred_items[0]  # "5, 5" is one 5
    if len(pred_items) == 1 and has_top_level_equals(pred) and not has_top_level_equals(gold):
        chain = _quick_chain(pred)
        if chain is None:
            return None
        if not chain[0]:
            return Judgement(False, chain[1])
        pred = chain[1]
    gold_choice = choice_letter(gold)
    if gold_choice:
        pred_choice = choice_letter(pred) or choice_letter(pred.upper() if len(pred) <= 3 else pred)
        return Judgement(pred_choice == gold_choice) if pred_choice or parse_number(pred) is None else None
    gold_num, pred_num = parse_number(gold), parse_number(pred)
    if gold_num is not None and pred_num is not None:
        return Judgement(*numbers_equal(pred_num, gold_num, policy))
    if len(gold_items) > 1 or len(pred_items) > 1:
        return _unordered_equal(pred_items, gold_items, policy)
    return None


# "\approx 5", "5?", "probably 5": a guess, whatever its value
_NO_SOLUTION = frozenset({"no", "none", "\\{\\}", "\\emptyset"})  # "no solution", "no real solutions" read as "no"
_UNCERTAIN = re.compile(r"\\approx|\\sim(?![a-z])|≈|\?|\b(?:approx(?:imately)?|about|around|roughly|probably|maybe|"
                        r"perhaps|possibly|likely|guess|i think|i believe|not sure|unsure)\b", re.IGNORECASE)
_APPROXIMATION = re.compile(r"([^≈]+?)\s*(?:\\approx|≈)\s*(-?\d+\.\d+)")
_PARENTHESISED_ALTERNATIVE = re.compile(r"(.+?)\s*\((?:or|if|unless|otherwise|alternatively|else)\b(.*)\)")
_ASIDE_VALUE = re.compile(r"(?<![\d.<>=≤≥\\{}])(?<![<>=]\s)(-?(?:\\frac\{\d+\}\{\d+\}|\d+(?:\.\d+)?(?:/\d+)?))")  # not "x > 0"
_NAMED_VALUE = re.compile(r"^([a-zA-Z](?:_\{?\w+\}?)?)=(?!.*=)")
CHOICE_WITH_VALUE = re.compile(r"^\([A-E]\)(?=.)")  # a canonical "(C)12": a letter with its option's value


_ASSIGNMENT = re.compile(r"^([a-zA-Z](?:_\{?\w+\}?)?)=([^=]+)$")
_TUPLE_ASSIGNMENT = re.compile(r"^\(([a-zA-Z](?:,[a-zA-Z])+)\)=\(([^=]+)\)$")  # "(p,q)=(3,2)"
_RATIO_PART = r"-?\d+(?:\.\d+)?"
_RATIO = re.compile(rf"^{_RATIO_PART}(?::{_RATIO_PART})+$")


def named_values(s: str) -> dict[str, str] | None:
    """'a=2,b=-1' and '(a,b)=(2,-1)' -> {'a': '2', 'b': '-1'}: two or more distinct names, each given one value;
    None for anything else (a list of roots "x=1,x=2" names one variable twice)."""
    tupled = _TUPLE_ASSIGNMENT.match(s)
    if tupled:
        names, items = tupled.group(1).split(","), _top_level_items(tupled.group(2))
        return dict(zip(names, items, strict=True)) if len(names) == len(items) else None
    pairs = [_ASSIGNMENT.match(item) for item in _top_level_items(s)]
    if len(pairs) < 2 or not all(pairs):
        return None
    named = {m.group(1): m.group(2) for m in pairs if m}
    return named if len(named) == len(pairs) else None


def _top_level_items(s: str) -> list[str]:
    items, depth, start = [], 0, 0
    for i, ch in enumerate(s):
        depth += (ch in "([{") - (ch in ")]}")
        if ch == "," and depth == 0:
            items.append(s[start:i])
            start = i + 1
    return [item.strip() for item in items + [s[start:]] if item.strip()]


_BASE_NUMERAL = re.compile(r"^\(?([0-9A-Za-z]+)\)?_\{?\(?(\d{1,2})\)?\}?$")
_BASE_OF = re.compile(r"_\{?\(?(\d{1,2})\)?\}?$")


def _base_numeral(s: str) -> int | None:
    """'212_3', '(212)_3', '1A_{16}' -> its value; None for anything else (or digits the base does not have)."""
    match = _BASE_NUMERAL.match(s)
    if not match or not 2 <= int(match.group(2)) <= 36:
        return None
    try:
        return int(match.group(1), int(match.group(2)))
    except ValueError:
        return None


def _ratio(s: str) -> list[Fraction] | None:
    """'5:3:2' -> its parts; None for anything else, and for a time of day ('20:34')."""
    if not _RATIO.match(s) or re.fullmatch(r"\d{1,2}:\d{2}(?::\d{2})?", s):
        return None
    parts = [Fraction(p) for p in s.split(":")]
    return parts if parts[0] != 0 else None


def _same_residue(a: str, b: str, modulus: int) -> bool:
    x, y = parse_number(a), parse_number(b)
    if x is None or y is None or x.value.denominator != 1 or y.value.denominator != 1:
        return a == b
    return (x.value - y.value) % modulus == 0


def _same_value(a: str, b: str) -> bool:
    """Two parts of a gold that are one value (in plain arithmetic): '\\frac{3}{4}' and '0.75'."""
    if a == b:
        return True
    x, y = arithmetic_value(a), arithmetic_value(b)
    return x is not None and x == y


def _is_scalar(gold: str) -> bool:
    """One value: not a list, tuple, interval, set or matrix, whose parts a list answer could be."""
    return "," not in gold and "&" not in gold and "\\\\" not in gold


def _unordered_equal(pred_items: list[str], gold_items: list[str], policy: str) -> Judgement | None:
    if len(pred_items) != len(gold_items):
        return None if _any_symbolic(pred_items + gold_items) else Judgement(False)
    remaining = list(gold_items)
    for item in pred_items:
        match = next((g for g in remaining if (quick_verdict(item, g, policy) or Judgement(False)).equal), None)
        if match is None:
            return None if _any_symbolic(pred_items + gold_items) else Judgement(False)
        remaining.remove(match)
    return Judgement(True)


def _any_symbolic(items: list[str]) -> bool:
    return any(parse_number(i) is None and choice_letter(i) is None for i in items)


_EQUALS = re.compile(r"(?<![<>:=\\])(?<!(?<![\d)}])!)=(?!=)")  # "4!=24" is 4! = 24; "a!=b" is not an equation
_NAME = re.compile(r"^(?:[A-Za-z](?:_\{?\w+\}?)?(?:\^\{?-?\w+\}?)?|[A-Z]{2,3}|[A-Za-z]\([^()]*\)|\\angle ?[A-Z]{2,3})$")


def equation_sides(s: str) -> list[str]:
    """'a = b = c' -> ['a', 'b', 'c']; an '=' inside braces or brackets (\\sum_{n=1}) is not a side."""
    sides, depth, start = [], 0, 0
    for match in re.finditer(r"[{(\[]|[})\]]|" + _EQUALS.pattern, s):
        token = match.group(0)
        if token in "{([":
            depth += 1
        elif token in "})]":
            depth -= 1
        elif depth == 0:
            sides.append(s[start:match.start()].strip())
            start = match.end()
    return sides + [s[start:].strip()]


def has_top_level_equals(s: str) -> bool:
    return "=" in s and len(equation_sides(s)) > 1


def _quick_chain(pred: str) -> tuple[bool, str] | None:
    """'x = 5 + 6 = 11' -> (True, '11'); '2+2=5' -> (False, why); None when sympy must evaluate a side.

    The last side answers only where the chain holds: every side that is a number agrees."""
    sides = equation_sides(pred)
    if not sides[-1]:
        return False, "an equation with no right-hand side"
    from_name = _NAME.match(sides[0]) is not None  # "S = <work> = 13": only the plain arithmetic of the work is checked
    values: list[tuple[str, Fraction]] = []
    for side in sides:
        if _NAME.match(side):
            continue
        value = arithmetic_value(side)
        number = parse_number(normalize_answer(side)) if value is None else None
        if number is not None and number.percent:
            value = number.value / 100  # "0.2 = 20\%": a conversion to percent
        if value is None and from_name and side is not sides[-1]:
            continue  # symbolic work between the name and the value
        if value is None:
            return None
        values.append((side, value))
    exact = [(side, v) for side, v in values if not _rounds(side, v, values)]
    if not exact or any(v != exact[0][1] for _, v in exact):
        return False, "false equation chain: its sides are not equal"
    if len(exact) < len(values):  # "0.33 = \frac13", "\frac{4}{3} = 1.33": a rounding beside the exact value
        return True, normalize_answer(exact[-1][0])
    named = [side for side in sides if not _NAME.match(side)]  # "5 = x" answers 5
    return True, normalize_answer(named[-1] if named else sides[-1])


def _rounds(side: str, value: Fraction, values: list[tuple[str, Fraction]]) -> bool:
    """A decimal side that is a rounding (to its own decimals) of a different value in the chain."""
    number = parse_number(normalize_answer(side))
    significant = re.sub(r"\D", "", normalize_answer(side)).lstrip("0")
    if number is None or not number.decimals or len(significant) < 2:  # "0.3" for 1/3 is too coarse for a rounding
        return False
    step = Fraction(1, 10 ** number.decimals)
    return any(other != value and abs(other - value) <= step / 2 for _, other in values)


def arithmetic_value(s: str) -> Fraction | None:
    """The exact value of plain arithmetic ('5 \\times 6 + \\frac{1}{2}', '2^{10}'), else None."""
    number = parse_number(normalize_answer(s))
    if number is not None:
        return number.value if not number.percent else None
    text = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"((\1)/(\2))", s)
    text = re.sub(r"\\(?:times|cdot)", "*", text).replace("^", "**").replace("{", "(").replace("}", ")")
    if not re.fullmatch(r"[\d\s.+\-*/()]+", text):
        return None
    try:
        return _evaluate(ast.parse(text, mode="eval").body)
    except (SyntaxError, ZeroDivisionError, ValueError, OverflowError, RecursionError):
        return None


def _evaluate(node: ast.AST) -> Fraction | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return Fraction(str(node.value))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        value = _evaluate(node.operand)
        return None if value is None else (value if isinstance(node.op, ast.UAdd) else -value)
    if not isinstance(node, ast.BinOp):
        return None
    left, right = _evaluate(node.left), _evaluate(node.right)
    if left is None or right is None:
        return None
    if isinstance(node.op, ast.Pow):  # small integer powers only: 2^{10^{10}} is not arithmetic to do here
        if right.denominator != 1 or abs(right) > 64 or abs(left) > 10 ** 12:
            return None
        return left ** int(right)
    ops = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
    op = ops.get(type(node.op))
    return None if op is None else op(left, right)


def split_top_level(s: str) -> list[str]:
    """Split a bare comma list ('1, 2, 3' or '7, -2 and -5') at depth 0; tuples stay whole."""
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
    if re.search(r"\d\s*!\s*!|\d{4,}\s*!|[({][^(){}]*(?:\^|\d{4})[^(){}]*[)}]\s*!", s):
        raise Refused("a huge factorial")  # 10000!, (10^6)!, {2^{20}}!


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


def symbolic_verdict(pred: str, gold: str, policy: str = "strict") -> tuple[Judgement, str]:
    """(judgement, method) from math-verify, then sympy; may be slow: run it under a timeout.

    The caller has passed both sides through `check_sane`."""
    from math_verify import verify

    approximation = _APPROXIMATION.fullmatch(pred)
    if approximation:  # quick_verdict could not evaluate the exact side: sympy does
        exact, decimal = approximation.groups()
        exact_parsed, number = _parse(exact), parse_number(decimal)
        if not exact_parsed or not _rounds_to(exact_parsed[0], number):
            return Judgement(False, "false equation chain: the approximation is not the value"), "sympy"
        pred = exact
    items = list(dict.fromkeys(split_top_level(pred)))
    if len(items) > 1 and len(split_top_level(gold)) == 1 and _is_scalar(gold):  # alternatives quick could not settle
        if all(symbolic_verdict(item, gold, policy)[0].equal for item in items):
            return Judgement(True), "math_verify"
        return Judgement(False, f"hedge: {len(items)} alternatives for one answer"), "math_verify"
    if FORMS_SEP in gold or FORMS_SEP in pred:  # one answer in several forms: any form answers
        for p in pred.split(FORMS_SEP):
            for g in gold.split(FORMS_SEP):
                judgement, method = symbolic_verdict(p, g, policy)
                if judgement.equal:
                    return judgement, method
        return Judgement(False), "math_verify"
    gold_items = split_top_level(gold)
    if len(gold_items) > 1 and len(items) == 1 and all(_verified(item, gold_items[0]) for item in gold_items[1:]):
        gold = gold_items[0]  # "\\frac{\\pi}{4} or 45^\\circ": one value in two forms
    gold_parsed = _parse(gold)
    chain = len(items) == 1 and has_top_level_equals(pred) and not has_top_level_equals(gold)
    pred_parsed = [] if chain else _parse(pred)  # a chain is read side by side below
    if chain:
        held = _chain_holds(pred)
        if not held:
            return Judgement(False, "false equation chain: its sides are not equal"), "sympy"
        named = [side for side in equation_sides(pred) if not _NAME.match(side)]  # "5 = x" answers 5
        pred_parsed = _parse(named[-1] if named else equation_sides(pred)[-1])
    if gold_parsed and pred_parsed:
        if not _numerically_apart(gold_parsed[0], pred_parsed[0]) and \
                verify(gold_parsed, pred_parsed, timeout_seconds=None, allow_set_relation_comp=True):
            return _policy_on_decimals(pred, gold_parsed, policy), "math_verify"
        if policy == "lenient" and _rounded_decimal_equal(pred, gold_parsed):
            return Judgement(True, "lenient: a correctly rounded decimal of an exact answer"), "math_verify"
        if _exact_at_decimal_gold(pred_parsed, gold) or _complex_equal(pred_parsed, gold_parsed, gold):
            return Judgement(True), "math_verify"
        return Judgement(False), "math_verify"
    verdict = _sympy_plain(pred, gold)
    if verdict is not None:
        return Judgement(verdict), "sympy"
    return Judgement(False), "unparsed"


def _verified(a: str, b: str) -> bool:
    from math_verify import verify

    parsed_a, parsed_b = _parse(a), _parse(b)
    return bool(parsed_a and parsed_b and verify(parsed_a, parsed_b, timeout_seconds=None))


def _parse(answer: str) -> list:
    """math-verify's reading of one canonical answer; a finite sum or product is evaluated first."""
    from math_verify import parse

    series = _SERIES.fullmatch(answer)
    if series:
        return [_series_value(*series.groups())]
    if "\\sum" in answer or "\\prod" in answer:
        raise Refused("a sum or product that is not one finite series with integer bounds")
    return parse(f"${answer}$", _math_verify_config(), parsing_timeout=None)


_SERIES = re.compile(r"\\(sum|prod)_\{?\s*([a-zA-Z])\s*=\s*(-?\d+)\s*\}?\s*\^\s*(\{(?:[^{}]|\{[^{}]*\})+\}|\d)\s*(.+)")
MAX_SERIES_TERMS = 10_000


def _series_value(kind: str, var: str, low: str, high: str, body: str):
    """\\sum_{n=1}^{3} n = 6, evaluated term by term; a series of more than 10,000 terms is refused."""
    import sympy
    from math_verify import parse

    high_value = arithmetic_value(high[1:-1] if high.startswith("{") else high)
    if high_value is None or high_value.denominator != 1:
        raise Refused(f"a {kind} whose upper bound {high} is not an integer")
    count = int(high_value) - int(low) + 1
    if count > MAX_SERIES_TERMS:
        raise Refused(f"a {kind} of {count} terms (limit {MAX_SERIES_TERMS})")
    parsed = parse(f"${body.strip()}$", _math_verify_config(), parsing_timeout=None)
    if not parsed or not isinstance(parsed[0], sympy.Expr):
        raise Refused(f"a {kind} whose terms could not be read")
    symbol = next((s for s in parsed[0].free_symbols if s.name == var), sympy.Symbol(var))
    terms = [parsed[0].subs(symbol, k) for k in range(int(low), int(high_value) + 1)]
    return sympy.Add(*terms) if kind == "sum" else sympy.Mul(*terms)


_IMAGINARY_UNIT = re.compile(r"(?<![\\a-zA-Z])i(?![a-zA-Z])")


def _numerically_apart(gold_expr, pred_expr) -> bool:
    """Two expressions whose values differ, at two generic points for their letters, by far more than any rounding
    math-verify forgives: unequal without `simplify`, which costs ~15-25 ms a pair (an integer against 11\\sqrt2,
    -2+7i or p - q: most wrong answers of a large run). Equal expressions agree at every point, so this never
    rejects an equal pair; a pair it cannot evaluate goes on to `verify`."""
    import sympy

    if not all(isinstance(e, sympy.Expr) for e in (gold_expr, pred_expr)):
        return False
    letters = sorted(gold_expr.free_symbols | pred_expr.free_symbols, key=lambda s: s.name)
    for point in _GENERIC_POINTS:
        values = {s: point[k % len(point)] + k for k, s in enumerate(letters)}
        try:
            a, b = (complex(e.subs(values).evalf(20)) for e in (gold_expr, pred_expr))
        except (TypeError, ValueError, OverflowError):  # zoo, nan, a function left unevaluated
            return False
        if not all(map(math.isfinite, (a.real, a.imag, b.real, b.imag))) or \
                abs(a - b) <= 1e-4 * max(1.0, abs(a), abs(b)):
            return False
    return True


_GENERIC_POINTS = ((0.5377, 1.8339, 2.2588), (1.3188, 0.6715, 2.7254))


def _complex_equal(pred_parsed: list, gold_parsed: list, gold: str) -> bool:
    """i(2-i) answers 1+2i: where the gold uses i as a number, i is the imaginary unit on both sides."""
    import sympy

    gold_expr, pred_expr = gold_parsed[0], pred_parsed[0]
    if not _IMAGINARY_UNIT.search(gold) or not all(isinstance(e, sympy.Expr) for e in (gold_expr, pred_expr)):
        return False

    def unit(expr):  # also in polar form: 2e^{i\pi/3}, \sqrt{2}(\cos\frac{\pi}{4} + i\sin\frac{\pi}{4}); \sqrt{-4} is 2i
        return expr.subs({s: sympy.I for s in expr.free_symbols if s.name == "i"}).subs(
            {s: sympy.E for s in expr.free_symbols if s.name == "e"})

    difference = unit(gold_expr) - unit(pred_expr)
    if difference.is_number:
        return abs(complex(difference.evalf(30))) < 1e-12
    return sympy.simplify(sympy.expand(difference)) == 0


def _chain_holds(pred: str) -> bool:
    """Every side of 'a = b = c' that is a number has the same value, and no two neighbouring sides
    differ by a nonzero number ('\\sin^2 x + \\cos^2 x = 2')."""
    import sympy

    exprs = []
    for side in equation_sides(pred):
        parsed = _parse(side) if side else []
        exprs.append(parsed[0] if parsed and isinstance(parsed[0], sympy.Expr) else None)
    values = [e for e in exprs if e is not None and e.is_number]
    if not all(_same_number(v, values[0]) for v in values[1:]):
        return False
    for a, b in pairwise(exprs):
        if a is not None and b is not None and not (a.is_number and b.is_number):
            difference = sympy.simplify(a - b)
            if difference.is_number and difference != 0:
                return False
    return True


def _same_number(a, b) -> bool:
    import sympy

    try:
        return abs(complex((a - b).evalf(30))) < 1e-12
    except (TypeError, ValueError):  # a number sympy cannot evaluate (a percent sign parsed as a symbol's factor)
        return sympy.simplify(a - b) == 0


def _policy_on_decimals(pred: str, gold_parsed: list, policy: str) -> Judgement:
    """math-verify rounds to 6 places, so 3.14159265 answers pi for it; under strict, an exact gold
    needs an exact answer."""
    number = parse_number(pred)
    gold_expr = gold_parsed[0]
    if number is None or not number.decimals or policy == "lenient" or not _is_exact_irrational(gold_expr):
        return Judgement(True)
    return Judgement(False, "policy: a rounded decimal of an exact answer (strict; --policy lenient accepts it)")


def _is_exact_irrational(expr) -> bool:
    """pi, sqrt(2), 1/3: exact values with no finite decimal form."""
    from sympy import Expr, Float, Rational

    if not isinstance(expr, Expr) or not expr.is_number or expr.has(Float):
        return False
    return not (isinstance(expr, Rational) and has_finite_decimal(Fraction(int(expr.p), int(expr.q))))


def _exact_at_decimal_gold(pred_parsed: list, gold: str) -> bool:
    """A decimal gold of 3+ significant digits is the exact answer rounded: 10/3 answers 3.33333333."""
    number = parse_number(gold)
    if number is None or not number.decimals or number.significant_digits < DECIMAL_GOLD_DIGITS or not pred_parsed:
        return False
    return _rounds_to(pred_parsed[0], number)


def _rounded_decimal_equal(pred: str, gold_parsed: list) -> bool:
    """A decimal prediction (125.664) of an irrational gold (40 pi), correctly rounded (lenient only)."""
    number = parse_number(pred)
    if number is None or not number.decimals or number.significant_digits < 3:
        return False
    return _rounds_to(gold_parsed[0], number)


def _rounds_to(exact, decimal) -> bool:
    """Is the exact real value, rounded to the decimal's places, that decimal?"""
    from sympy import Expr, Float, Rational

    if not isinstance(exact, Expr) or not exact.is_number or not exact.is_real or exact.has(Float):
        return False
    value = exact.evalf(decimal.decimals + 30)
    return abs(Rational(decimal.value) - value) <= Float(0.5) * Rational(1, 10 ** decimal.decimals)


def _sympy_plain(pred: str, gold: str) -> bool | None:
    """Plain-text expressions ('sqrt(2)/2', 'x^2+1') that math-verify's LaTeX reader skips."""
    from sympy import simplify
    from sympy.parsing.sympy_parser import (
        convert_xor,
        implicit_multiplication_application,
        parse_expr,
        standard_transformations,
    )

    transformations = standard_transformations + (implicit_multiplication_application, convert_xor)
    try:
        a = parse_expr(pred, transformations=transformations, evaluate=True)
        b = parse_expr(gold, transformations=transformations, evaluate=True)
        return bool(simplify(a - b) == 0)
    except Exception:  # noqa: BLE001 - any parse failure means "no opinion"
        return None
