"""Peak memory of `passk likelihood`'s kernel against `passk entropy`'s, at Qwen's vocabulary and 8,192 positions.

Each kernel runs in its own process on the CPU and reports the growth of its peak resident memory over
the bf16 logits it was given (batch 1). The two should share one ceiling: the logits plus chunk x vocabulary
float32 copies.

    python bench/bench_likelihood_memory.py [--vocab 151936 --positions 8192 --chunk 1024]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def measure(variant: str, vocab: int, positions: int, chunk: int) -> dict:
    import torch

    logits = torch.randn(1, positions, vocab, dtype=torch.bfloat16)
    targets = torch.randint(0, vocab, (1, positions))
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    if variant == "likelihood":
        from passk.analysis.likelihood import token_logprob

        value = float(token_logprob(logits, targets, chunk_size=chunk).mean())
    else:
        from passk.analysis.entropy import token_entropy

        value = float(token_entropy(logits, chunk_size=chunk).mean())
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"variant": variant, "extra_peak_mib": (peak - baseline) / 1024, "logits_mib": logits.numel() * 2 / 2**20,
            "seconds": seconds, "mean": value}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vocab", type=int, default=151_936)
    parser.add_argument("--positions", type=int, default=8_192)
    parser.add_argument("--chunk", type=int, default=1024)
    parser.add_argument("--variant", choices=["likelihood", "entropy"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        print("RESULT " + json.dumps(measure(args.variant, args.vocab, args.positions, args.chunk)))
        return
    for variant in ("likelihood", "entropy"):
        out = subprocess.run([sys.executable, __file__, *sys.argv[1:], "--variant", variant], capture_output=True, text=True)
        line = next((text for text in out.stdout.splitlines() if text.startswith("RESULT ")), None)
        if line is None:
            print(f"{variant}: failed (exit {out.returncode}) {out.stderr[-500:]}")
            continue
        r = json.loads(line[7:])
        print(f"{variant:>10}: peak +{r['extra_peak_mib']:,.0f} MiB over {r['logits_mib']:,.0f} MiB of bf16 logits, "
              f"{r['seconds']:.1f} s")


if __name__ == "__main__":
    main()
