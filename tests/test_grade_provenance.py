"""Grades say what made them (grader fingerprint and policy); --regrade replaces them; bad golds are refused."""

import json

import pyarrow.parquet as pq
from conftest import write_jsonl

from passk.cli import main
from passk.grade.engine import grader_fingerprint


def test_grades_record_grader_and_policy_and_regrade_replaces_them(make_run, capsys):
    run = make_run({"p1": (r"\frac{1}{3}", [r"\boxed{0.333}", r"\boxed{\frac{1}{3}}"])})
    assert main(["grade", str(run.path), "--quiet"]) == 0
    rows = pq.read_table(next(run.grades_dir.glob("*.parquet"))).to_pylist()
    assert {(r["grader"], r["policy"]) for r in rows} == {(grader_fingerprint(), "strict")}
    assert [r["correct"] for r in rows] == [False, True]
    assert rows[0]["detail"].startswith("policy:")
    assert main(["grade", str(run.path), "--quiet", "--regrade", "--policy", "lenient"]) == 0
    rows = pq.read_table(next(run.grades_dir.glob("*.parquet"))).to_pylist()
    assert {r["policy"] for r in rows} == {"lenient"} and [r["correct"] for r in rows] == [True, True]
    assert "graded 2 new samples" in capsys.readouterr().out


def test_null_or_boolean_gold_is_an_input_error_naming_file_and_line(tmp_path, capsys):
    pairs = write_jsonl(tmp_path / "p.jsonl", [{"gold": "1", "completion": "1"}, {"gold": None, "completion": "None"}])
    assert main(["grade", "--pairs", str(pairs), "--quiet", "--out", str(tmp_path / "out.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "p.jsonl:2: field 'gold' is None" in err and "Traceback" not in err
    pairs = write_jsonl(tmp_path / "q.jsonl", [{"gold": True, "completion": "True"}])
    assert main(["grade", "--pairs", str(pairs), "--quiet"]) == 2


def test_numeric_and_list_golds_are_answers(tmp_path):
    pairs = write_jsonl(tmp_path / "p.jsonl", [{"gold": 27.0, "completion": "27"}, {"gold": [1, 2], "completion": "2, 1"}])
    out = tmp_path / "out.jsonl"
    assert main(["grade", "--pairs", str(pairs), "--quiet", "--out", str(out)]) == 0
    assert [json.loads(line)["correct"] for line in out.read_text().splitlines()] == [True, True]


def test_score_and_compare_say_when_graders_or_policies_differ(make_run, tmp_path, capsys):
    import shutil

    run = make_run({"p1": ("4", [r"\boxed{4}"] * 2), "p2": ("7", [r"\boxed{7}", r"\boxed{1}"])}, parts=2)
    assert main(["grade", str(run.path), "--quiet"]) == 0
    other = tmp_path / "other"
    shutil.copytree(run.path, other)
    next(iter(sorted(run.grades_dir.glob("*.parquet")))).unlink()
    assert main(["grade", str(run.path), "--quiet", "--policy", "lenient"]) == 0  # one part strict, one lenient
    assert main(["score", str(run.path), "--k", "1,2"]) == 0
    scores = json.loads(run.scores_json.read_text())
    assert len(scores["graded_by"]) == 2
    assert any("graded by 2 graders or policies" in note for note in scores["benchmarks"]["toy"]["notes"])
    assert "--regrade" in capsys.readouterr().out
    assert main(["grade", str(other), "--quiet", "--regrade", "--policy", "lenient"]) == 0
    assert main(["compare", str(run.path), str(other), "--labels", "mixed,lenient", "--out", str(tmp_path / "cmp")]) == 0
    result = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    assert "graded_by" in result["settings_differ"]
