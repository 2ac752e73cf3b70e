import json

import pytest
from conftest import write_jsonl

from passk.cli import main


def test_pairs_round_trip_keeps_order_and_extra_fields(tmp_path):
    pairs = write_jsonl(tmp_path / "pairs.jsonl", [
        {"id": i, "gold": "4", "completion": rf"\boxed{{{v}}}"} for i, v in enumerate([4, 5, "2+2", "five"])])
    out = tmp_path / "out.jsonl"
    assert main(["grade", "--pairs", str(pairs), "--out", str(out), "--quiet"]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == [0, 1, 2, 3]
    assert [r["correct"] for r in rows] == [True, False, True, False]
    assert rows[0]["extracted"] == "4" and rows[0]["extract_rule"] == "boxed"


def test_check_reports_and_fails_on_mismatch(tmp_path, capsys):
    cases = write_jsonl(tmp_path / "cases.jsonl", [
        {"id": "a", "gold": "1/2", "pred": "0.5", "expected": True, "label_origin": "team"},
        {"id": "b", "gold": "3", "pred": "4", "expected": False, "label_origin": "team"},
    ])
    assert main(["grade", "--pairs", str(cases), "--check", "--quiet"]) == 0
    assert "100.0%" in capsys.readouterr().out
    write_jsonl(cases, [{"id": "c", "gold": "3", "pred": "4", "expected": True, "label_origin": "judge"}])
    assert main(["grade", "--pairs", str(cases), "--check", "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "FALSE NEGATIVE id=c" in out and "judge" in out


def test_malformed_line_names_file_and_line(tmp_path, capsys):
    pairs = tmp_path / "bad.jsonl"
    pairs.write_text('{"gold": "1", "completion": "\\\\boxed{1}"}\n{"gold": 2, oops}\n')
    assert main(["grade", "--pairs", str(pairs), "--out", str(tmp_path / "o.jsonl"), "--quiet"]) == 2
    assert f"{pairs}:2: malformed JSON" in capsys.readouterr().err


def test_missing_field_is_named(tmp_path, capsys):
    pairs = write_jsonl(tmp_path / "p.jsonl", [{"gold": "1", "answer": "1"}])
    assert main(["grade", "--pairs", str(pairs), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert ":1: missing field(s) ['completion']" in err and "--completion-field" in err


def test_grade_and_score_a_run(make_run, capsys):
    run = make_run({"p1": ("4", [r"\boxed{4}"] * 3 + [r"\boxed{5}"]),
                    "p2": ("7", [r"\boxed{1}", r"\boxed{1}", "none", r"\boxed{7}"])}, parts=2)
    assert main(["grade", str(run.path), "--quiet"]) == 0
    assert len(list(run.grades_dir.glob("*.parquet"))) == 2
    assert main(["grade", str(run.path), "--quiet"]) == 0
    assert "nothing new to grade" in capsys.readouterr().out
    assert main(["score", str(run.path), "--k", "1,2,4"]) == 0
    assert "manifest" not in json.loads(run.scores_json.read_text())  # the settings are in manifest.json only
    scores = json.loads(run.scores_json.read_text())["benchmarks"]["toy"]
    assert scores["n_problems"] == 2 and scores["k"] == [1, 2, 4]
    assert scores["pass_at_k"]["1"] == pytest.approx((3 / 4 + 1 / 4) / 2)
    assert scores["pass_at_k"]["4"] == 1.0
    assert scores["mean_at_n"] == pytest.approx(0.5)
    assert scores["maj_at_k"]["4"] == pytest.approx(0.5)  # p1's majority is right, p2's ("1") wrong
    assert scores["status_counts"]["no_answer"] == 1
    assert {p["id"]: p["c"] for p in scores["problems"]} == {"p1": 3, "p2": 1}
    lo, hi = scores["ci95"]["1"]
    assert lo <= scores["pass_at_k"]["1"] <= hi
    assert run.scores_csv.read_text().startswith("benchmark,metric,k")
    assert main(["plot", str(run.path)]) == 0 and run.plot_png.stat().st_size > 1000


def test_score_notes_uneven_n_and_drops_large_k(make_run):
    run = make_run({"p1": ("1", [r"\boxed{1}"] * 4), "p2": ("1", [r"\boxed{1}"] * 2)})
    assert main(["grade", str(run.path), "--quiet"]) == 0
    assert main(["score", str(run.path), "--k", "1,2,4"]) == 0
    scores = json.loads(run.scores_json.read_text())["benchmarks"]["toy"]
    assert scores["k"] == [1, 2]
    assert any("left out" in note for note in scores["notes"])


def test_score_without_grades_is_a_clear_error(make_run, capsys):
    run = make_run({"p1": ("1", [r"\boxed{1}"])})
    assert main(["score", str(run.path)]) == 2
    assert "passk grade" in capsys.readouterr().err


def test_score_with_k_keeps_the_scores_a_report_was_made_from(make_run, capsys, tmp_path):
    run = make_run({"p1": ("4", ["\\boxed{4}"] * 4)})
    assert main(["grade", str(run.path), "--quiet"]) == 0 and main(["score", str(run.path)]) == 0
    run.report_md.write_text("# made from scores.json\n")
    made = run.scores_json.read_bytes()
    capsys.readouterr()
    assert main(["score", str(run.path), "--k", "1,2"]) == 2
    assert "scores with --k go where --out DIR says" in capsys.readouterr().err
    assert main(["score", str(run.path), "--k", "1,2", "--out", str(tmp_path / "k12")]) == 0
    assert run.scores_json.read_bytes() == made
    assert sorted(json.loads((tmp_path / "k12" / "scores.json").read_text())["benchmarks"]["toy"]["pass_at_k"]) == ["1", "2"]
