r"""Round 6 of grading (issue 19): the team's own cases for the categories blind sets G-I and D-F showed.

Each row: (case id, answer form, gold, completion, finish reason, correct?, what the detail must start with).
`boxed` grades as a boxed-template run does; `free` as a pairs file (no prompt, every rule).
"""

import pytest

from passk.grade import GradeConfig, Grader, extract_config
from passk.grade.engine import CUT_AFTER_ANSWER

B, F = "boxed", "free"
T = "Let me work through this carefully.\n\n"

CASES = [
    # a sample cut at its token limit after a committed answer, in the check that followed it, is graded on it
    ("cut-in-verification", B, "42", T + "$$\\boxed{42}$$\n\nLet me verify by another method: $7 \\cdot 6 = 4", "length",
     True, CUT_AFTER_ANSWER),
    ("cut-in-summary", F, "12", T + "So the answer is 12.\n\nTo summarize:\n1. We counted the", "length", True,
     CUT_AFTER_ANSWER),
    ("cut-repeating-itself", F, "210", T + "The answer is 210. The answer is 210. The answer is", "length", True,
     CUT_AFTER_ANSWER),
    ("cut-explaining-a-math-answer", F, "12", T + "**Final Answer**\n\nThe answer is $12$ because", "length", True,
     CUT_AFTER_ANSWER),
    ("cut-in-second-method", B, "13", T + "$$\\boxed{13}$$\n\n**Method 2.** Counting directly: $1 + 5 + 6 + 1 = 1",
     "length", True, CUT_AFTER_ANSWER),
    ("cut-wrong-answer-in-check", B, "42", T + "$$\\boxed{40}$$\n\nLet me verify: $7 \\cdot 6 = 4", "length", False,
     CUT_AFTER_ANSWER),
    ("cut-after-doubt", B, "40", T + "So the answer is $\\boxed{40}$.\n\nWait, I forgot the case of equal digits. "
     "Recounting, the total is", "length", False, "finish_reason=length"),
    ("cut-check-with-doubt", B, "42", T + "$$\\boxed{42}$$\n\nLet me check: is $6 \\cdot 7 = 42$? Hmm, the pairs might",
     "length", False, "finish_reason=length"),
    ("cut-inside-unclosed-box", F, "9", T + "Then $1 + 8 = 9$.\n\nThe answer is $\\boxed{9", "length", False,
     "finish_reason=length"),
    ("cut-mid-number", F, "2023", T + "So the next such year is 2016 + 7 = 20", "length", False, "finish_reason=length"),
    ("cut-continuing-the-solution", B, "4", T + "For the first part, $\\boxed{4}$ red balls. Next we count the",
     "length", False, "finish_reason=length"),
    ("cut-first-word-after-box", B, "100", T + "$$\\boxed{100}$$\n\nThis", "length", True, CUT_AFTER_ANSWER),
    ("cut-right-at-box", B, "100", T + "$$\\boxed{100}$$", "length", True, CUT_AFTER_ANSWER),
    ("cut-in-the-check-sentence", B, "36", T + "\\boxed{36}\n\nLet me double-check by listing: for each of the 6 choices "
     "of a there are 6 of b, so 6 + 6 + 6 + 6 + 6 + 6 = 3", "length", True, CUT_AFTER_ANSWER),
    ("cut-after-also-verify", F, "42", T + "So the answer is 42. Let me also verify this with the recurrence: 14 + 5 = 1",
     "length", True, CUT_AFTER_ANSWER),
    ("cut-prose-answer-unended", F, "125", T + "So the answer is 12", "length", False, "finish_reason=length"),
    # decimal commas: a comma inside one number, where the gold is one number
    ("decimal-comma-french", F, "0.5", T + "La probabilité est donc 0,5.", None, True, ""),
    ("decimal-comma-named", F, "4.5", T + "Also ist $x = 4,5$.", None, True, ""),
    ("decimal-comma-fraction-gold", F, "\\frac{1}{2}", T + "Réponse : 0,5", None, True, ""),
    ("decimal-comma-wrong-value", F, "3.5", T + "Die Antwort ist 3,6.", None, False, ""),
    ("decimal-comma-three-digits-thousands", F, "1234", T + "The answer is 1,234.", None, True, ""),
    ("decimal-comma-list-gold-stays-a-list", F, "1, 2", T + "The roots are $1,2$.", None, True, ""),
    ("latex-brace-comma-decimal", B, "2.5", T + "$\\boxed{2{,}5}$", None, True, ""),
    ("latex-brace-comma-thousands", B, "150000000", T + "$\\boxed{150{,}000{,}000}$", None, True, ""),
    ("dot-thousands-two-groups", F, "1234567", T + "Die Antwort ist 1.234.567.", None, True, ""),
    # markers
    ("final-answer-bold-heading-same-line", F, "7", T + "**Final Answer** 7\n\n**Explanation:** the digit sum is 45.",
     None, True, ""),
    ("my-answer-is-option", F, "A", T + "A. injective only  B. surjective only\nSo my answer is Option A.", None, True, ""),
    ("answer-should-be-after-revision", B, "14", T + "\\boxed{12}\n\nWait, I forgot the 3×3 square: 9 + 4 + 1 = 14. "
     "The answer should be 14.", None, True, ""),
    ("answer-tag-in-boxed-form", B, "4", "<reasoning>\nx(x-2) = 8, so x = 4.\n</reasoning>\n<answer>\n4\n</answer>",
     None, True, ""),
    # a check after the box that changes the answer is a second final; one that restates it is not
    ("check-adds-a-root", B, "2", T + "$\\boxed{2}$\n\nChecking: $x = -1$ also works, so both $2$ and $-1$ are solutions.",
     None, False, "hedge"),
    ("check-adds-plus-minus", B, "2", T + "\\boxed{2}\n\nPlugging in x = -2 also gives 0, so x = ±2.", None, False, "hedge"),
    ("restating-another-value", B, "12", T + "\\boxed{12}\n\nRestating: the area is 6·4 = 24 square units.", None, False,
     "hedge"),
    ("restating-the-result-other-count", B, "9", T + "$\\boxed{9}$\n\nRestating the result: the number of solutions is 10.",
     None, False, "hedge"),
    ("restating-same-value-other-forms", B, "\\frac{3}{4}", T + "\\boxed{\\frac{3}{4}}\n\nSo the final answer is 3/4, "
     "i.e. 0.75 or 75%.", None, True, ""),
    ("restating-same-value-decimal", B, "\\frac{1}{2}", T + "\\boxed{\\frac{1}{2}}\n\nSo the probability is 0.5.", None,
     True, ""),
    ("i-e-one-value-twice", F, "\\frac{1}{4}", T + "I get 0.25, i.e. 25%.", None, True, ""),
    # named values keep their names; ratios keep their order and scale
    ("named-values-swapped", B, "a = 2, b = -1", T + "$\\boxed{a=-1,\\ b=2}$", None, False, ""),
    ("named-values-reordered", B, "a = 2, b = -1", T + "$\\boxed{b=-1,\\ a=2}$", None, True, ""),
    ("named-tuple-swapped", B, "p = 2, q = 3", T + "$\\boxed{(p,q) = (3,2)}$", None, False, ""),
    ("named-tuple-same", B, "p = 2, q = 3", T + "$\\boxed{(p,q) = (2,3)}$", None, True, ""),
    ("roots-named-alike-stay-unordered", B, "1, 2", T + "$\\boxed{x=2,\\ x=1}$", None, True, ""),
    ("ratio-parts-swapped", B, "5:3:2", T + "$\\boxed{5:2:3}$", None, False, ""),
    ("ratio-scaled", B, "5:3:2", T + "$\\boxed{10:6:4}$", None, True, ""),
    ("ratio-two-parts-scaled", B, "2:3", T + "$\\boxed{4:6}$", None, True, ""),
    # units: a power is part of the unit; cents are dollars; hours and minutes are one duration
    ("unit-area-for-length", B, "12 \\text{ m}", T + "$\\boxed{12 \\text{ m}^2}$", None, False, "unit: m^2 is not m"),
    ("unit-square-words", B, "12 \\text{ m}^2", T + "$\\boxed{12 \\text{ square meters}}$", None, True, ""),
    ("unit-cents-for-dollars", B, "\\$0.45", T + "$\\boxed{45\\text{ cents}}$", None, True, "unit: converted"),
    ("unit-hours-and-minutes", B, "2.5 \\text{ hours}", T + "$\\boxed{2 \\text{ hours } 30 \\text{ minutes}}$", None,
     True, "unit: converted"),
    ("unit-hours-and-other-minutes", B, "2.5 \\text{ hours}", T + "$\\boxed{2 \\text{ hours } 20 \\text{ minutes}}$",
     None, False, ""),
    # "or" in other languages offers alternatives
    ("chinese-or-is-a-hedge", F, "5", T + "所以根为 5 和 6。\n答案是 5 或 6。", None, False, "hedge"),
    ("french-or-is-a-hedge", F, "5", T + "La réponse est 5 ou 6.", None, False, "hedge"),
    # notations: set-builder, outward brackets, semicolons, nested lists, unit vectors, cis, engineering j
    ("set-builder-for-interval", B, "(4, \\infty)", T + "$\\boxed{\\{x \\mid x > 4\\}}$", None, True, ""),
    ("set-builder-gold", B, "\\{x \\mid x > 4\\}", T + "$\\boxed{(4,\\infty)}$", None, True, ""),
    ("set-builder-other-end", B, "(4, \\infty)", T + "$\\boxed{\\{x \\mid x \\ge 4\\}}$", None, False, ""),
    ("french-open-interval", B, "2 < x < 5", T + "$\\boxed{]2,5[}$", None, True, ""),
    ("french-half-open-interval", B, "[1, 3)", T + "$\\boxed{[1,3[}$", None, True, ""),
    ("french-closed-is-not-open", B, "(1, 3)", T + "$\\boxed{[1,3]}$", None, False, ""),
    ("semicolon-interval", F, "(1,3)", T + "Ответ: x ∈ (1; 3)", None, True, ""),
    ("nested-list-matrix", F, "\\begin{pmatrix} 7 & 10 \\\\ 15 & 22 \\end{pmatrix}", T + "So $A^2 = [[7, 10], [15, 22]]$.",
     None, True, ""),
    ("nested-list-other-matrix", F, "\\begin{pmatrix} 7 & 10 \\\\ 15 & 22 \\end{pmatrix}", T + "So $A^2 = [[7, 10], "
     "[22, 15]]$.", None, False, ""),
    ("unit-vectors-for-tuple", B, "\\langle 1,-2,1\\rangle", T + "$\\boxed{\\mathbf{i}-2\\mathbf{j}+\\mathbf{k}}$", None,
     True, ""),
    ("unit-vectors-for-column", B, "\\begin{pmatrix} -3 \\\\ 6 \\end{pmatrix}", T + "$\\boxed{-3\\mathbf{i}+6\\mathbf{j}}$",
     None, True, ""),
    ("unit-vectors-other-sign", B, "\\langle 1,-2,1\\rangle", T + "$\\boxed{\\mathbf{i}+2\\mathbf{j}+\\mathbf{k}}$", None,
     False, ""),
    ("cis-form", B, "1+i", T + "$\\boxed{\\sqrt{2}\\,\\text{cis}\\,\\frac{\\pi}{4}}$", None, True, ""),
    ("cis-degrees", B, "4i", T + "$\\boxed{4\\,\\text{cis}\\,90^\\circ}$", None, True, ""),
    ("cis-other-angle", B, "1+i", T + "$\\boxed{\\sqrt{2}\\,\\text{cis}\\,\\frac{\\pi}{3}}$", None, False, ""),
    ("engineering-j", B, "2+3i", T + "$\\boxed{2+3j}$", None, True, ""),
    ("engineering-j-other-number", B, "2+3i", T + "$\\boxed{3+2j}$", None, False, ""),
    ("part-labelled-gold", B, "(a) 3, (b) 2", "(a) The mean is \\boxed{3}\n(b) The variance is \\boxed{2}", None, True, ""),
    ("part-labelled-gold-wrong-part", B, "(a) 3, (b) 2", "(a) The mean is \\boxed{3}\n(b) The variance is \\boxed{4}",
     None, False, ""),
    # a word gold said inside a short answer; not negated, not beside an alternative, not a name in a statement
    ("phrase-in-answer", B, "\\text{isosceles}", T + "$\\boxed{\\text{an isosceles triangle}}$", None, True, ""),
    ("phrase-after-yes", B, "linearly independent", T + "$\\boxed{\\text{Yes, they are linearly independent}}$", None,
     True, ""),
    ("phrase-negated", B, "linearly independent", T + "$\\boxed{\\text{not linearly independent}}$", None, False, ""),
    ("phrase-synonyms", B, "injective but not surjective", T + "$\\boxed{\\text{one-to-one, not onto}}$", None, True, ""),
    ("phrase-null-hypothesis", B, "Reject $H_0$", T + "$\\boxed{\\text{We reject the null hypothesis}}$", None, True, ""),
    ("phrase-fail-to-reject", B, "Reject $H_0$", T + "$\\boxed{\\text{We fail to reject the null hypothesis}}$", None,
     False, ""),
    ("phrase-name-in-parentheses", F, "Bob", T + "So the second player (Bob) has a winning strategy.", None, True, ""),
    ("phrase-name-in-a-statement", B, "Bob", T + "$\\boxed{\\text{Alice beats Bob}}$", None, False, ""),
    ("phrase-not-a-letter", B, "i", T + "$\\boxed{-i}$", None, False, ""),
    # chains: a percent side converts; a rounding beside the exact value is not a false link (two digits at least)
    ("chain-to-percent", B, "20\\%", T + "\\boxed{0.5 \\cdot 0.4 = 0.2 = 20\\%}", None, True, ""),
    ("chain-rounding-then-exact", B, "\\frac{1}{3}", T + "\\boxed{0.33 = \\frac13}", None, True, ""),
    ("chain-exact-then-rounding", B, "\\frac{4}{3}", T + "\\boxed{\\frac{4}{3} = 1.33}", None, True, ""),
    ("chain-too-coarse-rounding", B, "\\frac{1}{3}", T + "\\boxed{\\frac{1}{3} = 0.3}", None, False, "false equation chain"),
    ("chain-misrounded", B, "\\frac{4}{3}", T + "\\boxed{\\frac{4}{3} = 1.34}", None, False, "false equation chain"),
    ("chain-false-middle", B, "81", T + "\\boxed{3^4 = 12 = 81}", None, False, "false equation chain"),
    # base numerals in one base; a numeral does not convert itself to decimal
    ("base-parenthesised-numeral", B, "212_3", T + "$\\boxed{(212)_3}$", None, True, ""),
    ("base-digits-for-numeral", B, "212_3", T + "$\\boxed{212}$", None, True, ""),
    ("base-decimal-for-numeral", B, "212_3", T + "$\\boxed{23}$", None, False, ""),
    ("base-numeral-for-decimal", B, "11", T + "$\\boxed{1011_2}$", None, False, ""),
    # multi-select golds
    ("choice-set", B, "AC", T + "$\\boxed{A, C}$", None, True, ""),
    ("choice-set-reordered", B, "AC", T + "$\\boxed{\\text{(C) and (A)}}$", None, True, ""),
    ("choice-set-other", B, "AC", T + "$\\boxed{A, B}$", None, False, ""),
    ("choice-set-partial", B, "AC", T + "$\\boxed{C}$", None, False, ""),
    # an unclosed <think> that ends on its boxed answer; "over"; "must be (A)"
    ("unclosed-think-ending-on-box", B, "-1", "<think>\nThe roots are 2 and -3.\n\nSo the final answer is\n\n\\boxed{-1}", None,
     True, ""),
    ("unclosed-think-box-mid-thought", B, "-1", "<think>\nMaybe \\boxed{-1}, but let me keep thinking about the", None,
     False, "unclosed <think>"),
    ("fraction-as-over", F, "\\frac{4}{9}", T + "The smaller area is therefore 4 over 9 of the larger one's.", None, True, ""),
    ("answer-must-be-letter", F, "A", T + "B through E fail, so the answer must be **(A)**.", None, True, ""),
    # free-form closing lines: plain-text math, qualifiers, where a maximum is attained, roots, yes/no in prose
    ("closing-nested-list", F, "\\begin{pmatrix} 7 & 10 \\\\ 15 & 22 \\end{pmatrix}", T + "So A^2 = [[7, 10], [15, 22]].",
     None, True, ""),
    ("closing-function-for-all", F, "f(n)=n+1", T + "Therefore f(n) = n + 1 for every positive integer n.", None, True, ""),
    ("closing-function-other", F, "f(x)=2x", T + "Therefore the only function is f(x) = 3x for all real x.", None, False, ""),
    ("closing-identity-plain-text", F, "\\sin 2x", T + "Using the double angle identity:\n2 sin x cos x = sin(2x)", None,
     True, ""),
    ("closing-value-where-attained", F, "8", T + "Thus, the maximum is attained at x = 2, where f(2) = 8.", None, True, ""),
    ("closing-not-where-attained", F, "2", T + "Thus, the maximum is attained at x = 2, where f(2) = 8.", None, False, ""),
    ("closing-unicode-root", F, "2\\sqrt{2}", T + "So the distance is √8.", None, True, ""),
    ("closing-unicode-root-not-its-radicand", F, "8", T + "So the distance is √8.", None, False, ""),
    ("closing-no-such", F, "No", T + "So n² ≡ 2 (mod 4) is impossible. Therefore, no such integer exists.", None, True, ""),
    ("closing-not-possible", F, "No", T + "There are 2023 odd terms, a contradiction.\n\nTherefore, it is not possible.", None,
     True, ""),
    ("closing-no-for-a-yes", F, "Yes", T + "Therefore, no such integer exists.", None, False, ""),
    ("closing-day-name", F, "Tuesday", T + "So the 100th day from today is a Tuesday.", None, True, ""),
    ("closing-other-day-name", F, "Tuesday", T + "So the 100th day from today is a Thursday.", None, False, ""),
    ("unicode-minus-last-number", F, "2", T + "La solución es x = −2.", None, False, ""),
    ("unicode-minus-last-number-right", F, "-2", T + "La solución es x = −2.", None, True, ""),
    ("doubt-after-box-it-could-be", B, "7", T + "So the number of solutions is $\\boxed{7}$? Actually I'm not confident in "
     "the casework; it could be 9.", None, False, "hedge"),
    ("it-could-be-no-number", B, "7", T + "$\\boxed{7}$. It could be tempting to count the empty set, but it is excluded.",
     None, True, ""),
    # revisions in other languages; a reason after the answer; an aside is a remark about another case only
    ("chinese-revision", F, "7", "所以答案是 7。不对，1 也应该算进去，应该是 8。", None, False, ""),
    ("chinese-revision-to-gold", F, "8", "所以答案是 7。不对，1 也应该算进去，应该是 8。", None, True, ""),
    ("french-revision", F, "4", T + "Donc la réponse est 3... non, en fait 4, car il faut compter la solution double.", None,
     True, ""),
    ("french-revision-away", F, "3", T + "Donc la réponse est 3... non, en fait 4, car il faut compter la solution double.",
     None, False, ""),
    ("revision-not-an-aside", B, "60", T + "$\\dfrac{6!}{3!\\,2!}=\\boxed{60}$.\n\nActually, we should not divide by 2! for "
     "them — the answer is 120.", None, False, ""),
    ("aside-for-another-case", B, "5", T + "$\\boxed{5}$. (For a $3 \\times 3$ board the answer is $2$.)", None, True, ""),
    ("closing-therefore-other-fraction", B, "\\frac{1}{6}", T + "$\\boxed{\\frac16}$\n\nDouble-check: $1-\\frac56=\\frac16$ ✓. "
     "Therefore $P=\\frac56$.", None, False, "hedge"),
    ("closing-therefore-same-fraction", B, "\\frac{1}{6}", T + "$\\boxed{\\frac16}$\n\nDouble-check: $1-\\frac56=\\frac16$ ✓. "
     "Therefore $P=\\frac16$.", None, True, ""),
    ("text-sentence-gold", B, "\\text{The minimum value is } 5 \\text{ (attained at } x=2)", T + "$\\boxed{5}$", None, True, ""),
    ("text-sentence-gold-not-where", B, "\\text{The minimum value is } 5 \\text{ (attained at } x=2)", T + "$\\boxed{2}$",
     None, False, ""),
    # another answer offered in parentheses is a hedge; a condition or the same value in another form is not
    ("parenthesised-alternative", F, "8", T + "The answer is 7 (or 8 if we count the empty set).", None, False, "hedge"),
    ("parenthesised-alternative-first", F, "7", T + "The answer is 7 (or 8 if we count the empty set).", None, False,
     "hedge"),
    ("parenthesised-condition-value", F, "17", T + "Answer: 17 (if we count the empty set, 18).", None, False, "hedge"),
    ("parenthesised-same-value", F, "12", T + "The answer is 12 (or equivalently, 12.0).", None, True, ""),
    ("parenthesised-condition", F, "5", T + "The answer is 5 (if x > 0).", None, True, ""),
    ("parenthesised-alternative-after-box", B, "\\frac32", T + "$$\\boxed{\\frac{3}{2}} \\text{ (or } \\frac{2}{3} \\text{ if "
     "the ratio is taken the other way)}$$", None, False, "hedge"),
    ("upright-imaginary-unit", B, "2-3i", T + "$\\boxed{2-3\\mathrm{i}}$", None, True, ""),
    ("cent-sign", B, "\\$0.75", T + "$\\boxed{75\\text{¢}}$", None, True, "unit: converted"),
    ("braced-colon-time", B, "\\text{3:45 p.m.}", T + "$\\boxed{15{:}45}$", None, True, ""),
    ("empty-set-for-no-solution", B, "no solution", T + "$\\boxed{\\varnothing}$", None, True, ""),
    ("empty-set-for-a-value", B, "2", T + "$\\boxed{\\varnothing}$", None, False, ""),
    ("answer-should-be-a-check", B, "13", T + "$\\boxed{13}$\n\nSanity check: the answer should be less than $2^6 = 64$. ✓",
     None, True, ""),
]


@pytest.fixture(scope="module")
def graders():
    made = {form: Grader(GradeConfig(extract=extract_config(form), workers=1)) for form in (B, F)}
    yield made
    for grader in made.values():
        grader.close()


@pytest.mark.parametrize("case_id,form,gold,completion,finish_reason,correct,detail", CASES, ids=[c[0] for c in CASES])
def test_round6_case(graders, case_id, form, gold, completion, finish_reason, correct, detail):
    verdict = graders[form].grade([completion], [gold], [finish_reason])[0]
    assert verdict.correct == correct, (verdict.status, verdict.extracted, verdict.canonical, verdict.detail)
    assert verdict.detail.startswith(detail), verdict.detail


def test_a_sample_cut_after_its_answer_still_counts_as_hitting_the_budget():
    from collections import Counter

    from passk.score import tally

    rows = [{"benchmark": "b", "problem_id": "p", "sample_idx": i, "status": s, "detail": d, "answer_key": None}
            for i, (s, d) in enumerate([("correct", f"{CUT_AFTER_ANSWER} (finish_reason=length)"),
                                        ("truncated", "finish_reason=length"), ("correct", "")])]
    t = tally(rows)["b"]["p"]
    assert t.cut_graded == 1 and t.statuses == Counter({"correct": 2, "truncated": 1})
