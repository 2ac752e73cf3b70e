"""`--judge MODEL --judge-url URL`: only the rows the rules are unsure of go to a judge model (passk/grade/judged.py),
against a fake chat server on loopback; the same mechanism against a real vLLM server is in test_openai_backend.py."""

import json
import shutil

import pytest
from conftest import write_jsonl
from test_audit import ChatServer

from passk.cli import main
from passk.errors import ConfigError
from passk.grade.engine import GradeConfig, Grader, Verdict
from passk.grade.extract import PAIRS_CONFIG
from passk.grade.judged import UNSURE_REASONS, unsure_reason
from passk.grade.rows import JUDGE_FIELDS
from passk.rundir import GRADE_SCHEMA, JUDGED_GRADE_SCHEMA, RunDir, read_grades

PROSE = "Bob can always force a draw"  # prose no rule reduces to a word ("Bob wins" is Bob)
# (completion, gold, why the rules are unsure of it: a name of UNSURE_REASONS, or None for a verdict that stands)
ROWS = [
    (r"So \boxed{\text{Bob}}", PROSE, "prose_gold"),
    (r"The second player mirrors. \boxed{2}", "n is odd", "prose_gold"),
    ("So Bob wins. Answer: Bob has a winning strategy.", PROSE, "prose_answer"),
    ("Thus the final answer is that Alice wins the game.", PROSE, "prose_answer"),
    (r"\boxed{\text{not divisible by 2}}", "odd", "wording"),
    (r"\boxed{\text{n is odd}}", "odd", None),  # the gold said inside a short answer: correct
    (r"\boxed{5}", "7", None),  # a clear numeric mismatch
    (r"\boxed{5} or maybe \boxed{7}", "7", None),  # a hedge
    (r"\boxed{x = 3 \text{ or } x = 5}", "3", None),  # a hedge
    (r"\boxed{0.333}", r"\frac{1}{3}", None),  # policy: a rounded decimal
    (r"\boxed{60 \text{ mph}}", "60 km/h", None),  # units that differ
    (r"\boxed{7}. Wait, that is wrong, I made an error.", "7", None),  # retracted
    ("I do not know", "5", None),  # no answer, and no prose answer either
    (r"\boxed{\text{yes}}", "no", None),  # two one-word answers: no wording to misread
    (r"\boxed{\sin x}", r"\cos x", None),
    (r"\boxed{\text{Bob can always force a draw}}", PROSE, None),  # correct
]


def grade(rows, finish_reasons=None):
    with Grader(GradeConfig(workers=1)) as grader:
        return grader.grade([c for c, _, _ in rows], [g for _, g, _ in rows], finish_reasons)


def test_only_unsure_verdicts_are_named_unsure():
    verdicts = grade(ROWS)
    assert [unsure_reason(c, g, v) for (c, g, _), v in zip(ROWS, verdicts, strict=True)] == [r for _, _, r in ROWS]
    assert {r for _, _, r in ROWS} - {None} == set(UNSURE_REASONS) - {"timeout"}
    timeout = Verdict("timeout", "x^x^x", "boxed", "symbolic", "over 5 s of CPU time", "x^x^x")
    assert unsure_reason(r"\boxed{x^x^x}", "5", timeout) == "timeout"
    # a truncated sample never goes, whatever its gold
    cut = grade([(r"So \boxed{\text{Bob}}. Next, we", PROSE, None)], finish_reasons=["length"])[0]
    assert cut.status == "truncated" and unsure_reason(r"So \boxed{\text{Bob}}. Next, we", PROSE, cut) is None
    # nor one cut in the check after its answer, graded on that answer
    cut = grade([(r"So \boxed{\text{Bob}}", PROSE, None)], finish_reasons=["length"])[0]
    assert cut.status == "incorrect" and unsure_reason(r"So \boxed{\text{Bob}}", PROSE, cut) is None


def reply_by_answer(prompt: str) -> str | None:
    """EQUIVALENT where the response's end names Bob, DIFFERENT otherwise; no verdict for "mumble"; refused
    (HTTP 400) for "refuse"."""
    response = prompt.split("End of the response:")[1]
    if "refuse" in response:
        return None
    if "mumble" in response:
        return "I cannot tell."
    return "Same result.\nVERDICT: EQUIVALENT" if "Bob" in response else "No.\nVERDICT: **DIFFERENT**"


@pytest.fixture
def judge_server():
    server = ChatServer("judge-m", reply_by_answer)
    yield server
    server.httpd.shutdown()


def pairs_rows(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_pairs_send_only_unsure_rows_record_the_judge_and_cache_its_verdicts(tmp_path, judge_server):
    rows = [{"completion": c, "gold": g} for c, g, _ in ROWS]
    rows += [{"completion": ROWS[0][0], "gold": PROSE},  # the same question again: asked once
             {"completion": r"\boxed{\text{mumble}}", "gold": PROSE},  # a reply without a verdict
             {"completion": r"\boxed{\text{refuse}}", "gold": PROSE}]  # a failed request
    pairs = write_jsonl(tmp_path / "pairs.jsonl", rows)
    plain, judged, cache = tmp_path / "plain.jsonl", tmp_path / "judged.jsonl", tmp_path / "cache.sqlite"
    assert main(["grade", "--pairs", str(pairs), "--out", str(plain), "--quiet"]) == 0
    args = ["grade", "--pairs", str(pairs), "--out", str(judged), "--quiet", "--cache", str(cache),
            "--judge", "judge-m", "--judge-url", judge_server.url]
    assert main(args) == 0
    before, after = pairs_rows(plain), pairs_rows(judged)
    unsure = [i for i, (_, _, reason) in enumerate(ROWS) if reason] + [len(ROWS) + 1, len(ROWS) + 2]
    assert len(judge_server.prompts) == len(unsure)  # the repeated row asked once, sure rows never
    assert all("Reference answer:" in p for p in judge_server.prompts)
    for i, (b, a) in enumerate(zip(before, after, strict=True)):
        assert set(JUDGE_FIELDS) <= set(a) and not set(JUDGE_FIELDS) & set(b)  # every row says which judge
        assert a["judge_model"] == "judge-m" and a["judge_revision"].startswith("served:")
        verdict = {k: a[k] for k in b}
        if i not in unsure and i != len(ROWS):
            assert verdict == b  # a sure row: the rules' verdict, untouched
    assert sum(a["method"] == "judge" for a in after) == 6  # the 5 unsure of ROWS and the repeat, not the failures
    assert [a["correct"] for a in after[:5]] == [True, False, True, False, False]
    assert after[0]["detail"].startswith("judge judge-m (served:") and "prose_gold; the rules said incorrect" \
        in after[0]["detail"]
    assert after[2]["status"] == "correct" and "prose_answer; the rules said no_answer" in after[2]["detail"]
    mumble, refused = after[-2], after[-1]
    assert mumble["method"] == "math_verify" and mumble["status"] == "incorrect"  # the rule verdict stands
    assert mumble["detail"] == "judge failed (prose_gold): its reply has no VERDICT line"
    assert refused["status"] == "incorrect" and refused["detail"].startswith("judge failed (prose_gold): ")
    # again, with the cache: the decided rows are not asked again; the failures are
    asked = len(judge_server.prompts)
    assert main(args) == 0
    assert len(judge_server.prompts) == asked + 2 and pairs_rows(judged) == after


def test_a_judge_nobody_serves_is_one_line_before_anything_is_written(tmp_path, judge_server, capsys):
    pairs = write_jsonl(tmp_path / "pairs.jsonl", [{"completion": r"\boxed{\text{Bob}}", "gold": PROSE}])
    out = tmp_path / "out.jsonl"
    assert main(["grade", "--pairs", str(pairs), "--out", str(out), "--judge", "nope", "--judge-url",
                 judge_server.url]) == 2
    err = capsys.readouterr().err.strip()
    assert "--judge 'nope' is not served" in err and "judge-m" in err and len(err.splitlines()) == 1
    closed = judge_server.url.replace(str(judge_server.httpd.server_address[1]), "9")
    assert main(["grade", "--pairs", str(pairs), "--out", str(out), "--judge", "judge-m", "--judge-url", closed]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"passk grade: error: --judge-url {closed}: no OpenAI-compatible server answers") \
        and len(err.splitlines()) == 1
    assert main(["grade", "--pairs", str(pairs), "--judge-url", judge_server.url]) == 2
    assert "--judge-url goes with --judge MODEL" in capsys.readouterr().err
    assert not out.exists() and judge_server.prompts == []


def test_a_judged_run_says_so_in_score_and_compare(make_run, tmp_path, judge_server, capsys):
    texts = [r"\boxed{\text{Bob}}", r"\boxed{\text{Alice}}", r"\boxed{\text{Bob wins}}", r"\boxed{7}"]
    run = make_run({"p1": (PROSE, texts), "p2": ("7", [r"\boxed{7}", r"\boxed{8}"] * 2)})
    assert main(["grade", str(run.path), "--quiet"]) == 0
    plain = read_grades(run)
    assert set(plain[0]) == set(GRADE_SCHEMA.names)  # without --judge, the grade parts are as they were
    assert main(["score", str(run.path), "--out", str(tmp_path / "plain")]) == 0
    capsys.readouterr()
    shutil.copytree(run.path, tmp_path / "judged")
    assert main(["grade", str(tmp_path / "judged"), "--regrade", "--quiet", "--judge", "judge-m", "--judge-url",
                 judge_server.url]) == 0
    grades = {(g["problem_id"], g["sample_idx"]): g for g in read_grades(RunDir(tmp_path / "judged"))}
    assert set(next(iter(grades.values()))) == set(JUDGED_GRADE_SCHEMA.names)
    assert all(grades[("p1", i)]["method"] == "judge" for i in range(4))  # a prose gold: every mismatch is unsure
    assert [grades[("p1", i)]["correct"] for i in range(4)] == [True, False, True, False]
    assert all(g["method"] != "judge" for (pid, _), g in grades.items() if pid == "p2")
    assert len(judge_server.prompts) == 4
    assert main(["score", str(tmp_path / "judged")]) == 0
    out = capsys.readouterr().out
    assert "note: judge: 4 of 8 samples' verdicts came from a judge model" in out
    scores = json.loads((tmp_path / "judged" / "scores.json").read_text())
    assert scores["benchmarks"]["toy"]["judged_samples"] == 4 and "judge judge-m served:" in scores["graded_by"][0]
    assert json.loads((tmp_path / "plain" / "scores.json").read_text())["benchmarks"]["toy"]["judged_samples"] == 0
    assert main(["compare", str(run.path), str(tmp_path / "judged"), "--labels", "rules,judged", "--out",
                 str(tmp_path / "cmp")]) == 0
    err = capsys.readouterr().err
    assert "toy, judged: judge: 4 of 8 samples' verdicts came from a judge model" in err
    compare = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    assert {label: r["judged_samples"] for label, r in compare["benchmarks"]["toy"]["runs"].items()} == \
        {"rules": 0, "judged": 4}
    assert "graded_by" in compare["settings_differ"]
    assert "| verdicts from the judge (samples) | 0 | 4 |" in (tmp_path / "cmp" / "compare.md").read_text()


def test_run_resolves_the_judge_flags_and_refuses_the_url_alone(tiny_problems):
    from passk.generate.openai_backend import ServerConfig
    from passk.judge import JudgeConfig
    from passk.resolve import resolve_run

    given = {"data": str(tiny_problems), "problem_field": "question", "n": 2}
    assert resolve_run(given).configs[0].judge is None
    config = resolve_run({**given, "judge": "m", "judge_url": "http://127.0.0.1:9/v1"}).configs[0]
    assert config.judge == JudgeConfig("m", ServerConfig(base_url="http://127.0.0.1:9/v1"))
    assert resolve_run({**given, "judge": "m"}).configs[0].judge == JudgeConfig("m")
    with pytest.raises(ConfigError, match="--judge-url goes with --judge MODEL"):
        resolve_run({**given, "judge_url": "http://127.0.0.1:9/v1"})
    with pytest.raises(ConfigError, match="--judge-options goes with --judge MODEL"):
        resolve_run({**given, "judge_options": '{"chat_template_kwargs": {"enable_thinking": false}}'})
    options = resolve_run({**given, "judge": "m", "judge_options": '{"seed": 1}'}).configs[0].judge.options
    assert options == {"seed": 1}


def test_judge_is_refused_with_ray(make_run, judge_server, capsys):
    run = make_run({"p1": (PROSE, [r"\boxed{\text{Bob}}"])})
    assert main(["grade", str(run.path), "--ray", "--judge", "judge-m", "--judge-url", judge_server.url]) == 2
    assert "--judge asks its server from this machine" in capsys.readouterr().err


def test_grading_config_without_a_judge_is_unchanged():
    assert GradeConfig().judge is None and GradeConfig(extract=PAIRS_CONFIG).judge is None
