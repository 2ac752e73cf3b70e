"""Sampling settings, and the primitives `passk run`'s backends and the trainers' rollouts share
(passk.generate.sampling)."""

from dataclasses import replace

import pytest

from passk.errors import ConfigError
from passk.generate.sampling import SamplingConfig, hf_generate, pad_token_id, stable_seed, stop_token_ids


def test_stable_seed_is_a_fixed_31_bit_function_of_its_parts():
    # golden: a changed hash would silently change every resumed run's samples
    assert stable_seed(7, "toy", "q1", 8) == 1222425952
    assert stable_seed(0, "rollout", 3) == 232398655
    assert stable_seed(0, "rollout", 3) != stable_seed(0, "rollout", 4)
    assert all(0 <= stable_seed(i, "x") < 2 ** 31 for i in range(200))


@pytest.mark.parametrize("key,value,fragment", [
    ("temperature", -1.0, "temperature must be >= 0"), ("top_p", 0.0, "top_p must be in (0, 1]"),
    ("max_tokens", 0, "max_tokens must be >= 1"), ("top_k", -2, "top_k must be >= 0"),
    ("min_p", 1.5, "min_p must be in [0, 1]"), ("repetition_penalty", 0.0, "repetition_penalty must be > 0"),
    ("options", {"seed": 1}, "sampling options ['seed'] have their own flags")])
def test_a_bad_sampling_value_is_a_config_error_naming_its_key(key, value, fragment):
    with pytest.raises(ConfigError) as caught:
        SamplingConfig(**{key: value})
    assert fragment in str(caught.value)


def test_stop_ids_are_the_generation_configs_and_the_tokenizers_end_of_sequence(tiny_model):
    from transformers import AutoTokenizer, GenerationConfig

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    eos = tokenizer.eos_token_id
    assert stop_token_ids(GenerationConfig(eos_token_id=[eos, 40, 41]), tokenizer) == {eos, 40, 41}
    assert stop_token_ids(GenerationConfig(eos_token_id=40), tokenizer) == {eos, 40}  # as vLLM stops on both
    assert stop_token_ids(GenerationConfig(), tokenizer) == {eos}
    assert pad_token_id(tokenizer, frozenset({eos, 40})) == tokenizer.pad_token_id
    tokenizer.pad_token = None
    assert pad_token_id(tokenizer, frozenset({41, 40})) == 40


def test_hf_generate_is_seeded_locally_samples_in_eval_mode_and_stops_at_the_stop_ids(tiny_model):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    model = AutoModelForCausalLM.from_pretrained(tiny_model, dtype=torch.float32).train()
    ids = tokenizer(["1+2="] * 6, return_tensors="pt", add_special_tokens=False).input_ids
    mask = torch.ones_like(ids)
    sampling = SamplingConfig(temperature=1.0, top_p=1.0, max_tokens=16)
    digits = frozenset(tokenizer.convert_tokens_to_ids(list("0123456789")))
    pad = tokenizer.pad_token_id

    torch.manual_seed(123)
    expected_next_draw = torch.rand(3)
    torch.manual_seed(123)
    first = hf_generate(model, ids, mask, sampling, 5, digits, pad)
    assert torch.equal(torch.rand(3), expected_next_draw)  # the caller's RNG is untouched
    assert model.training  # put back in the mode it was in
    assert torch.equal(hf_generate(model, ids, mask, sampling, 5, digits, pad), first)
    assert not torch.equal(hf_generate(model, ids, mask, sampling, 6, digits, pad), first)
    assert torch.equal(hf_generate(model, ids, mask, replace(sampling, top_k=-1), 5, digits, pad), first)  # -1: off
    assert len({tuple(row) for row in first.tolist()}) > 1  # rows of one call are different samples
    ended = [row for row in first.tolist() if digits & set(row)]
    assert ended  # a row ends at its first stop id, then only padding follows
    for row in ended:
        end = next(i for i, t in enumerate(row) if t in digits)
        assert all(t == pad for t in row[end + 1:])
    greedy = hf_generate(model, ids, mask, SamplingConfig(temperature=0.0, max_tokens=16), 1, digits, pad)
    assert len({tuple(row) for row in greedy.tolist()}) == 1
