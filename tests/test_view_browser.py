"""The sample browser in a real headless chromium (Debian's `chromium` and `chromium-driver`, driven by selenium):
open a problem, filter its samples, switch runs; from a file:// URL and from `python -m http.server`."""

import functools
import http.server
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from passk.view import write_view
from tests.test_view import two_runs

# the flags this closed network needs: without them chromium stalls on updates, sync and first-run pages
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage")


@contextmanager
def chromium(profile: Path, size: str = "1400,1000"):
    """A selenium driver on Debian's chromium; a missing browser is a failure, not a skip (CI installs it)."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail("selenium is missing: pip install selenium (the `test` extra)")
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not binary or not driver_path:
        pytest.fail("chromium and chromedriver are missing: apt-get install -y chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS + (f"--user-data-dir={profile}", f"--window-size={size}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@contextmanager
def static_server(folder: Path):
    """What `python -m http.server` does, on a free port, in a thread."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    finally:
        server.shutdown()
        server.server_close()


def wait_for(driver, condition, timeout=20):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: condition(d))


def css(driver, selector):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def open_problem(driver, problem_id):
    row = next(r for r in css(driver, "#problem-table tbody tr") if f"{problem_id} " in r.text.split("\n")[0] + " ")
    row.click()
    wait_for(driver, lambda d: css(d, "#columns .run-col"))


def statuses(driver, run_col=0):
    return [s.get_attribute("data-status") for s in css(driver, f"#columns .run-col:nth-child({run_col + 1}) .sample")]


@pytest.fixture
def page(tmp_path):
    a, b = two_runs(tmp_path)
    return write_view([str(a.path), str(b.path)], tmp_path / "view", ["base", "rl"])


def test_open_filter_and_switch_runs_from_a_file_url(page, tmp_path):
    from selenium.webdriver.support.ui import Select

    with chromium(tmp_path / "profile") as driver:
        driver.get(page.as_uri())
        wait_for(driver, lambda d: len(css(d, "#problem-table tbody tr")) == 2)
        # sort by run A's pass rate: the first click sorts high to low (q: 6/6 before p: 2/6), the second reverses
        header = next(h for h in css(driver, "#problem-table th") if h.text.startswith("pass rate (base)"))
        header.click()
        assert [r.get_attribute("data-pi") for r in css(driver, "#problem-table tbody tr")] == ["1", "0"]
        next(h for h in css(driver, "#problem-table th") if h.text.startswith("pass rate (base)")).click()
        assert [r.get_attribute("data-pi") for r in css(driver, "#problem-table tbody tr")] == ["0", "1"]
        assert css(driver, "#problem-table tbody tr")[0].find_element("css selector", ".f-trunc").text == "16.7%"

        open_problem(driver, "p")
        assert len(css(driver, "#columns .run-col")) == 2  # base and rl side by side
        assert statuses(driver, 0) == ["correct", "correct", "incorrect", "incorrect", "no_answer", "truncated"]
        assert statuses(driver, 1) == ["incorrect"] * 6
        marks = css(driver, "#columns .run-col:nth-child(1) .sample mark")
        assert marks[0].text == "12"  # the extracted answer, highlighted inside the completion
        assert "no_derivation" in css(driver, "#columns .run-col:nth-child(1) .sample")[1].text
        classes = [c.text for c in css(driver, "#columns .run-col:nth-child(1) .class")]
        assert classes[0] == "12 (gold) × 2" and classes[1] == "101 × 2"

        css(driver, "#f-correct")[0].click()  # hide correct samples
        wait_for(driver, lambda d: "correct" not in statuses(d, 0))
        assert statuses(driver, 0) == ["incorrect", "incorrect", "no_answer", "truncated"]
        css(driver, "#f-correct")[0].click()
        css(driver, "#f-flagged")[0].click()  # audit flags only
        wait_for(driver, lambda d: len(statuses(d, 0)) == 1)
        assert css(driver, "#columns .run-col:nth-child(1) .sample")[0].get_attribute("data-idx") == "1"
        css(driver, "#f-flagged")[0].click()
        css(driver, "#columns .run-col:nth-child(1) .class")[1].click()  # the class "101"
        wait_for(driver, lambda d: statuses(d, 0) == ["incorrect", "incorrect"])

        Select(css(driver, "#run-b")[0]).select_by_visible_text("(none)")
        wait_for(driver, lambda d: len(css(d, "#columns .run-col")) == 1)
        Select(css(driver, "#run-a")[0]).select_by_visible_text("rl")  # switch the run shown
        wait_for(driver, lambda d: statuses(d, 0) == ["incorrect"] * 6)
        assert css(driver, "#columns .run-col h3")[0].text.startswith("rl")

        css(driver, "#back")[0].click()
        wait_for(driver, lambda d: len(css(d, "#problem-table tbody tr")) == 2)
        # with run A = rl, problem q has no samples in it: its cells say so
        q = next(r for r in css(driver, "#problem-table tbody tr") if r.get_attribute("data-pi") == "1")
        assert q.find_element("css selector", ".f-rate").text == "-"
        assert driver.execute_script("return window.passkTimings.length") == 1


def test_the_same_folder_behind_a_static_server(page, tmp_path):
    with static_server(page.parent) as url, chromium(tmp_path / "profile") as driver:
        driver.get(url)
        wait_for(driver, lambda d: len(css(d, "#problem-table tbody tr")) == 2)
        open_problem(driver, "q")
        assert statuses(driver, 0) == ["correct"] * 6
        assert [c.text for c in css(driver, "#columns .run-col h3")] == ["base 6/6 correct, 1 distinct answers, 0 flagged"]
