"""The shared labelled cases (../shared/grading/cases.jsonl) as a regression suite, beside plain Math-Verify.

Floors are today's figures; the lists pin every false positive and every row where plain Math-Verify
accepts and passk rejects without a named reason, so a new one fails here with its id.
"""

import io
from pathlib import Path

import pytest

from passk.grade import GradeConfig, extract_config
from passk.grade.agreement import CheckReport, check_pairs
from passk.grade.pairs import PairFields, grade_pairs

CASES = Path(__file__).resolve().parents[2] / "shared" / "grading" / "cases.jsonl"

AGREEMENT_FLOORS = {"unit_test_assertion": 0.91, "llm_judge_gpt4o": 0.595, "llm_prompt_example": 1.0}
# all marked in the file's `caveat`: an order-free list read as a set; a \( \) span over lines; a gold whose
# "\text" a non-raw string turned into a tab, which we repair (the source labels the damaged string)
PINNED_FALSE_POSITIVES = {"hendrycks-0009", "mv-0030", "mv-0185"}
# labelled right, Math-Verify accepts, passk rejects with no named reason: prose answers in \text (omniB) and
# degrees Celsius per hour (a gold offering two forms joined by "OR", omniB-0276, is read since issue 19)
PINNED_BELOW_MATH_VERIFY = {"omniB-0267", "omniB-0342", "omniB-0490"}


@pytest.fixture(scope="module")
def report() -> CheckReport:
    assert CASES.is_file(), f"{CASES} is missing: the shared labelled cases sit beside the repository"
    config = GradeConfig(workers=2, extract=extract_config("free"))
    rows = grade_pairs(str(CASES), io.StringIO(), config, PairFields(), progress=False)
    return check_pairs(rows, PairFields(), "label_origin")


def test_agreement_floors(report):
    for origin, floor in AGREEMENT_FLOORS.items():
        counts = report.groups[origin]
        assert counts["agree"] / counts["rows"] >= floor, (origin, counts)


def test_at_least_as_good_as_math_verify_on_every_origin(report):
    for origin, counts in report.groups.items():
        assert counts["agree"] >= counts["mv_agree"], (origin, counts)


def test_false_positives_are_pinned(report):
    assert {r["id"] for r in report.mismatches if r["correct"]} == PINNED_FALSE_POSITIVES


def test_every_rejection_below_math_verify_is_named_or_pinned(report):
    assert {r["id"] for r in report.below_reference} == PINNED_BELOW_MATH_VERIFY


# The team's red-team rows (tests/data/grading_redteam.jsonl): completions built to fool a grader, each with the
# answer form its prompt asked for. Pinned: the false positives left (two boxed parts of which the model
# rejected one; an unmarked later value; an aside in free form; and, since issue 19, an exact value within
# rounding of a decimal gold of 3+ significant digits, as documented: 22/7 for 3.14, sqrt(156) for 12.5).
REDTEAM = Path(__file__).parent / "data" / "grading_redteam.jsonl"
REDTEAM_FALSE_POSITIVES = {"kp1", "kp2", "kp3", "m07", "m22", "ib3", "ft7", "gp1", "gp2", "m12"}
REDTEAM_FLOORS = {"boxed": 0.93, "free": 0.95, "answer_line": 0.86}


@pytest.mark.parametrize("form", sorted(REDTEAM_FLOORS))
def test_redteam_rows(form, tmp_path):
    rows = [line for line in REDTEAM.read_text().splitlines() if f'"form": "{form}"' in line]
    path = tmp_path / f"{form}.jsonl"
    path.write_text("\n".join(rows) + "\n")
    graded = grade_pairs(str(path), io.StringIO(), GradeConfig(workers=2, extract=extract_config(form)),
                         PairFields(), progress=False)
    report = check_pairs(graded, PairFields(), "category")
    counts = report.groups["all"]
    assert counts["agree"] / counts["rows"] >= REDTEAM_FLOORS[form], counts
    assert {r["id"] for r in report.mismatches if r["correct"]} <= REDTEAM_FALSE_POSITIVES
    assert {r["id"] for r in report.below_reference} <= {"tw6"}  # "2 \\text{ times as large}": times may multiply


# Written by a teammate who never read the grader, and measured once untouched (94.4% against Math-Verify's
# 70.3%; see the grading issue's note); kept since as a regression suite. Each row names its prompt's template.
HELDOUT = Path(__file__).parent / "data" / "grading_heldout_v1.jsonl"
HELDOUT_FORMS = {"qwen-boxed": "boxed", "dapo": "answer_line", "none": "free"}


@pytest.mark.parametrize("template", sorted(HELDOUT_FORMS))
def test_heldout_v1_rows(template, tmp_path):
    import json

    rows = [json.loads(line) for line in HELDOUT.read_text().splitlines()]
    rows = [{**r, "completion": r["pred"]} for r in rows if r["template"] == template]
    path = tmp_path / f"{template}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = GradeConfig(workers=2, extract=extract_config(HELDOUT_FORMS[template]))
    graded = grade_pairs(str(path), io.StringIO(), config, PairFields(), progress=False)
    report = check_pairs(graded, PairFields(), "category")
    counts = report.groups["all"]
    assert counts["agree"] / counts["rows"] >= 0.97, counts
    assert counts["false_positive"] <= 1 and not report.below_reference, [r["id"] for r in report.mismatches]
