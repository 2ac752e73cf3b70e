"""The one settings-diff that resume, merge, compare and the trainers' resume call."""

from passk.settings import describe_diff, settings_diff


def test_the_same_values_in_other_spellings_do_not_differ():
    saved = {"temperature": 1.0, "stop": ["</s>"], "engine": {"b": 2, "a": 1.0}}
    asked = {"temperature": 1, "stop": ("</s>",), "engine": {"a": 1, "b": 2.0}}  # TOML int, tuple, key order
    assert settings_diff({"run has": saved, "asked": asked}, saved) == {}


def test_differing_and_absent_keys_are_listed_with_their_values():
    diff = settings_diff({"run has": {"temperature": 0.6, "n": 4}, "asked": {"temperature": 1.0}},
                         ["temperature", "n"])
    assert diff == {"temperature": {"run has": 0.6, "asked": 1.0}, "n": {"run has": 4, "asked": None}}
    assert describe_diff(diff).splitlines() == ["  temperature: run has 0.6, asked 1.0", "  n: run has 4, asked null"]


def test_a_mismatch_names_the_keys_inside_a_table_and_sums_up_long_lists():
    saved = {"sampling": {"temperature": 0.6, "top_p": 0.95, "stop": []}, "problem_ids": [str(i) for i in range(50)]}
    asked = {"sampling": {"temperature": 1.0, "top_p": 0.95, "stop": []}, "problem_ids": [str(i) for i in range(20)]}
    diff = settings_diff({"run has": saved, "asked": asked}, ["sampling", "problem_ids"])
    assert describe_diff(diff).splitlines() == ["  sampling.temperature: run has 0.6, asked 1.0",
                                                '  problem_ids: run has 50 items (#20 is "20"), asked 20 items']
