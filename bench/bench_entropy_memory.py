"""Peak memory of the per-token entropy: chunked (trainers.core / passk.analysis) against a naive full softmax.

At Qwen's vocabulary (151,936) and 8,192 positions, batch 1, on the CPU. Each variant runs in
its own process and reports the growth of its peak resident memory over the logits it was given.

    python bench/bench_entropy_memory.py [--vocab 151936 --positions 8192 --chunk 1024]
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

    from passk.analysis.entropy import token_entropy

    logits = torch.randn(1, positions, vocab, dtype=torch.bfloat16)  # as a model hands them over
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    if variant == "chunked":
        entropy = token_entropy(logits, chunk_size=chunk)
    else:
        log_probs = torch.log_softmax(logits.float(), dim=-1)
        entropy = -(log_probs.exp() * log_probs).sum(-1)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"variant": variant, "extra_peak_mib": (peak - baseline) / 1024, "logits_mib": logits.numel() * 2 / 2**20,
            "seconds": seconds, "mean_entropy": float(entropy.mean())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vocab", type=int, default=151_936)
    parser.add_argument("--positions", type=int, default=8_192)
    parser.add_argument("--chunk", type=int, default=1024)
    parser.add_argument("--variant", choices=["chunked", "naive"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        print("RESULT " + json.dumps(measure(args.variant, args.vocab, args.positions, args.chunk)))
        return
    results = {}
    for variant in ("chunked", "naive"):
        out = subprocess.run([sys.executable, __file__, *sys.argv[1:], "--variant", variant], capture_output=True, text=True)
        line = next((text for text in out.stdout.splitlines() if text.startswith("RESULT ")), None)
        if line is None:
            print(f"{variant}: failed (exit {out.returncode}; killed for memory?) {out.stderr[-500:]}")
            continue
        r = results[variant] = json.loads(line[7:])
        print(f"{variant:>7}: peak +{r['extra_peak_mib']:,.0f} MiB over {r['logits_mib']:,.0f} MiB of bf16 logits, "
              f"{r['seconds']:.1f} s, mean entropy {r['mean_entropy']:.4f}")
    if len(results) == 2:
        print(f"chunked uses {results['naive']['extra_peak_mib'] / results['chunked']['extra_peak_mib']:.0f}x less "
              f"extra memory; same mean entropy: {abs(results['naive']['mean_entropy'] - results['chunked']['mean_entropy']) < 1e-3}")


if __name__ == "__main__":
    main()
