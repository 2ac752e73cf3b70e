"""Per-token entropy over the full vocabulary, in float32, a chunk of positions at a time.

A naive softmax over (tokens x vocabulary) materializes several float32 copies of the
logits: at a 151,936-token vocabulary and 8,192 positions that is 5 GB each. Here only
`chunk_size` positions are expanded at once, so peak memory is the logits themselves
plus chunk_size x vocabulary floats.
"""

from __future__ import annotations

import torch

from passk.errors import ConfigError


def token_entropy(logits: torch.Tensor, temperature: float = 1.0, chunk_size: int = 1024) -> torch.Tensor:
    """Entropy of softmax(logits / temperature) at every position: logits (..., vocab) -> (...), float32.

    The temperature is the sampler's: the entropy of the distribution the tokens were drawn from.
    """
    if temperature <= 0:
        raise ConfigError(f"temperature must be > 0, got {temperature}")
    if chunk_size < 1:
        raise ConfigError(f"chunk_size must be >= 1, got {chunk_size}")
    flat = logits.reshape(-1, logits.shape[-1])
    out = torch.empty(flat.shape[0], dtype=torch.float32, device=logits.device)
    for start in range(0, flat.shape[0], chunk_size):
        chunk = flat[start: start + chunk_size].float()
        if temperature != 1.0:
            chunk = chunk / temperature
        log_probs = torch.log_softmax(chunk, dim=-1)
        out[start: start + chunk_size] = -(log_probs.exp() * log_probs).sum(dim=-1)
    return out.reshape(logits.shape[:-1])
