"""Prompt templates: peers' prompts byte for byte, system prompt, chat on/off, few-shot.

The expected strings below were written by reading the peers' code, not by running it:
  Qwen2.5-Math   evaluation/utils.py (PROMPT_TEMPLATES, construct_prompt) and evaluation/parser.py
                 (parse_question strips the question), commit a45202bd16f1ec06f433442dc1152d0074773465
  limit-of-RLVR  math/examples/math_eval/utils.py and parser.py (the same functions, plus `deepseek-r1`),
                 commit fd2cf37f05cc7dced9c558fa358a18e0497cb463
Their construct_prompt: each demo is input_template.format(input=q) + output_template.format(output=a),
demos joined by the splitter ("\n\n" for these templates), then splitter + the formatted question
(qwen25-math-cot instead joins "q\na" demos and the question inside the one input slot); finally
`.strip(" ")`. The eval scripts do not pass --apply_chat_template, so the chat markup is literal.
"""

import json

import pytest

from passk.errors import ConfigError, InputError
from passk.prompts import available_templates, build_template, get_template

PROBLEM = "  Find $x$ if $2x + 3 = 7$.\n"  # parse_question would strip the spaces and newline
QUESTION = "Find $x$ if $2x + 3 = 7$."
SHOTS = [("What is $1+1$?", "It is $\\boxed{2}$."), ("What is $2\\cdot 3$?", "It is $\\boxed{6}$.")]


def test_qwen25_math_cot_is_qwen_math_byte_for_byte():
    assert get_template("qwen25-math-cot").render(PROBLEM) == (
        "<|im_start|>system\nPlease reason step by step, and put your final answer within \\boxed{}.<|im_end|>\n"
        "<|im_start|>user\nFind $x$ if $2x + 3 = 7$.<|im_end|>\n"
        "<|im_start|>assistant\n")


def test_qwen25_math_cot_puts_every_shot_inside_the_one_user_turn(tmp_path):
    shots = tmp_path / "shots.jsonl"
    shots.write_text("".join(json.dumps({"problem": q, "solution": a}) + "\n" for q, a in SHOTS))
    template = build_template("qwen25-math-cot", fewshot=str(shots), fewshot_k=2)
    assert template.render(PROBLEM) == (
        "<|im_start|>system\nPlease reason step by step, and put your final answer within \\boxed{}.<|im_end|>\n"
        "<|im_start|>user\nWhat is $1+1$?\nIt is $\\boxed{2}$.\n\nWhat is $2\\cdot 3$?\nIt is $\\boxed{6}$.\n\n"
        "Find $x$ if $2x + 3 = 7$.<|im_end|>\n"
        "<|im_start|>assistant\n")


def test_limit_of_rlvr_qwen_boxed_byte_for_byte():
    assert get_template("rlvr-qwen-boxed").render(PROBLEM) == (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
        "<|im_start|>user\nFind $x$ if $2x + 3 = 7$.\n"
        "Please reason step by step, and put your final answer within \\boxed{}.<|im_end|>\n"
        "<|im_start|>assistant\n")


def test_limit_of_rlvr_qwen_boxed_with_one_shot_repeats_the_template(tmp_path):
    shots = tmp_path / "shots.jsonl"
    shots.write_text("".join(json.dumps({"problem": q, "solution": a}) + "\n" for q, a in SHOTS))
    one = ("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n{q}\n"
           "Please reason step by step, and put your final answer within \\boxed{{}}.<|im_end|>\n"
           "<|im_start|>assistant\n")
    expected = one.format(q=SHOTS[0][0]) + SHOTS[0][1] + "\n\n" + one.format(q=QUESTION)
    assert build_template("rlvr-qwen-boxed", fewshot=str(shots), fewshot_k=1).render(PROBLEM) == expected


def test_deepseek_r1_zero_prompt_byte_for_byte():
    assert get_template("deepseek-r1").render(PROBLEM) == (
        "A conversation between User and Assistant. The user asks a question, and the Assistant solves it. "
        "The assistant first thinks about the reasoning process in the mind and then provides the user with the "
        "answer. The reasoning process and answer are enclosed within <think> </think> and <answer> </answer> tags, "
        "respectively, i.e., <think> reasoning process here </think> <answer> answer here </answer>. "
        "User: Find $x$ if $2x + 3 = 7$.. Assistant:")


def test_every_builtin_template_names_its_source_and_renders():
    for name in available_templates():
        template = get_template(name)
        assert template.source and template.description, name
        if not template.chat:
            assert QUESTION in template.render(PROBLEM)
    for name in ("qwen25-math-cot", "rlvr-qwen-boxed", "deepseek-r1"):
        assert "commit" in get_template(name).source


def test_system_prompt_chat_toggle_and_shots_as_turns(tiny_model, tmp_path):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)  # template: <|role|>content<|end|> ... <|assistant|>
    system_file = tmp_path / "system.txt"
    system_file.write_text("You are terse.")
    with_system = build_template("qwen-boxed", system_prompt=f"@{system_file}").render("Q", tokenizer)
    assert with_system == ("<|system|>You are terse.<|end|><|user|>Q\nPlease reason step by step, and put your "
                           "final answer within \\boxed{}.<|end|><|assistant|>")
    assert build_template("qwen-boxed", system_prompt="Be brief.").render("Q", tokenizer).startswith(
        "<|system|>Be brief.<|end|>")
    # chat off for a chat template: the text alone; chat on for a plain one: wrapped
    assert build_template("qwen-boxed", chat=False).render("Q") == (
        "Q\nPlease reason step by step, and put your final answer within \\boxed{}.")
    assert build_template("plain", chat=True).render("Q", tokenizer) == "<|user|>Q<|end|><|assistant|>"
    shots = tmp_path / "shots.jsonl"
    shots.write_text("".join(json.dumps({"problem": q, "solution": a}) + "\n" for q, a in SHOTS))
    template_file = tmp_path / "t.txt"
    template_file.write_text("Solve: {problem}")
    rendered = build_template(str(template_file), fewshot=str(shots), fewshot_k=1).render("Q", tokenizer)
    assert rendered == ("<|user|>Solve: What is $1+1$?<|end|><|assistant|>It is $\\boxed{2}$.<|end|>"
                        "<|user|>Solve: Q<|end|><|assistant|>")
    # a few-shot file outside chat: no model turns around it
    assert build_template(str(template_file), chat=False, fewshot=str(shots)).render("Q") == (
        "Solve: What is $1+1$?It is $\\boxed{2}$.\n\nSolve: What is $2\\cdot 3$?It is $\\boxed{6}$.\n\nSolve: Q")


def test_options_are_recorded_and_a_plain_use_records_the_text_alone(tmp_path):
    assert get_template("qwen-boxed").record() == get_template("qwen-boxed").text
    assert build_template("qwen-boxed", chat=True).record() == get_template("qwen-boxed").text
    recorded = json.loads(build_template("qwen-boxed", chat=False).record())
    assert recorded["chat"] is False
    shots = tmp_path / "shots.jsonl"
    shots.write_text("".join(json.dumps({"problem": q, "solution": a}) + "\n" for q, a in SHOTS))
    recorded = json.loads(build_template("qwen-boxed", system_prompt="S", fewshot=str(shots), fewshot_k=2).record())
    assert recorded["system"] == "S" and recorded["shots"] == [list(s) for s in SHOTS]


def test_prompt_option_errors_name_the_flag_and_line(tmp_path):
    with pytest.raises(ConfigError, match="--system-prompt.*plain text"):
        build_template("raw", system_prompt="S")
    with pytest.raises(ConfigError, match="--fewshot-k needs --fewshot"):
        build_template("raw", fewshot_k=2)
    shots = tmp_path / "shots.jsonl"
    shots.write_text(json.dumps({"problem": "q", "solution": "a"}) + "\n" + json.dumps({"problem": "q"}) + "\n")
    with pytest.raises(InputError, match=r"shots.jsonl:2: .*\['solution'\]"):
        build_template("raw", fewshot=str(shots))
    shots.write_text(json.dumps({"problem": "q", "solution": "a"}) + "\n")
    with pytest.raises(ConfigError, match="asked for 5 shots, the file has 1"):
        build_template("raw", fewshot=str(shots), fewshot_k=5)
    with pytest.raises(ConfigError, match="unknown template"):
        get_template("no-such-template")


def test_a_template_definition_without_its_placeholder_or_with_an_unknown_style_is_a_config_error():
    from passk.prompts import TemplateSpec

    with pytest.raises(ConfigError, match=r"text needs a \{problem\} placeholder"):
        TemplateSpec(text="Solve it.", chat=False)
    with pytest.raises(ConfigError, match="fewshot_style 'sideways'"):
        TemplateSpec(text="{problem}", chat=False, fewshot_style="sideways")
