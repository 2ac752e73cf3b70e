import json
from pathlib import Path

import pytest

from passk.rundir import SAMPLE_SCHEMA, RunDir, write_part


@pytest.fixture
def make_run(tmp_path):
    """A run directory with given golds and completions: {problem_id: (gold, [completions])}."""
    def make(problems: dict, benchmark: str = "toy", parts: int = 1, finish_reason: str = "stop") -> RunDir:
        run = RunDir(tmp_path / "run")
        run.write_problems([{"benchmark": benchmark, "problem_id": pid, "problem": f"q{pid}", "gold": gold}
                            for pid, (gold, _) in problems.items()])
        rows = [{"benchmark": benchmark, "problem_id": pid, "sample_idx": i, "completion": text,
                 "finish_reason": finish_reason, "num_tokens": len(text)}
                for pid, (_, texts) in problems.items() for i, text in enumerate(texts)]
        size = -(-len(rows) // parts)
        for p in range(parts):
            write_part(run.samples_dir / f"part-{p:05d}.parquet", rows[p * size:(p + 1) * size], SAMPLE_SCHEMA)
        return run
    return make


def write_jsonl(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


TINY_CHAT_TEMPLATE = ("{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}<|end|>{% endfor %}"
                      "{% if add_generation_prompt %}<|assistant|>{% endif %}")


DEFAULT_CHARS = "0123456789+-*/=()[]{}\\$.,:;!? abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\n"


def build_tiny_model(path: Path, chars: str = DEFAULT_CHARS, seed: int = 0) -> Path:
    """A randomly initialized Llama with a character-level tokenizer, both made here (no hub)."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, decoders
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    special = ["<unk>", "<pad>", "<eos>", "<|user|>", "<|assistant|>", "<|end|>"]
    vocab = {tok: i for i, tok in enumerate(special + list(chars))}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    tok.decoder = decoders.Fuse()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", pad_token="<pad>", eos_token="<eos>",
                                        additional_special_tokens=special[3:])
    tokenizer.chat_template = TINY_CHAT_TEMPLATE
    config = LlamaConfig(vocab_size=max(len(vocab), 16), hidden_size=128, intermediate_size=256, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=512,
                         bos_token_id=None, eos_token_id=vocab["<eos>"], pad_token_id=vocab["<pad>"])
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture
def tiny_problems(tmp_path) -> Path:
    return write_jsonl(tmp_path / "problems.jsonl",
                       [{"id": f"q{i}", "question": f"What is {i} + {i}?", "answer": str(2 * i)} for i in range(5)])
