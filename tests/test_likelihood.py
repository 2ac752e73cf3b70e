"""passk likelihood: chunked log-probabilities against a direct computation; stored sums against a forward pass."""

import json

import numpy as np
import pyarrow.parquet as pq
import pytest
import torch

from passk.analysis.likelihood import model_tag, token_logprob
from passk.cli import main
from passk.errors import ConfigError


@pytest.mark.parametrize("chunk", [1, 7, 1024])
def test_token_logprob_matches_a_full_log_softmax_at_every_chunk_size(chunk):
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 13, 50, generator=gen).to(torch.bfloat16)
    targets = torch.randint(0, 50, (2, 13), generator=gen)
    direct = torch.log_softmax(logits.double() / 0.7, -1).gather(-1, targets[..., None]).squeeze(-1)
    ours = token_logprob(logits, targets, 0.7, chunk)
    assert ours.dtype == torch.float32 and ours.shape == (2, 13)
    assert torch.allclose(ours.double(), direct, atol=1e-5)
    with pytest.raises(ConfigError, match="temperature must be > 0"):
        token_logprob(logits, targets, 0.0)


def test_model_tags_differ_for_different_paths_with_one_name():
    assert model_tag("/a/base") != model_tag("/b/base") and model_tag("/a/base").startswith("base-")


def test_likelihoods_match_a_direct_forward_pass(tiny_model, tiny_problems, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = tmp_path / "run"
    assert main(["run", "--data", str(tiny_problems), "--problem-field", "question", "--id-field", "id", "--model",
                 str(tiny_model), "--backend", "hf", "--out", str(out), "--n", "2", "--max-tokens", "12",
                 "--temperature", "1.0", "--quiet"]) == 0
    assert main(["likelihood", str(out), "--model", str(tiny_model), "--quiet"]) == 0
    folder = out / "likelihood" / model_tag(str(tiny_model))
    rows = [r for p in sorted(folder.glob("*.parquet")) for r in pq.read_table(p).to_pylist()]
    samples = {(r["problem_id"], r["sample_idx"]): r for p in sorted((out / "samples").glob("*.parquet"))
               for r in pq.read_table(p).to_pylist()}
    problems = {json.loads(line)["problem_id"]: json.loads(line) for line in (out / "problems.jsonl").read_text().splitlines()}
    tok = AutoTokenizer.from_pretrained(tiny_model)
    lm = AutoModelForCausalLM.from_pretrained(tiny_model).eval()
    assert len(rows) == len(samples) == 10
    for row in rows:
        p = tok(problems[row["problem_id"]]["prompt"], add_special_tokens=False).input_ids
        c = tok(samples[(row["problem_id"], row["sample_idx"])]["completion"], add_special_tokens=False).input_ids
        assert row["num_tokens"] == len(c)
        if not c:
            continue
        with torch.no_grad():
            logits = lm(input_ids=torch.tensor([p + c])).logits[0, len(p) - 1: len(p) + len(c) - 1]
        direct = torch.log_softmax(logits.double(), -1)[torch.arange(len(c)), torch.tensor(c)].sum().item()
        assert row["logprob_sum"] == pytest.approx(direct, abs=1e-3 * len(c))
    summary = json.loads((folder / "likelihood.json").read_text())
    tokens = sum(r["num_tokens"] for r in rows)
    assert summary["all"]["tokens"] == tokens
    assert summary["all"]["perplexity"] == pytest.approx(np.exp(-sum(r["logprob_sum"] for r in rows) / tokens))
    assert summary["correct"]["samples"] + summary["not_correct"]["samples"] == 10
    assert main(["likelihood", str(out), "--model", str(tiny_model), "--quiet"]) == 0  # resumes: nothing recomputed
