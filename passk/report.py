"""report.md: the setup, the numbers with their intervals, and how to reproduce them."""

from __future__ import annotations

import shlex

from passk import metrics
from passk.jsonl import write_text_atomic
from passk.results import BenchmarkResult
from passk.rundir import RunDir


def write_report(run: RunDir, benchmarks: dict[str, BenchmarkResult]) -> None:
    """report.md in `run`: its manifest's setup (where it has one), then a section per benchmark."""
    manifest = run.read_manifest()
    settings = manifest.settings
    lines = ["# passk report", ""]
    if settings:
        sampling = settings.sampling
        lines += [
            f"- model: `{settings.model}` ({settings.model_fingerprint})",
            f"- backend: {settings.backend}; template: `{settings.template}`",
            f"- sampling: n = {settings.n}, temperature {sampling.temperature}, "
            f"top-p {sampling.top_p}, max tokens {sampling.max_tokens}, seed {settings.seed}",
            f"- data: {settings.dataset}",
        ]
        for shard, t in sorted(manifest.throughput.items()):
            lines.append(f"- throughput ({shard}): {t['samples']} samples, {t['tokens']} tokens in {t['seconds']:.0f} s "
                         f"= {t['tokens_per_s']:.0f} tokens/s")
        if manifest.history:
            lines.append(f"- command: `{shlex.join(manifest.history[-1]['command'])}`")
    lines.append("")
    for name, b in benchmarks.items():
        lines += [f"## {name}", "",
                  f"{b.n_problems} problems, {b.n_samples} samples; mean@n {b.mean_at_n.value:.3f} "
                  f"[{b.mean_at_n.low:.3f}, {b.mean_at_n.high:.3f}]; truncated (hit the token budget) "
                  f"{b.truncation_rate:.1%}; mean length {b.mean_num_tokens:.0f} tokens.", ""]
        lines += [f"**Warning:** {note.removeprefix('warning: ')}." for note in b.notes if note.startswith("warning:")]
        labels = [metrics.LABELS[m] for m in b.metrics]
        lines += ["| K | " + " | ".join(labels) + " |", "|---:|" + "---:|" * len(labels)]
        for k in b.k:
            lines.append(f"| {k} | " + " | ".join(f"{by_k[k].value:.3f} [{by_k[k].low:.3f}, {by_k[k].high:.3f}]"
                                                  for by_k in b.metrics.values()) + " |")
        lines += ["", "Statuses: " + ", ".join(f"{s} {v}" for s, v in b.status_counts.items() if v) + "."]
        if b.diversity:
            d = b.diversity
            tokens = (f"; mean token entropy {d.mean_token_entropy:.3f} nats (`passk entropy`)"
                      if d.mean_token_entropy is not None else "")
            lines.append(f"Answers per problem: {d.distinct_answers:.1f} distinct classes, answer entropy "
                         f"{d.answer_entropy_bits:.2f} bits{tokens}; maj@k - pass@k: " + ", ".join(
                             f"k = {k} {e.value:+.3f} [{e.low:+.3f}, {e.high:+.3f}]" for k, e in d.maj_minus_pass.items())
                         + ".")
        lines += [f"Note: {note}." for note in b.notes if not note.startswith("warning:")]
        lines.append("")
    from passk.audit import report_section  # audit.md beside this report: rare successes, flags, the browser

    lines += report_section(run, sorted({k for b in benchmarks.values() for k in b.k}))
    lines += [f"![Pass@K]({run.plot_png.name})", "",
              "Each cell: the mean over problems and its 95% percentile-bootstrap interval (problems resampled, "
              "1000 resamples, fixed seed). pass@k is the unbiased estimator of Chen et al. (2021); maj@k (cons@k) "
              "is exact over all k-subsets (ties split, no-answer samples do not vote); pass^k, G-Pass@k and "
              "mG-Pass@k are as docs/metrics.md defines them (mG-Pass@k as OpenCompass computes it).", ""]
    write_text_atomic(run.report_md, "\n".join(lines))
