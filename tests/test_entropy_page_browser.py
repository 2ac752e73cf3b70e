"""entropy.html in a real headless browser: the tokens come out coloured by entropy."""

import shutil
import subprocess

import numpy as np
import pytest

from passk.analysis.entropy_report import Sample, _page

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium (Debian package `chromium`)")
def test_page_renders_coloured_tokens(tmp_path):
    from PIL import Image

    text = "First we add. Wait, let me check the sum again because it matters."
    starts = list(range(0, len(text), 3))
    entropy = np.linspace(0, 3, len(starts)).astype(np.float32)  # low to high across the text
    page = tmp_path / "entropy.html"
    page.write_text(_page([Sample(("b", "p", 0), text, starts, entropy, True)],
                          {"samples": 1, "tokens": len(starts), "mean_entropy": 1.5, "entropy_p80": 2.4}))
    shot = tmp_path / "shot.png"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1000,700",
                    page.as_uri()], check=True, capture_output=True, timeout=120)
    pixels = np.asarray(Image.open(shot).convert("RGB")).reshape(-1, 3).astype(int)
    red = (pixels[:, 0] > 200) & (pixels[:, 1] < 120) & (pixels[:, 2] < 120)  # the highest-entropy colour
    pale = (pixels[:, 0] > 240) & (pixels[:, 1] > 240) & (pixels[:, 2] < 235)  # the lowest-entropy colour
    assert red.sum() > 50 and pale.sum() > 50
