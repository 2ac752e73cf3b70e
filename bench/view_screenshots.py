"""Screenshots of a `passk view` page in headless chromium: the problem table, then one problem's samples.

    python bench/view_screenshots.py VIEW_DIR/index.html OUT_PREFIX [--problem ID] [--run-b LABEL|none] [--flagged]

Writes OUT_PREFIX-table.png and OUT_PREFIX-problem.png. Without --problem it opens the problem with the fewest
correct samples that has any (the audit's first case) in run A.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("page")
    parser.add_argument("out_prefix")
    parser.add_argument("--problem", help="problem id to open")
    parser.add_argument("--run-b", help="label of the run shown beside run A, or `none`")
    parser.add_argument("--flagged", action="store_true", help="show only samples with audit flags")
    parser.add_argument("--size", default="1500,1100")
    args = parser.parse_args()

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from tests.test_view_browser import chromium

    with tempfile.TemporaryDirectory() as profile, chromium(Path(profile), args.size) as driver:
        driver.get(Path(args.page).resolve().as_uri())
        WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#problem-table tbody tr"))
        if args.run_b:
            Select(driver.find_element(By.ID, "run-b")).select_by_visible_text("(none)" if args.run_b == "none"
                                                                               else args.run_b)
        driver.save_screenshot(f"{args.out_prefix}-table.png")
        index = driver.execute_script("return window.PASSK_INDEX.problems.map(p => [p.id, p.runs[0] && p.runs[0].c])")
        if args.problem:
            target = next(i for i, (pid, _) in enumerate(index) if pid == args.problem)
        else:
            solved = [(c, i) for i, (_, c) in enumerate(index) if c]
            target = min(solved)[1] if solved else 0
        driver.execute_script(f"openProblem({target})")
        WebDriverWait(driver, 60).until(lambda d: d.execute_script("return document.body.dataset.loaded") == str(target))
        if args.flagged:
            driver.find_element(By.ID, "f-flagged").click()
        driver.save_screenshot(f"{args.out_prefix}-problem.png")
    print(f"wrote {args.out_prefix}-table.png and {args.out_prefix}-problem.png (problem {index[target][0]})")


if __name__ == "__main__":
    main()
