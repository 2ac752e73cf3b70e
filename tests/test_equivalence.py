"""The team's own labelled grading cases: one row per convention in passk/grade/normalize.py.

Each row is (gold, extracted answer, equivalent?). They run through the full Grader
(quick checks and the symbolic worker), so a change anywhere in the cascade shows here.
"""

import pytest

from passk.grade import GradeConfig, Grader

CASES = [
    # strings and presentation
    ("42", "42", True),
    (r"\frac{1}{2}", r"\dfrac{1}{2}", True),
    (r"\frac{1}{2}", r"\tfrac12", True),
    (r"\frac{1}{72}", r"\frac1{72}", True),
    (r"(1, 2)", r"\left( 1, 2 \right)", True),
    ("30", r"30^\circ", True),
    ("30", r"30^{\circ}", True),
    ("30", "30°", True),
    ("5", r"5 \text{ cm}", True),
    ("72", "72 degrees", True),
    ("10", "10m", False),  # no space: 10 times m, not 10 metres
    (r"\text{(C)}", "C", True),
    (r"\text{(C)}", r"\textbf{(C)} 12", True),
    ("C", "(D)", False),
    ("No", r"\text{no}", True),
    ("Yes", r"\text{No, it cannot}", False),
    # numbers
    ("27", "27.0", True),
    ("0.5", r"\frac{1}{2}", True),
    ("1/2", "0.50", True),
    ("1000", "1,000", True),
    ("1000", "1 000", True),
    ("1000", r"1{,}000", True),
    ("1000.99", "1,000.99", True),
    ("1500", "1.5e3", True),
    ("1500", r"1.5 \times 10^{3}", True),
    ("10\\%", "10", True),
    ("10\\%", "0.1", True),
    ("25%", "0.26", False),
    (r"\frac{1}{3}", "0.333", False),  # an exact gold needs an exact answer (lenient: see test_grading_categories)
    (r"\frac{1}{3}", "0.3", False),
    ("3.33333333", r"\frac{10}{3}", True),  # a decimal gold is compared at its own precision
    ("0.5", "0.50001", False),        # a finite-decimal gold is compared exactly
    ("2.5", r"2\frac{1}{2}", True),   # mixed number
    ("3128.5", "3128 1/2", True),
    ("-3", "-3", True),
    ("-3", "3", False),
    ("7", "8", False),
    # symbolic (math-verify)
    (r"\frac{\sqrt{3}}{2}", r"\frac{1}{2}\sqrt{3}", True),
    (r"\sqrt{8}", r"2\sqrt{2}", True),
    (r"2\pi", r"\pi \cdot 2", True),
    (r"x^2 + 2x + 1", r"(x+1)^2", True),
    (r"x^2 + 2x + 1", r"(x-1)^2", False),
    (r"40\pi", "125.664", False),    # rounded decimal of an irrational gold: strict
    (r"40\pi", "125.663", False),
    # sets, tuples, intervals, lists
    ("1, 2, 3", "3, 1, 2", True),      # a bare list is unordered
    ("1, 2, 3", "1, 2", False),
    (r"\{1, 2\}", r"\{2, 1\}", True),
    ("(1, 2)", "(2, 1)", False),       # a tuple is ordered
    ("(1,2)(3,4)", "(1, 2), (3, 4)", True),
    ("[0, 1)", "[0, 1)", True),
    ("[0, 1)", "[0, 1]", False),
    ("(-\\infty, 3]", "(-\\infty, 3]", True),
    ("-176, 224", r"224 \text{ and } -176", True),
    # equations: the gold is a value, the answer names it
    ("3", "x = 3", True),
    ("3", r"x \in 3", True),
    ("11", "x = 5 + 5 + 1 = 11", True),
    ("y = 2x + 1", "y = 1 + 2x", True),
    # matrices
    (r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", r"\begin{bmatrix}1&2\\3&4\end{bmatrix}", True),
    (r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", r"\begin{pmatrix}1&2\\3&5\end{pmatrix}", False),
    # JSON-damaged LaTeX: "\frac" read as a form feed and "rac"
    ("\x0crac{1}{2}", r"\frac{1}{2}", True),
    # log conventions: a bare \log is natural, a subscript is a base
    (r"\log 2", r"\ln 2", True),
    (r"\log_{10} 2", r"\ln 2", False),
    ("3", r"\log_2 8", True),
]


@pytest.fixture(scope="module")
def grader():
    with Grader(GradeConfig(workers=2)) as g:
        yield g


def test_equivalence_table(grader):
    verdicts = grader.grade([rf"\boxed{{{pred}}}" for _, pred, _ in CASES], [gold for gold, _, _ in CASES])
    wrong = [(gold, pred, expected, v.status, v.method, v.detail)
             for (gold, pred, expected), v in zip(CASES, verdicts, strict=True) if v.correct != expected]
    assert not wrong, "\n".join(map(repr, wrong))


# The numeric shortcut before math-verify's `simplify`: it may only ever say "unequal" for pairs that are unequal.
@pytest.mark.parametrize("gold, pred, apart", [
    (r"11\sqrt2", "15", True),                 # constants far apart
    ("-2+7i", "7", True),                      # a complex gold against a real answer
    ("p - q", "12", True),                     # letters against a number: apart at a generic point
    ("x^5-x^4+x^3-x^2+x-1", "(x-1)(x^4+x^2+1)", False),  # equal polynomials agree at every point
    (r"\frac{1}{3}", "0.333333", False),       # within rounding: left to math-verify and the policy
    (r"\frac{\pi}{4}", r"\arctan 1", False),   # equal constants in other notation
    ("x^2+1", "y^2+1", True),                  # another letter is another expression, as math-verify has it
    (r"\sqrt{x-5}\sqrt{x-5}", "x-5", False),    # equal where the values are complex too
    ("f(2)", "3", False),                      # a value sympy cannot evaluate: left to math-verify
])
def test_numerically_apart_only_for_unequal_pairs(gold, pred, apart):
    from passk.grade.equivalence import _numerically_apart, _parse

    assert _numerically_apart(_parse(gold)[0], _parse(pred)[0]) is apart
