"""The Python API: the same results as the CLI, from Python; `import passk` stays light."""

import json
import subprocess
import sys

import passk
from passk.cli import main
from tests.conftest import make_graded_run, write_jsonl


def test_import_passk_loads_no_heavy_library():
    code = ("import sys, passk; heavy = [m for m in ('pandas', 'torch', 'transformers', 'pyarrow', 'sympy') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_read_run_is_one_table_of_samples_problems_and_grades(make_run):
    run = make_run({"p1": ("4", ["so \\boxed{4}", "\\boxed{5}"]), "p2": ("x+1", ["no answer here"])})
    before = passk.read_run(run.path)
    assert list(before.columns) == ["benchmark", "problem_id", "sample_idx", "problem", "prompt", "completion",
                                    "finish_reason", "num_tokens", "gold", "extracted", "extract_rule", "status",
                                    "correct"]
    assert len(before) == 3 and before.status.isna().all()  # not graded yet: the samples are there
    assert main(["grade", str(run.path), "--quiet", "--workers", "1"]) == 0
    table = passk.read_run(run.path)
    rows = {(r.problem_id, r.sample_idx): r for r in table.itertuples()}
    assert rows[("p1", 0)].correct and rows[("p1", 0)].extracted == "4" and rows[("p1", 0)].gold == "4"
    assert rows[("p1", 1)].status == "incorrect" and rows[("p1", 1)].problem == "qp1"
    assert rows[("p2", 0)].status == "no_answer" and not rows[("p2", 0)].correct
    assert table.groupby("problem_id").correct.mean().to_dict() == {"p1": 0.5, "p2": 0.0}


def test_score_and_compare_equal_what_the_cli_writes(tmp_path):
    a = make_graded_run(tmp_path / "a", [0, 1, 3, 4], n=4)
    b = make_graded_run(tmp_path / "b", [1, 2, 4, 4], n=4, settings={"n": 4, "model": "other"})
    assert main(["score", str(a.path), "--k", "1,2,4"]) == 0
    scored = passk.scores(a.path, k=[1, 2, 4])
    assert scored.to_json() == json.loads(a.scores_json.read_text())
    assert scored.benchmarks["toy"].pass_at_k[1].value == (0 + 1 / 4 + 3 / 4 + 1) / 4
    assert main(["compare", str(a.path), str(b.path), "--labels", "base,rl", "--out", str(tmp_path / "cmp")]) == 0
    cli = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    api = json.loads(json.dumps(passk.compare_runs([a.path, b.path], labels=["base", "rl"]).to_json()))
    assert api == cli
    assert api["settings_differ"]["model"] == {"base": "m", "rl": "other"}


def test_grade_pairs_from_python_equals_grade_pairs_on_the_command_line(tmp_path):
    pairs = [{"gold": "1/2", "completion": "The answer is \\boxed{\\frac{1}{2}}"},
             {"gold": "3", "completion": "I think it is 4"},
             {"gold": "10", "completion": "so \\boxed{10", "finish_reason": "length"},
             {"gold": "x^2", "completion": "nothing"}]  # the bare fallback takes it: wrong, not absent
    path = write_jsonl(tmp_path / "pairs.jsonl", pairs)
    out = tmp_path / "graded.jsonl"
    assert main(["grade", "--pairs", str(path), "--out", str(out), "--quiet", "--workers", "1"]) == 0
    cli = [json.loads(line) for line in out.read_text().splitlines()]
    api = passk.grade_pairs([p["completion"] for p in pairs], [p["gold"] for p in pairs],
                      [p.get("finish_reason") for p in pairs], workers=1)
    keys = ("correct", "status", "extracted", "extract_rule", "method", "detail")
    assert [{k: r[k] for k in keys} for r in cli] == api
    assert [r["status"] for r in api] == ["correct", "incorrect", "truncated", "incorrect"]
    assert api[0]["correct"] and api[1]["extracted"] == "4"


def test_grade_pairs_reads_golds_as_the_pairs_file_does():
    """A list gold is a list of answers (not its repr, which reads as an interval); None is no gold."""
    import pytest

    from passk.errors import InputError

    api = passk.grade_pairs(["The answers are \\boxed{1, 2}", "\\boxed{4}"], [[1, 2], 4], workers=1)
    assert [r["status"] for r in api] == ["correct", "correct"]
    with pytest.raises(InputError, match=r"golds\[1\] is None"):
        passk.grade_pairs(["\\boxed{1}", "\\boxed{2}"], ["1", None], workers=1)

def test_version_and_list(capsys):
    try:
        main(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    assert capsys.readouterr().out.strip() == f"passk {passk.__version__}"
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    sections = out.split("templates:")
    assert "aime24" in sections[0] and "amc22_23" in sections[0]
    assert "qwen25-math-cot" in sections[1] and "rlvr-qwen-boxed" in sections[1] and "deepseek-r1" in sections[1]
    assert "entropy-adv" in out.split("presets:")[1] and "limit-of-rlvr" in out.split("presets:")[1]
