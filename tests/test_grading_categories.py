r"""The team's own cases for each category of lenient or missed verdicts found in review (issue 9).

Each row: (case id, gold, completion, correct?, what the verdict's detail must start with).
Completions are graded as a boxed-template run grades them (`boxed` answer form) unless the id
says `free` (a pairs file: no prompt, every rule) or `dapo` (an "Answer:" line was asked for).
"""

import pytest

from passk.grade import Grader, GradeConfig, extract_config

T = "Let me work through this carefully.\n\n"  # a stand-in for the reasoning before an answer

CASES = [
    # 1. extraction precedence: the form the prompt asked for wins; prose after it is not the answer
    ("precedence-interval-reminder", "[1, 2]", T + r"So \boxed{[1,2]}. (Remember to express the answer in interval notation)", True, ""),
    ("precedence-cannot-be-wrong", "7", T + r"\boxed{7}. The answer cannot be wrong.", True, ""),
    ("precedence-should-be-boxed", "7", T + r"\boxed{7}. Note: the final answer should be in \boxed{}.", True, ""),
    ("precedence-later-different-final", "255", T + r"\boxed{255}. Final Answer: The final answer is $10455$.", False, "hedge"),
    ("precedence-later-same-final", "255", T + r"\boxed{255}. The final answer is $255$.", True, ""),
    ("precedence-later-stated-value", "5", T + r"We find $a = \boxed{5}$. Then $b = 7$, so the answer is $7$.", False, "hedge"),
    ("precedence-alternative-after", "C", T + r"\boxed{C} (though D is also plausible)", False, "hedge"),
    ("precedence-markdown-bold", "12", T + "So the answer is **12**.", True, ""),
    ("precedence-invented-turn", "5", T + "\\boxed{7}\nHuman: 2+3?\nAssistant: \\boxed{5}", False, "turn"),
    ("hedge-cases-in-paragraphs", "7", T + "Case 1: \\boxed{5}\n\nCase 2: \\boxed{7}", False, "hedge"),
    ("hedge-guess-mark", "5", T + r"\boxed{5?}", False, "hedge"),
    ("hedge-approx-only", "5", T + r"\boxed{\approx 5}", False, "hedge"),
    ("chain-exact-then-approx", r"\frac{1}{3}", T + r"\boxed{\frac{1}{3} \approx 0.333}", True, ""),
    ("chain-false-approx", r"\frac{1}{3}", T + r"\boxed{\frac{1}{3} \approx 0.5}", False, "false equation chain"),
    ("chain-identity-false", "2", T + r"\boxed{\sin^2 x + \cos^2 x = 2}", False, "false equation chain"),
    ("chain-value-on-the-left", "5", T + r"\boxed{5 = x}", True, ""),
    # an answer whose box is never closed is no answer: a grader reading the box's first characters credits a prefix
    ("malformed-unclosed-box-after-marker", "2", T + "Therefore, the final answer is:\n$\\boxed{2^{3x}= 2^{3x}$, which is the "
     "original equation.", False, ""),
    ("malformed-unclosed-box-answer-is", "12", T + r"So the answer is $\boxed{12 + x$.", False, ""),
    ("malformed-dapo-unclosed-box", "7", T + "Answer: \\boxed{7x - 1", False, ""),
    ("malformed-free-unclosed-box", "2", T + "Therefore, the final answer is:\n$\\boxed{2^{3x}= 2^{3x}$, which is the "
     "original equation.", False, ""),
    ("malformed-closed-box-after-marker", "5", T + r"The final answer is $\boxed{5}$.", True, ""),
    ("retract-pitfall-remark", "12", T + "\\boxed{12}\n\nNote: it is incorrect to add the cases.", True, ""),
    ("retract-sentence-start", "5", T + "So we get \\boxed{5}.\n\nThat's incorrect.", False, "retracted"),
    ("miss-magnitude-word", "10000", T + r"\boxed{10 \text{ thousand}}", True, ""),
    ("miss-magnitude-not-a-unit", "10", T + r"\boxed{10 \text{ thousand}}", False, ""),
    ("miss-unit-after-pi", r"8\pi", T + r"\boxed{8\pi \text{ cm}^2}", True, ""),
    ("miss-compound-unit", "60", T + r"\boxed{60 \text{ km/h}}", True, ""),
    ("miss-vector-angle-brackets", "(1, 2, 3)", T + r"\boxed{\langle 1, 2, 3 \rangle}", True, ""),
    ("miss-choice-with-value", "12", T + r"\boxed{\textbf{(C)}\ 12}", True, ""),
    ("miss-repeating-decimal", r"\frac{1}{3}", T + r"\boxed{0.\overline{3}}", True, ""),
    ("miss-unicode-half", r"\frac{1}{2}", T + r"\boxed{½}", True, ""),
    ("miss-interval-as-inequality", r"[5, \infty)", T + r"\boxed{x \geq 5}", True, ""),
    ("miss-set-is-not-a-pair", "(3, 5)", T + r"\boxed{\{3, 5\}}", False, ""),
    ("percent-both-sides", r"25\%", T + r"\boxed{0.25\%}", False, ""),
    ("miss-factored-polynomial", "x^2 + x - 2", T + r"\boxed{(x-1)(x+2)}", True, ""),
    ("miss-trig-degrees-bare", r"\frac{1}{2}", T + r"\boxed{\sin 30^\circ}", True, ""),
    ("hedge-plus-minus-gold", r"\pm 3", T + r"\boxed{3, -3}", True, ""),
    ("hedge-plus-minus-answer", "3", T + r"\boxed{\pm 3}", False, "hedge"),
    ("chain-series-equals-value", "5050", T + r"\boxed{\sum_{k=1}^{100} k = 5050}", True, ""),
    ("chain-factorial", "24", T + r"\boxed{4! = 24}", True, ""),
    ("repeat-same-value-two-forms", r"2\sqrt{2}", T + r"$\boxed{\sqrt{8}}$, which simplifies to $\boxed{2\sqrt{2}}$.", True, ""),
    ("retract-then-correct", "16", T + "So the total is \\boxed{15}.\n\nWait, I made an arithmetic mistake. So the correct total "
     "is \\boxed{16}.", True, ""),
    ("retract-answer-above", "9", T + "Answer: 9\n\nHmm, actually the answer above is incorrect.", False, "retracted"),
    ("yes-conditional", r"\text{Yes}", T + r"\boxed{\text{Yes for even } n\text{, no for odd } n}", False, "hedge"),
    ("precedence-dapo-answer-line-wins", "12", T + "so \\boxed{3} for part one\n\nAnswer: 12", True, ""),
    ("precedence-dapo-box-is-fallback", "12", T + r"hence \boxed{12}", True, ""),
    ("precedence-words-are-no-answer", "7", T + "Answer: the one we found above", False, ""),
    ("precedence-free-latest-marker", "10455", T + r"\boxed{255}. Final Answer: The final answer is $10455$.", True, ""),
    ("precedence-french-marker-free", "42", "Réponse : 42", True, ""),
    ("precedence-chinese-marker-free", "42", "答案：42", True, ""),
    ("precedence-german-marker-free", "42", "Antwort: $42$", True, ""),
    ("precedence-think-then-answer", "4", "<think>maybe \\boxed{3}</think> so \\boxed{4}", True, ""),
    # 2. the same value boxed twice is one answer
    ("repeat-adjacent", "6", T + r"\boxed{6}\boxed{6}", True, ""),
    ("repeat-degenerate-tail", "6", T + "\\boxed{6}\n\\boxed{6}\n\n\\boxed{6} \\boxed{6}", True, ""),
    ("repeat-spaced", "6", T + r"\boxed{6} and again \boxed{6}", True, ""),
    # 3. retraction
    ("retract-made-error", "7", T + "So the answer is 7. Wait, I made an error.", False, "retracted"),
    ("retract-boxed-then-wrong", "7", T + r"\boxed{7}. Hmm, that is not correct.", False, "retracted"),
    ("retract-my-answer-wrong", "9", T + r"\boxed{9} but my answer is wrong.", False, "retracted"),
    ("retract-benign-check", "9", T + r"\boxed{9}. Let me double-check: 3 squared is 9, correct.", True, ""),
    ("retract-not-in-invented-turn", "9", T + "\\boxed{9}\n\nHuman: I made a mistake in my question.", True, ""),
    # 4. hedges: alternatives offered for one answer
    ("hedge-or-text", "5", T + r"\boxed{x = 3 \text{ or } x = 5}", False, "hedge"),
    ("hedge-comma-equations", "5", T + r"\boxed{x=3, x=5}", False, "hedge"),
    ("hedge-plain-or", "5", T + r"\boxed{3 or 5}", False, "hedge"),
    ("hedge-lor", "5", T + r"\boxed{x = 3 \lor x = 5}", False, "hedge"),
    ("hedge-yes-and-no", "yes", T + r"\boxed{\text{Yes and no}}", False, "hedge"),
    ("hedge-yes-or-no", "no", T + r"\boxed{\text{yes or no}}", False, "hedge"),
    ("hedge-choices-or", "C", T + r"\boxed{(C) or (D)}", False, "hedge"),
    ("hedge-choices-all", "C", T + r"\boxed{A, B, C, D, E}", False, "hedge"),
    ("hedge-choices-run-together", "C", T + r"\boxed{CD}", False, ""),
    ("hedge-two-boxes", "5", T + r"it is \boxed{3} or \boxed{5}", False, "hedge"),
    ("hedge-not-a-list-gold", "2, 5", T + r"\boxed{x = 5 \text{ or } x = 2}", True, ""),
    ("hedge-same-value-twice", r"\frac{1}{2}", T + r"\boxed{1/2 \text{ or } 0.5}", True, ""),
    ("hedge-yes-with-reason", "yes", T + r"\boxed{\text{Yes, no four-digit number appears}}", True, ""),
    ("hedge-no-with-reason", "No", T + r"\boxed{\text{No, such n does not exist}}", True, ""),
    # 5. equation chains
    ("chain-false", "5", T + r"\boxed{2+2=5}", False, "false equation chain"),
    ("chain-true", "11", T + r"\boxed{x = 5 + 6 = 11}", True, ""),
    ("chain-false-after-variable", "8", T + r"\boxed{x = 3 + 4 = 8}", False, "false equation chain"),
    ("chain-sum-of-unknowns", "7", T + r"\boxed{a + b = 7}", True, ""),
    ("chain-named-length", r"2\sqrt{5}", T + r"\boxed{AB = 2\sqrt{5}}", True, ""),
    ("chain-false-symbolic", "3", T + r"\boxed{\sqrt{8} = 3}", False, "false equation chain"),
    ("chain-true-symbolic", r"2\sqrt{2}", T + r"\boxed{\sqrt{8} = 2\sqrt{2}}", True, ""),
    # 6. rounded decimals of exact golds
    ("round-pi", r"\pi", T + r"\boxed{3.14}", False, ""),
    ("round-pi-many-digits", r"\pi", T + r"\boxed{3.14159265}", False, "policy"),
    ("round-third", r"\frac{1}{3}", T + r"\boxed{0.333}", False, "policy"),
    ("round-third-long", r"\frac{1}{3}", T + r"\boxed{0.3333333}", False, "policy"),
    ("round-e", "e", T + r"\boxed{2.72}", False, ""),
    ("round-sqrt2", r"\sqrt{2}", T + r"\boxed{1.41}", False, ""),
    ("round-exact-decimal", r"\frac{1}{8}", T + r"\boxed{0.125}", True, ""),
    ("round-decimal-gold-exact-answer", "3.33333333", T + r"\boxed{\frac{10}{3}}", True, ""),
    ("round-decimal-gold-sqrt", "1.41421356", T + r"\boxed{\sqrt{2}}", True, ""),
    ("round-low-precision-gold-is-no-license", "3.14", T + r"\boxed{\frac{22}{7}}", False, ""),
    ("round-decimal-gold-wrong", "2.5", T + r"\boxed{2.49}", False, ""),
    # 7. finite sums and products
    ("series-sum-value", "6", T + r"\boxed{\sum_{n=1}^{3} n}", True, ""),
    ("series-sum-not-one", "1", T + r"\boxed{\sum_{n=1}^{3} n}", False, ""),
    ("series-prod-value", "24", T + r"\boxed{\prod_{k=1}^{4} k}", True, ""),
    ("series-sum-squares", "14", T + r"\boxed{\sum_{k=1}^{3} k^2}", True, ""),
    ("series-huge-refused", "1", T + r"\boxed{\sum_{n=1}^{10^{12}} n}", False, "a sum of"),
    # 8. logarithms with a base
    ("log-base-10-not-ln", r"\log_{10} 2", T + r"\boxed{\ln 2}", False, ""),
    ("log-base-2-value", "3", T + r"\boxed{\log_2 8}", True, ""),
    ("log-ln-is-natural", r"\ln 2", T + r"\boxed{\log_{e} 2}", True, ""),
    ("log-bare-log-is-natural", r"\ln 2", T + r"\boxed{\log 2}", True, ""),
    # 9. what Math-Verify or Qwen's grader gets right
    ("miss-choice-lowercase", "C", T + r"\boxed{c}", True, ""),
    ("miss-choice-lowercase-parens", r"\text{(C)}", T + r"\boxed{(c)}", True, ""),
    ("miss-rearranged-equation", "x - (y+2) = 0", T + r"\boxed{x = y + 2}", True, ""),
    ("miss-line-equation", "y = 2x + 1", T + r"\boxed{2x - y + 1 = 0}", True, ""),
    ("miss-mathcal", "B", T + r"\boxed{\mathcal{B}}", True, ""),
    ("miss-gold-with-words", "10 weeks", T + r"\boxed{10}", True, ""),
    ("miss-gold-with-text", r"17 \text{ any text}", T + r"\boxed{17}", True, ""),
    ("miss-complex-product", "1+2i", T + r"\boxed{i(2-i)}", True, ""),
    ("miss-complex-wrong", "1+2i", T + r"\boxed{2+i}", False, ""),
    ("miss-trig-degrees", r"\cos x", T + r"\boxed{\sin(90^\circ - x)}", True, ""),
    ("miss-degrees-number", "30", T + r"\boxed{30^\circ}", True, ""),
    ("miss-two-boxed-parts", "3, 5", T + r"Part (a): \boxed{3}. For part (b) we get \boxed{5}.", True, ""),
    ("miss-latex-thousands", r"11,\! 111,\! 100", T + r"\boxed{11111100}", True, ""),
    ("miss-textnormal-unit", "125", T + r"\boxed{125\textnormal{ miles}}", True, ""),
]


@pytest.fixture(scope="module")
def grader_for():
    graders = {}

    def get(form):
        if form not in graders:
            graders[form] = Grader(GradeConfig(workers=2, extract=extract_config(form)))
        return graders[form]

    yield get
    for g in graders.values():
        g.close()


def _form(case_id: str) -> str:
    return "free" if case_id.endswith("-free") or case_id.startswith("precedence-free") else \
        "answer_line" if "-dapo-" in case_id else "boxed"


@pytest.mark.parametrize("case_id,gold,completion,correct,detail", CASES, ids=[c[0] for c in CASES])
def test_category_case(grader_for, case_id, gold, completion, correct, detail):
    verdict = grader_for(_form(case_id)).grade([completion], [gold])[0]
    assert verdict.correct == correct, (verdict.status, verdict.extracted, verdict.method, verdict.detail)
    assert verdict.detail.startswith(detail), verdict.detail


def test_no_hedge_is_credited(grader_for):
    hedges = [(gold, completion) for case_id, gold, completion, _, _ in CASES if case_id.startswith("hedge-")
              and not CASES[[c[0] for c in CASES].index(case_id)][3]]
    verdicts = grader_for("boxed").grade([c for _, c in hedges], [g for g, _ in hedges])
    assert not any(v.correct for v in verdicts)


@pytest.mark.parametrize("gold,answer", [
    (r"\pi", "3.1416"), (r"\frac{1}{3}", "0.333"), (r"40\pi", "125.664"), (r"\frac{\sqrt{3}}{2}", "0.866")])
def test_lenient_policy_keeps_the_rounding_rule(gold, answer):
    completion = T + rf"\boxed{{{answer}}}"
    with Grader(GradeConfig(workers=1, policy="lenient")) as lenient, Grader(GradeConfig(workers=1)) as strict:
        assert lenient.grade([completion], [gold])[0].correct
        assert not strict.grade([completion], [gold])[0].correct
