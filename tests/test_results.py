"""Typed results: scores.json and compare.json read back to the same values, and score and compare agree."""

import json

import numpy as np
import pytest
from conftest import make_graded_run

from passk.cli import main
from passk.compare import compare_runs, load_run
from passk.errors import InputError
from passk.results import Comparison, RunScores, ScoreConfig
from passk.rundir import RunDir
from passk.score import score_run


def uneven_runs(tmp_path):
    """Two runs of 30 problems (enough that the order of a sum shows in the last bits), n = 8."""
    rng = np.random.default_rng(3)
    p = rng.uniform(0, 0.6, 30)
    a = make_graded_run(tmp_path / "a", rng.binomial(8, p), 8)
    b = make_graded_run(tmp_path / "b", rng.binomial(8, np.minimum(p + 0.2, 1)), 8)
    return a, b


def test_scores_json_reads_back_to_the_same_result(tmp_path):
    a, _ = uneven_runs(tmp_path)
    assert main(["score", str(a.path), "--k", "1,2,8"]) == 0
    written = json.loads(a.scores_json.read_text())
    scores = RunScores.read(a.scores_json)
    assert scores.to_json() == written and RunScores.from_json(scores.to_json(), "x") == scores
    toy = scores.benchmarks["toy"]
    assert toy.k == (1, 2, 8) and list(toy.pass_at_k) == [1, 2, 8] and toy.n_min == toy.n_max == 8
    assert toy.pass_at_k[1].low <= toy.pass_at_k[1].value <= toy.pass_at_k[1].high
    assert scores.config == ScoreConfig(k=(1, 2, 8))


def test_compare_json_reads_back_to_the_same_comparison(tmp_path):
    a, b = uneven_runs(tmp_path)
    assert main(["compare", str(a.path), str(b.path), "--labels", "base,rl", "--out", str(tmp_path / "cmp")]) == 0
    written = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    comparison = Comparison.from_json(written, "compare.json")
    assert comparison.to_json() == written
    solved = comparison.benchmarks["toy"].differences["rl - base"].solved_at_largest_k
    assert (solved.first, solved.other, solved.k) == ("base", "rl", 8)
    assert solved.both + solved.neither + len(solved.only_first) + len(solved.only_other) == 30


def test_score_and_compare_give_a_run_the_same_estimates(tmp_path):
    a, b = uneven_runs(tmp_path)
    config = ScoreConfig(k=(1, 2, 4, 8))
    scored = {run.path.name: score_run(run, config).benchmarks["toy"] for run in (a, b)}
    compared = compare_runs([load_run(str(a.path)), load_run(str(b.path))], config).benchmarks["toy"]
    for label in ("a", "b"):
        run = compared.runs[label]
        assert run.pass_at_k == scored[label].pass_at_k  # the same values and intervals, to the last bit
        assert run.maj_at_k == scored[label].maj_at_k and run.mean_at_n == scored[label].mean_at_n
        assert (run.mean_num_tokens, run.truncation_rate) == (scored[label].mean_num_tokens, scored[label].truncation_rate)


def test_scores_json_has_no_copy_of_the_manifest_and_older_files_still_read(tmp_path):
    a, _ = uneven_runs(tmp_path)
    assert main(["score", str(a.path)]) == 0
    written = json.loads(a.scores_json.read_text())
    assert "manifest" not in written and written["schema_version"] == 3
    older = {**written, "manifest": RunDir(a.path).read_manifest().to_json()}  # as versions before this one wrote it
    del older["graded_by"], older["schema_version"]
    older["benchmarks"] = {name: {k: v for k, v in b.items() if k != "judged_samples"}  # before judges (schema 2)
                           for name, b in written["benchmarks"].items()}
    assert RunScores.from_json(older, "old").benchmarks == RunScores.from_json(written, "new").benchmarks
    with pytest.raises(InputError, match="bad.json: not a passk scores.json"):
        RunScores.from_json({"benchmarks": {}}, "bad.json")
    with pytest.raises(InputError, match="no scores.json; run `passk score`"):
        RunScores.read(tmp_path / "nowhere" / "scores.json")
    with pytest.raises(InputError, match="newer.json: scores.json schema_version 4; this passk reads up to 3"):
        RunScores.from_json({**written, "schema_version": 4}, "newer.json")


def test_compare_with_every_k_above_n_is_a_clear_error(tmp_path, capsys):
    a, b = uneven_runs(tmp_path)
    assert main(["compare", str(a.path), str(b.path), "--k", "16,32", "--out", str(tmp_path / "cmp")]) == 2
    assert "every K exceeds the smallest number of samples per problem in toy (8)" in capsys.readouterr().err


def test_score_of_an_incomplete_run_warns_on_stderr_and_strict_refuses(tmp_path, capsys):
    run = make_graded_run(tmp_path / "a", [3, 1], 8, settings={"n": 16})  # 8 of the run's 16 samples so far
    assert main(["score", str(run.path), "--k", "1,4,16"]) == 0
    err = capsys.readouterr().err
    assert "2 problems have fewer than the run's n = 16 graded samples" in err
    assert "K 16 exceed the smallest number of samples per problem (8)" in err
    notes = json.loads(run.scores_json.read_text())["benchmarks"]["toy"]["notes"]
    assert any("fewer than the run's n = 16" in note for note in notes)
    run.scores_json.unlink()
    assert main(["score", str(run.path), "--strict"]) == 2
    assert "the run is incomplete (--strict)" in capsys.readouterr().err and not run.scores_json.exists()
    complete = make_graded_run(tmp_path / "b", [3, 1], 8)
    assert main(["score", str(complete.path), "--strict"]) == 0 and capsys.readouterr().err == ""


def test_truncation_above_five_percent_is_a_warning_in_every_table(tmp_path, capsys):
    from passk.rundir import GRADE_SCHEMA, read_part_table, write_part

    run = make_graded_run(tmp_path / "a", [3, 1, 0, 2], 8)
    part = run.grades_dir / "part.parquet"
    rows = read_part_table(part)
    for row in rows[:3]:  # 3 of 32 samples: 9.4%
        row["status"], row["correct"] = "truncated", False
    write_part(part, rows, GRADE_SCHEMA)
    assert main(["score", str(run.path)]) == 0
    out = capsys.readouterr()
    assert "9.4% of samples hit the token budget" in out.err and "truncated 9.4%" in out.out


def test_run_report_has_every_metric_with_its_interval(tmp_path):
    from passk.report import write_report

    run = make_graded_run(tmp_path / "a", [3, 1, 0, 8], 8)
    write_report(run, score_run(run).benchmarks)
    report = run.report_md.read_text()
    assert "| K | pass@k | maj@k (cons@k) | pass^k | G-Pass@k τ=0.25 |" in report
    row = next(line for line in report.splitlines() if line.startswith("| 8 |"))
    assert row.count("[") == 8  # eight metrics, each with its interval
    assert "truncated (hit the token budget) 0.0%" in report


def test_diversity_against_a_direct_computation(tmp_path):
    # make_graded_run: problem i has c correct answers ("1") and wrong answers w0, w1, w2 by sample index mod 3
    run = make_graded_run(tmp_path / "a", [6, 0], 6)
    d = score_run(run, ScoreConfig(k=(1, 6))).benchmarks["toy"].diversity
    # p0: one class of 6 -> 1 class, 0 bits; p1: w0, w1, w2 twice each -> 3 classes, log2(3) bits
    assert d.distinct_answers == pytest.approx(2.0)
    assert d.answer_entropy_bits == pytest.approx(np.log2(3) / 2)
    # maj@6 - pass@6: p0 1 - 1, p1 0 - 0
    assert d.maj_minus_pass[6].value == pytest.approx(0.0)
    assert main(["score", str(run.path), "--k", "1,6"]) == 0
    assert RunScores.read(run.scores_json).benchmarks["toy"].diversity == d


def test_mean_token_entropy_is_read_where_passk_entropy_stored_it(tmp_path):
    from passk.analysis.run_entropies import ENTROPY_SCHEMA
    from passk.rundir import read_part_table, write_part

    run = make_graded_run(tmp_path / "a", [2, 1], 4)
    assert score_run(run).benchmarks["toy"].diversity.mean_token_entropy is None
    part = run.sample_parts()[0]
    rows = [{"benchmark": r["benchmark"], "problem_id": r["problem_id"], "sample_idx": r["sample_idx"],
             "token_start": [0, 1], "entropy": [0.5, 1.5] if r["sample_idx"] else [1.0, 1.0]}
            for r in read_part_table(part)]
    write_part(run.entropy_part_for(part), rows, ENTROPY_SCHEMA)
    assert score_run(run).benchmarks["toy"].diversity.mean_token_entropy == pytest.approx(1.0)
