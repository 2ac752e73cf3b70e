"""Look before generating: the rendered prompts and whether they fit the model's context.

`passk run --dry-run` prints the first problems' prompts exactly as the backend would get
them, with only the tokenizer loaded, and the budget check below; preset runs check every
benchmark this way before the first model loads.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

DRY_RUN_SHOWN = 3  # prompts printed in full


@dataclass(frozen=True)
class Budget:
    """The longest prompt plus max_tokens against the model's context (None where it is unknown)."""
    longest_prompt_tokens: int
    max_tokens: int
    context: int | None

    @property
    def fits(self) -> bool:
        return self.context is None or self.longest_prompt_tokens + self.max_tokens <= self.context

    def warning(self, where: str) -> str | None:
        if self.fits:
            return None
        return (f"warning: {where}: the longest prompt ({self.longest_prompt_tokens} tokens) plus max_tokens "
                f"{self.max_tokens} is {self.longest_prompt_tokens + self.max_tokens}, beyond the model's context of "
                f"{self.context} tokens; completions will be cut (or refused) there; lower --max-tokens to "
                f"{max(self.context - self.longest_prompt_tokens, 0)} or use a longer-context model")


def model_context(model: str, max_model_len: int | None = None) -> int | None:
    """The context length the engine will use: --max-model-len, else the model config's positions."""
    if max_model_len:
        return max_model_len
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(model)
    config = getattr(config, "text_config", None) or config
    for key in ("max_position_embeddings", "max_seq_len", "n_positions", "seq_length"):
        value = getattr(config, key, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def prompt_tokens(prompts: dict[str, str], tokenizer) -> dict[str, int]:
    return {key: len(tokenizer(text, add_special_tokens=False).input_ids) for key, text in prompts.items()}


def budget(prompts: dict[str, str], tokenizer, max_tokens: int, context: int | None) -> Budget:
    lengths = prompt_tokens(prompts, tokenizer)
    return Budget(max(lengths.values(), default=0), max_tokens, context)


def warn(check: Budget, where: str) -> None:
    message = check.warning(where)
    if message:
        print(f"passk: {message}", file=sys.stderr)


def dry_run_text(benchmark: str, problems, prompts: dict[str, str], tokenizer, settings: dict, check: Budget,
                 shown: int = DRY_RUN_SHOWN) -> str:
    """What `--dry-run` prints: the first prompts verbatim (between marker lines) and the plan."""
    lengths = prompt_tokens({p.problem_id: prompts[p.problem_id] for p in problems[:shown]}, tokenizer)
    lines = []
    for p in problems[:shown]:
        lines += [f"----- {benchmark} problem {p.problem_id} (gold {p.gold!r}), {lengths[p.problem_id]} prompt tokens "
                  f"-----", prompts[p.problem_id], "----- end of prompt -----"]
    lines.append(f"{benchmark}: {len(problems)} problems x n {settings['n']} = {len(problems) * settings['n']} samples; "
                 + ", ".join(f"{k} {v}" for k, v in settings.items() if k != "n"))
    context = "unknown" if check.context is None else str(check.context)
    lines.append(f"longest prompt {check.longest_prompt_tokens} tokens + max_tokens {check.max_tokens} "
                 f"= {check.longest_prompt_tokens + check.max_tokens}; model context {context}"
                 + ("" if check.fits else "  <-- DOES NOT FIT"))
    return "\n".join(lines)


def dry_run(spec, problems, prompts: dict[str, str], tokenizer, model: str, max_model_len: int | None = None) -> dict:
    """Print the first prompts and the plan of one benchmark; returns the plan (nothing is written)."""
    check = budget(prompts, tokenizer, spec.max_tokens, model_context(model, max_model_len))
    settings = {"n": spec.n, "temperature": spec.temperature, "top_p": spec.top_p, "max_tokens": spec.max_tokens,
                "template": spec.template, "k": list(spec.k)}
    print(dry_run_text(spec.name, problems, prompts, tokenizer, settings, check))
    warn(check, spec.name)
    return {"benchmark": spec.name, "problems": len(problems), **settings,
            "longest_prompt_tokens": check.longest_prompt_tokens, "context": check.context, "fits": check.fits}
