"""Canonical strings and numbers for answers; each convention is written here once.

Conventions (also in docs/grading.md):
- Presentation is ignored: $...$, \\left/\\right, spacing commands, \\dfrac/\\tfrac,
  \\frac12, ^\\circ and degree signs, a trailing period, \\text{} around words,
  "x =" or "x \\in" in front of a single answer.
- Units after a number are dropped ("5 \\text{ cm}", "72 degrees").
- Thousands separators are read only in groups of three digits ("1,000", "1\\,000", "1{,}000").
- A bare comma list is an unordered collection of answers ("1, 2" equals "2, 1");
  parentheses or brackets make it an ordered tuple or an interval.
- \\log without a base is the natural logarithm (written \\ln); \\log_b keeps its base, so
  \\ln 2 and \\log_{10} 2 differ.
- Word answers compare case-insensitively ("No" equals "no").
- A percent "p%" equals both p and p/100.
- Exact numbers (integers, fractions, finite decimals) compare exactly: 27.0 = 27, 0.50 = 1/2.
  An exact gold needs an exact answer (policy `strict`): 0.333 does not answer 1/3. A decimal gold of
  3+ significant digits is the exact answer rounded, so 10/3 answers 3.33333333. Policy `lenient`
  also accepts a decimal that is the exact gold correctly rounded (3+ significant digits).
- A mixed number is an integer followed by a proper fraction: 2\\frac{1}{2} and 3128 1/2 mean 2.5 and 3128.5.
- Choice answers: "\\text{(C)}", "(C)", "\\textbf{(C)} 12" and "C" all mean choice C.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

MAX_NORMALIZED_CHARS = 4000
# A JSON or Python string written with single backslashes turns "\frac" into a form feed and "rac",
# "\text" into a tab and "ext"; these are repaired before anything else looks at the answer.
_ESCAPE_REPAIRS = (("\x0c", "\\f"), ("\x08", "\\b"), ("\x0b", "\\v"), ("\x07", "\\a"))
_TAB_OR_CR_BEFORE_COMMAND = re.compile(r"[\t\r](?=(?:ext|imes|heta|frac|au|o\b|ight|ho|m\b))")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

_TEXT_COMMANDS = re.compile(r"\\(?:text|textbf|textit|textrm|textnormal|mathrm|mathbf|mbox|operatorname|mathit|rm|mathcal|mathscr|"
                            r"mathsf|mathtt|boldsymbol|bm)\s*\{([^{}]*)\}")
_SPACING = re.compile(r"(?<!\\)\\[,;: ]|\\q?quad|~")
_NEGATIVE_SPACE = re.compile(r"(?<!\\)\\!")
_DEGREE_SIGN = r"(?:\^\s*\{?\s*\\circ\s*\}?|°|\\degree)"
# a degree sign ending a number is dropped ("30^\circ" is 30); inside an expression it is pi/180
_DEGREES_ENDING_NUMBER = re.compile(rf"(?:^|(?<=,)|(?<=, )|(?<==)|(?<== )|(?<=\()|(?<=\[))(-?\d+(?:\.\d+)?)\s*"
                                    rf"{_DEGREE_SIGN}(?=\s*(?:$|,|\)|\]|\\text))")  # "30^\circ", "x = 30^\circ, 60^\circ"
_DEGREES = re.compile(_DEGREE_SIGN)
_DEGREES_OF_NUMBER = re.compile(rf"(?<![\d.])(\d+(?:\.\d+)?)\s*{_DEGREE_SIGN}")
_PLUS_MINUS = re.compile(r"^\\pm\s*(\d+(?:\.\d+)?|\\sqrt\{[^{}]*\}|\\frac\{[^{}]*\}\{[^{}]*\}|[a-z])$")
_FRAC_SHORT = re.compile(r"\\frac\s*(\d)\s*(\d)")
_FRAC_HALF_SHORT = re.compile(r"\\frac\s*(\d)\s*\{")
_FRAC_DEN_SHORT = re.compile(r"\\frac\s*(\{[^{}]*\})\s*(\d)")
# "x = 5" answers 5; "y = 2x + 1" is an equation (its right side has a free letter) and stays one
_LEADING_VAR = re.compile(r"^[a-zA-Z](?:_\{?\w+\}?)?\s*(?:=|\\in)\s*(?!.*=)(?!.*(?<![\\a-zA-Z])[a-zA-Z](?![a-zA-Z]))")
# words after a number are its unit or a label: "10 weeks", "17 \text{ any text}"
# (not a magnitude or a comparison: "10 thousand" is 10^4, "5 or more" is no one number)
_NOT_A_LABEL = (r"(?!(?:thousand|million|billion|trillion|hundred|dozen|squared|cubed|more|less|fewer|times|or|and"
                r"|not|no|never|impossible|none)\b)")
_TRAILING_WORDS = re.compile(rf"(?<=[\d}}])\s*(?:\\(?:text\w*|mbox|mathrm)\{{\s*{_NOT_A_LABEL}[A-Za-z][A-Za-z .]*\}}"
                             rf"|\s{_NOT_A_LABEL}[A-Za-z]{{2,}}(?: [A-Za-z]+){{0,2}})\s*\.?$")
_NATURAL_LOG = re.compile(r"\\log(?!\s*_)(?![a-zA-Z])")
_MAGNITUDE = re.compile(r"(?<=[\d}])\s*(?:\\(?:text\w*|mbox|mathrm)\{\s*)?(thousand|million|billion|trillion|hundred|dozen)"
                        r"\s*\}?\s*$", re.IGNORECASE)
_MAGNITUDES = {"hundred": "\\times10^{2}", "thousand": "\\times10^{3}", "million": "\\times10^{6}",
               "billion": "\\times10^{9}", "trillion": "\\times10^{12}", "dozen": "\\times12"}
_UNICODE = (("½", "\\frac{1}{2}"), ("⅓", "\\frac{1}{3}"), ("⅔", "\\frac{2}{3}"), ("¼", "\\frac{1}{4}"),
            ("¾", "\\frac{3}{4}"), ("π", "\\pi "), ("×", "\\times "), ("−", "-"), ("≤", "\\le "),
            ("≥", "\\ge "), ("∞", "\\infty "), ("·", "\\cdot "))
_UNICODE_ROOT = re.compile(r"√\s*(\d+|[a-zA-Z]|\([^()]*\))")
_REPEATING = re.compile(r"^(-?)(\d*)\.(\d*)\\overline\{(\d+)\}$")  # 0.1\overline{6} = 1/6
_UNIT_WORDS = (
    "degrees", "degree", "deg", "units", "unit", "cm", "m", "km", "mm", "inches", "inch", "in", "feet", "foot",
    "ft", "yards", "yard", "meters", "meter", "metres", "metre", "miles", "mile", "hours", "hour", "hr", "h",
    "minutes", "minute", "min", "seconds", "second", "s", "sec", "days", "day", "weeks", "week", "dollars",
    "cents", "mph", "kph", "kg", "g", "grams", "gram", "pounds", "lb", "lbs", "ounces", "oz", "liters", "liter",
    "l", "ml", "points", "students", "people", "ways", "years", "year", "ft", "sq", "radians", "radian", "rad",
)
_UNIT = "(?:" + "|".join(sorted(map(re.escape, _UNIT_WORDS), key=len, reverse=True)) + r")\b(?:\s*\^\s*\{?\d\}?)?"
# a unit needs a space or a \text{} wrapper: "10 m" is 10 metres but "10m" may be 10 times m; inside \text{}
# it may follow anything ("8\pi \text{ cm}^2"); "km/h", "m/s^2", "square feet", "cubic units" too
# a unit in a wrapper closes it: "\\mathrm{~km} / \\mathrm{h}" as OlympiadBench writes units
_UNITS = (r"(?P<w1>\\(?:text\w*|mbox|mathrm)\{\s*~?)?(?:square |cubic |sq\.? )?" + _UNIT + r"(?:\s*/\s*" + _UNIT + r")?"
          r"\s*(?(w1)\})(?:\s*/\s*(?P<w2>\\(?:text\w*|mbox|mathrm)\{\s*~?)?" + _UNIT + r"\s*(?(w2)\}))?")
_TRAILING_UNIT = re.compile(r"(?:(?<=[\d}.])\s+|\s*(?=\\(?:text|mbox|mathrm)))" + _UNITS +
                            r"\s*(?:\^\s*\{?\d\}?)?\s*$", re.IGNORECASE)
_PERCENT_WORD = re.compile(r"\s*(?:\\text\{\s*)?(?:pct|percent)\b\}?\s*$", re.IGNORECASE)
_LIST_CONJUNCTION = re.compile(r"\s*(?:,\s*)?\\text\{\s*(?:and|or)\s*\}\s*|\s*,?\s*\\(?:lor|vee)\s*"
                               r"|(?<=[\w})])\s*,?\s+(?:and|or)\s+(?=[-\w\\(])")
_MATRIX_ENV = re.compile(r"\\(begin|end)\{[bBvV]?matrix\}")
_TUPLE_JOIN = re.compile(r"\(([^()]*,[^()]*)\)\s*(?:[;；]\s*)?(?=\([^()]*,[^()]*\))")  # "(1,2)(3,4)"; not "(x-1)(x+2)"
_CHOICE = re.compile(r"^\(?([A-E])\)?$")
# "\textbf{(C)} 12" is choice C; "(C) or (D)" is not one choice
_CHOICE_PREFIX = re.compile(r"^(?:\\textbf\{|\\text\{|\\mathrm\{)?\(([A-E])\)\}?(?!.*(?:\([A-Ea-e]\)|\b[A-E]\b))")
_SPACE_NOT_BETWEEN_WORDS = re.compile(r"(?<![A-Za-z0-9]) | (?![A-Za-z0-9])")
_THOUSANDS = re.compile(r"^-?\d{1,3}(?:(?:,\d{3})+|(?: \d{3})+)(?:\.\d+)?$")


def repair_escapes(s: str) -> str:
    for bad, good in _ESCAPE_REPAIRS:
        s = s.replace(bad, good)
    s = _TAB_OR_CR_BEFORE_COMMAND.sub(lambda m: "\\t" if m.group(0) == "\t" else "\\r", s)
    return _CONTROL_CHARS.sub("", s)


@lru_cache(maxsize=1 << 16)
def normalize_answer(s: str) -> str:
    """A canonical string: two answers with equal canonical strings are equivalent."""
    if len(s) > MAX_NORMALIZED_CHARS:
        return s  # refused before any comparison (equivalence.check_sane); never worth normalizing
    s = repair_escapes(s).strip()
    for char, latex in _UNICODE:
        s = s.replace(char, latex)
    s = _UNICODE_ROOT.sub(r"\\sqrt{\1}", s)
    s = strip_delims(s)
    s = s.replace("\\left", "").replace("\\right", "").replace("\\displaystyle", "")
    s = s.replace("\\langle", "(").replace("\\rangle", ")")  # a vector <1, 2, 3> is the tuple (1, 2, 3)
    s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("\\dbinom", "\\binom")
    s = _NATURAL_LOG.sub(r"\\ln", s)  # an unsubscripted \\log is natural; \\log_b keeps its base
    s = _MATRIX_ENV.sub(r"\\\1{pmatrix}", s)
    s = _LIST_CONJUNCTION.sub(", ", s)
    s = _PERCENT_WORD.sub("%", s)
    s = re.sub(r",\\!\s*", ",", s).replace("{,}", "").replace("\\%", "%").replace("\\$", "")  # 11,\!111 is 11,111
    s = _NEGATIVE_SPACE.sub("", _SPACING.sub(" ", s))
    s = _DEGREES_ENDING_NUMBER.sub(r"\1", s)
    s = _DEGREES_OF_NUMBER.sub(r"(\1\\cdot\\frac{\\pi}{180})", s)  # \\sin 30^\\circ is sin(pi/6)
    s = _DEGREES.sub(r"\\cdot\\frac{\\pi}{180}", s)  # sin(90^\circ - x) is sin(pi/2 - x)
    s = _MAGNITUDE.sub(lambda m: _MAGNITUDES[m.group(1).lower()], s)
    s = _TRAILING_UNIT.sub("", s).strip()
    s = _TRAILING_WORDS.sub("", s).strip()
    s = _TEXT_COMMANDS.sub(r"\1", s)
    s = _TRAILING_WORDS.sub("", s).strip()  # "\text{5 ways}"
    s = _FRAC_SHORT.sub(r"\\frac{\1}{\2}", s)
    s = _FRAC_HALF_SHORT.sub(r"\\frac{\1}{", s)
    s = _FRAC_DEN_SHORT.sub(r"\\frac\1{\2}", s)
    s = _LEADING_VAR.sub("", s.strip())
    s = _PLUS_MINUS.sub(r"\1, -\1", s)  # "\\pm 3" is two answers, 3 and -3
    s = s.strip().rstrip(".").strip()
    if s.startswith("$") or s.endswith("$"):
        s = s.strip("$").strip()
    choice = _CHOICE.match(s)
    if choice:
        return choice.group(1)
    prefixed = _CHOICE_PREFIX.match(s)
    if prefixed:  # "\textbf{(C)}\ 12": choice C, whose value is 12
        rest = normalize_answer(s[prefixed.end():]) if s[prefixed.end():].strip() else ""
        return f"({prefixed.group(1)}){rest}" if rest else prefixed.group(1)
    s = re.sub(r"\s+", " ", s)
    yes_no = yes_or_no(s)  # "No, such n does not exist" answers a yes/no question with "no"
    if yes_no:
        return yes_no
    if re.fullmatch(r"[A-Za-z][A-Za-z ,.;'-]*", s) and len(s) > 1:
        return s.lower().rstrip(".")
    s = _TUPLE_JOIN.sub(r"(\1),", s)  # "(1,2)(3,4)" and "(1,2); (3,4)" list two tuples
    if _THOUSANDS.match(s):  # "1,000" and "1 000" are thousands; "1, 000" is a list
        return s.replace(",", "").replace(" ", "")
    return _SPACE_NOT_BETWEEN_WORDS.sub("", s)  # keep "\\pi r" and "3128 1/2" apart, join "x + 1"


def yes_or_no(s: str) -> str | None:
    """'No, such n does not exist' -> 'no'; 'Yes for even n, no for odd n' and 'yes or no' -> None."""
    match = re.match(r"(yes|no)(?![A-Za-z])", s, re.IGNORECASE)
    if not match:
        return None
    word, rest = match.group(1).lower(), s[match.end():]
    other = r"\byes\b" if word == "no" else r"\bno\b(?=\s*(?:if|for|when|otherwise|else|[,.;)]|$))"
    return None if re.search(other, rest, re.IGNORECASE) else word


def strip_delims(s: str) -> str:
    """The answer inside its delimiters: $x$, $$x$$, \\(x\\), \\[x\\] and \\boxed{x} are x, nested or not."""
    changed = True
    while changed:
        changed = False
        s = s.strip()
        for left, right in (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$"), ("\\boxed{", "}")):
            if s.startswith(left) and s.endswith(right) and len(s) >= len(left) + len(right):
                s = s[len(left): len(s) - len(right)]
                changed = True
    return s


def choice_letter(s: str) -> str | None:
    """'(C)', '\\text{(C)}', '\\textbf{(C)} 12', 'C' -> 'C'; anything else -> None."""
    s = s.strip()
    match = _CHOICE.match(s) or _CHOICE_PREFIX.match(s)
    return match.group(1) if match else None


@dataclass(frozen=True)
class Number:
    value: Fraction
    decimals: int | None  # digits after the decimal point when written as a decimal, else None
    percent: bool = False

    @property
    def significant_digits(self) -> int:
        digits = re.sub(r"\D", "", format(abs(float(self.value)), ".15g").split("e")[0]).lstrip("0")
        return len(digits)


_INT = r"-?\d+"
_DEC = r"-?(?:\d+\.\d*|\.\d+|\d+)"
_NUMBER_FORMS = (
    (re.compile(rf"^({_DEC})(?:e|E|\\times10\^|\\cdot10\^|\*10\^)\{{?({_INT})\}}?$"), "sci"),
    (re.compile(rf"^({_DEC})$"), "dec"),
    (re.compile(rf"^({_INT})/({_INT})$"), "ratio"),
    (re.compile(rf"^(-?)\\frac\{{({_INT})\}}\{{({_INT})\}}$"), "frac"),
    (re.compile(r"^(-?)(\d+)(?: (\d+)/(\d+)|\\frac\{(\d+)\}\{(\d+)\})$"), "mixed"),  # 3 1/2, 2\frac{1}{2}
)


@lru_cache(maxsize=1 << 16)
def parse_number(s: str) -> Number | None:
    """Read a normalized answer as a plain number, or None when it is anything else."""
    percent = s.endswith("%")
    if percent:
        s = s[:-1]
    repeating = _REPEATING.match(s)
    if repeating:  # 0.\overline{3} = 1/3: exact
        sign, whole, fixed, cycle = repeating.groups()
        value = int(whole or 0) + Fraction(int(fixed or 0), 10 ** len(fixed)) + \
            Fraction(int(cycle), (10 ** len(cycle) - 1) * 10 ** len(fixed))
        return Number(-value if sign else value, None, percent)
    for pattern, form in _NUMBER_FORMS:
        match = pattern.match(s)
        if not match:
            continue
        if form == "dec":
            text = match.group(1)
            decimals = len(text.split(".")[1]) if "." in text else None
            return Number(Fraction(text), decimals, percent)
        if form == "sci":
            mantissa, exponent = match.group(1), int(match.group(2))
            if abs(exponent) > 400:
                return None
            return Number(Fraction(mantissa) * Fraction(10) ** exponent, None, percent)
        if form == "mixed":
            sign, whole, *parts = match.groups()
            num, den = (int(p) for p in parts if p is not None)
            if den == 0 or num >= den:
                return None
            value = int(whole) + Fraction(num, den)
            return Number(-value if sign else value, None, percent)
        if form == "ratio":
            num, den = int(match.group(1)), int(match.group(2))
        else:
            num, den = int(match.group(2)), int(match.group(3))
            num = -num if match.group(1) else num
        if den == 0:
            return None
        return Number(Fraction(num, den), None, percent)
    return None


POLICIES = ("strict", "lenient")


DECIMAL_GOLD_DIGITS = 6  # a decimal gold this precise is a computed value: 10/3 answers 3.33333333


def numbers_equal(pred: Number, gold: Number, policy: str = "strict") -> tuple[bool, str]:
    """(equal, detail) under the conventions above; detail names a policy rejection."""
    if pred.percent and gold.percent:  # 0.25% is not 25%
        gold_values, pred_values = [gold.value], [pred.value]
    else:
        gold_values = [gold.value] + ([gold.value / 100] if gold.percent else [])
        pred_values = [pred.value] + ([pred.value / 100] if pred.percent else [])
    if any(p == g or _at_gold_precision(p, pred, g, gold) for p in pred_values for g in gold_values):
        return True, ""
    pairs = [(p, g) for p in pred_values for g in gold_values]
    rounded = any(rounded_decimal_of(p, pred, g) for p, g in pairs)
    if rounded and policy == "lenient":
        return True, "lenient: a correctly rounded decimal of an exact answer"
    if rounded or any(_close_at_six_places(p, pred, g) for p, g in pairs):
        return False, "policy: a rounded decimal of an exact answer (strict; --policy lenient accepts it)"
    return False, ""


def _at_gold_precision(p: Fraction, pred: Number, g: Fraction, gold: Number) -> bool:
    """A precise decimal gold is the exact answer rounded: 3.33333333 is answered by 10/3 (3.14 is not 22/7)."""
    if not gold.decimals or pred.decimals is not None or gold.significant_digits < DECIMAL_GOLD_DIGITS:
        return False
    return round(p, gold.decimals) == g


def _close_at_six_places(p: Fraction, pred: Number, g: Fraction) -> bool:
    """Where Math-Verify (rounding to 6 places) would accept a decimal for an exact answer."""
    return bool(pred.decimals) and not has_finite_decimal(g) and round(p, 6) == round(g, 6)


def rounded_decimal_of(p: Fraction, pred: Number, g: Fraction) -> bool:
    """0.333 for 1/3: a decimal (3+ significant digits) that is the exact gold correctly rounded."""
    if not pred.decimals or has_finite_decimal(g) or pred.significant_digits < 3:
        return False
    return round(g, pred.decimals) == p


def has_finite_decimal(x: Fraction) -> bool:
    den = x.denominator
    for prime in (2, 5):
        while den % prime == 0:
            den //= prime
    return den == 1
