"""A run's per-token entropies (the first half of `passk entropy`): computed, stored next to its samples, read back.

A teacher-forced forward pass of the model (the run's own by default) over each prompt
and completion gives every completion token's entropy over the full vocabulary, at the
run's sampling temperature (the distribution the token was drawn from), through the
same chunked float32 function the trainers use. Completions are re-tokenized from their
text. One entropy part per sample part, written atomically, so the work resumes:

    RUN_DIR/entropy/<part>.parquet   benchmark, problem_id, sample_idx,
                                     token_start (character offsets, int32 list), entropy (float16 list)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import torch
from tqdm.auto import tqdm

from passk.analysis.entropy import token_entropy
from passk.errors import ConfigError, InputError
from passk.rundir import RunDir, read_part_table, read_sample_part, write_part

ENTROPY_SCHEMA = pa.schema([
    ("benchmark", pa.string()), ("problem_id", pa.string()), ("sample_idx", pa.int64()),
    ("token_start", pa.list_(pa.int32())), ("entropy", pa.list_(pa.float16())),
])


def run_model(run: RunDir) -> str:
    path = run.read_manifest().model_path
    if not path:
        raise InputError(f"{run.path}: the manifest names no model; pass --model")
    return path


def run_temperature(run: RunDir, asked: float | None) -> float:
    """The temperature the samples were drawn at, unless one is asked for; a greedy run needs one asked."""
    if asked is not None:
        if asked <= 0:
            raise ConfigError(f"--temperature must be > 0 for entropies, got {asked}")
        return asked
    settings = run.read_manifest().settings
    if settings is None:
        raise InputError(f"{run.path}: the manifest records no sampling settings; pass --temperature")
    if settings.sampling.temperature <= 0:
        raise ConfigError(f"{run.path} was sampled greedily (temperature 0), where every token's entropy is 0; "
                          f"pass --temperature T to measure the model's distribution at T")
    return settings.sampling.temperature


def prompts_of(run: RunDir, tokenizer) -> dict[tuple[str, str], str]:
    """The rendered prompt of every problem (re-rendered from the manifest's template for older runs)."""
    from passk.prompts import get_template

    template = None
    out = {}
    for key, row in run.read_problems().items():
        if "prompt" in row:
            out[key] = row["prompt"]
            continue
        settings = run.read_manifest().settings
        if settings is None:
            raise InputError(f"{run.problems}: rows have no rendered prompt and the manifest names no template")
        template = template or get_template(settings.template)
        out[key] = template.render(row["problem"], tokenizer)
    return out


def compute_entropies(run: RunDir, model: str | None = None, temperature: float | None = None, batch_size: int = 8,
                      chunk_size: int = 1024, progress: bool = True) -> int:
    """Fill RUN_DIR/entropy for every sample part not done yet; returns the number of samples processed."""
    run.require()
    with run.task_lock("entropy"):
        todo = [p for p in run.sample_parts() if not run.entropy_part_for(p).exists()]
        if not todo:
            return 0
        return _compute(run, todo, model or run_model(run), run_temperature(run, temperature), batch_size, chunk_size,
                        progress)


def _compute(run: RunDir, todo: list[Path], model_path: str, temperature: float, batch_size: int, chunk_size: int,
             progress: bool) -> int:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_path)
    if not tokenizer.is_fast:
        raise InputError(f"{model_path}: needs a fast tokenizer (character offsets map tokens to sentences)")
    lm = AutoModelForCausalLM.from_pretrained(model_path, dtype=torch.float32).eval()
    prompts = prompts_of(run, tokenizer)
    done = 0
    bar = tqdm(desc="entropy", unit="sample", disable=not progress)
    for part in todo:
        rows = read_sample_part(part)
        out = []
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]["completion"]))
        for start in range(0, len(order), batch_size):
            batch = [rows[i] for i in order[start: start + batch_size]]
            out.extend(_entropies(lm, tokenizer, batch, prompts, temperature, chunk_size))
            bar.update(len(batch))
        write_part(run.entropy_part_for(part), out, ENTROPY_SCHEMA)
        done += len(rows)
    bar.close()
    return done


def _entropies(lm, tokenizer, batch, prompts, temperature, chunk_size) -> list[dict]:
    encoded = []
    for row in batch:
        prompt_ids = tokenizer(prompts[(row["benchmark"], row["problem_id"])], add_special_tokens=False).input_ids
        completion = tokenizer(row["completion"], add_special_tokens=False, return_offsets_mapping=True)
        encoded.append((prompt_ids, completion.input_ids, [s for s, _ in completion.offset_mapping]))
    width = max(len(p) + len(c) for p, c, _ in encoded)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    ids = torch.full((len(batch), max(width, 1)), pad)
    mask = torch.zeros_like(ids)
    for i, (p, c, _) in enumerate(encoded):  # right padding: positions need no correction
        ids[i, : len(p) + len(c)] = torch.tensor(p + c)
        mask[i, : len(p) + len(c)] = 1
    with torch.no_grad():
        logits = lm(input_ids=ids, attention_mask=mask).logits
    out = []
    for i, (row, (p, c, starts)) in enumerate(zip(batch, encoded, strict=True)):
        if c:
            # the token at position t is predicted by the logits at t - 1
            h = token_entropy(logits[i, len(p) - 1: len(p) + len(c) - 1], temperature, chunk_size).numpy()
        else:
            h = np.zeros(0, dtype=np.float32)
        out.append({"benchmark": row["benchmark"], "problem_id": row["problem_id"], "sample_idx": row["sample_idx"],
                    "token_start": starts, "entropy": h.astype(np.float16).tolist()})
    return out


def read_entropies(run: RunDir) -> list[dict]:
    parts = run.entropy_parts()
    if not parts:
        raise InputError(f"{run.path}: no entropies yet; run `passk entropy {run.path}`")
    return [r for p in parts for r in read_part_table(p)]
