"""passk entropy: stored entropies against a direct computation; detectors on crafted text."""

import json
import math

import numpy as np
import pyarrow.parquet as pq
import pytest
import torch

from passk.analysis.entropy_report import Sample, compare_groups, sentences, token_texts
from passk.analysis.patterns import count_reflective, is_pivotal, is_reflective
from passk.cli import main


def test_entropies_match_a_direct_forward_pass(tiny_model, tiny_problems, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = tmp_path / "run"
    assert main(["run", "--data", str(tiny_problems), "--problem-field", "question", "--id-field", "id", "--model",
                 str(tiny_model), "--backend", "hf", "--out", str(out), "--n", "2", "--max-tokens", "12",
                 "--temperature", "1.0", "--quiet"]) == 0
    assert main(["entropy", str(out), "--temperature", "0.7", "--quiet"]) == 0
    rows = [r for p in sorted((out / "entropy").glob("*.parquet")) for r in pq.read_table(p).to_pylist()]
    samples = {(r["problem_id"], r["sample_idx"]): r for p in sorted((out / "samples").glob("*.parquet"))
               for r in pq.read_table(p).to_pylist()}
    problems = {json.loads(line)["problem_id"]: json.loads(line) for line in (out / "problems.jsonl").read_text().splitlines()}
    tok = AutoTokenizer.from_pretrained(tiny_model)
    lm = AutoModelForCausalLM.from_pretrained(tiny_model).eval()
    checked = 0
    for row in rows:
        text = samples[(row["problem_id"], row["sample_idx"])]["completion"]
        p = tok(problems[row["problem_id"]]["prompt"], add_special_tokens=False).input_ids
        c = tok(text, add_special_tokens=False).input_ids
        if not c:
            continue
        with torch.no_grad():
            logits = lm(input_ids=torch.tensor([p + c])).logits[0, len(p) - 1: len(p) + len(c) - 1] / 0.7
        probs = torch.softmax(logits.double(), -1)
        direct = -(probs * torch.log(probs)).sum(-1).numpy()
        assert np.allclose(np.asarray(row["entropy"], dtype=float), direct, atol=2e-2, rtol=1e-2)
        checked += 1
    assert checked > 0
    result = json.loads((out / "entropy.json").read_text())
    assert result["tokens"] == sum(len(r["entropy"]) for r in rows)
    page = (out / "entropy.html").read_text()
    assert "SAMPLES" in page and "<script>" in page
    assert main(["entropy", str(out), "--quiet"]) == 0  # resumes: nothing recomputed


@pytest.mark.parametrize("sentence,reflective", [
    ("Wait, that is not right.", True),
    ("Let me double-check the sum.", True),
    ("Let me recompute the area.", True),
    ("I made a mistake in step 2.", True),
    ("We verify that x = 3 works.", True),
    ("So the area is 12.", False),
    ("The checkerboard has 64 squares.", False),  # "check" inside another word
    ("Waiting times are exponential.", False),
])
def test_reflective_detector(sentence, reflective):
    assert is_reflective(sentence) is reflective


def test_reflective_counts_and_pivotal_tokens():
    assert count_reflective("Wait. Wait, let me check: check again.") == {"wait": 2, "check": 2}
    assert is_pivotal(" Therefore") and is_pivotal("because ") and not is_pivotal("therefor") and not is_pivotal("x")


def test_sentences_and_tokens_of_a_crafted_sample():
    text = "First add. Wait, check it.\nSo 5."
    starts = [0, 6, 10, 11, 16, 18, 23, 26, 27, 30, 31]
    ent = np.arange(len(starts), dtype=np.float32)
    sample = Sample(("b", "p", 0), text, starts, ent, True)
    assert "".join(token_texts(sample)) == text
    got = sentences(sample)
    assert [s for s, _ in got] == ["First add.", "Wait, check it.", "So 5."]
    assert got[0][1] == pytest.approx(np.mean([0, 1]))
    assert [is_reflective(s) for s, _ in got] == [False, True, False]


def test_compare_effect_sizes():
    out = compare_groups([3.0, 4.0, 5.0], [0.0, 1.0, 2.0], "high", "low")
    assert out["high"]["mean"] == 4.0 and out["p_greater"] == 1.0 and out["rank_biserial"] == 1.0
    same = compare_groups([1.0, 2.0], [1.0, 2.0], "a", "b")
    assert same["p_greater"] == pytest.approx(0.5) and math.isclose(same["rank_biserial"], 0.0, abs_tol=1e-12)
