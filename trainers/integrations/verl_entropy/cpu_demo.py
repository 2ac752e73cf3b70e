"""Inputs for running launch_grpo.sh on CPU: a tiny warm-started model and verl parquet files, built here.

    python -m trainers.integrations.verl_entropy.cpu_demo --out /tmp/verl-cpu

writes OUT/model (a 2-layer character-level Llama taught the "digit" task for a few supervised steps, so
that it answers some prompts right and some wrong: GRPO's groups then have non-zero advantages) and
OUT/train.parquet, OUT/val.parquet (synthetic "digit" problems with the "plain" template, whose bare
completion is the answer, in prepare_data.py's layout). The model's chat template passes the prompt
through unchanged, so verl's chat-formatted prompt is the text the warm start taught.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from trainers.integrations.verl_entropy.prepare_data import verl_rows
from trainers.tasks import synthetic_item
from trainers.tiny import build_char_model, supervised_warm_start

TASK, TEMPLATE = "digit", "plain"
PASSTHROUGH_TEMPLATE = "{% for m in messages %}{{ m['content'] }}{% endfor %}"


# 30 supervised steps: about 46% right at temperature 1.0, so that few GRPO groups of 4 are all right or all wrong
# (at 12 steps, 14%: whole 4 x 4 batches of zero advantages, and no shaping to see, came about one step in ten)
WARM_STEPS = 30


def build_model(path: Path, warm_steps: int = WARM_STEPS, seed: int = 0) -> Path:
    from transformers import AutoTokenizer

    build_char_model(path, "0123456789=", hidden_size=64, seed=seed)
    tokenizer = AutoTokenizer.from_pretrained(path)
    tokenizer.chat_template = PASSTHROUGH_TEMPLATE
    tokenizer.save_pretrained(path)
    supervised_warm_start(path, TASK, steps=warm_steps, batch_size=32, seed=seed)
    return path


def write_data(path: Path, count: int, seed: int) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(seed)
    items = [synthetic_item(TASK, rng, i) for i in range(count)]
    pq.write_table(pa.Table.from_pylist(verl_rows(items, TEMPLATE, f"synthetic-{TASK}")), path)
    return path


def build(out: Path, train_count: int = 64, val_count: int = 8) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    return {"model": build_model(out / "model"), "train": write_data(out / "train.parquet", train_count, seed=1),
            "val": write_data(out / "val.parquet", val_count, seed=2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    for name, path in build(Path(args.out)).items():
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
