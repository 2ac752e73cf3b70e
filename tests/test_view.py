"""`passk view`: what the page's data files hold (the browser itself is tests/test_view_browser.py)."""

import json
import re

from passk.cli import main
from passk.view import answer_classes, write_view
from tests.test_audit import CLEAN, SUM, build_run, wrong


def read_js(path, call):
    """The JSON arguments of a data file's one call."""
    text = path.read_text()
    m = re.fullmatch(rf"{re.escape(call)}\((.*)\);\n", text, re.DOTALL)
    assert m, text[:200]
    return json.loads(f"[{m.group(1)}]")


def two_runs(tmp_path):
    a = build_run(tmp_path / "a", {
        "p": (SUM, "12", [CLEAN, r"The answer is obvious. \boxed{12}", wrong(1), wrong(1), "no idea",
                          {"completion": "7 + 5 = ", "finish_reason": "length"}]),
        "q": ("What is 2 + 2?", "4", [r"2 + 2 = 4: \boxed{4}"] * 6)})
    b = build_run(tmp_path / "b", {"p": (SUM, "12", [wrong(2)] * 6)})
    return a, b


def test_index_and_per_problem_files(tmp_path):
    a, b = two_runs(tmp_path)
    page = write_view([str(a.path), str(b.path)], tmp_path / "view", ["base", "rl"])
    assert page.read_text().count('<script src="data/index.js">') == 1
    assert (tmp_path / "view" / "viewer.js").is_file() and (tmp_path / "view" / "viewer.css").is_file()
    index = json.loads((tmp_path / "view" / "data" / "index.js").read_text()[len("window.PASSK_INDEX = "):-2])
    assert [r["label"] for r in index["runs"]] == ["base", "rl"]
    assert [(p["b"], p["id"]) for p in index["problems"]] == [("toy", "p"), ("toy", "q")]
    p, q = index["problems"]
    assert p["runs"][0] == {**p["runs"][0], "n": 6, "c": 2, "trunc": 1 / 6, "noans": 1 / 6, "flagged": 1,
                                 "maj": "12", "majCorrect": True, "majShare": 2 / 6, "distinct": 2}
    assert p["runs"][1]["c"] == 0 and p["runs"][1]["maj"] == "102"
    assert q["runs"][1] is None and not (tmp_path / "view" / "data" / "r1" / "1.js").exists()
    # the samples are not in the index: each problem's are in their own file
    assert "Seven plus five" not in (tmp_path / "view" / "data" / "index.js").read_text()
    key, data = read_js(tmp_path / "view" / "data" / "r0" / "0.js", "passkSamples")
    assert key == "r0/0" and len(data["samples"]) == 6
    first = data["samples"][0]
    assert first["c"] == CLEAN and first["c"][first["a"][0]:first["a"][1]] == "12" and first["a"][0] > CLEAN.index("= 12")
    assert data["samples"][1]["fl"].keys() == {"no_derivation"}
    assert [s["s"] for s in data["samples"]] == ["correct", "correct", "incorrect", "incorrect", "no_answer", "truncated"]


def test_answer_classes_follow_answer_key_gold_first_then_no_votes():
    samples = [{"answer_key": "5", "status": "incorrect", "extracted": "5"},
               {"answer_key": "<equivalent to gold>", "status": "correct", "extracted": "12"},
               {"answer_key": "5", "status": "incorrect", "extracted": "5.0"},
               {"answer_key": "5", "status": "incorrect", "extracted": "5"},
               {"answer_key": None, "status": "truncated", "extracted": None},
               {"answer_key": "<equivalent to gold>", "status": "correct", "extracted": "\\frac{24}{2}"}]
    classes, membership = answer_classes(samples)
    assert [(c["answer"], c["count"], c["correct"], c["vote"]) for c in classes] == [
        ("12", 2, True, True), ("5", 3, False, True), (None, 1, False, False)]
    assert classes[2]["label"] == "truncated" and membership == [1, 0, 1, 1, 2, 0]


def test_cli_writes_the_page_and_names_it(tmp_path, capsys):
    a, b = two_runs(tmp_path)
    assert main(["view", str(a.path), str(b.path), "--labels", "base,rl"]) == 0
    assert (a.path / "view" / "index.html").is_file() and "index.html" in capsys.readouterr().out
    assert main(["view", str(a.path), str(b.path), "--labels", "only-one"]) == 2
    assert main(["view", str(tmp_path / "nowhere")]) == 2
