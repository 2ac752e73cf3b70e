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
- A percent "p%" equals p/100, and p where the other side has no % and p >= 1 ("0.25%" is not 0.25).
- Exact numbers (integers, fractions, finite decimals) compare exactly: 27.0 = 27, 0.50 = 1/2.
  An exact gold needs an exact answer (policy `strict`): 0.333 does not answer 1/3. A decimal gold of
  3+ significant digits is the exact answer rounded, so 10/3 answers 3.33. Policy `lenient`
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
# Unicode math characters models write, as LaTeX (shared with extraction, which must see the same symbols)
UNICODE_MATH = (("½", "\\frac{1}{2}"), ("⅓", "\\frac{1}{3}"), ("⅔", "\\frac{2}{3}"), ("¼", "\\frac{1}{4}"),
                ("¾", "\\frac{3}{4}"), ("π", "\\pi "), ("×", "\\times "), ("−", "-"), ("≤", "\\le "),
                ("≥", "\\ge "), ("∞", "\\infty "), ("·", "\\cdot "),
                ("⟨", "\\langle "), ("⟩", "\\rangle "), ("±", "\\pm "), ("∓", "\\mp "),
                ("∈", "\\in "), ("ℝ", "\\mathbb{R}"), ("¢", " cents"))
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
                               r"|(?<=[\w})])\s*,?\s+(?:and|or|et|ou|und|oder|или|и)\s+(?=[-\w\\(])"
                               r"|\s*(?:或者|或|和|及|と|または|か)\s*(?=[-\w\\(])")  # "5 或 6": Chinese and Japanese "or", "and"
_PLAIN_FUNCTION = re.compile(r"(?<![\\a-zA-Z])(a?(?:sin|cos|tan|cot|sec|csc)h?|arc(?:sin|cos|tan)|ln|log|exp)(?![a-zA-Z])"
                             r"(?=\s*[(\da-z])")
_RESTATED = re.compile(r"\s*,?\s*(?:\\text\{\s*)?\bi\.\s?e\.?(?:\s*\})?\s*,?\s*")
_MATRIX_ENV = re.compile(r"\\(begin|end)\{[bBvV]?matrix\}")
_TUPLE_JOIN = re.compile(r"\(([^()]*,[^()]*)\)\s*(?:[;；]\s*)?(?=\([^()]*,[^()]*\))")  # "(1,2)(3,4)"; not "(x-1)(x+2)"
_CHOICE = re.compile(r"^(?:\(([A-E])\)|([A-E])[).:]?|(?i:option|choice)\s*\(?([A-E])\)?)$")  # (C), C), Option C
# "\textbf{(C)} 12" is choice C; "(C) or (D)" is not one choice
_CHOICE_PREFIX = re.compile(r"^(?:(?:\\textbf\{|\\text\{|\\mathrm\{)?\(([A-E])\)\}?|([A-E])[):](?=\s*[^\s)])|([A-E])\.\s)"
                            r"(?!.*(?:\([A-Ea-e]\)|\b[A-E]\b))")  # "(C) 12", "C: 12", "C) 12"
_SENTENCE_VALUE = re.compile(r"^[A-Z][A-Za-z ,'-]*?\b(?:is|are|equals|was|were|est|es|ist)\s+(.+)$")
_VECTOR = re.compile(r"\\begin\{pmatrix\}((?:(?!\\end\{pmatrix\}).)*)\\end\{pmatrix\}", re.DOTALL)
_SPACE_NOT_BETWEEN_WORDS = re.compile(r"(?<![A-Za-z0-9]) | (?![A-Za-z0-9])")
_THOUSANDS = re.compile(r"^-?\d{1,3}(?:(?:,\d{3})+|(?: \d{3})+)(?:\.\d+)?$")
_DOT_THOUSANDS = re.compile(r"^-?\d{1,3}(?:\.\d{3}){2,}$")
_LATEX_COMMA = re.compile(r"(?<=\d)\{,\}(\d+)")  # a comma in braces sits inside a number: thousands or decimals
# "0,5" for a gold that is one number: the decimal comma of French, German, Russian... (three digits are thousands)
DECIMAL_COMMA = re.compile(r"^(\s*\$?\s*(?:[a-zA-Z]\s*=\s*)?-?\d+),(\d{1,2}|\d{4,})(\s*\$?\s*)$")


# A gold (or a unit conversion in an answer) may offer one answer in several forms: "\frac{1}{2} (or equivalently
# 0.5)", "2^{10} = 1024", "2 \text{ hours} = 120 \text{ minutes}". Its canonical string joins the forms with this
# separator, and an answer equal to any form is equal to it (equivalence.quick_verdict, symbolic_verdict).
FORMS_SEP = " ‖ "
# a clock time: "9 a.m.", "9:00 PM", "21:00", "3 o'clock", "20:34:00"; canonical "H:MM" on a 24-hour clock
_CLOCK = re.compile(r"^(\d{1,2})(?:([:h.])([0-5]\d))?(?::([0-5]\d))?\s*(?:([ap])\.?\s*m\.?|(o'?\s*clock|h))?$", re.IGNORECASE)
_CLOCK_WORDS = {"noon": "12:00", "midday": "12:00", "midnight": "0:00"}
CLOCK_CANONICAL = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?$")
_BOLD = re.compile(r"\\(?:mathbf|boldsymbol|bm|textbf)\s*\{((?:[^{}]|\{[^{}]*\})*)\}")
# a residue's modulus after it (before "\pm" is read: "\pmod" is no plus-minus), and "x \equiv" before it
_RESIDUE_MODULUS = re.compile(r"(?:[a-zA-Z]\s*(?:\\equiv|≡)\s*)?(.+?)\s*(?:\\pmod\s*\{?\s*(\d+)\s*\}?|"
                              r"\(\s*\\?(?:bmod|mod)\s*\{?\s*(\d+)\s*\}?\s*\))\s*\.?")
RESIDUE_CANONICAL = re.compile(r"(.+)\\pmod\{(\d+)\}")  # what normalize_answer makes of a residue class
UNWRAP_TEXT = re.compile(r"\\(?:text\w*|mathrm|mbox)\s*\{([^{}]*)\}")
_REPEATING_DOTS = re.compile(r"^(-?\d*\.\d*?)\\dot\{?(\d)\}?(\d*)(?:\\dot\{?(\d)\}?)?$")  # 0.1\dot{6}, 0.\dot{1}\dot{2}
_REPEATING_PARENS = re.compile(r"^(-?\d*\.\d*)\((\d+)\)$")  # 0.(3)
_REPEATING_ELLIPSIS = re.compile(r"^(-?\d*\.\d*?)(\d)\2{2,}(?:\\l?dots|\\cdots|\.\.\.|…)$")  # 0.333...
_LOG_E = re.compile(r"\\log_\s*\{?\s*e\s*\}?(?![a-zA-Z])")
_ALL_REALS = re.compile(r"^(?:(?:all|any|every)\s+real(?:\s+numbers?|s)?(?:\s+[a-z])?|(?:the\s+)?(?:set\s+of\s+)?(?:all\s+)?"
                        r"real\s+numbers|\\mathbb\{?R\}?|ℝ|[a-z]\s*\\in\s*\\mathbb\{?R\}?)$", re.IGNORECASE)
_FUNCTION_OF = re.compile(r"^[a-zA-Z]\(([a-z])\)\s*=(?!.*=)")  # "f(x) = 2x + 3" is the line y = 2x + 3
# a note after the answer, in parentheses: "12 \text{ (counting rotations as distinct)}", "12 (ways)"
# (words only: a note with a number, or one that hedges, "(or possibly 5)", "(probably)", is no mere note)
_PAREN_NOTE = re.compile(r"(?<=\S)\s*[(（](?=[^()（）]*(?<![\\a-zA-Z])[a-zA-Z]{3,})"
                         r"(?![^()（）]*\b(?:or|probably|approx\w*|maybe|perhaps|possibly|about|roughly|likely|guess|if|"
                         r"then|unless|except|not|wrong|incorrect|yes|no|sure|think|estimate\w*)\b)[^()（）\\\d]*[)）]\s*\.?(?=\s*(?:,|$))",
                         re.IGNORECASE)
_NOT_BUT = re.compile(r"^not\s+.+?,?\s+but\s+(?:rather\s+)?(.+)$", re.IGNORECASE)  # "not 5 but 7" answers 7
_AND_NOT = re.compile(r"(?:\s*,\s*(?:and\s+|but\s+)?|\s+(?:and|but)\s+|\s*\(\s*)not\s+[^()]+\)?\s*\.?$",
                      re.IGNORECASE)  # "A and not B", "7, not 5", "7 (not 5)" answer A, 7
_ALL_REALS_EXCEPT = re.compile(r"^(?:all|any|every)\s+real(?:\s+numbers?|s)?(?:\s+[a-z])?\s*,?\s*(?:except|but|other than|"
                               r"besides|apart from)\s+(?:[a-z]\s*=\s*)?(-?[\w\\{}/.]+)$", re.IGNORECASE)
_TRANSPOSE = re.compile(r"(?<=[)}])\s*\^\s*\{?\s*(?:T|\\top|\\intercal|t)\s*\}?$")  # (1, 2)^T is a vector
_FRACTION_WORDS = {"half": 2, "halves": 2, "third": 3, "quarter": 4, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
                   "eighth": 8, "ninth": 9, "tenth": 10}
_IFF = re.compile(r"\bif and only if\b|\\(?:iff|Leftrightarrow|Longleftrightarrow)(?![a-zA-Z])")
# a label before a number ("Maximum 6049", "Area: 12"); not a function, a hedge or a bound ("about 5", "at least 5")
_LEADING_LABEL = re.compile(r"^[A-Za-z]{3,}(?:\s+[A-Za-z]{2,}){0,2}\s*[:=]?\s+(?=-?\d)")
_NOT_LABEL_WORDS = frozenset(
    "yes no not and or sin cos tan cot sec csc log ln exp sqrt arcsin arccos arctan sinh cosh tanh mod gcd lcm max min "
    "det deg about around approx approximately roughly probably maybe perhaps possibly likely nearly almost over under "
    "less more least most below above than between guess estimate estimated times plus minus".split())
_GLUED_UNIT = re.compile(r"^(-?\d+(?:\.\d+)?)([A-Za-z]{2,})\.?$")  # "10weeks", "15cm" as golds write them
_MATH_NAMES = frozenset("sin cos tan cot sec csc log ln exp pi sqrt arcsin arccos arctan sinh cosh tanh mod abc xy xyz "
                        "ab bc ac".split())
_CJK_UNIT = re.compile(r"(?<=[\d}])\s*[\u3400-\u9fff]{1,3}\s*[。．.]?$")  # "15 吨", "12个"
_INEQUALITY = re.compile(r"^(?:(?P<lo>[^<>=,]+?)(?P<op1><|\\leq?|\\leqslant)\s*)?(?P<var>[a-z])\s*"
                         r"(?P<op2><|>|\\leq?|\\geq?|\\leqslant|\\geqslant)(?P<hi>[^<>=,]+)$")
_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
_NUMBER_WORDS.update({w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)})


def number_from_words(s: str) -> int | None:
    """'twelve' -> 12, 'twenty-one' -> 21, 'one hundred and five' -> 105; None for anything else."""
    words = re.split(r"[\s-]+", s.strip().lower().rstrip("."))
    if not words or not all(w in _NUMBER_WORDS or w in ("hundred", "thousand", "million", "and") for w in words) \
            or words[0] == "and" or all(w == "and" for w in words):
        return None
    total = current = 0
    for word in words:
        if word == "and":
            continue
        if word == "hundred":
            current = (current or 1) * 100
        elif word in ("thousand", "million"):
            total += (current or 1) * (1000 if word == "thousand" else 10 ** 6)
            current = 0
        else:
            current += _NUMBER_WORDS[word]
    return total + current


def fraction_from_words(s: str) -> str | None:
    """'two thirds' -> '\\frac{2}{3}', 'one half' and 'a half' -> '\\frac{1}{2}'."""
    words = re.split(r"[\s-]+", s.strip().lower().rstrip("."))
    if len(words) != 2 or words[1].rstrip("s") not in _FRACTION_WORDS and words[1] not in _FRACTION_WORDS:
        return None
    numerator = 1 if words[0] in ("a", "an") else number_from_words(words[0])
    denominator = _FRACTION_WORDS.get(words[1], _FRACTION_WORDS.get(words[1].rstrip("s")))
    return f"\\frac{{{numerator}}}{{{denominator}}}" if numerator else None


def clock_time(s: str) -> str | None:
    """'9 p.m.' -> '21:00', '9:00' -> '9:00', '20:34:00' -> '20:34'; None where `s` is not a time of day.

    A bare number is no time ('9'); a time without a.m./p.m. stays on the clock it was written on."""
    plain = UNWRAP_TEXT.sub(r"\1", s).replace("\\ ", " ").strip()
    if plain.lower().rstrip(".") in _CLOCK_WORDS:
        return _CLOCK_WORDS[plain.lower().rstrip(".")]
    match = _CLOCK.match(plain)
    if not match:
        return None
    hour, separator, minute, second, half, oclock = match.groups()
    if not (minute or half or oclock) or (separator == "." and not half):  # 9.30 is a number; 9.30 p.m. a time
        return None
    hour = int(hour)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.lower() == "p" else 0)
    elif hour > 24:
        return None
    return f"{hour}:{minute or '00'}" + (f":{second}" if second and second != "00" else "")


def _inequalities_as_set(s: str) -> str | None:
    """'x<1, x>3' (a disjunction, its "or" already a comma) -> '(-\\infty,1)\\cup(3,\\infty)'; None if not one."""
    parts = [p.strip() for p in s.split(",")]
    if len(parts) < 2:
        return None
    intervals, variables = [], set()
    for part in parts:
        match = _INEQUALITY.match(part)
        if not match:
            return None
        lo, op1, var, op2, hi = (match.group(k) for k in ("lo", "op1", "var", "op2", "hi"))
        variables.add(var)
        closed = "le" in op2 or "ge" in op2
        if "<" in op2 or "le" in op2:
            left = f"({lo.strip()}" if lo and op1 == "<" else f"[{lo.strip()}" if lo else "(-\\infty"
            intervals.append(f"{left},{hi.strip()}{']' if closed else ')'}")
        elif lo:
            return None
        else:
            intervals.append(f"{'[' if closed else '('}{hi.strip()},\\infty)")
    return "\\cup".join(intervals) if len(variables) == 1 else None


_COMPOUND_DURATION = re.compile(r"(\d+)\s*(?:hours?|hrs?|h)\s*,?\s*(?:and\s+)?(\d+)\s*(?:minutes?|mins?|m)\.?"
                                r"|(\d+)\s*(?:minutes?|mins?)\s*,?\s*(?:and\s+)?(\d+)\s*(?:seconds?|secs?|s)\.?",
                                re.IGNORECASE)


def _unit_conversion(s: str) -> str | None:
    """'2 \\text{ hours} = 120 \\text{ minutes}': one quantity in two units, so either side answers."""
    sides = s.split("=")
    if len(sides) != 2 or "{" in s.replace("\\text{", "").replace("\\mathrm{", "").replace("\\mbox{", ""):
        return None
    first, second = (_TRAILING_UNIT.search(side.strip()) for side in sides)
    if first is None or second is None or first.group(0).strip().lower() == second.group(0).strip().lower():
        return None
    return FORMS_SEP.join(normalize_answer(side) for side in sides)


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
    s = repair_escapes(s).strip().rstrip("。．")
    for char, latex in UNICODE_MATH:
        s = s.replace(char, latex)
    s = _UNICODE_ROOT.sub(r"\\sqrt{\1}", s)
    s = strip_delims(s)
    s = re.sub(r"\\(?:mathrm|operatorname|text)\{([ie])\}", r"\1", s).replace("{:}", ":")  # upright i; "15{:}45"
    s = _UNIT_VECTORS.sub(_unit_vectors_as_tuple, s)  # "\\mathbf{i} - 2\\mathbf{j} + \\mathbf{k}" is (1, -2, 1)
    s = _BOLD.sub(r"\1", s)  # "\mathbf{\tfrac{5}{2}}": bold is presentation, even around braces
    residue = _RESIDUE_MODULUS.fullmatch(s)
    if residue:  # "2 \pmod 7", "x \equiv 2 \pmod{7}", "2 (mod 7)": one form, and \pmod is never a plus-minus
        return f"{normalize_answer(residue.group(1))}\\pmod{{{residue.group(2) or residue.group(3)}}}"
    clock = clock_time(s)
    if clock:  # "9 p.m." is 21:00; AM and PM are never a unit to drop
        return clock
    compound = _COMPOUND_DURATION.fullmatch(UNWRAP_TEXT.sub(r" \1 ", s).strip())
    if compound:  # "2 hours 30 minutes" is 150 minutes: unit_name reads the last unit
        big, small = (g for g in compound.groups() if g is not None)
        return str(60 * int(big) + int(small))
    if "=" in s:
        conversion = _unit_conversion(s)  # "2 \text{ hours} = 120 \text{ minutes}"
        if conversion:
            return conversion
    plain = UNWRAP_TEXT.sub(r"\1", s).strip()
    if _ALL_REALS.match(plain.rstrip(".")):
        return "(-\\infty,\\infty)"  # "all real numbers", "\mathbb{R}"
    but = _ALL_REALS_EXCEPT.match(plain.rstrip("."))
    if but:  # "all real numbers except 2"
        return f"(-\\infty,{but.group(1)})\\cup({but.group(1)},\\infty)"
    negated, excluded = _NOT_BUT.match(plain), _AND_NOT.search(plain)
    if negated:  # "not 5 but 7" answers 7
        s = negated.group(1)
    elif excluded and excluded.start() > 0:  # "A and not B" answers A
        s = plain[:excluded.start()]
    s = _REPEATING_DOTS.sub(_dots_as_overline, s)  # 0.\dot{3}, 0.\dot{1}\dot{2}
    s = _REPEATING_PARENS.sub(r"\1\\overline{\2}", s)  # 0.(3)
    s = _REPEATING_ELLIPSIS.sub(r"\1\\overline{\2}", s)  # 0.333...
    s = s.replace("\\left", "").replace("\\right", "").replace("\\displaystyle", "")
    s = s.replace("\\varnothing", "\\emptyset").replace("∅", "\\emptyset")
    s = s.replace("\\langle", "(").replace("\\rangle", ")")  # a vector <1, 2, 3> is the tuple (1, 2, 3)
    s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("\\dbinom", "\\binom")
    s = _PLAIN_FUNCTION.sub(r"\\\1", s)  # "sin(2x)" written without its backslash
    s = _NATURAL_LOG.sub(r"\\ln", _LOG_E.sub(r"\\ln", s))  # \log and \log_e are natural; \log_b keeps its base
    s = _NESTED_LIST.sub(_nested_list_as_matrix, s)  # "[[7, 10], [15, 22]]", as code prints a matrix
    s = _MATRIX_ENV.sub(r"\\\1{pmatrix}", s)
    s = _TRANSPOSE.sub("", _VECTOR.sub(_vector_as_tuple, s))  # a column (or row) vector is the tuple of its entries
    s = _IFF.sub(" iff ", s)  # "if and only if" is one statement, not a list joined by "and"
    s = _LIST_CONJUNCTION.sub(", ", _RESTATED.sub(", ", s))  # "0.25, i.e. 25%": one value twice, as a list says it
    s = _PERCENT_WORD.sub("%", s)
    s = re.sub(r",\\!\s*", ",", s).replace("\\%", "%").replace("\\$", "")  # 11,\!111 is 11,111
    s = _LATEX_COMMA.sub(lambda m: ("" if len(m.group(1)) == 3 else ".") + m.group(1), s)  # 1{,}000, but 2{,}5 is 2.5
    s = _NEGATIVE_SPACE.sub("", _SPACING.sub(" ", s))
    s = _DEGREES_ENDING_NUMBER.sub(r"\1", s)
    s = _DEGREES_OF_NUMBER.sub(r"(\1\\cdot\\frac{\\pi}{180})", s)  # \\sin 30^\\circ is sin(pi/6)
    s = _DEGREES.sub(r"\\cdot\\frac{\\pi}{180}", s)  # sin(90^\circ - x) is sin(pi/2 - x)
    s = _MAGNITUDE.sub(lambda m: _MAGNITUDES[m.group(1).lower()], s)
    s = _TRAILING_UNIT.sub("", s).strip()
    s = _TRAILING_WORDS.sub("", s).strip()
    s = _TEXT_COMMANDS.sub(r"\1", s)
    s = _TRAILING_WORDS.sub("", s).strip()  # "\text{5 ways}"
    s = _CJK_UNIT.sub("", s).strip()  # "15 吨"
    s = _PAREN_NOTE.sub("", s).strip() or s  # "12 (counting rotations as distinct)"
    sentence = _SENTENCE_VALUE.match(s) if not yes_or_no(s) else None
    if sentence and re.search(r"[\d\\]", sentence.group(1)):  # "There are 12", "The number of ways is 12"
        value = normalize_answer(sentence.group(1))
        if not re.search(r"(?<![\\a-zA-Z])[a-zA-Z]{3,}", value):  # a value, not more words
            return value
    label = _LEADING_LABEL.match(s)
    if label and not _NOT_LABEL_WORDS.intersection(re.findall(r"[a-z]+", label.group(0).lower())):
        s = s[label.end():]  # "Maximum 6049", "Area: 12"
    glued = _GLUED_UNIT.match(s)
    if glued and glued.group(2).lower() not in _MATH_NAMES and \
            (len(glued.group(2)) > 2 or glued.group(2).lower() in _UNIT_WORDS):  # "10weeks", "15cm"
        s = glued.group(1)
    s = _FRAC_SHORT.sub(r"\\frac{\1}{\2}", s)
    s = _FRAC_HALF_SHORT.sub(r"\\frac{\1}{", s)
    s = _FRAC_DEN_SHORT.sub(r"\\frac\1{\2}", s)
    s = _FUNCTION_OF.sub("y=", s.strip())  # "f(x) = 2x + 3" is the line "y = 2x + 3"
    s = _LEADING_VAR.sub("", s.strip())
    s = _PLUS_MINUS.sub(r"\1, -\1", s)  # "\\pm 3" is two answers, 3 and -3
    if s.count("\\pm") + s.count("\\mp") == 1 and "," not in s and "=" not in s \
            and not re.search(r"(?<![\\a-zA-Z])[a-zA-Z]{3,}", s):  # "2 \pm \sqrt{3}": both roots (not in a sentence)
        s = s.replace("\\pm", "+").replace("\\mp", "-") + ", " + s.replace("\\pm", "-").replace("\\mp", "+")
    s = s.strip().rstrip(".").strip()
    if s.startswith("$") or s.endswith("$"):
        s = s.strip("$").strip()
    choice = _CHOICE.match(s)
    if choice:
        return _letter(choice)
    prefixed = _CHOICE_PREFIX.match(s)
    if prefixed:  # "\textbf{(C)}\ 12": choice C, whose value is 12
        rest = normalize_answer(s[prefixed.end():]) if s[prefixed.end():].strip() else ""
        return f"({_letter(prefixed)}){rest}" if rest else _letter(prefixed)
    s = re.sub(r"\s+", " ", s)
    yes_no = yes_or_no(s)  # "No, such n does not exist" answers a yes/no question with "no"
    if yes_no:
        return yes_no
    if re.fullmatch(r"[A-Za-z][A-Za-z ,.;'-]*", s) and len(s) > 1:
        number = number_from_words(s)  # "twelve", "twenty-one"
        return str(number) if number is not None else fraction_from_words(s) or word_answer(s.lower().rstrip("."))
    s = _TUPLE_JOIN.sub(r"(\1),", s)  # "(1,2)(3,4)" and "(1,2); (3,4)" list two tuples
    if _THOUSANDS.match(s):  # "1,000" and "1 000" are thousands; "1, 000" is a list
        return s.replace(",", "").replace(" ", "")
    if _DOT_THOUSANDS.match(s):  # "1.234.567": only thousands take two dots
        return s.replace(".", "")
    s = _SPACE_NOT_BETWEEN_WORDS.sub("", s)  # keep "\\pi r" and "3128 1/2" apart, join "x + 1"
    s = _SET_BUILDER.sub(lambda m: m.group(1).strip(), s)  # "\\{x \\mid x > 4\\}" is the condition "x > 4"
    s = _REVERSED_BRACKETS.sub(_interval_brackets, s)  # "]2,5[" is (2,5); "(1; 3)" is (1,3)
    s = _CIS.sub(lambda m: f"({m.group(1).strip() or 1})(\\cos({m.group(2)})+i\\sin({m.group(2)}))", s)  # r cis t
    return _inequalities_as_set(s) or s  # "x < 1 or x > 3" is the union of two intervals


_SET_BUILDER = re.compile(r"^\\?\{[a-zA-Z](?:\\in\\mathbb\{?R\}?)?(?:\\mid|\||:)(.+?)\\?\}$")
_BOUND = r"(-?(?:[\d./]+|\\infty|\\frac\{\d+\}\{\d+\}|\\sqrt\{?\d+\}?|\\pi))"
_REVERSED_BRACKETS = re.compile(rf"^(\]|\[){_BOUND}[,;]{_BOUND}(\[|\])$|^(\(|\[){_BOUND};{_BOUND}(\)|\])$")
_CIS = re.compile(r"^([^=]*?)(?:\\operatorname\{cis\}|\\mathrm\{cis\}|(?:(?<=\d)|\b)cis\b)\(?(.+?)\)?$")
_NESTED_LIST = re.compile(r"\[\s*(\[[^\[\]]*\](?:\s*,\s*\[[^\[\]]*\])+)\s*\]")
_UNIT_VECTOR = r"\\(?:mathbf|hat|vec|boldsymbol)\s*\{?\s*([ijk])\s*\}?"
_UNIT_VECTORS = re.compile(rf"^\s*(?:[+-]?\s*(?:\d+(?:\.\d+)?|\\frac\{{\d+\}}\{{\d+\}})?\s*(?:\\cdot\s*)?{_UNIT_VECTOR}\s*)+$")
_UNIT_VECTOR_TERM = re.compile(rf"([+-]?)\s*(\d+(?:\.\d+)?|\\frac\{{\d+\}}\{{\d+\}})?\s*(?:\\cdot\s*)?{_UNIT_VECTOR}")


def _interval_brackets(match: re.Match) -> str:
    groups = match.groups()
    if groups[0] is not None:  # the French notation: an outward bracket leaves its end open
        opening, low, high, closing = groups[:4]
        return ("(" if opening == "]" else "[") + f"{low},{high}" + (")" if closing == "[" else "]")
    opening, low, high, closing = groups[4:]
    return f"{opening}{low},{high}{closing}"


def _nested_list_as_matrix(match: re.Match) -> str:
    rows = re.findall(r"\[([^\[\]]*)\]", match.group(1))
    return "\\begin{pmatrix}" + "\\\\".join("&".join(c.strip() for c in row.split(",")) for row in rows) + "\\end{pmatrix}"


def _unit_vectors_as_tuple(match: re.Match) -> str:
    coefficients = {"i": "0", "j": "0", "k": "0"}
    for sign, number, axis in _UNIT_VECTOR_TERM.findall(match.group(0)):
        coefficients[axis] = ("-" if sign == "-" else "") + (number or "1")
    axes = "ijk" if "k" in re.sub(r"\s", "", match.group(0)) else "ij"
    return "(" + ", ".join(coefficients[a] for a in axes) + ")"


def _dots_as_overline(match: re.Match) -> str:
    fixed, first, middle, last = match.groups()
    if not last and middle:
        return match.group(0)
    return f"{fixed}\\overline{{{first}{middle}{last or ''}}}"


def _vector_as_tuple(match: re.Match) -> str:
    rows = [r.strip() for r in re.split(r"\\\\", match.group(1)) if r.strip()]
    if len(rows) > 1 and not any("&" in r for r in rows):
        return "(" + ", ".join(rows) + ")"
    if len(rows) == 1 and "&" in rows[0]:
        return "(" + ", ".join(c.strip() for c in rows[0].split("&")) + ")"
    return match.group(0)


def _letter(match: re.Match) -> str:
    return next(g for g in match.groups() if g)


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_ABBREVIATIONS = {**{d[:3]: d for d in _WEEKDAYS}, "tues": "tuesday", "thur": "thursday", "thurs": "thursday",
                  **{m[:3]: m for m in _MONTHS}, "sept": "september"}
_PLAYER = {"first": "1", "second": "2", "1st": "1", "2nd": "2", "one": "1", "two": "2"}
_WINNER = re.compile(r"^([a-z]+) (?:wins|will win|can (?:always |force a )?win|has a winning strategy)$")


def word_answer(s: str) -> str:
    """A word answer by one name for its spellings: 'mon' is 'monday'; 'infinitely many' is \\infty; 'the second
    player' is 2, as 'Player 2' is; 'alice wins' (who wins a game) is 'alice'. `s` is lower-case words."""
    if s in _ABBREVIATIONS:
        return _ABBREVIATIONS[s]
    if re.fullmatch(r"infinite(?:ly many(?: [a-z]+)?)?", s):
        return "\\infty"
    player = re.fullmatch(r"(?:the )?(first|second|1st|2nd) player|player (one|two)", s)
    if player:
        return _PLAYER[player.group(1) or player.group(2)]
    winner = _WINNER.match(s)
    return winner.group(1) if winner else s


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
    return _letter(match) if match else None


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
    (re.compile(rf"^({_DEC})(?:e|E|\\times ?10\^|\\cdot ?10\^|\*10\^)\{{?({_INT})\}}?$"), "sci"),
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
            places = len(mantissa.split(".")[1]) - exponent if "." in mantissa else None  # 2.31e-3 has 5 places
            return Number(Fraction(mantissa) * Fraction(10) ** exponent, places if places and places > 0 else None,
                          percent)
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


DECIMAL_GOLD_DIGITS = 3  # a decimal gold this precise is the exact answer rounded: 10/3 answers 3.33


def numbers_equal(pred: Number, gold: Number, policy: str = "strict") -> tuple[bool, str]:
    """(equal, detail) under the conventions above; detail names a policy rejection."""
    if pred.percent and gold.percent:  # 0.25% is not 25%
        gold_values, pred_values = [gold.value], [pred.value]
    else:
        gold_values, pred_values = _percent_readings(gold), _percent_readings(pred)
    if any(p == g or _at_gold_precision(p, pred, g, gold) for p in pred_values for g in gold_values):
        return True, ""
    pairs = [(p, g) for p in pred_values for g in gold_values]
    rounded = any(rounded_decimal_of(p, pred, g) for p, g in pairs)
    if rounded and policy == "lenient":
        return True, "lenient: a correctly rounded decimal of an exact answer"
    if rounded or any(_close_at_six_places(p, pred, g) for p, g in pairs):
        return False, "policy: a rounded decimal of an exact answer (strict; --policy lenient accepts it)"
    return False, ""


def _percent_readings(number: Number) -> list[Fraction]:
    """'25%' is 1/4, or the number 25 where the other side is a percentage written without its sign; a stray
    % after a number below 1 ('0.25%' for 0.25) is no such percentage."""
    if not number.percent:
        return [number.value]
    return [number.value / 100] + ([number.value] if abs(number.value) >= 1 else [])


def _at_gold_precision(p: Fraction, pred: Number, g: Fraction, gold: Number) -> bool:
    """A precise decimal gold is the exact answer rounded: 3.33333333 is answered by 10/3 (3.14 is not 22/7)."""
    if not gold.decimals or pred.decimals is not None or gold.significant_digits < DECIMAL_GOLD_DIGITS \
            or has_finite_decimal(p):  # 1999/20 is the exact 99.95, not 100.0 rounded
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


# Units that name a quantity: where gold and answer both end in one and the two differ, the answer is another
# quantity ("60 mph" for "60 km/h", "5 weeks" for "5 days"), whatever the number. Spellings of one unit agree.
_UNIT_NAMES = {name: canonical for canonical, names in {
    "s": "s sec secs second seconds", "min": "min mins minute minutes", "h": "h hr hrs hour hours",
    "day": "day days", "week": "week weeks", "month": "month months", "year": "year years yr yrs",
    "mm": "mm millimeter millimeters millimetre millimetres", "cm": "cm centimeter centimeters centimetre centimetres",
    "m": "m meter meters metre metres", "km": "km kilometer kilometers kilometre kilometres",
    "in": "inch inches", "ft": "ft foot feet", "yd": "yd yard yards", "mi": "mi mile miles",
    "mph": "mph", "km/h": "km/h kph kmh", "m/s": "m/s", "g": "g gram grams", "kg": "kg kilogram kilograms",
    "lb": "lb lbs pound pounds", "oz": "oz ounce ounces", "l": "l liter liters litre litres", "ml": "ml milliliter milliliters",
    "dollar": "dollar dollars", "cent": "cent cents", "euro": "euro euros",
}.items() for name in names.split()}
_UNIT_AT_END = re.compile(r"(?<=[\d}\s~])(?:\\(?:text\w*|mathrm|mbox)\{\s*~?)?\s*((?:square|sq\.?|cubic)\s+)?"
                          r"([A-Za-z]+(?:\s*/\s*[A-Za-z]+)?)\s*\}?\s*(\^\s*\{?\s*[23]\s*\}?|[²³]|\s+squared|\s+cubed)?"
                          r"\s*\.?\s*$")
_POWER = {"square": 2, "sq": 2, "sq.": 2, "cubic": 3, "²": 2, "³": 3, "squared": 2, "cubed": 3}


def unit_name(s: str) -> str | None:
    """The unit an answer ends in, by one name for its spellings ('5 \\text{ weeks}' -> 'week', '12 m^2' and
    '12 square meters' -> 'm^2'); 'dollar' for a leading dollar sign; None if none."""
    text = strip_delims(s.strip()).replace("¢", " cents")
    match = _UNIT_AT_END.search(text)
    if not match or re.search(r"[/^*]\s*$|\\cdot\s*$", text[:match.start()]):
        # none, or the end of a compound unit ("\\mathrm{m} / \\mathrm{s}") read apart; "\\$0.45" is dollars
        return "dollar" if re.match(r"\\\$\s*-?\d", text) and not match else None
    name = _UNIT_NAMES.get(re.sub(r"\s+", "", match.group(2)).lower())
    power_word = (match.group(1) or "").strip().lower() or re.sub(r"[\s^{}]", "", match.group(3) or "")
    power = _POWER.get(power_word) or (int(power_word) if power_word.isdigit() else 1)
    return f"{name}^{power}" if name and power > 1 else name


# Units of one quantity, as multiples of one base unit: "150 minutes" answers "2.5 hours", "120 mm" answers "12 cm".
# Months and years have no fixed length, so they do not convert.
_UNIT_SCALES = {"s": ("time", Fraction(1)), "min": ("time", Fraction(60)), "h": ("time", Fraction(3600)),
                "day": ("time", Fraction(86400)), "week": ("time", Fraction(604800)),
                "mm": ("length", Fraction(1, 1000)), "cm": ("length", Fraction(1, 100)), "m": ("length", Fraction(1)),
                "km": ("length", Fraction(1000)), "in": ("length", Fraction("0.0254")),
                "ft": ("length", Fraction("0.3048")), "yd": ("length", Fraction("0.9144")),
                "mi": ("length", Fraction("1609.344")), "g": ("mass", Fraction(1)), "kg": ("mass", Fraction(1000)),
                "lb": ("mass", Fraction("453.59237")), "oz": ("mass", Fraction("28.349523125")),
                "ml": ("volume", Fraction(1, 1000)), "l": ("volume", Fraction(1)),
                "dollar": ("money", Fraction(1)), "cent": ("money", Fraction(1, 100)),
                "m/s": ("speed", Fraction(1)), "km/h": ("speed", Fraction(5, 18)), "mph": ("speed", Fraction("0.44704"))}


def converted_equal(answer: str, gold: str, answer_value: str, gold_value: str) -> bool:
    """Both name units of one quantity, the units differ, and the values (canonical numbers, units dropped) agree
    once converted: 150 min = 2.5 h."""
    mine, theirs = _UNIT_SCALES.get(unit_name(answer) or ""), _UNIT_SCALES.get(unit_name(gold) or "")
    a, g = parse_number(answer_value), parse_number(gold_value)
    if not (mine and theirs and a and g) or mine[0] != theirs[0] or mine[1] == theirs[1]:
        return False
    return a.value * mine[1] == g.value * theirs[1]


def units_differ(answer: str, gold: str) -> str:
    """'mph is not km/h' where both name a unit and the units differ; '' otherwise."""
    mine, theirs = unit_name(answer), unit_name(gold)
    return f"{mine} is not {theirs}" if mine and theirs and mine != theirs else ""
