"""Where training prompts come from: synthetic tasks, passk benchmarks, or a JSONL file.

Synthetic tasks are generated from a seeded local RNG, so a run's data is fixed by its seed:

  digit   "7=" -> "7": copy one digit (a sanity task a tiny model learns in tens of steps)
  arith   "3+4*2=" -> "11": short multi-step integer arithmetic, 2 to 3 operations on one-digit numbers
  addsub  "7-2+9=" -> "14": the same with + and - only (a tiny model can learn it; used by the CPU experiment)

Each item is (problem id, problem text, gold answer); the reward is the passk grader's verdict.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from passk.errors import ConfigError


@dataclass(frozen=True)
class Item:
    problem_id: str
    problem: str
    gold: str


SYNTHETIC = ("digit", "arith", "addsub")


def synthetic_item(task: str, rng: random.Random, index: int) -> Item:
    if task == "digit":
        d = rng.randrange(10)
        return Item(f"digit-{index}", f"{d}=", str(d))
    if task in ("arith", "addsub"):
        ops = rng.randint(2, 3)
        expr = str(rng.randrange(10))
        for _ in range(ops):
            expr += rng.choice("+-*" if task == "arith" else "+-") + str(rng.randrange(10))
        return Item(f"{task}-{index}", expr + "=", str(eval(expr)))  # noqa: S307 - digits and + - * only
    raise ConfigError(f"unknown synthetic task {task!r}; choose from {SYNTHETIC}")


class TaskSource:
    """Draws prompts: a synthetic stream, or uniformly (seeded) from a fixed list of problems."""

    def __init__(self, task: str, seed: int, problem_field: str = "problem", answer_field: str = "answer",
                 data_dir: str = "", holdout: str = ""):
        self.task = task
        self.rng = random.Random(seed)
        self.drawn = 0
        self.items: list[Item] | None = None
        # problems of a held-out evaluation file are never drawn for training
        self.holdout = _load_items(holdout, problem_field, answer_field, "") if holdout else []
        self.excluded = {i.problem for i in self.holdout}
        if task not in SYNTHETIC:
            self.items = [i for i in _load_items(task, problem_field, answer_field, data_dir)
                          if i.problem not in self.excluded]
            if not self.items:
                raise ConfigError(f"task {task!r} has no problems outside the holdout {holdout!r}")

    def draw(self, count: int) -> list[Item]:
        if self.items is None:
            out = []
            while len(out) < count:
                item = synthetic_item(self.task, self.rng, self.drawn + len(out))
                if item.problem not in self.excluded:
                    out.append(item)
        else:
            out = [self.items[self.rng.randrange(len(self.items))] for _ in range(count)]
        self.drawn += count
        return out

    def state(self) -> dict:
        return {"drawn": self.drawn, "rng": self.rng.getstate()}

    def restore(self, state: dict) -> None:
        self.drawn = state["drawn"]
        version, internal, gauss = state["rng"]
        self.rng.setstate((version, tuple(internal), gauss))


def _load_items(task: str, problem_field: str, answer_field: str, data_dir: str) -> list[Item]:
    from passk import data

    if Path(task).suffix in (".jsonl", ".json", ".parquet"):
        spec = data.custom_spec(task, problem_field, answer_field)
        problems, _ = data.load_problems(spec, data_file=task)
    else:
        problems, _ = data.load_problems(data.get_spec(task), data.data_dir_from_env(data_dir or None))
    return [Item(p.problem_id, p.problem, p.gold) for p in problems]
