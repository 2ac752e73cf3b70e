"""What the verl launch script feeds verl: the data layout and passk's grader as the reward (main venv)."""

import json

import pyarrow.parquet as pq

from trainers.integrations.verl_entropy import prepare_data
from trainers.integrations.verl_entropy.reward import compute_score


def test_reward_is_the_passk_grader_plus_minus_one():
    info = {"template": "qwen-boxed"}
    assert compute_score("math", "so the answer is \\boxed{\\frac{1}{2}}", "0.5", info) == 1.0
    assert compute_score("math", "so the answer is \\boxed{3}", "0.5", info) == -1.0
    assert compute_score("math", "no box here: 0.5", "0.5", info) == -1.0  # qwen-boxed asks for a box
    assert compute_score("toy", "14", "14", {"template": "plain"}) == 1.0  # plain grades the bare answer


def test_prepare_data_writes_verl_rows(tmp_path):
    src = tmp_path / "problems.jsonl"
    src.write_text("".join(json.dumps({"q": f"What is {i} + {i}?", "a": str(2 * i)}) + "\n" for i in range(3)))
    out = tmp_path / "train.parquet"
    assert prepare_data.main(["--data", str(src), "--problem-field", "q", "--answer-field", "a", "--out", str(out)]) == 0
    rows = pq.read_table(out).to_pylist()
    assert len(rows) == 3
    row = rows[1]
    assert row["prompt"][0]["role"] == "user" and row["prompt"][0]["content"].startswith("What is 1 + 1?")
    assert "\\boxed" in row["prompt"][0]["content"]
    assert row["reward_model"] == {"style": "rule", "ground_truth": "2"}
    assert row["extra_info"]["template"] == "qwen-boxed" and row["data_source"] == "problems"
