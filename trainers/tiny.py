"""Tiny models for CPU experiments and tests: a character-level tokenizer and a small Llama, built
locally (no hub), plus a minimal supervised warm start so RL has a policy that sometimes succeeds."""

from __future__ import annotations

import random
from pathlib import Path

import torch

from trainers.tasks import synthetic_item

SPECIAL_TOKENS = ["<unk>", "<pad>", "<eos>", "<|user|>", "<|assistant|>", "<|end|>"]
CHAT_TEMPLATE = ("{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}<|end|>{% endfor %}"
                 "{% if add_generation_prompt %}<|assistant|>{% endif %}")


def build_char_model(path: str | Path, chars: str, hidden_size: int = 128, layers: int = 2, heads: int = 2,
                     seed: int = 0) -> Path:
    """A randomly initialized Llama and a one-token-per-character tokenizer, saved to `path`."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    vocab = {tok: i for i, tok in enumerate(SPECIAL_TOKENS + list(dict.fromkeys(chars)))}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    tok.decoder = decoders.Fuse()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", pad_token="<pad>", eos_token="<eos>",
                                        additional_special_tokens=SPECIAL_TOKENS[3:])
    tokenizer.chat_template = CHAT_TEMPLATE
    config = LlamaConfig(vocab_size=max(len(vocab), 16), hidden_size=hidden_size, intermediate_size=2 * hidden_size,
                         num_hidden_layers=layers, num_attention_heads=heads, num_key_value_heads=heads,
                         max_position_embeddings=512, bos_token_id=None, eos_token_id=vocab["<eos>"],
                         pad_token_id=vocab["<pad>"])
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = LlamaForCausalLM(config)
    path = Path(path)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def supervised_warm_start(path: str | Path, task: str, steps: int, batch_size: int = 64, lr: float = 3e-3,
                          seed: int = 0, exclude: set[str] | None = None) -> list[float]:
    """Teach the model at `path` a synthetic task by cross-entropy on the answer tokens; saves in place.

    Problems in `exclude` (held-out evaluation prompts) are never shown. Returns the loss per step.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    # linear decay to zero: a constant rate this high leaves the loss bouncing at the end
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1 - step / steps)
    rng = random.Random(seed)
    eos = tokenizer.eos_token_id
    losses = []
    for step in range(steps):
        items = []
        while len(items) < batch_size:
            item = synthetic_item(task, rng, step * batch_size + len(items))
            if not exclude or item.problem not in exclude:
                items.append(item)
        prompts = [tokenizer(i.problem, add_special_tokens=False).input_ids for i in items]
        answers = [tokenizer(i.gold, add_special_tokens=False).input_ids + [eos] for i in items]
        width = max(len(p) + len(a) for p, a in zip(prompts, answers, strict=True))
        ids = torch.full((batch_size, width), tokenizer.pad_token_id)
        labels = torch.full((batch_size, width), -100)
        mask = torch.zeros((batch_size, width), dtype=torch.long)
        for row, (p, a) in enumerate(zip(prompts, answers, strict=True)):
            ids[row, : len(p) + len(a)] = torch.tensor(p + a)
            labels[row, len(p): len(p) + len(a)] = torch.tensor(a)
            mask[row, : len(p) + len(a)] = 1
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        losses.append(loss.item())
    model.save_pretrained(path)
    return losses
