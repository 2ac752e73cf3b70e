import pytest

from passk.errors import ConfigError
from passk.grade.extract import BOXED_CONFIG, PAIRS_CONFIG, ExtractConfig, extract_answer, extract_config, extract_gold

CASES = [
    # (completion, config, answer, rule)
    (r"so it is \boxed{\frac{1}{2}}.", BOXED_CONFIG, r"\frac{1}{2}", "boxed"),
    (r"first \boxed{1} then \boxed{\{1, \{2\}\}}", BOXED_CONFIG, r"\{1, \{2\}\}", "boxed"),
    (r"nested \boxed{\frac{a}{\sqrt{b}}} end", BOXED_CONFIG, r"\frac{a}{\sqrt{b}}", "boxed"),
    (r"\fbox{7}", BOXED_CONFIG, "7", "boxed"),
    (r"the answer is \boxed 5.", BOXED_CONFIG, "5", "boxed"),
    (r"$\boxed{1}$ and $\boxed{2}$", BOXED_CONFIG, "1, 2", "boxed"),
    ("work\nAnswer: 42", BOXED_CONFIG, "42", "answer_line"),
    ("work\n**Answer:** $x^2$", BOXED_CONFIG, "x^2", "answer_line"),
    ("Final Answer: The final answer is $10,455$. I hope it is correct.", BOXED_CONFIG, "10,455", "final_answer"),
    (r"so \boxed{255}. Final Answer: The final answer is $10455$.", BOXED_CONFIG, "255", "boxed"),  # form asked for
    (r"so \boxed{255}. Final Answer: The final answer is $10455$.", PAIRS_CONFIG, "255", "boxed"),  # and a conflict
    ("Final Answer: The volume of the box is 120.", BOXED_CONFIG, "120", "final_answer"),
    ("So, the answer is $3$.", BOXED_CONFIG, "3", "answer_is"),
    ("The answer is 1.5.", BOXED_CONFIG, "1.5", "answer_is"),
    ("<think>maybe \\boxed{3}</think> so \\boxed{4}", BOXED_CONFIG, "4", "boxed"),
    ("<think>it is \\boxed{3}</think> done", PAIRS_CONFIG, "3", "boxed"),  # no prompt: the thinking counts
    ("<think>it is \\boxed{3}</think> done", BOXED_CONFIG, None, "none"),  # a prompt's answer follows it
    ("the result is $x = 3$ here", PAIRS_CONFIG, "x = 3", "last_math"),
    ("-3/4", PAIRS_CONFIG, "-3/4", "bare"),
    ("<think>so 3</think> <answer> $x = 4$ </answer>", extract_config("answer_tag"), "x = 4", "answer_tag"),
    (r"<think>so</think> <answer>it is \boxed{4}</answer>", extract_config("answer_tag"), "4", "answer_tag"),
    ("so the total is about 17 apples", PAIRS_CONFIG, "17", "last_number"),
    # a marked answer whose box is never closed, or holds nothing, is no answer (not its box's first characters)
    ("The final answer is:\n$\\boxed{2^{3x}= 2^{3x}$, which is it.", BOXED_CONFIG, None, "none"),
    ("So the final answer is within $\\boxed{}$.", BOXED_CONFIG, None, "none"),
    ("The answer is \\boxed{}\\text{True}.", BOXED_CONFIG, None, "none"),
]


@pytest.mark.parametrize("completion,config,answer,rule", CASES)
def test_extraction_rules(completion, config, answer, rule):
    got = extract_answer(completion, config)
    assert (got.answer, got.rule) == (answer, rule)


def test_no_answer_without_fallbacks_and_unclosed_boxes():
    assert extract_answer("I think it is probably 12", BOXED_CONFIG).rule == "none"
    assert extract_answer(r"\boxed{12", BOXED_CONFIG).answer is None


def test_last_number_is_off_unless_asked():
    assert extract_answer("so 17", ExtractConfig(("boxed", "last_number"))).answer == "17"
    assert extract_answer("so 17", BOXED_CONFIG).answer is None


def test_unknown_rule_is_refused():
    with pytest.raises(ConfigError, match="unknown extraction rule"):
        ExtractConfig(("guess",))


@pytest.mark.parametrize("gold,answer", [
    (r"so $f(0) = -1$. The solutions are $n = \boxed{1,-2}.$", "1,-2"),
    (r"The only solution is \((p, q) = (3, 2)\).", "(p, q) = (3, 2)"),
    ("$1$ and $2$ and $3$", "1, 2, 3"),
    (r"The integers are \( n = 3 \) and \( n = 4 \).", "n = 3, n = 4"),
    ("42", "42"),
])
def test_gold_extraction(gold, answer):
    assert extract_gold(gold) == answer


@pytest.mark.parametrize("completion,answer", [
    ("\\boxed{7}\nHuman: what is 2+3?\nAssistant: \\boxed{5}", "7"),
    ("\\boxed{7}<|im_end|>\n<|im_start|>user\nNext\\boxed{5}", "7"),
    ("Question: restated first.\nSo \\boxed{7}", "7"),
    ("so \\boxed{7}<|eot_id|>junk \\boxed{5}", "7"),
])
def test_the_models_turn_ends_where_it_invents_the_next(completion, answer):
    assert extract_answer(completion, BOXED_CONFIG).answer == answer


def test_unclosed_think_is_no_answer():
    found = extract_answer("<think>\nMaybe \\boxed{5}? Let me verify", BOXED_CONFIG)
    assert found.answer is None and "unclosed" in found.note
