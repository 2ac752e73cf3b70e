"""`passk likelihood`: the log-likelihood of a run's samples under another model (teacher forced).

Were the trained model's correct samples already likely under the base model (Yue et al. 2025)? A
teacher-forced forward pass of the scoring model over each prompt and completion gives every completion
token's log-probability at temperature T (default 1: the model's own distribution), through a chunked
float32 log-softmax like `passk entropy`'s, so memory is the logits plus chunk x vocabulary floats.
Completions are re-tokenized from their text with the scoring model's tokenizer. One part per sample part,
written atomically, so the work resumes; each scoring model has its own folder:

    RUN_DIR/likelihood/<model tag>/<part>.parquet   benchmark, problem_id, sample_idx, num_tokens, logprob_sum

likelihood.json summarizes: per-token log-likelihood and perplexity over all samples, correct samples,
and the rest, with the mean per-sample perplexity.
"""

from __future__ import annotations

import hashlib
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import torch
from tqdm.auto import tqdm

from passk.analysis.run_entropies import prompts_of, run_model
from passk.errors import ConfigError, InputError
from passk.rundir import RunDir, read_grades, read_part_table, read_sample_part, write_part

LIKELIHOOD_SCHEMA = pa.schema([
    ("benchmark", pa.string()), ("problem_id", pa.string()), ("sample_idx", pa.int64()),
    ("num_tokens", pa.int64()), ("logprob_sum", pa.float64()),
])


def token_logprob(logits: torch.Tensor, targets: torch.Tensor, temperature: float = 1.0,
                  chunk_size: int = 1024) -> torch.Tensor:
    """log softmax(logits / temperature)[target] at every position: logits (..., vocab), targets (...) -> float32.

    Only `chunk_size` positions are expanded to float32 at once (a full log-softmax at vocabulary 151,936 and
    8,192 positions would hold several 5 GB copies)."""
    if temperature <= 0:
        raise ConfigError(f"temperature must be > 0, got {temperature}")
    if chunk_size < 1:
        raise ConfigError(f"chunk_size must be >= 1, got {chunk_size}")
    flat = logits.reshape(-1, logits.shape[-1])
    index = targets.reshape(-1)
    out = torch.empty(flat.shape[0], dtype=torch.float32, device=logits.device)
    for start in range(0, flat.shape[0], chunk_size):
        chunk = flat[start: start + chunk_size].float()
        if temperature != 1.0:
            chunk = chunk / temperature
        log_probs = torch.log_softmax(chunk, dim=-1)
        out[start: start + chunk_size] = log_probs.gather(1, index[start: start + chunk_size, None]).squeeze(1)
    return out.reshape(targets.shape)


def model_tag(model: str) -> str:
    """A folder name for a scoring model: its last path part, and a hash of the whole name."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(model.rstrip("/")).name)[:60] or "model"
    return f"{name}-{hashlib.sha1(model.encode()).hexdigest()[:8]}"


def likelihood_dir(run: RunDir, model: str) -> Path:
    return run.path / "likelihood" / model_tag(model)


def compute_likelihoods(run: RunDir, model: str | None = None, temperature: float = 1.0, batch_size: int = 8,
                        chunk_size: int = 1024, progress: bool = True) -> tuple[Path, int]:
    """Fill the scoring model's folder for every sample part not done yet: (the folder, samples processed)."""
    run.require()
    model = model or run_model(run)
    folder = likelihood_dir(run, model)
    with run.task_lock("likelihood"):
        todo = [p for p in run.sample_parts() if not (folder / (p.stem + ".parquet")).exists()]
        if not todo:
            return folder, 0
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(model)
        lm = AutoModelForCausalLM.from_pretrained(model, dtype=torch.float32).eval()
        prompts = prompts_of(run, tokenizer)
        done = 0
        bar = tqdm(desc="likelihood", unit="sample", disable=not progress)
        for part in todo:
            rows = read_sample_part(part)
            out = []
            order = sorted(range(len(rows)), key=lambda i: len(rows[i]["completion"]))
            for start in range(0, len(order), batch_size):
                batch = [rows[i] for i in order[start: start + batch_size]]
                out.extend(_likelihoods(lm, tokenizer, batch, prompts, temperature, chunk_size))
                bar.update(len(batch))
            write_part(folder / (part.stem + ".parquet"), out, LIKELIHOOD_SCHEMA)
            done += len(rows)
        bar.close()
        return folder, done


def _likelihoods(lm, tokenizer, batch, prompts, temperature, chunk_size) -> list[dict]:
    encoded = []
    for row in batch:
        prompt_ids = tokenizer(prompts[(row["benchmark"], row["problem_id"])], add_special_tokens=False).input_ids
        encoded.append((prompt_ids, tokenizer(row["completion"], add_special_tokens=False).input_ids))
    width = max(len(p) + len(c) for p, c in encoded)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    ids = torch.full((len(batch), max(width, 1)), pad)
    mask = torch.zeros_like(ids)
    for i, (p, c) in enumerate(encoded):  # right padding: positions need no correction
        ids[i, : len(p) + len(c)] = torch.tensor(p + c)
        mask[i, : len(p) + len(c)] = 1
    with torch.no_grad():
        logits = lm(input_ids=ids, attention_mask=mask).logits
    out = []
    for i, (row, (p, c)) in enumerate(zip(batch, encoded, strict=True)):
        total = 0.0
        if c:  # the token at position t is predicted by the logits at t - 1
            total = float(token_logprob(logits[i, len(p) - 1: len(p) + len(c) - 1], torch.tensor(c), temperature,
                                        chunk_size).double().sum())
        out.append({"benchmark": row["benchmark"], "problem_id": row["problem_id"], "sample_idx": row["sample_idx"],
                    "num_tokens": len(c), "logprob_sum": total})
    return out


def summarize(run: RunDir, folder: Path, model: str, temperature: float) -> dict[str, Any]:
    """Per-token log-likelihood and perplexity of all samples, the correct ones and the rest."""
    rows = [r for p in sorted(folder.glob("*.parquet")) for r in read_part_table(p)]
    if not rows:
        raise InputError(f"{folder}: no likelihoods yet")
    correct = {(g["benchmark"], g["problem_id"], g["sample_idx"]): g["status"] == "correct" for g in read_grades(run)}

    def block(selected: list[dict]) -> dict[str, Any]:
        tokens = sum(r["num_tokens"] for r in selected)
        total = sum(r["logprob_sum"] for r in selected)
        per_sample = [math.exp(-r["logprob_sum"] / r["num_tokens"]) for r in selected if r["num_tokens"]]
        return {"samples": len(selected), "tokens": tokens,
                "logprob_per_token": total / tokens if tokens else None,
                "perplexity": math.exp(-total / tokens) if tokens else None,
                "median_sample_perplexity": float(np.median(per_sample)) if per_sample else None}

    key = lambda r: (r["benchmark"], r["problem_id"], r["sample_idx"])  # noqa: E731
    return {"model": model, "temperature": temperature, "all": block(rows),
            "correct": block([r for r in rows if correct.get(key(r)) is True]),
            "not_correct": block([r for r in rows if correct.get(key(r)) is False]),
            "ungraded": sum(key(r) not in correct for r in rows)}
