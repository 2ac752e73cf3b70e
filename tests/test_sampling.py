"""Sampling settings, and the primitives `passk run`'s backends and the trainers' rollouts share
(passk.generate.sampling)."""

import pytest

from passk.errors import ConfigError
from passk.generate.backends import SamplingConfig


@pytest.mark.parametrize("key,value,fragment", [
    ("temperature", -1.0, "temperature must be >= 0"), ("top_p", 0.0, "top_p must be in (0, 1]"),
    ("max_tokens", 0, "max_tokens must be >= 1"), ("top_k", -2, "top_k must be >= 0"),
    ("min_p", 1.5, "min_p must be in [0, 1]"), ("repetition_penalty", 0.0, "repetition_penalty must be > 0"),
    ("options", {"seed": 1}, "sampling options ['seed'] have their own flags")])
def test_a_bad_sampling_value_is_a_config_error_naming_its_key(key, value, fragment):
    with pytest.raises(ConfigError) as caught:
        SamplingConfig(**{key: value})
    assert fragment in str(caught.value)
