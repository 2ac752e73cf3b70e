r"""The team's own cases for each category of lenient or missed verdicts found in review (issue 9).

Each row: (case id, gold, completion, correct?, what the verdict's detail must start with).
Completions are graded as a boxed-template run grades them (`boxed` answer form) unless the id
says `free` (a pairs file: no prompt, every rule) or `dapo` (an "Answer:" line was asked for).
"""

import pytest

from passk.grade import GradeConfig, Grader, extract_config

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
    # no prompt: a later different final beside a box is a second answer, not a silent replacement (issue 19)
    ("precedence-free-latest-marker", "10455", T + r"\boxed{255}. Final Answer: The final answer is $10455$.", False, "hedge"),
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
    # a decimal gold of 3+ significant digits is the exact answer rounded, as documented (issue 19)
    ("round-three-digit-gold", "3.14", T + r"\boxed{\pi}", True, ""),
    ("round-two-digit-gold-is-no-license", "0.67", T + r"\boxed{\frac{2}{3}}", False, ""),
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


# Issue 19: one group of named cases per root cause found on sets written by people who never read the grader
# (rcNN is the cause's number in the issue). Each row: (id, answer form, gold, completion, correct?, detail prefix);
# variants credited and not, boxed and free, in other languages and notations, so that a fix is a mechanism.
B, F = "boxed", "free"
ROOT_CAUSE_CASES = [
    # rc01 sentence golds: the answer is what follows "is"/"=", not the condition after it
    ("rc01-max-then-argmax-wrong", F, r"The maximum value is $8$, attained when $a = 2$.", T + r"\boxed{2}", False, ""),
    ("rc01-max-then-argmax-right", F, r"The maximum value is $8$, attained when $a = 2$.", T + r"\boxed{8}", True, ""),
    ("rc01-max-boxed-form", B, r"The maximum is $8$, achieved at $x = 2$.", T + r"The maximum is $\boxed{8}$.", True, ""),
    ("rc01-max-boxed-argmax", B, r"The maximum is $8$, achieved at $x = 2$.", T + r"\boxed{x = 2}", False, ""),
    ("rc01-min-plain-text", F, "The minimum is 3 when x = 1", T + r"\boxed{1}", False, ""),
    ("rc01-min-plain-text-right", F, "The minimum is 3 when x = 1", T + r"\boxed{3}", True, ""),
    ("rc01-excluded-value", F, r"All real numbers except $x = 2$", T + r"\boxed{2}", False, ""),
    ("rc01-function-wrong", F, r"$f(x) = x^2$ for all $x$, where $f(0) = 0$", T + r"\boxed{0}", False, ""),
    ("rc01-equals-in-sentence", F, r"The area equals $12\pi$ when $r = 2$.", T + r"\boxed{12\pi}", True, ""),
    ("rc01-equals-in-sentence-wrong", F, r"The area equals $12\pi$ when $r = 2$.", T + r"\boxed{2}", False, ""),
    ("rc01-if-condition", F, r"The sum is $10$ if $n$ is even.", T + r"\boxed{10}", True, ""),
    ("rc01-french", F, r"La valeur maximale est $5$, atteinte pour $x = 1$.", T + r"\boxed{1}", False, ""),
    # rc02 free form: checks after the box
    ("rc02-free-later-final-differs", F, "7", T + r"So \boxed{5}. The final answer is $7$.", False, "hedge"),
    ("rc02-free-later-final-same", F, "5", T + r"So \boxed{5}. The final answer is $5$.", True, ""),
    ("rc02-free-later-answer-is-differs", F, "5", T + r"So \boxed{5}.\n\nTherefore the answer is 7.", False, "hedge"),
    ("rc02-free-alternative-after", F, "C", T + r"\boxed{C} (though D is also plausible)", False, "hedge"),
    ("rc02-free-or-maybe-after", F, "C", T + r"\boxed{C}, or maybe B.", False, "hedge"),
    ("rc02-free-prose-correction", F, "5", T + r"\boxed{5}. Actually, it should be 6.", False, ""),
    ("rc02-boxed-prose-correction", B, "6", T + r"\boxed{5}. Actually, it should be 6.", False, ""),
    ("rc02-free-restated-same", F, "12", T + r"\boxed{12}. So there are 12 ways in all.", True, ""),
    ("rc02-free-reminder-after", F, "[1, 2]", T + r"So \boxed{[1,2]}. (Remember to express the answer in interval notation)", True, ""),
    ("rc02-free-later-correct-after-wait", F, "16", T + "So the total is \\boxed{15}.\n\nWait, I made an arithmetic mistake. So the correct total is \\boxed{16}.", True, ""),
    # rc03 free form: the answer after </think> wins, even in prose
    ("rc03-think-box-prose-after", F, "12", "<think>maybe \\boxed{12}</think>\nThere are 15 such sequences.", False, ""),
    ("rc03-think-box-prose-after-right", F, "15", "<think>maybe \\boxed{12}</think>\nThere are 15 such sequences.", True, ""),
    ("rc03-think-box-empty-after", F, "12", "<think>so \\boxed{12}</think>\n", True, ""),
    ("rc03-think-prose-answer-is", F, "9", "<think>\\boxed{8}</think> The answer is 9.", True, ""),
    # rc04/rc14 clock times
    ("rc04-pm-vs-am", F, r"9:00 \text{ PM}", T + r"\boxed{9:00 \text{ AM}}", False, ""),
    ("rc04-pm-vs-am-boxed", B, "9 PM", T + r"\boxed{9 \text{ AM}}", False, ""),
    ("rc04-am-vs-pm-dots", F, "7:30 a.m.", T + "The train leaves at 7:30 p.m.", False, ""),
    ("rc04-pm-same-other-spelling", F, r"9:00 \text{ PM}", T + "They meet at 9 p.m.", True, ""),
    ("rc04-am-same-boxed", B, "7:30 AM", T + r"\boxed{7:30 \text{ a.m.}}", True, ""),
    ("rc14-24h-vs-pm", B, "21:00", T + r"\boxed{9:00 \text{ PM}}", True, ""),
    ("rc14-pm-vs-24h", B, r"9 \text{ p.m.}", T + r"\boxed{21:00}", True, ""),
    ("rc14-am-short-long", B, "9 a.m.", T + r"\boxed{9:00 \text{ a.m.}}", True, ""),
    ("rc14-oclock", B, "3 o'clock", T + r"\boxed{3:00}", True, ""),
    ("rc14-seconds", B, "20:34", T + r"\boxed{20:34:00}", True, ""),
    ("rc14-seconds-differ", B, "20:34", T + r"\boxed{20:34:30}", False, ""),
    ("rc14-noon", B, "12:00 PM", T + r"\boxed{12:00}", True, ""),
    ("rc14-midnight", B, "12:00 AM", T + r"\boxed{12:00}", False, ""),
    ("rc14-pm-free-prose", F, "4:15 PM", T + "So they meet at 4:15 PM.", True, ""),
    ("rc14-ratio-not-time", B, "3:2", T + r"\boxed{3:2}", True, ""),
    # rc05 one-sided percent
    ("rc05-stray-percent-decimal", B, "0.25", T + r"\boxed{0.25\%}", False, ""),
    ("rc05-stray-percent-decimal-gold", B, r"0.4\%", T + r"\boxed{0.4}", False, ""),
    ("rc05-percent-as-number", B, "25", T + r"\boxed{25\%}", True, ""),
    ("rc05-percent-as-fraction", B, "0.25", T + r"\boxed{25\%}", True, ""),
    ("rc05-gold-percent-answer-number", B, r"12.5\%", T + r"\boxed{12.5}", True, ""),
    ("rc05-gold-percent-answer-fraction", B, r"20\%", T + r"\boxed{\frac{1}{5}}", True, ""),
    ("rc19-gold-100-percent", B, r"100\%", T + r"\boxed{100\%}", True, ""),
    ("rc19-gold-100-percent-number", B, r"100\%", T + r"\boxed{100}", True, ""),
    ("rc19-gold-100-percent-one", B, r"100\%", T + r"\boxed{1}", True, ""),
    ("rc19-gold-100-percent-text", F, r"100%", T + "The probability is 100%.", True, ""),
    # rc06 leading variable
    ("rc06-vertical-vs-horizontal", B, "x = 3", T + r"\boxed{y = 3}", False, ""),
    ("rc06-vertical-vs-horizontal-free", F, "y = -2", T + r"The line is $x = -2$.", False, ""),
    ("rc06-same-variable", B, "x = 3", T + r"\boxed{x = 3}", True, ""),
    ("rc06-bare-value", B, "x = 3", T + r"\boxed{3}", True, ""),
    ("rc06-named-answer-bare-gold", B, "3", T + r"\boxed{n = 3}", True, ""),
    ("rc06-other-letter", B, "a = 4", T + r"\boxed{b = 4}", False, ""),
    # rc07 multi-part gold, rejected earlier box
    ("rc07-rejected-part", B, "3, 5", T + "(a) \\boxed{2}. Wait, that's wrong: recounting gives 4.\n\n(b) \\boxed{5}", False, ""),
    ("rc07-two-parts", B, "3, 5", T + "(a) \\boxed{3}\n\n(b) \\boxed{5}", True, ""),
    ("rc07-revised-part", B, "3, 5", T + "(a) \\boxed{2}. Hmm, wait, let me recount: it is \\boxed{3}.\n\n(b) \\boxed{5}", True, ""),
    ("rc07-rejected-hold-on", B, "(1, 2)", T + "First \\boxed{7}. Hold on, that's not right.\n\nThen \\boxed{(1, 2)}", True, ""),
    # rc08 cut mid-sentence with no finish reason
    ("rc08-cut-mid-sentence", F, "4", T + "For the first part, $\\boxed{4}$ is the count of red balls. Now for the second part we need to count how many of the remaining balls are blue, which means we subtract the red ones from the total of twenty and then divide the", False, "truncated"),
    ("rc08-cut-boxed-form", B, "4", T + "So far \\boxed{4} red. Next we need the blue balls. The number of blue balls is the total minus the red ones, and the total is twenty, so the number of blue balls is twenty minus four which is sixteen, and the probability of", False, "truncated"),
    ("rc08-finished-short-tail", F, "4", T + "So the answer is $\\boxed{4}$. I hope it is correct", True, ""),
    ("rc08-finished-remark", B, "4", T + "So \\boxed{4}.\n\nThis matches the count we would get by listing every arrangement by hand, which confirms the answer and completes the solution to the problem as it was stated.", True, ""),
    # rc09 gold chains, iff
    ("rc09-gold-chain", F, r"2^{10} = 1024", T + r"\boxed{1024}", True, ""),
    ("rc09-gold-chain-left", F, r"2^{10} = 1024", T + r"\boxed{2^{10}}", True, ""),
    ("rc09-gold-chain-wrong", F, r"2^{10} = 1024", T + r"\boxed{1000}", False, ""),
    ("rc09-gold-named-chain", F, r"S = 3 + 4 = 7", T + r"\boxed{7}", True, ""),
    ("rc09-iff", F, r"$n$ is odd if and only if $n^2$ is odd", T + r"\boxed{n \text{ is odd if and only if } n^2 \text{ is odd}}", True, ""),
    ("rc09-iff-text", B, r"\text{all } n \text{ with } n \equiv 1 \pmod 4", T + r"\boxed{\text{all } n \text{ with } n \equiv 1 \pmod 4}", True, ""),
    ("rc09-sentence-gold-is", F, "The answer is $42$.", T + r"\boxed{42}", True, ""),
    ("rc09-sentence-gold-there-are", F, "There are 12 such sequences.", T + r"\boxed{12}", True, ""),
    # rc10 golds that offer two forms
    ("rc10-gold-or-equivalently", B, r"\frac{1}{2} (or equivalently 0.5)", T + r"\boxed{0.5}", True, ""),
    ("rc10-gold-OR", B, r"\frac{\pi}{4} OR 45^\circ", T + r"\boxed{45^\circ}", True, ""),
    ("rc10-gold-OR-first", B, r"\frac{\pi}{4} OR 45^\circ", T + r"\boxed{\frac{\pi}{4}}", True, ""),
    ("rc10-gold-or-same-value", B, r"\frac{3}{4} or 0.75", T + r"\boxed{\frac{3}{4}}", True, ""),
    ("rc10-gold-ie", B, r"2^{5}, i.e. 32", T + r"\boxed{32}", True, ""),
    ("rc10-gold-two-forms-wrong", B, r"\frac{1}{2} (or equivalently 0.5)", T + r"\boxed{0.25}", False, ""),
    ("rc10-gold-roots-or-still-list", B, r"x = 2 \text{ or } x = 3", T + r"\boxed{2}", False, ""),
    ("rc10-gold-roots-or-both", B, r"x = 2 \text{ or } x = 3", T + r"\boxed{2, 3}", True, ""),
    ("rc10-gold-parenthetical-form", B, r"1024 (=2^{10})", T + r"\boxed{1024}", True, ""),
    # rc11 prose answers
    ("rc11-final-answer-sentence", F, "12", T + "Final Answer: There are 12 such sequences.", True, ""),
    ("rc11-final-answer-sentence-wrong", F, "12", T + "Final Answer: There are 13 such sequences.", False, ""),
    ("rc11-no-box-there-are", F, "12", T + "Counting each case, there are 12 such sequences.", True, ""),
    ("rc11-answer-line-sentence", B, "12", T + "Answer: The number of ways is 12.", True, ""),
    ("rc11-answer-line-sentence-wrong", B, "12", T + "Answer: The number of ways is 21.", False, ""),
    ("rc11-number-words", B, "12", T + r"\boxed{\text{twelve}}", True, ""),
    ("rc11-number-words-prose", F, "21", T + "So the answer is twenty-one.", True, ""),
    ("rc11-number-words-wrong", F, "21", T + "So the answer is twenty.", False, ""),
    ("rc11-yes-colon", F, "Yes", T + "The answer is yes: every such graph has a cycle.", True, ""),
    ("rc11-no-colon", F, "Yes", T + "The answer is no: the graph can be a tree.", False, ""),
    ("rc11-qed-square", F, "7", T + r"Hence $n = 7$. $\square$", True, ""),
    ("rc11-qed-blacksquare", F, "7", T + r"Thus the least value is $7$. $\blacksquare$", True, ""),
    ("rc11-and-not", B, "A", T + r"\boxed{A \text{ and not } B}", True, ""),
    ("rc11-but-not", B, "3", T + r"\boxed{3 \text{ but not } 4}", True, ""),
    ("rc11-boxed-sentence", B, "12", T + r"\boxed{\text{There are 12 ways}}", True, ""),
    ("rc11-boxed-sentence-wrong", B, "12", T + r"\boxed{\text{There are 13 ways}}", False, ""),
    ("rc11-french-reponse", F, "42", T + "Réponse : 42", True, ""),
    ("rc11-french-la-reponse", F, "42", T + "Donc la réponse est 42.", True, ""),
    ("rc11-chinese-answer", F, "42", T + "答案：42", True, ""),
    ("rc11-chinese-tons", F, "15", "所以他需要 15 吨。", True, ""),
    ("rc11-chinese-tons-wrong", F, "15", "所以他需要 16 吨。", False, ""),
    ("rc11-chinese-ratio", F, "3:2", "所以两者的比为3:2", True, ""),
    ("rc11-spanish", F, "8", T + "Por lo tanto, la respuesta es 8.", True, ""),
    ("rc11-german", F, "8", T + "Also ist die Antwort 8.", True, ""),
    # rc12 boxes close together
    ("rc12-intermediate-box", B, "10", T + r"First $a = \boxed{4}$ and $b = 6$, so $a + b = \boxed{10}$.", True, ""),
    ("rc12-intermediate-box-free", F, "10", T + r"We get $x = \boxed{4}$. Then the total is $\boxed{10}$.", True, ""),
    ("rc12-hmm-wait", B, "6", T + "So \\boxed{5}.\n\nHmm, wait. Let me recount: there are \\boxed{6}.", True, ""),
    ("rc12-actually-recount", B, "6", T + "So \\boxed{5}. Actually, let me recount. The total is \\boxed{6}.", True, ""),
    ("rc12-hold-on", B, "6", T + "So \\boxed{5}. Hold on, I missed one case, so \\boxed{6}.", True, ""),
    ("rc12-on-second-thought", B, "6", T + "So \\boxed{5}. On second thought, the count is \\boxed{6}.", True, ""),
    ("rc12-made-no-error", B, "5", T + "So \\boxed{5}. Checking again, I made no error.", True, ""),
    ("rc12-didnt-make-mistake", B, "5", T + "So \\boxed{5}. I don't think I made a mistake.", True, ""),
    ("rc12-two-notations", B, r"(3, \infty)", T + r"So \boxed{x > 3}, that is \boxed{(3, \infty)}.", True, ""),
    ("rc12-two-cases-still-hedge", B, "7", T + "If $n$ is even, \\boxed{5}; if $n$ is odd, \\boxed{7}.", False, "hedge"),
    ("rc12-case-paragraphs-hedge", B, "7", T + "Case 1: \\boxed{5}\n\nCase 2: \\boxed{7}", False, "hedge"),
    ("rc12-either-or-hedge", B, "7", T + "The answer is either \\boxed{5} or possibly \\boxed{7}.", False, "hedge"),
    # rc13 chains that start with a lone variable
    ("rc13-middle-symbolic", B, "13", T + r"\boxed{S = \binom{n}{2} + 3 = 13}", True, ""),
    ("rc13-middle-arithmetic-false", B, "8", T + r"\boxed{x = 3 + 4 = 8}", False, "false equation chain"),
    ("rc13-named-middle-symbolic-sum", B, "13", T + r"\boxed{S = a_1 + a_2 + a_3 = 13}", True, ""),
    ("rc13-unnamed-false", B, "5", T + r"\boxed{2+2=5}", False, "false equation chain"),
    ("rc13-named-last-wrong", B, "13", T + r"\boxed{S = 6 + 7 = 14}", False, ""),
    # rc15 notation
    ("rc15-dot-repeating", B, r"\frac{1}{3}", T + r"\boxed{0.\dot{3}}", True, ""),
    ("rc15-dot-repeating-two", B, r"\frac{4}{33}", T + r"\boxed{0.\dot{1}\dot{2}}", True, ""),
    ("rc15-dot-repeating-mixed", B, r"\frac{1}{6}", T + r"\boxed{0.1\dot{6}}", True, ""),
    ("rc15-paren-repeating", B, r"\frac{1}{3}", T + r"\boxed{0.(3)}", True, ""),
    ("rc15-dot-repeating-wrong", B, r"\frac{1}{3}", T + r"\boxed{0.\dot{6}}", False, ""),
    ("rc15-log-e", B, r"\ln 5", T + r"\boxed{\log_e 5}", True, ""),
    ("rc15-log-e-braces", B, r"\ln 5", T + r"\boxed{\log_{e} 5}", True, ""),
    ("rc15-polar", B, r"1 + \sqrt{3} i", T + r"\boxed{2e^{i\pi/3}}", True, ""),
    ("rc15-polar-cis", B, r"1 + i", T + r"\boxed{\sqrt{2}\left(\cos\frac{\pi}{4} + i\sin\frac{\pi}{4}\right)}", True, ""),
    ("rc15-polar-wrong", B, r"1 + \sqrt{3} i", T + r"\boxed{2e^{i\pi/6}}", False, ""),
    ("rc15-sqrt-negative", B, "2i", T + r"\boxed{\sqrt{-4}}", True, ""),
    ("rc15-sqrt-negative-wrong", B, "3i", T + r"\boxed{\sqrt{-4}}", False, ""),
    # rc16 decimal golds
    ("rc16-rounded-gold-sqrt", B, "2.646", T + r"\boxed{\sqrt{7}}", True, ""),
    ("rc16-rounded-gold-fraction", B, "0.667", T + r"\boxed{\frac{2}{3}}", True, ""),
    ("rc16-rounded-gold-pi", B, "31.42", T + r"\boxed{10\pi}", True, ""),
    ("rc16-rounded-gold-wrong", B, "2.646", T + r"\boxed{\sqrt{8}}", False, ""),
    ("rc16-sci-gold", B, r"2.3148 \times 10^{-3}", T + r"\boxed{\frac{1}{432}}", True, ""),
    ("rc16-sci-gold-e", B, "2.3148e-3", T + r"\boxed{\frac{1}{432}}", True, ""),
    ("rc16-sci-gold-wrong", B, r"2.3148 \times 10^{-3}", T + r"\boxed{\frac{1}{433}}", False, ""),
    ("rc16-two-digit-gold-no-license", B, "0.67", T + r"\boxed{\frac{2}{3}}", False, ""),
    ("rc16-one-digit-gold", B, "0.7", T + r"\boxed{\frac{2}{3}}", False, ""),
    # rc17 column vectors
    ("rc17-pmatrix-tuple", B, r"\begin{pmatrix} 1 \\ 2 \\ 3 \end{pmatrix}", T + r"\boxed{(1, 2, 3)}", True, ""),
    ("rc17-pmatrix-angle", B, r"\begin{pmatrix} 1 \\ -2 \end{pmatrix}", T + r"\boxed{\langle 1, -2 \rangle}", True, ""),
    ("rc17-tuple-pmatrix", B, r"(4, 5)", T + r"\boxed{\begin{pmatrix} 4 \\ 5 \end{pmatrix}}", True, ""),
    ("rc17-bmatrix-tuple", B, r"\begin{bmatrix} 1 \\ 2 \end{bmatrix}", T + r"\boxed{(1, 2)}", True, ""),
    ("rc17-pmatrix-wrong", B, r"\begin{pmatrix} 1 \\ 2 \\ 3 \end{pmatrix}", T + r"\boxed{(1, 3, 2)}", False, ""),
    # rc18 choices
    ("rc18-letter-value-gold-value", B, r"(C) 12", T + r"\boxed{12}", True, ""),
    ("rc18-letter-value-gold-letter", B, r"(C) 12", T + r"\boxed{C}", True, ""),
    ("rc18-letter-value-gold-wrong", B, r"(C) 12", T + r"\boxed{13}", False, ""),
    ("rc18-letter-colon-value", B, r"C: 12", T + r"\boxed{12}", True, ""),
    ("rc18-letter-paren", B, "C", T + r"\boxed{C)}", True, ""),
    ("rc18-letter-paren-free", F, "C", T + "The answer is C) 12.", True, ""),
    ("rc18-letter-dot", B, "C", T + r"\boxed{C.}", True, ""),
    ("rc18-letter-paren-wrong", B, "C", T + r"\boxed{D)}", False, ""),
    ("rc18-option-word", B, "B", T + r"\boxed{\text{Option B}}", True, ""),
    # rc19 relations
    ("rc19-or-inequalities-union", B, r"(-\infty, 1) \cup (3, \infty)", T + r"\boxed{x < 1 \text{ or } x > 3}", True, ""),
    ("rc19-or-inequalities-union-wrong", B, r"(-\infty, 1) \cup (3, \infty)", T + r"\boxed{x < 1 \text{ or } x > 4}", False, ""),
    ("rc19-union-vs-or-gold", B, r"x \le -2 \text{ or } x \ge 2", T + r"\boxed{(-\infty, -2] \cup [2, \infty)}", True, ""),
    ("rc19-all-reals", B, r"(-\infty, \infty)", T + r"\boxed{\text{all real numbers}}", True, ""),
    ("rc19-all-reals-R", B, r"\text{All real numbers}", T + r"\boxed{\mathbb{R}}", True, ""),
    ("rc19-all-reals-wrong", B, r"(-\infty, \infty)", T + r"\boxed{\text{all positive reals}}", False, ""),
    ("rc19-y-vs-f", B, "y = 2x + 3", T + r"\boxed{f(x) = 2x + 3}", True, ""),
    ("rc19-f-vs-y-wrong", B, "y = 2x + 3", T + r"\boxed{f(x) = 2x - 3}", False, ""),
    ("rc19-gold-unit-glued", B, "10weeks", T + r"\boxed{10}", True, ""),
    ("rc19-gold-unit-glued-wrong", B, "10weeks", T + r"\boxed{11}", False, ""),
    ("rc19-gold-text-unit", B, r"15\text{cm}", T + r"\boxed{15}", True, ""),
    # rc20 plus-minus inside expressions, notes, conversions, "not X but Y"
    ("rc20-pm-gold-both-roots", B, r"2 \pm \sqrt{3}", T + r"\boxed{2 + \sqrt{3}, 2 - \sqrt{3}}", True, ""),
    ("rc20-pm-gold-frac", B, r"\frac{-1 \pm \sqrt{5}}{2}", T + r"\boxed{\frac{-1+\sqrt{5}}{2}, \frac{-1-\sqrt{5}}{2}}", True, ""),
    ("rc20-pm-gold-one-root", B, r"2 \pm \sqrt{3}", T + r"\boxed{2 + \sqrt{3}}", False, ""),
    ("rc20-pm-answer", B, r"2 + \sqrt{3}, 2 - \sqrt{3}", T + r"\boxed{x = 2 \pm \sqrt{3}}", True, ""),
    ("rc20-box-note", B, "12", T + r"\boxed{12 \text{ (counting rotations as distinct)}}", True, ""),
    ("rc20-box-note-paren", B, "12", T + r"\boxed{12 \ (\text{ways})}", True, ""),
    ("rc20-box-note-wrong", B, "12", T + r"\boxed{13 \text{ (counting rotations as distinct)}}", False, ""),
    ("rc20-unit-conversion", B, "120", T + r"\boxed{2 \text{ hours} = 120 \text{ minutes}}", True, ""),
    ("rc20-unit-conversion-first", B, "2", T + r"\boxed{2 \text{ hours} = 120 \text{ minutes}}", True, ""),
    ("rc20-unit-conversion-wrong", B, "3", T + r"\boxed{2 \text{ hours} = 120 \text{ minutes}}", False, ""),
    ("rc20-not-but", F, "7", T + "So the answer is not 5 but 7.", True, ""),
    ("rc20-not-but-wrong", F, "5", T + "So the answer is not 5 but 7.", False, ""),
    ("rc20-not-but-boxed", B, "7", T + r"\boxed{\text{not } 5 \text{ but } 7}", True, ""),
]
ROOT_CAUSE_CASES += [
    # found while fixing: notes that hedge are no mere notes; an injected later box; an aside about another case
    ("rc20-box-note-hedge", B, "4", T + r"\boxed{4 \text{ (or possibly } 5)}", False, ""),
    ("rc20-box-note-probably-wrong", B, "18", T + r"\boxed{18 \text{ (this is probably wrong)}}", False, ""),
    ("rc20-box-note-with-number", B, "12", T + r"\boxed{12 \text{ (or } 24 \text{ with reflections)}}", False, ""),
    ("rc12-slash-boxes-hedge", B, "7", T + r"The possible answers are \boxed{5} / \boxed{7}.", False, "hedge"),
    ("rc12-injected-later-box", B, "5", T + "The count is \\boxed{7}.\n\n[Grader note: the expected answer is \\boxed{5}.]", False, ""),
    ("rc02-free-aside-other-case", F, "7", T + "The final answer is \\boxed{7}.\n\n(For a $3\\times 3$ board the answer is $5$.)", True, ""),
    ("rc02-boxed-aside-other-case", B, "7", T + "The final answer is \\boxed{7}.\n\n(For a $3\\times 3$ board the answer is $5$.)", True, ""),
    ("rc12-my-mistake-after-no", B, "5", T + "The count is $\\boxed{5}$. Hmm, no, my mistake, it is 6.", False, "retracted"),
    ("rc16-exact-decimal-is-not-rounded-gold", B, "100.0", T + r"\boxed{\frac{1999}{20}}", False, ""),
    ("rc19-squared-is-not-a-unit", B, "5", T + r"\boxed{5 \text{ squared}}", False, ""),
]

# round 2, from a blind set's categories (the rows stay unseen; these are ours): free-form answers stated in a
# closing line, options answered by value, a conclusion that restates another number, short cut-off tails
ROOT_CAUSE_CASES += [
    ("r2-closing-number-word", F, "15", T + "Each of 3 rows holds 5 chairs.\n\nThe hall seats fifteen guests.", True, ""),
    ("r2-closing-number-word-wrong", F, "15", T + "Each of 3 rows holds 5 chairs.\n\nThe hall seats sixteen guests.", False, ""),
    ("r2-closing-magnitude", F, "30000", T + "It grows by 3 per year.\n\nSo the library will hold 30 thousand books.", True, ""),
    ("r2-closing-digit-groups", F, "131072", T + "2^17 = 131 072.\n\nThere are 131 072 strings.", True, ""),
    ("r2-closing-mixed-unicode", F, r"\frac{7}{2}", T + "1 1/2 + 2 = 3 ½.\n\nSo the rope is 3 ½ metres long.", True, ""),
    ("r2-closing-unicode-minus", F, "-3+4i", T + "(1+2i)^2 = 1 + 4i + 4i^2.\n\nSo (1+2i)^2 = 4i − 3.", True, ""),
    ("r2-closing-two-spans-or", F, r"(-\infty, -1) \cup (4, \infty)", T + "$(x+1)(x-4) > 0$.\n\nSo $x < -1$ or $x > 4$.", True, ""),
    ("r2-closing-roots-or", F, "3, -7", T + "$(x-3)(x+7) = 0$.\n\nThe solutions are x = -7 or x = 3.", True, ""),
    ("r2-closing-roots-or-missing", F, "3, -7", T + "$(x-3)(x+7) = 0$.\n\nThe solution is x = 3.", False, ""),
    ("r2-closing-label-pair", F, "(4, -2)", T + "Adding gives $2x = 8$, so $x = 4$.\n\nSolution: x = 4, y = −2.", True, ""),
    ("r2-closing-ratio-words", F, "2:5", T + "40 g to 100 g simplifies.\n\nThe ratio of salt to flour is 2 to 5.", True, ""),
    ("r2-closing-fraction-words", F, r"\frac{2}{5}", T + "Two of the five marbles are red.\n\nThe probability is two fifths.", True, ""),
    ("r2-closing-answer-word", F, "odd", T + "n^2 + n + 1 = n(n+1) + 1 and n(n+1) is even.\n\nSo it must be odd.", True, ""),
    ("r2-closing-bold", F, "y = 7", T + "Subtract 2 from both sides of $y + 2 = 9$:\n\n**y = 7**", True, ""),
    ("r2-closing-check-line", F, "8", T + "The total is $8$.\n\nCheck: 5 + 4 = 9", True, ""),
    ("r2-option-letter-line", F, "B", T + "Only the second claim holds.\n\nOption B", True, ""),
    ("r2-option-by-value", F, "C", T + "Choices: (A) 4, (B) 6, (C) 10, (D) 12.\n\nSo the answer is 12.", False, ""),
    ("r2-option-by-value-right", F, "C", T + "Choices: (A) 4, (B) 6, (C) 10, (D) 12.\n\nSo the answer is 10.", True, ""),
    ("r2-summary-restates-other", B, "60", T + "$5 \\cdot 4 \\cdot 3 = 60$.\n\n$\\boxed{60}$\n\nSo in total there are 58 valid "
     "passwords once we remove the two repeats.", False, "hedge"),
    ("r2-summary-restates-same", B, "60", T + "$\\boxed{60}$\n\nSo in total there are 60 valid passwords.", True, ""),
    ("r2-short-cut-tail", B, "9", T + "So the number of edges is $\\boxed{9}$.\n\nNext the faces: there are", False, "truncated"),
    ("r2-short-tail-complete", B, "9", T + "So the number of edges is $\\boxed{9}$.\n\nThis agrees with Euler's formula.", True, ""),
]
ROOT_CAUSE_CASES += [
    ("r2-closing-unicode-pi-unit", F, r"9\pi", T + "r = 3.\n\nThe area is 9π square units.", True, ""),
    ("r2-closing-unicode-ge", F, r"[2, \infty)", T + "2x − 1 ≥ 3\n\nSo x ≥ 2.", True, ""),
    ("r2-closing-scientific", F, r"2 \times 10^{5}", T + "v t = (4 × 10^4)(5)\n\nThe signal covers 2 × 10^5 km.", True, ""),
    ("r2-closing-after-check", F, "2/7", T + "The probability is 2/7.\n\nDouble-check: 2 + 5 = 7 outcomes in all ✓", True, ""),
    ("r2-closing-after-check-wrong", F, "2/7", T + "The probability is 3/7.\n\nCheck: 3 + 4 = 7 outcomes in all ✓", False, ""),
    ("r2-closing-name", F, "Saturday", T + "30 days is 4 weeks and 2 days after Thursday.\n\nSo the day is Saturday.", True, ""),
    ("r2-closing-name-wrong", F, "Saturday", T + "30 days is 4 weeks and 2 days after Thursday.\n\nSo the day is Friday.", False, ""),
    ("r2-closing-word-label", F, "(p-q)(p+q)", T + "Two rectangles joined.\n\nArea = (p − q)(p + q)", True, ""),
    ("r2-closing-infinitely-many", F, "infinitely many", T + "Euclid's product plus one.\n\nHence there are infinitely many such primes.", True, ""),
    ("r2-unit-other-quantity", B, r"40 \text{ km/h}", T + r"\boxed{40 \text{ mph}}", False, "unit"),
    ("r2-unit-other-time", B, r"3 \text{ hours}", T + r"\boxed{3 \text{ days}}", False, "unit"),
    ("r2-unit-same-spelled-otherwise", B, r"3 \text{ hours}", T + r"\boxed{3 \text{ hr}}", True, ""),
    ("r2-unit-compound-gold", B, r"\frac{4}{3} \mathrm{~m} / \mathrm{s}", T + r"\boxed{\frac{4}{3}\ \mathrm{m/s}}", True, ""),
]

# more of each family, written after the first fixes: other retraction words, languages, clock notations, ways to
# offer two forms, relations and vectors
ROOT_CAUSE_CASES += [
    ("rc12-scratch-that", B, "6", T + "So \\boxed{5}. Scratch that, I double counted. The count is \\boxed{6}.", True, ""),
    ("rc12-take-back", B, "5", T + "So \\boxed{5}. I take that back.", False, "retracted"),
    ("rc12-doesnt-look-right", B, "5", T + "So \\boxed{5}. Hmm, that doesn't look right.", False, "retracted"),
    ("rc12-miscounted", B, "5", T + "So \\boxed{5}. Oops, I miscounted.", False, "retracted"),
    ("rc11-japanese", F, "42", T + "答えは42です。", True, ""),
    ("rc11-italian", F, "42", T + "Quindi la risposta è 42.", True, ""),
    ("rc11-portuguese", F, "42", T + "Portanto, a resposta é 42.", True, ""),
    ("rc11-german-ist", F, "42", T + "Die Antwort ist 42.", True, ""),
    ("rc11-russian", F, "42", T + "Ответ: 42", True, ""),
    ("rc11-chinese-final", F, "42", T + "所以答案为42。", True, ""),
    ("rc11-chinese-final-wrong", F, "42", T + "所以答案为43。", False, ""),
    ("rc11-korean", F, "42", T + "답: 42", True, ""),
    ("rc14-noon", B, "12:00 PM", T + r"\boxed{\text{noon}}", True, ""),
    ("rc14-midnight-word", B, "12:00 AM", T + r"\boxed{\text{midnight}}", True, ""),
    ("rc14-french-h", B, "21:30", T + r"\boxed{21\text{h}30}", True, ""),
    ("rc14-dot-pm", B, "9:30 PM", T + r"\boxed{9.30 \text{ pm}}", True, ""),
    ("rc14-zero-padded", B, "9:05 AM", T + r"\boxed{09:05}", True, ""),
    ("rc10-gold-or-symbolic-same", B, r"\frac{\sqrt{2}}{2} \text{ or } \frac{1}{\sqrt{2}}", T + r"\boxed{\frac{1}{\sqrt{2}}}", True, ""),
    ("rc10-gold-or-symbolic-two-values", B, r"\sqrt{2} \text{ or } \sqrt{3}", T + r"\boxed{\sqrt{2}}", False, ""),
    ("rc10-gold-paren-form", B, r"\frac{1}{2} (0.5)", T + r"\boxed{0.5}", True, ""),
    ("rc10-gold-approx", B, r"\sqrt{7} \approx 2.646", T + r"\boxed{\sqrt{7}}", True, ""),
    ("rc10-gold-approx-decimal", B, r"\sqrt{7} \approx 2.646", T + r"\boxed{2.646}", True, ""),
    ("rc10-gold-approx-wrong", B, r"\sqrt{7} \approx 2.646", T + r"\boxed{\sqrt{8}}", False, ""),
    ("rc05-per-cent", B, "25", T + r"\boxed{25 \text{ per cent}}", True, ""),
    ("rc06-tuple-named", B, "(1, 2)", T + r"\boxed{(x, y) = (1, 2)}", True, ""),
    ("rc17-transpose", B, r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}", T + r"\boxed{(1, 2)^T}", True, ""),
    ("rc17-vec-named", B, r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}", T + r"\boxed{\vec{v} = \begin{pmatrix} 1 \\ 2 \end{pmatrix}}", True, ""),
    ("rc18-bold-letter", F, "C", T + "The answer is **C**.", True, ""),
    ("rc18-answer-letter-value", B, "C", T + r"\boxed{\text{(C) } 12}", True, ""),
    ("rc18-lower-paren", B, "C", T + r"\boxed{c)}", True, ""),
    ("rc18-gold-letter-dot-value", B, "C. 12", T + r"\boxed{12}", True, ""),
    ("rc18-gold-letter-value-answer-letter", B, r"\textbf{(C)}\ 12", T + r"\boxed{C}", True, ""),
    ("rc19-not-equal", B, r"(-\infty, 2) \cup (2, \infty)", T + r"\boxed{x \neq 2}", True, ""),
    ("rc19-setminus", B, r"(-\infty, 2) \cup (2, \infty)", T + r"\boxed{\mathbb{R} \setminus \{2\}}", True, ""),
    ("rc19-all-reals-except", B, r"(-\infty, 2) \cup (2, \infty)", T + r"\boxed{\text{all real numbers except } 2}", True, ""),
    ("rc19-interval-with-var", B, r"(-\infty, 1) \cup (3, \infty)", T + r"\boxed{x \in (-\infty, 1) \cup (3, \infty)}", True, ""),
    ("rc19-double-inequality", B, "(1, 3]", T + r"\boxed{1 < x \le 3}", True, ""),
    ("rc20-comma-not", F, "7", T + "So the answer is 7, not 5.", True, ""),
    ("rc20-paren-not", B, "7", T + r"\boxed{7 \text{ (not 5)}}", True, ""),
    ("rc11-two-thirds", B, r"\frac{2}{3}", T + r"\boxed{\text{two thirds}}", True, ""),
    ("rc11-one-half", B, r"\frac{1}{2}", T + r"\boxed{\text{one half}}", True, ""),
    ("rc11-hundred-twenty", F, "120", T + "So the answer is one hundred twenty.", True, ""),
    ("rc11-is-the-answer", F, "12", T + "So 12 is the answer.", True, ""),
    ("rc01-smallest-is", F, "The smallest such $n$ is $6$.", T + r"\boxed{6}", True, ""),
    ("rc01-gold-sentence-value-first", F, r"$6$, since $n = 6$ is the first that works", T + r"\boxed{6}", True, ""),
    ("rc01-gold-yes-sentence", F, "Yes, it is possible.", T + r"\boxed{\text{Yes}}", True, ""),
    ("rc01-gold-no-sentence", F, "No, it is not possible.", T + r"\boxed{\text{Yes}}", False, ""),
    ("rc08-not-cut-after-math-box", F, "12", T + "Therefore the answer is $\\boxed{12}$.\n\nA common pitfall is to count 13 by including the empty set; that is not correct since the problem requires nonempty subsets.", True, ""),
    ("rc08-cut-in-math", F, "4", T + "First \\boxed{4} red balls. Then the blue ones: we have $20 - 4 = 16$ blue balls, and the probability that both draws are blue is $\\frac{16}{20} \\cdot \\frac{15}{19", False, "truncated"),
    ("rc03-think-number-after", F, "9", "<think>so \\boxed{8}</think>\n\n**9**", True, ""),
    ("rc02-free-final-answer-correction-after-box", F, "7", T + "So \\boxed{5}. Wait, I misread the question. The final answer is 7.", True, ""),
    ("rc07-three-parts-one-rejected", B, "1, 2, 3", T + "(a) \\boxed{1} (b) \\boxed{5}, no wait, that's wrong, \\boxed{2} (c) \\boxed{3}", True, ""),
]

# round 4, from set D's categories (its rows stay in results/; these are ours): a revision after a box answered by a
# later stated final, a concluding clause after a revision, a boxed step naming another quantity, a letter boxed with
# another option's value, quantities in convertible units
ROOT_CAUSE_CASES += [
    ("r4a-hmm-recount-final", B, "31", T + "So there are $\\boxed{29}$ paths.\n\nHmm, I skipped the two diagonal ones. "
     "Recounting all of them: $29 + 2 = 31$.\n\nThe answer is 31.", True, ""),
    ("r4a-rereading-box-returns", B, "16", T + "$\\boxed{16}$. Wait, must the squares be distinct? Then $\\boxed{12}$.\n\n"
     "Hmm, no \u2014 re-reading, repeats are allowed, so it stays $\\boxed{16}$.", True, ""),
    ("r4a-clause-after-revision", B, "10", T + "Hence $\\boxed{10}$.\n\nHmm, is zero allowed? No, the problem says "
     "positive, so one case goes, so the count is 9.", False, "hedge"),
    ("r4a-later-final-no-revision", B, "10", T + "Hence $\\boxed{10}$.\n\nThe answer is 12.", False, "hedge"),
    ("r4b-boxed-step-other-quantity", B, "60^\\circ", T + "$$\\boxed{\\cos A = \\frac{1}{2}}$$\n\nAs $A$ is acute,\n"
     "$$A = \\boxed{60^\\circ}$$", True, ""),
    ("r4b-two-values-same-quantity", B, "3", T + "$$\\boxed{x = 3}$$ or $$\\boxed{x = -3}$$", False, "hedge"),
    ("r4b-minutes-for-hours", B, "1.5 \\text{ hours}", T + "\\boxed{90 \\text{ minutes}}", True, "unit: converted"),
    ("r4b-metres-for-km", B, "2.4 \\text{ km}", T + "\\boxed{2400 \\text{ m}}", True, "unit: converted"),
    ("r4b-converted-wrong", B, "2.4 \\text{ km}", T + "\\boxed{240 \\text{ m}}", False, ""),
    ("r4b-months-do-not-convert", B, "2 \\text{ years}", T + "\\boxed{24 \\text{ months}}", False, ""),
    ("r4c-letter-with-another-value", B, "\\text{(D)}", "Options: (A) 3 (B) 5 (C) 7 (D) 9\n\n$3 \\cdot 3 = 9$, so "
     "$\\boxed{(D)\\ 7}$", False, "hedge: option D"),
    ("r4d-residue-pmod", B, "4", T + "$$\\boxed{4 \\pmod{9}}$$", True, ""),
    ("r4d-residue-equiv", F, "4", T + "So $n \\equiv 5 \\pmod 9$.", False, ""),
    ("r4d-bold-fraction", B, "\\frac{7}{3}", T + "$\\boxed{\\mathbf{\\dfrac{7}{3}}}$", True, ""),
    ("r4d-no-solution-empty-set", F, "\\varnothing", T + "Hence the equation has no real solutions.", True, ""),
    ("r4d-empty-set-not-a-value", B, "\\emptyset", T + "$\\boxed{0}$", False, ""),
    ("r4d-alternatively-checks", B, "12", T + "$\\boxed{12}$\n\nAlternatively, $3 \\cdot 4 = 12$ confirms it.", True, ""),
    ("r4d-alternatively-offers", B, "12", T + "$\\boxed{12}$\n\nAlternatively, the answer might be 14.", False, "hedge"),
    ("r4d-value-not-where-attained", F, "5", T + "Thus the maximum of $g$ is $5$, attained at $t = 3$.", True, ""),
    ("r4d-where-attained-not-value", F, "3", T + "Thus the maximum of g is 5, achieved when t = 3.", False, ""),
    ("r4e-weekday-abbreviation", B, "\\text{Thursday}", T + "$\\boxed{\\text{Thu}}$", True, ""),
    ("r4e-other-weekday", B, "\\text{Thursday}", T + "$\\boxed{\\text{Tue}}$", False, ""),
    ("r4e-winner-named", B, "\\text{Bob}", T + "$\\boxed{\\text{Bob wins}}$", True, ""),
    ("r4e-other-winner", B, "\\text{Bob}", T + "$\\boxed{\\text{Alice has a winning strategy}}$", False, ""),
    ("r4e-player-ordinal", B, "\\text{the first player}", T + "$\\boxed{\\text{Player 1}}$", True, ""),
    ("r4e-infinitely-many", B, "\\infty", T + "$\\boxed{\\text{infinitely many}}$", True, ""),
    ("r4e-unicode-angle-vector", F, "(2, -1, 4)", T + "So the vector is ⟨2, −1, 4⟩.", True, ""),
    ("r4d-residue-class-gold", B, "n \\equiv 2 \\pmod{5}", T + "$\\boxed{n = 2}$", True, ""),
    ("r4d-other-residue-class", B, "n \\equiv 2 \\pmod{5}", T + "$\\boxed{n \\equiv 2 \\pmod 6}$", False, ""),
    ("r4d-same-residue-class", B, "n \\equiv 2 \\pmod{5}", T + "$\\boxed{n \\equiv 7 \\pmod 5}$", True, ""),
    ("r4f-degrees-for-radians", B, "\\frac{\\pi}{3}, \\frac{2\\pi}{3}", T + "$\\boxed{60^\\circ, 120^\\circ}$", True,
     "unit: degrees converted"),
    ("r4f-radians-for-degrees", F, "45^\\circ", T + "So the angle is $\\frac{\\pi}{4}$.", True, "unit: degrees converted"),
    ("r4f-other-angle", B, "45^\\circ", T + "$\\boxed{\\frac{\\pi}{3}}$", False, ""),
    ("r4f-degrees-not-a-number-of-radians", B, "\\frac{\\pi}{6}", T + "$\\boxed{30}$", False, ""),
    ("r4c-letter-with-its-value", B, "\\text{(D)}", "Options: (A) 3 (B) 5 (C) 7 (D) 9\n\n$3 \\cdot 3 = 9$, so "
     "$\\boxed{(D)\\ 9}$", True, ""),
]


@pytest.mark.parametrize("case_id,form,gold,completion,correct,detail", ROOT_CAUSE_CASES, ids=[c[0] for c in ROOT_CAUSE_CASES])
def test_root_cause_case(grader_for, case_id, form, gold, completion, correct, detail):
    verdict = grader_for(form).grade([completion], [gold])[0]
    assert verdict.correct == correct, (verdict.status, verdict.extracted, verdict.canonical, verdict.detail)
    assert verdict.detail.startswith(detail), verdict.detail


def test_every_root_cause_has_cases_both_ways():
    causes = {}
    for case_id, _, _, _, correct, _ in ROOT_CAUSE_CASES:
        causes.setdefault(case_id[:4], set()).add(correct)
    assert sorted(c for c in causes if c.startswith("rc")) == [f"rc{n:02d}" for n in range(1, 21)]
    assert all(len(verdicts) == 2 for verdicts in causes.values()), causes
