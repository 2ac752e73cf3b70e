"""`passk audit`: each flag on a run made for it, graded by passk's own grader (or, where today's grader never
credits such a sample, with grade rows as an older or foreign grader wrote them), and the Pass@K summary."""

from pathlib import Path

import pytest

from passk import metrics
from passk.audit import FLAGS, answer_span, as_number, audit_run, to_markdown
from passk.cli import main
from passk.grade import GradeConfig
from passk.grade.extract import extract_config
from passk.grade.run_grades import grade_run
from passk.jsonl import write_json_atomic
from passk.rundir import GRADE_SCHEMA, SAMPLE_SCHEMA, RunDir, read_grades, write_part

PAD = " Let me check that once more, counting each step again slowly." * 6  # keeps boxes > 300 chars apart


def build_run(path: Path, problems: dict, max_tokens: int = 1000, benchmark: str = "toy", fallbacks=()) -> RunDir:
    """{problem_id: (statement, gold, [completion or dict(completion=..., num_tokens=..., finish_reason=...)])},
    graded by passk's grader."""
    run = RunDir(path)
    run.write_problems([{"benchmark": benchmark, "problem_id": pid, "problem": text, "gold": gold}
                        for pid, (text, gold, _) in problems.items()])
    rows = []
    for pid, (_, _, samples) in problems.items():
        for i, s in enumerate(samples):
            s = {"completion": s} if isinstance(s, str) else s
            rows.append({"benchmark": benchmark, "problem_id": pid, "sample_idx": i, "finish_reason": "stop",
                         "num_tokens": 50, **s})
    write_part(run.samples_dir / "part-00000.parquet", rows, SAMPLE_SCHEMA)
    write_json_atomic(run.manifest_path, {"settings": {
        "benchmark": benchmark, "model": "m", "model_fingerprint": "hub:m", "backend": "hf", "template": "qwen-boxed",
        "template_text": "{problem}", "sampling": {"max_tokens": max_tokens}, "seed": 0, "block_size": 16,
        "n": max(len(s) for _, _, s in problems.values()), "problem_ids": list(problems), "dataset": {}},
        "grading": {"answer_form": "boxed", "extract_fallbacks": list(fallbacks)}})
    grade_run(run, GradeConfig(workers=1, extract=extract_config("boxed", tuple(fallbacks))), progress=False)
    return run


def regrade_as(run: RunDir, changes: dict) -> None:
    """Rewrite grade rows as another grader would have written them: {(problem_id, sample_idx): {field: value}}."""
    rows = read_grades(run)
    for row in rows:
        row.update(changes.get((row["problem_id"], row["sample_idx"]), {}))
    for part in run.grade_parts():
        part.unlink()
    write_part(run.grades_dir / "part-00000.parquet", rows, GRADE_SCHEMA)


def wrong(i: int) -> str:
    return f"I think it is \\boxed{{{100 + i}}}"


def flags_of(run: RunDir, pid: str, max_correct: int = 3) -> dict[int, dict[str, str]]:
    audit = audit_run(run, max_correct=max_correct)
    problems = {p.problem_id: p for b in audit.benchmarks.values() for p in b.problems}
    return {s.sample_idx: s.flags for s in problems[pid].samples} if pid in problems else {}


# one clean success to compare each flag against: derived, exact, boxed, no number of the statement, not trivial
CLEAN = r"Seven plus five: 7 + 5 = 12, so the total is \boxed{12}"
SUM = "Tom has 7 apples and buys 5 more. How many apples does he have?"


def test_a_clean_success_has_no_flag(tmp_path):
    run = build_run(tmp_path / "r", {"p": (SUM, "12", [CLEAN, wrong(1), wrong(1), wrong(2)])})
    assert flags_of(run, "p") == {0: {}}


def test_in_problem_flags_a_number_of_the_statement(tmp_path):
    run = build_run(tmp_path / "r", {
        "p": ("What is the largest prime factor of 7 * 5?", "7", [r"35 = 5 * 7, and 7 > 5, so \boxed{7}", wrong(1)]),
        "q": ("What is the smallest prime factor of 35?", "5", [r"35 = 5 * 7, so \boxed{5}", wrong(1)])})
    assert "in_problem" in flags_of(run, "p")[0]
    assert "in_problem" not in flags_of(run, "q")[0]  # 5 is not written in "35"


def test_trivial_flags_zero_one_and_yes_no(tmp_path):
    run = build_run(tmp_path / "r", {
        "p": ("How many real roots does x^2 + 2x + 1 have?", "1", [r"The discriminant is 4 - 4 = 0, one root: \boxed{1}",
                                                                  wrong(1)]),
        "q": (SUM, "12", [CLEAN, wrong(1)])})
    assert "trivial" in flags_of(run, "p")[0]
    assert "trivial" not in flags_of(run, "q")[0]


def test_no_derivation_flags_a_value_that_nothing_leads_to(tmp_path):
    run = build_run(tmp_path / "r", {"p": (SUM, "12", [r"The answer is obvious. \boxed{12}", CLEAN, wrong(1)])})
    flags = flags_of(run, "p")
    assert "no_derivation" in flags[0] and "no_derivation" not in flags[1]
    # a fraction derived as a/b and boxed as \frac counts as derived
    run = build_run(tmp_path / "f", {"p": ("Half of one?", "\\frac{1}{2}", [r"1/2 it is: \boxed{\frac{1}{2}}", wrong(1)])})
    assert "no_derivation" not in flags_of(run, "p")[0]
    # "x = 4" stated as the final answer: its value 4 is what must appear earlier
    run = build_run(tmp_path / "x", {"p": ("Solve 2x = 8.", "4", ["2x = 8 so x = 8 / 2 = 4. Final Answer: x = 4",
                                                                  "Final Answer: x = 4", wrong(1)])})
    flags = flags_of(run, "p")
    assert "no_derivation" not in flags[0] and "no_derivation" in flags[1]


def test_spread_flags_a_gold_that_is_one_of_many_values_and_states_the_chance(tmp_path):
    spread = [CLEAN] + [wrong(i) for i in range(7)]  # 8 distinct answers, one sample each
    run = build_run(tmp_path / "r", {"p": (SUM, "12", spread),
                                     "q": (SUM, "12", [CLEAN] + [wrong(1)] * 7)})  # 2 distinct answers
    why = flags_of(run, "p")[0]["spread"]
    assert "8 distinct answers" in why and "p = 0.125" in why
    assert "spread" not in flags_of(run, "q")[0]
    problem = next(p for b in audit_run(run).benchmarks.values() for p in b.problems if p.problem_id == "p")
    assert problem.distinct_answers == 8 and problem.p_guess == pytest.approx(1 / 8)


def test_truncated_flags_a_sample_that_used_the_whole_budget(tmp_path):
    run = build_run(tmp_path / "r", {"p": (SUM, "12", [{"completion": CLEAN, "num_tokens": 256},
                                                       {"completion": CLEAN, "num_tokens": 255}, wrong(1)])},
                    max_tokens=256)
    flags = flags_of(run, "p")
    assert "truncated" in flags[0] and "truncated" not in flags[1]
    # a grader that credited a sample cut by the token limit (finish_reason length): flagged
    run2 = build_run(tmp_path / "s", {"p": (SUM, "12", [{"completion": CLEAN, "finish_reason": "length"}, wrong(1)])})
    regrade_as(run2, {("p", 0): {"status": "correct", "correct": True, "extracted": "12", "extract_rule": "boxed",
                                 "method": "quick", "answer_key": "<equivalent to gold>"}})
    assert flags_of(run2, "p")[0]["truncated"] == "finish_reason=length"


def test_retracted_flags_a_replaced_answer_and_a_taken_back_one(tmp_path):
    changed = r"7 + 5 = 13, so \boxed{13}." + PAD + r"\n\nNo: 7 + 5 = 12. So \boxed{12}"
    run = build_run(tmp_path / "r", {"p": (SUM, "12", [changed, CLEAN, wrong(1)])})
    flags = flags_of(run, "p")
    assert "13" in flags[0]["retracted"] and "retracted" not in flags[1]
    # today's grader gives a taken-back answer no credit; a grade made without that rule is flagged
    taken_back = CLEAN + ". I made a mistake, it is 11."
    run = build_run(tmp_path / "s", {"p": (SUM, "12", [taken_back, wrong(1)])})
    regrade_as(run, {("p", 0): {"status": "correct", "correct": True, "detail": "", "method": "quick",
                                "answer_key": "<equivalent to gold>"}})
    assert "I made a mistake" in flags_of(run, "p")[0]["retracted"]


def test_in_think_flags_a_box_inside_the_reasoning_block(tmp_path):
    inside = r"<think>7 + 5 = 12, so \boxed{12}</think> Done."
    unclosed = r"<think>7 + 5 = 12, so \boxed{12}"
    after = r"<think>7 + 5 = 12</think> So \boxed{12}"
    run = build_run(tmp_path / "r", {"p": (SUM, "12", [inside, unclosed, after, wrong(1)])})
    correct = {"status": "correct", "correct": True, "extracted": "12", "extract_rule": "boxed", "method": "quick",
               "detail": "", "answer_key": "<equivalent to gold>"}
    regrade_as(run, {("p", 0): correct, ("p", 1): correct})  # a grader that reads boxes inside <think>
    flags = flags_of(run, "p")
    assert "inside the <think> block" in flags[0]["in_think"]
    assert "never closes" in flags[1]["in_think"]
    assert "in_think" not in flags[2]


def test_lenient_flags_symbolic_verdicts_and_fallback_rules(tmp_path):
    run = build_run(tmp_path / "r", {"p": ("What is 2 squared, square-rooted?", "2",
                                           [r"2^2 = 4 and its root is \boxed{\sqrt{4}}", r"2^2 = 4, root 2: \boxed{2}",
                                            r"2^2 = 4; so the answer is 2.", wrong(1)])})
    flags = flags_of(run, "p")
    assert "math_verify" in flags[0]["lenient"] or "sympy" in flags[0]["lenient"]
    assert "lenient" not in flags[1]
    assert "fallback rule answer_is" in flags[2]["lenient"]
    # a bare answer where the template itself asked for one (the run records `bare` as its own rule): not lenient
    run = build_run(tmp_path / "bare", {"p": ("7 + 5 =", "12", ["12", "13"])}, fallbacks=("bare",))
    assert "lenient" not in flags_of(run, "p")[0]


def test_only_rare_successes_are_audited_and_pass_at_k_drops_their_flagged_samples(tmp_path):
    lucky = r"The answer is obvious. \boxed{12}"  # no_derivation
    run = build_run(tmp_path / "r", {
        "rare_flagged": (SUM, "12", [lucky] + [wrong(i % 2) for i in range(7)]),
        "rare_clean": (SUM, "12", [CLEAN, CLEAN] + [wrong(1)] * 6),
        "common": (SUM, "12", [lucky] * 5 + [wrong(1)] * 3),  # 5 > max_correct: not audited, nothing removed
        "unsolved": (SUM, "12", [wrong(1)] * 8)})
    audit = audit_run(run, max_correct=3)
    b = audit.benchmarks["toy"]
    assert {p.problem_id for p in b.problems} == {"rare_flagged", "rare_clean"}
    assert b.ks == [1, 2, 4, 8] and b.flag_counts["no_derivation"] == 1
    for k in b.ks:
        assert b.pass_at_k[k] == pytest.approx(sum(metrics.pass_at_k(8, c, k) for c in (1, 2, 5, 0)) / 4)
        assert b.without_flagged[k] == pytest.approx(sum(metrics.pass_at_k(8, c, k) for c in (0, 2, 5, 0)) / 4)
    assert b.without_flag["no_derivation"] == pytest.approx(b.without_flagged[8]) == pytest.approx(0.5)
    assert b.without_flag["truncated"] == pytest.approx(b.pass_at_k[8]) == pytest.approx(0.75)
    text = to_markdown(audit)
    assert "| 8 | 0.750 | 0.500 | 0.250 (33%) |" in text and "rare_flagged" in text and "common" not in text


def test_cli_writes_audit_files_and_refuses_a_bad_option(tmp_path, capsys):
    run = build_run(tmp_path / "r", {"p": (SUM, "12", [CLEAN, wrong(1)])})
    assert main(["audit", str(run.path), "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "audit.json").is_file() and "pass@k" in (tmp_path / "out" / "audit.md").read_text()
    assert main(["audit", str(run.path), "--max-correct", "0"]) == 2
    assert "--max-correct must be >= 1" in capsys.readouterr().err
    assert main(["audit", str(tmp_path / "nowhere")]) == 2


def test_every_flag_is_tested_here():
    source = Path(__file__).read_text()
    assert all(f'"{name}"' in source for name in FLAGS)


def test_numbers_and_spans():
    assert as_number("1,000") == 1000 and as_number("\\frac{3}{4}") == as_number("0.75") and as_number("x") is None
    assert as_number("-\\dfrac{1}{2}") == as_number("-1/2")
    text = r"4 then \boxed{4}"
    assert answer_span(text, "4") == (text.rfind("4"), text.rfind("4") + 1) and answer_span(text, "5") is None


def test_report_md_carries_the_audit_and_links_it(tmp_path):
    from passk.report import write_report
    from passk.score import score_run

    run = build_run(tmp_path / "r", {"p": (SUM, "12", [r"The answer is obvious. \boxed{12}"] + [wrong(1)] * 3),
                                     "q": (SUM, "12", [CLEAN] * 4)})
    write_report(run, score_run(run).benchmarks)
    report = run.report_md.read_text()
    assert "## Audit of rare successes" in report and "| 4 | 1.000 | 0.500 | 0.500 (50%) |" in report
    assert "[audit.md](audit.md)" in report and "passk view" in report  # no page yet: the command that writes it
    assert "no_derivation" in (run.path / "audit.md").read_text()
    (run.path / "view").mkdir()
    (run.path / "view" / "index.html").write_text("<html></html>")
    write_report(run, score_run(run).benchmarks)
    assert "[view/index.html](view/index.html)" in run.report_md.read_text()


def audit_reply(prompt: str) -> str:
    """The audit's judge: SUPPORTED unless the solution calls its answer obvious; no verdict line for "unclear"."""
    solution = prompt.split("Solution:")[1]
    return ("It guesses.\nVERDICT: UNSUPPORTED" if "obvious" in solution
            else "Hmm." if "unclear" in solution else "Sound.\nVERDICT: **SUPPORTED**")


class ChatServer:
    """An OpenAI-shaped chat server on loopback serving `model`: `reply(prompt)` writes each answer (None: the
    request is refused, HTTP 400); it records every prompt."""

    def __init__(self, model: str, reply=audit_reply):
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        outer, self.prompts = self, []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, body, code=200):
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self.answer({"object": "list", "data": [{"id": model, "object": "model"}]})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                prompt = body["messages"][0]["content"]
                outer.prompts.append(prompt)
                text = reply(prompt)
                if text is None:
                    return self.answer({"error": {"message": "refused"}}, 400)
                self.answer({"id": "x", "object": "chat.completion", "created": 0, "model": model,
                             "choices": [{"index": 0, "finish_reason": "stop",
                                          "message": {"role": "assistant", "content": text}}],
                             "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def test_judge_gives_a_cot_checked_pass_at_k(tmp_path, capsys):
    import json

    run = build_run(tmp_path / "r", {
        "guess": (SUM, "12", [r"The answer is obvious. \boxed{12}"] + [wrong(1)] * 3),
        "sound": (SUM, "12", [CLEAN] + [wrong(1)] * 3),
        "vague": (SUM, "12", [r"unclear, but 7 + 5 = 12 so \boxed{12}"] + [wrong(1)] * 3)})
    server = ChatServer("judge-m")
    try:
        assert main(["audit", str(run.path), "--judge", "judge-m", "--base-url", server.url, "--out",
                     str(tmp_path / "out")]) == 0
        assert main(["audit", str(run.path), "--judge", "not-served", "--base-url", server.url]) == 2
        assert "'not-served' is not served" in capsys.readouterr().err
    finally:
        server.httpd.shutdown()
    assert len(server.prompts) == 3 and all("Reference answer: 12" in p for p in server.prompts)
    b = json.loads((tmp_path / "out" / "audit.json").read_text())["benchmarks"]["toy"]
    verdicts = {p["problem_id"]: p["samples"][0]["judge"]["verdict"] for p in b["problems"]}
    assert verdicts == {"guess": "unsupported", "sound": "supported", "vague": "unclear"}
    assert b["cot_checked"]["4"] == pytest.approx(1 / 3) and b["pass_at_k"]["4"] == pytest.approx(1.0)
    assert "CoT-checked (judge)" in (tmp_path / "out" / "audit.md").read_text()


def test_parse_verdict_reads_the_last_verdict_line():
    from passk.judge import parse_verdict

    assert parse_verdict("VERDICT: UNSUPPORTED ... on reflection\nVERDICT: SUPPORTED") == "supported"
    assert parse_verdict("no verdict") == "unclear" and parse_verdict("verdict: **unsupported**") == "unsupported"
